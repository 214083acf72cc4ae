/**
 * The CPU cost of one presence update on the measured side of bench/presence-e2e, without sockets:
 * the same sip-simple adapter, UcConnector and T-Server (in-process T-Lib) as the pipeline, but its
 * SIP transport is a loop-back in this process. A scripted presence server answers each SUBSCRIBE
 * (200 + initial NOTIFY); then BENCH_UPDATES in-dialog NOTIFYs with PIDF bodies go through the
 * parser, transactions, subscriber, PIDF, connector and T-Server until the EventAgentReady/NotReady
 * they cause, in batches of BENCH_BATCH (each batch ends when its events came).
 *
 * It isolates the JavaScript cost (what presence-e2e's "cpu µs" adds socket system calls to), and
 * it is steady enough to compare two versions of the code: µs of CPU per update, and GC share.
 * BENCH_T1 sets the stack's T1 (ms): a small one shortens Timer J (64*T1), which shows what the
 * NOTIFY transactions kept in Completed cost the garbage collector.
 *
 * Ends with `BENCH {"name":"presence-hotpath","usPerUpdate":…,"updatesPerCpuSec":…}`.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { UcConnector } from '../src/connector/connector.ts';
import { buildPidfPublication } from '../src/presence/pidf.ts';
import { SipStack } from '../src/sip/api/sip-stack.ts';
import { TlibClient } from '../src/tlib/client/tlib-client.ts';
import type { TlibEvent, TlibRequest } from '../src/tlib/index.ts';
import { TServer } from '../src/tserver/tserver.ts';
import { SipSimplePlatform } from '../src/uc/sip-simple/sip-simple-platform.ts';
import { benchKnowledgeWorkers } from './kw-fixture.ts';
import { printBench, printTable, semiSpaceSetting } from './lib.ts';
import { LoopbackNotifier, NOTIFIER } from './loopback-notifier.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

/** online → busy → online → away: each NOTIFY flips the agent Ready ↔ NotReady. */
const CYCLE = ['online', 'busy', 'online', 'away'] as const;

export default async function run(): Promise<void> {
  const kws = env('BENCH_KWS', 1000);
  const updates = env('BENCH_UPDATES', 60_000);
  const batch = env('BENCH_BATCH', 50);
  const domain = 'bench.test';
  const fixture = benchKnowledgeWorkers(kws, domain);
  const server = new TServer({ config: fixture.tserver });
  let events = 0;
  let ready = 0;
  const observer = server.attach((e: TlibEvent) => {
    if (e.message === 'EventAgentReady') ready++;
    if (e.message === 'EventAgentReady' || e.message === 'EventAgentNotReady') events++;
  });
  fixture.dns.forEach((dn, i) => observer.request({ message: 'RequestRegisterAddress', ThisDN: dn, ReferenceID: i + 1 } as TlibRequest));

  const bodies = new Map<string, string>();
  const wire = new LoopbackNotifier((kw, n) => {
    const availability = CYCLE[n % CYCLE.length] ?? 'online';
    const key = `${kw}:${availability}`;
    let body = bodies.get(key);
    if (body === undefined) bodies.set(key, (body = buildPidfPublication({ entity: `sip:u${kw}@${domain}`, availability, tupleId: `t${kw}` })));
    return body;
  });
  const stack = await SipStack.listen({ transports: [wire], ...(process.env.BENCH_T1 ? { T1: Number(process.env.BENCH_T1) } : {}) });
  const uc = new SipSimplePlatform({ aor: `sip:ucc@${domain}`, stack, transport: 'udp', outboundProxy: `sip:${NOTIFIER.host}:${NOTIFIER.port}`, subscribeExpires: 3600 });
  const tlib = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInProcess() } });
  const connector = new UcConnector({ view: fixture.view, application: 'UCC', tlib, uc });
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    const t0 = performance.now();
    while (!cond()) {
      if (performance.now() - t0 > 30_000) throw new Error(`bench: timed out waiting for ${what}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  const rows: Array<Array<string | number>> = [];
  let best = { us: Infinity, gcShare: 0 };
  try {
    await uc.start();
    await tlib.connect();
    connector.start();
    await until(() => ready >= kws, `${kws} agents Ready from their initial NOTIFY`);
    gc.observe({ entryTypes: ['gc'] });
    // Three rounds: the first warms the JIT; the best of the others is reported.
    for (let round = 1; round <= 3; round++) {
      const events0 = events;
      const answered0 = wire.answered;
      gcMs = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let next = 0;
      for (let sent = 0; sent < updates; sent += batch) {
        const target = events + batch;
        for (let k = 0; k < batch; k++) wire.deliver(wire.notify(next++ % kws));
        await until(() => events >= target, 'a batch of EventAgent*');
      }
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const done = events - events0;
      const us = (cpu.user + cpu.system) / done;
      if (wire.answered - answered0 !== done) throw new Error(`bench: ${wire.answered - answered0} NOTIFYs answered for ${done} updates`);
      rows.push([round, done, Math.round(us * 10) / 10, Math.round((done * 1000) / wallMs), `${Math.round((100 * gcMs) / wallMs)} %`]);
      if (round > 1 && us < best.us) best = { us, gcShare: gcMs / wallMs };
    }
  } finally {
    gc.disconnect();
    connector.stop();
    await uc.stop().catch(() => undefined);
    tlib.close();
    await server.close();
    await stack.close();
  }
  console.log(`${kws} KWs, batches of ${batch}; CPU of this process (all threads) per update, no sockets; ${semiSpaceSetting()}`);
  printTable(['round', 'updates', 'cpu µs/update', 'updates/s (wall)', 'gc'], rows);
  printBench('presence-hotpath', { kws, batch, usPerUpdate: Math.round(best.us * 10) / 10, updatesPerCpuSec: Math.round(1e6 / best.us), gcShare: Math.round(best.gcShare * 1000) / 1000 });
}
