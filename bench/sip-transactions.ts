/**
 * SIP transaction throughput and latency through the whole SipStack (Via/branch, transaction
 * matching, serialize, transport, parse, response routing): MESSAGE → 200 between two stacks in one
 * process, with a fixed number of requests outstanding.
 * - in-memory: the InMemoryNetwork on a ManualClock (no sockets). Its rate is bounded by the
 *   ManualClock, which scans every pending timer on each firing (thousands of Timer K/J here), so it
 *   measures the test clock as much as the stack;
 * - udp / tcp: real sockets on 127.0.0.1 with the system clock.
 * Reports completed transactions per wall-second and per CPU-second, and latency percentiles.
 */
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/lib/clock.ts';
import { SipStack } from '../src/sip/api/sip-stack.ts';
import { createRequest } from '../src/sip/message/index.ts';
import type { SipRequest } from '../src/sip/message/sip-message.ts';
import type { TransportAddress, TransportProtocol } from '../src/sip/transaction/transaction-user.ts';
import { InMemoryNetwork } from '../src/sip/transport/in-memory-transport.ts';
import { cpuMs, percentile, printBench, printTable } from './lib.ts';

const TOTAL = 20_000;
const OUTSTANDING = 64;

function message(from: SipStack, to: TransportAddress, n: number): SipRequest {
  return createRequest({
    method: 'MESSAGE',
    uri: `sip:bob@${to.host}:${to.port};transport=${to.protocol}`,
    headers: { From: `<sip:alice@example.test>;tag=${from.newTag()}`, To: '<sip:bob@example.test>', 'Call-ID': from.newCallId(), CSeq: `${n} MESSAGE`, 'Content-Type': 'text/plain' },
    body: 'The quick brown fox jumps over the lazy dog.',
  });
}

interface Result {
  perSec: number;
  perCpuSec: number;
  p50: number;
  p99: number;
}

/** Keeps OUTSTANDING requests in flight until TOTAL completed; `pump` drives a manual clock. */
async function drive(a: SipStack, to: TransportAddress, pump?: () => void): Promise<Result> {
  const latencies: number[] = [];
  let started = 0;
  let failed = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  const one = async (): Promise<void> => {
    while (started < TOTAL) {
      const n = ++started;
      const s = performance.now();
      const res = await a.sendRequest(message(a, to, n));
      if (res.status !== 200) failed++;
      latencies.push(performance.now() - s);
    }
  };
  const workers = Array.from({ length: OUTSTANDING }, () => one());
  if (pump) {
    let done = false;
    void Promise.all(workers).then(() => (done = true));
    while (!done) {
      pump();
      await new Promise((r) => setImmediate(r));
    }
  }
  await Promise.all(workers);
  const wall = performance.now() - t0;
  const cpu = cpuMs() - c0;
  if (failed > 0) throw new Error(`${failed} transactions failed`);
  return { perSec: (TOTAL * 1000) / wall, perCpuSec: (TOTAL * 1000) / cpu, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function inMemory(): Promise<Result> {
  const clock = new ManualClock(0);
  const net = new InMemoryNetwork(clock);
  const a = await SipStack.listen({ clock, transports: [net.createTransport({ host: '127.0.0.1', port: 5060 })] });
  const b = await SipStack.listen({ clock, transports: [net.createTransport({ host: '127.0.0.2', port: 5060 })] });
  b.onRequest((_req, tx) => tx.respond(200));
  // Advance 1 ms per pump so that Timer K (T4) frees finished transactions as in real time.
  const r = await drive(a, { protocol: 'udp', host: '127.0.0.2', port: 5060 }, () => clock.advance(1));
  await a.close();
  await b.close();
  return r;
}

async function sockets(protocol: TransportProtocol): Promise<Result> {
  const a = await SipStack.listen({ listen: [{ protocol, host: '127.0.0.1', port: 0 }] });
  const b = await SipStack.listen({ listen: [{ protocol, host: '127.0.0.1', port: 0 }] });
  b.onRequest((_req, tx) => tx.respond(200));
  const to = b.address(protocol);
  if (!to) throw new Error('no address');
  try {
    return await drive(a, to);
  } finally {
    await a.close();
    await b.close();
  }
}

export default async function run(): Promise<void> {
  const results: Array<[string, Result]> = [
    ['in-memory', await inMemory()],
    ['udp', await sockets('udp')],
    ['tcp', await sockets('tcp')],
  ];
  printTable(
    ['transport', 'tx/s (wall)', 'tx/CPU-s', 'p50 ms', 'p99 ms'],
    results.map(([name, r]) => [name, Math.round(r.perSec), Math.round(r.perCpuSec), r.p50.toFixed(2), r.p99.toFixed(2)]),
  );
  const fields: Record<string, number> = { total: TOTAL, outstanding: OUTSTANDING };
  for (const [name, r] of results) {
    const k = name.replace('-', '');
    fields[`${k}PerSec`] = Math.round(r.perSec);
    fields[`${k}PerCpuSec`] = Math.round(r.perCpuSec);
    fields[`${k}P99Ms`] = Number(r.p99.toFixed(2));
  }
  printBench('sip-transactions', fields);
}
