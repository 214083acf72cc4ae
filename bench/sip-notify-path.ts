/**
 * The SIP part of the presence hot path on its own: in-dialog NOTIFYs with a PIDF body handed to a
 * SipStack as its UDP transport would (parse, transport layer, transaction, dispatcher, Subscriber,
 * the 200 serialized and sent), with no sockets, no PIDF parsing and nothing above the Subscriber.
 *
 * Two numbers:
 * - CPU µs per NOTIFY (process.cpuUsage; the NOTIFY bytes are built before each measured round) on
 *   the SystemClock, so Timer J keeps every answered transaction in Completed as in production;
 * - heap bytes per non-INVITE transaction in Completed: heap used after BENCH_RETAINED NOTIFYs on a
 *   ManualClock that never fires Timer J, minus the heap before, over the count (after full GCs).
 *
 * Knobs: BENCH_DIALOGS (1000), BENCH_NOTIFIES per round (20000), BENCH_ROUNDS (5), BENCH_RETAINED
 * (100000), BENCH_T1 (ms; the RFC 3261 default 500 keeps Completed transactions 32 s).
 *
 * Ends with `BENCH {"name":"sip-notify-path","usPerNotify":…,"bytesPerCompleted":…}`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock } from '../src/lib/clock.ts';
import { ManualClock, SystemClock } from '../src/lib/clock.ts';
import { SipStack } from '../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../src/sip/api/sip-user-agent.ts';
import { printBench, printTable } from './lib.ts';
import { LoopbackNotifier, NOTIFIER } from './loopback-notifier.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

const BODY = '<?xml version="1.0" encoding="UTF-8"?>\r\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:u1@bench.test">'
  + '<tuple id="t1"><status><basic>open</basic></status></tuple></presence>';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A stack with `dialogs` active presence subscriptions through the loop-back notifier. */
async function setUp(clock: Clock, dialogs: number): Promise<{ wire: LoopbackNotifier; stack: SipStack; ua: SipUserAgent; notified: () => number }> {
  const wire = new LoopbackNotifier(() => BODY);
  const stack = await SipStack.listen({ transports: [wire], clock, ...(process.env.BENCH_T1 ? { T1: Number(process.env.BENCH_T1) } : {}) });
  const ua = new SipUserAgent({ stack, aor: 'sip:ucc@bench.test', clock, transport: 'udp', outboundProxy: `sip:${NOTIFIER.host}:${NOTIFIER.port}` });
  let notified = 0;
  for (let i = 0; i < dialogs; i++) {
    const sub = ua.createSubscriber(`sip:u${i}@bench.test`, { event: 'presence', accept: ['application/pidf+xml'] });
    sub.on('notify', () => notified++);
    void sub.subscribe();
  }
  for (let i = 0; i < 1000 && notified < dialogs; i++) await tick();
  if (notified < dialogs) throw new Error(`bench: ${notified} of ${dialogs} subscriptions active`);
  return { wire, stack, ua, notified: () => notified };
}

/** Builds `n` NOTIFYs round-robin over the dialogs (outside the measured time). */
function batch(wire: LoopbackNotifier, n: number, from: number): Buffer[] {
  const out: Buffer[] = [];
  for (let k = 0; k < n; k++) out.push(wire.notify((from + k) % wire.dialogs.length));
  return out;
}

async function cpuPerNotify(dialogs: number, perRound: number, rounds: number): Promise<number[]> {
  const { wire, stack, ua, notified } = await setUp(new SystemClock(), dialogs);
  const out: number[] = [];
  let next = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      const datagrams = batch(wire, perRound, next);
      next += perRound;
      const n0 = notified();
      const a0 = wire.answered;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < datagrams.length; i++) {
        wire.deliver(datagrams[i] as Buffer);
        if ((i & 63) === 63) await tick(); // let sends and timers run as the event loop would
      }
      await tick();
      const cpu = process.cpuUsage(cpu0);
      if (notified() - n0 !== perRound || wire.answered - a0 !== perRound) throw new Error(`bench: ${notified() - n0} notified, ${wire.answered - a0} answered of ${perRound}`);
      out.push((cpu.user + cpu.system) / perRound);
    }
  } finally {
    await ua.close().catch(() => undefined);
    await stack.close();
  }
  return out;
}

async function bytesPerCompleted(dialogs: number, count: number): Promise<number> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const clock = new ManualClock(0);
  const { wire, stack, ua } = await setUp(clock, dialogs);
  try {
    const chunk = 10_000;
    const datagrams: Buffer[][] = [];
    for (let done = 0; done < count; done += chunk) datagrams.push(batch(wire, Math.min(chunk, count - done), done));
    gc();
    gc();
    const held0 = stack.transactionCount.completedNonInvite;
    const before = process.memoryUsage().heapUsed;
    for (const b of datagrams) {
      for (const d of b) wire.deliver(d);
      await tick();
    }
    datagrams.length = 0;
    gc();
    gc();
    const after = process.memoryUsage().heapUsed;
    const held = stack.transactionCount.completedNonInvite - held0;
    if (held !== count) throw new Error(`bench: ${held} in Completed, expected ${count}`);
    return (after - before) / count;
  } finally {
    await ua.close().catch(() => undefined);
    await stack.close();
  }
}

export default async function run(): Promise<void> {
  const dialogs = env('BENCH_DIALOGS', 1000);
  const perRound = env('BENCH_NOTIFIES', 20_000);
  const rounds = env('BENCH_ROUNDS', 5);
  const retained = env('BENCH_RETAINED', 100_000);
  const us = await cpuPerNotify(dialogs, perRound, rounds);
  const bytes = await bytesPerCompleted(dialogs, retained);
  const rows = us.map((v, i) => [i + 1, perRound, Math.round(v * 10) / 10]);
  console.log(`${dialogs} dialogs; CPU of this process per in-dialog NOTIFY (first round warms the JIT)`);
  printTable(['round', 'NOTIFYs', 'cpu µs/NOTIFY'], rows);
  const steady = us.slice(1).sort((a, b) => a - b);
  const median = steady[Math.floor(steady.length / 2)] ?? us[0] ?? 0;
  console.log(`heap per transaction in Completed: ${Math.round(bytes)} bytes (${retained} NOTIFYs, Timer J never fired)`);
  printBench('sip-notify-path', { dialogs, usPerNotify: Math.round(median * 10) / 10, bytesPerCompleted: Math.round(bytes) });
}
