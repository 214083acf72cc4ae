/**
 * Preview routing throughput and decision latency, through the whole chain in one process
 * (T-Server ← router → framed preview protocol → preview manager → KW client sessions; connector,
 * statistics, reporting; reservations and decisions in a SQLite store file), on the system clock.
 *
 * 1. Calls routed per second through preview: BENCH_KWS (50) KWs auto-accept on a round-robin
 *    Routing Point; BENCH_IN_FLIGHT (8) calls are kept in flight for BENCH_MS (3000) ms; each routed
 *    call is released by the caller and replaced.
 * 2. Offer-decision latency (p50/p99): from a KW's accept to the router holding the `accepted`
 *    result (the store decision, the framed result, the router's dispatch), over every call of 1.
 * 3. Broadcast: BENCH_BROADCAST (1000) KWs get one PreviewInteractionMultiple and all accept in the
 *    same turn; the latency from those accepts to the connector answering the winner, and to the
 *    router holding it (the BENCH figure), over BENCH_BROADCAST_ROUNDS (20) rounds after a warm-up.
 *    BENCH_DEBUG=1 prints each round's split. BENCH_BROADCAST_ACCEPTS=n lets only the first n KWs
 *    accept (the others' offers close `taken`), e.g. 1 for one KW answering while 999 watch.
 *
 * Ends with `BENCH {"name":"preview","callsPerSec":…,"decisionP99Ms":…,"broadcast1000P99Ms":…}`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../src/lib/clock.ts';
import { reportingMigrations } from '../src/reporting/reporting-migrations.ts';
import { ReservationStore, routerMigrations } from '../src/store/reservation-store.ts';
import { openStore } from '../src/store/open-store.ts';
import { PreviewChain } from '../test/support/preview-chain.ts';
import { percentile, printBench, printTable } from './lib.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

async function openChain(dir: string, name: string, kws: number, rp: Record<string, string | number | boolean>): Promise<{ chain: PreviewChain; close: () => Promise<void> }> {
  const clock = new SystemClock();
  const store = await openStore({ type: 'sqlite', path: join(dir, `${name}.sqlite`) }, { migrations: [...routerMigrations, ...reportingMigrations] });
  const chain = new PreviewChain({ clock, kws, reservations: [new ReservationStore(store.db, clock)], ...(process.env.BENCH_NO_LEDGER ? {} : { reportingDb: store.db }), routingPoints: { RP1: rp }, tserverOptions: { 'no-answer-timeout': 0 } });
  await chain.start();
  return {
    chain,
    close: async () => {
      await chain.close();
      await store.close();
    },
  };
}

async function throughput(dir: string): Promise<{ callsPerSec: number; p50: number; p99: number; calls: number }> {
  const { chain, close } = await openChain(dir, 'throughput', env('BENCH_KWS', 50), { target: 'Sales', selection: 'round-robin' });
  const durationMs = env('BENCH_MS', 3000);
  const inFlight = env('BENCH_IN_FLIGHT', 8);
  const acceptedAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const k of chain.kws.values()) {
    k.onPreview = (m) => {
      queueMicrotask(() => {
        acceptedAt.set(m.connId, performance.now());
        k.accept(m.id);
      });
    };
  }
  const router = chain.routers[0]!;
  router.on('previewResult', (e) => {
    const t = acceptedAt.get(e.connId);
    if (t !== undefined && e.result.result === 'accepted') latencies.push(performance.now() - t);
    acceptedAt.delete(e.connId);
  });
  let routed = 0;
  let stopping = false;
  let open = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const next = (): void => {
      if (stopping) {
        if (open === 0) resolve();
        return;
      }
      open++;
      chain.call('RP1');
    };
    router.on('routed', (e) => {
      routed++;
      open--;
      // The caller hangs up once the call rings at the KW, freeing the KW for the next call.
      setImmediate(() => {
        chain.hangUp(e.connId);
        if (performance.now() - started >= durationMs) stopping = true;
        next();
      });
    });
    router.on('ended', (e) => {
      open--;
      setImmediate(() => {
        chain.hangUp(e.connId);
        next();
      });
    });
    for (let i = 0; i < inFlight; i++) next();
  });
  const elapsed = performance.now() - started;
  await close();
  return { callsPerSec: (routed / elapsed) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99), calls: routed };
}

async function broadcast(dir: string): Promise<{ p50: number; p99: number; connectorP50: number; connectorP99: number; rounds: number; n: number }> {
  const n = env('BENCH_BROADCAST', 1000);
  const { chain, close } = await openChain(dir, 'broadcast', n, { target: 'Sales', selection: 'broadcast' });
  const rounds = env('BENCH_BROADCAST_ROUNDS', 20);
  const kws = [...chain.kws.values()];
  const accepting = kws.slice(0, env('BENCH_BROADCAST_ACCEPTS', n));
  const router = chain.routers[0]!;
  const samples: number[] = [];
  const atConnector: number[] = [];
  // Round 0 warms the path up and is not counted.
  for (let r = 0; r <= rounds; r++) {
    const before = kws.map((k) => k.previews().length);
    const conn = chain.call('RP1');
    await chain.until(() => kws.every((k, i) => k.previews().length === before[i]! + 1), 'every preview', 1_000_000);
    // KWs take seconds to answer in life: the 1,000 offer rows are in the ledger by then.
    await chain.reporter.flush();
    const result = new Promise<number>((resolve) => {
      const on = (e: { connId: string; result: { result: string } }): void => {
        if (e.connId !== conn) return;
        router.off('previewResult', on);
        resolve(performance.now());
      };
      router.on('previewResult', on);
    });
    let tResp = 0;
    const onResolved = (): void => {
      tResp = performance.now();
    };
    chain.manager.once('callResolved', onResolved);
    const t0 = performance.now();
    for (const k of accepting) k.accept();
    const tAcc = performance.now();
    const t1 = await result;
    if (process.env.BENCH_DEBUG) console.log('accept loop', (tAcc - t0).toFixed(2), 'to respond', (tResp - tAcc).toFixed(2), 'respond to router', (t1 - tResp).toFixed(2));
    if (r > 0) {
      samples.push(t1 - t0);
      atConnector.push(tResp - t0);
    }
    await chain.until(() => chain.eventsOf('EventRinging', conn).length === 1, 'ringing', 1_000_000);
    chain.hangUp(conn);
    await chain.until(() => kws.every((k) => chain.stats.agent(k.userName)?.state === 'Ready'), 'every KW Ready', 1_000_000);
    await chain.until(() => router.activeCalls === 0, 'router idle', 1_000_000);
    await router.whenIdle();
  }
  await close();
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), connectorP50: percentile(atConnector, 50), connectorP99: percentile(atConnector, 99), rounds, n };
}

export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-bench-preview-'));
  try {
    const t = await throughput(dir);
    const b = await broadcast(dir);
    printTable(
      ['measure', 'value'],
      [
        ['calls routed through preview', t.calls],
        ['calls routed / s', t.callsPerSec.toFixed(1)],
        ['offer decision p50 (ms)', t.p50.toFixed(2)],
        ['offer decision p99 (ms)', t.p99.toFixed(2)],
        [`broadcast ${b.n}: accepts → winner answered by the connector, p50 (ms)`, b.connectorP50.toFixed(2)],
        [`broadcast ${b.n}: accepts → winner answered by the connector, p99 (ms)`, b.connectorP99.toFixed(2)],
        [`broadcast ${b.n}: accepts → winner at the router, p50 (ms, ${b.rounds} rounds)`, b.p50.toFixed(2)],
        [`broadcast ${b.n}: accepts → winner at the router, p99 (ms, ${b.rounds} rounds)`, b.p99.toFixed(2)],
      ],
    );
    printBench('preview', { callsPerSec: Math.round(t.callsPerSec), decisionP99Ms: Number(t.p99.toFixed(2)), broadcast1000P99Ms: Number(b.p99.toFixed(2)) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
