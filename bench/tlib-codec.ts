/**
 * T-Lib benchmark: frame encode+decode rate, decode throughput of a large UserData frame, and
 * request round trips through TlibClient ⇄ TlibServer over an in-process pipe, in-memory streams and TCP (sequential
 * latency percentiles, and pipelined throughput with 100 requests in flight).
 * Run: `npm run bench -- tlib-codec`. Ends with one `BENCH {json}` line.
 */
import { performance } from 'node:perf_hooks';
import { FrameDecoder, encodeFrame, TlibClient, TlibServer } from '../src/tlib/index.ts';
import type { TlibConnectTarget, TlibMessage } from '../src/tlib/index.ts';

function rate(fn: () => void, ms = 500): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return (n * 1000) / (performance.now() - t0);
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function roundTrips(target: (s: TlibServer) => Promise<TlibConnectTarget>): Promise<{ p50: number; p99: number; pipelinedPerSec: number }> {
  const server: TlibServer = new TlibServer({ handler: (req, session) => void server.reply(session, req, { message: 'EventACK' }) });
  const client = new TlibClient({ target: await target(server) });
  await client.connect();
  const req: TlibMessage & { message: 'RequestAgentReady' } = { message: 'RequestAgentReady', ThisDN: '5001', Reasons: [['KW_UC_STATUS', 'ready']] };
  for (let i = 0; i < 500; i++) await client.request(req);
  const lat: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const t = performance.now();
    await client.request(req);
    lat.push((performance.now() - t) * 1000);
  }
  lat.sort((a, b) => a - b);
  const total = 20_000;
  const t0 = performance.now();
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < total) {
      sent++;
      await client.request(req);
    }
  };
  await Promise.all(Array.from({ length: 100 }, worker));
  const pipelinedPerSec = (total * 1000) / (performance.now() - t0);
  client.close();
  await server.close();
  return { p50: pct(lat, 50), p99: pct(lat, 99), pipelinedPerSec };
}

export default async function main(): Promise<void> {
  const small: TlibMessage = { message: 'RequestAgentNotReady', ThisDN: '5001', AgentWorkMode: 'AuxWork', Reasons: [['KW_UC_STATUS', 'busy'], ['KW_UC_NOTE', 'In a meeting']], ReferenceID: 42 };
  const dec = new FrameDecoder({ accept: 'request' });
  const codecPerSec = rate(() => {
    const r = dec.push(encodeFrame(small));
    if (!r[0]?.ok) throw new Error('decode failed');
  });
  const userData = Array.from({ length: 400 }, (_, i): [string, string] => [`key-${i}`, `значение ${i} 😀 ${'x'.repeat(20)}`]);
  const big = encodeFrame({ message: 'RequestAttachUserData', ThisDN: '5001', ConnID: '006e02b3c4d5e6f7', UserData: userData, ReferenceID: 1 });
  const dec2 = new FrameDecoder({ accept: 'request' });
  const bigPerSec = rate(() => {
    if (!dec2.push(big)[0]?.ok) throw new Error('decode failed');
  });
  const pipe = await roundTrips(async (s) => ({ kind: 'memory', connect: () => s.connectInProcess() }));
  const mem = await roundTrips(async (s) => ({ kind: 'memory', connect: () => s.connectInMemory() }));
  const tcp = await roundTrips(async (s) => ({ kind: 'tcp', host: '127.0.0.1', port: (await s.listen({ port: 0 })).port }));
  const rows: Array<[string, string]> = [
    ['encode+decode small request', `${Math.round(codecPerSec).toLocaleString('en')} /s`],
    [`decode ${big.length}-byte UserData frame`, `${Math.round(bigPerSec).toLocaleString('en')} /s (${((bigPerSec * big.length) / 1e6).toFixed(0)} MB/s)`],
    ['in-process pipe round trip p50 / p99', `${pipe.p50.toFixed(0)} / ${pipe.p99.toFixed(0)} µs`],
    ['in-process pipe pipelined (100 in flight)', `${Math.round(pipe.pipelinedPerSec).toLocaleString('en')} req/s`],
    ['in-memory round trip p50 / p99', `${mem.p50.toFixed(0)} / ${mem.p99.toFixed(0)} µs`],
    ['in-memory pipelined (100 in flight)', `${Math.round(mem.pipelinedPerSec).toLocaleString('en')} req/s`],
    ['TCP round trip p50 / p99', `${tcp.p50.toFixed(0)} / ${tcp.p99.toFixed(0)} µs`],
    ['TCP pipelined (100 in flight)', `${Math.round(tcp.pipelinedPerSec).toLocaleString('en')} req/s`],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(42)} ${v}`);
  console.log('BENCH ' + JSON.stringify({ name: 'tlib-codec', codecPerSec, bigFrameBytes: big.length, bigPerSec, inProcess: pipe, memory: mem, tcp }));
}
