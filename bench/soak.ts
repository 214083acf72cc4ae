/**
 * Soak (issue 12): steady presence and preview load for BENCH_SOAK_S seconds (default 60), watching
 * for what grows.
 *
 * - Presence: the presence-e2e pipeline (bench/presence-pipeline.ts: a load generator in a child
 *   process sends NOTIFYs over UDP through the SIP stack into the sip-simple adapter, the connector
 *   and the T-Server) at BENCH_SOAK_RATE updates/s (or `npm run bench -- soak <rate>`; default
 *   5,000/s, half the maximum presence-e2e measures), in back-to-back 10 s phases.
 * - Previews: the preview chain (test/support/preview-chain.ts: T-Server, router, preview protocol,
 *   preview manager, KW sessions, reporting ledger on SQLite) with customer calls at
 *   BENCH_SOAK_PREVIEWS per second (default 20), each preview auto-accepted and the call hung up
 *   once routed.
 *
 * After BENCH_SOAK_WARMUP_S (default a fifth of the run, at most 60 s) the start figures are taken
 * (RSS after a full GC, active handles and timers from process.getActiveResourcesInfo()); at the
 * end the same again. The harness's own recorders (chain events, KW client message logs) are
 * emptied as the run goes so they do not count as growth. RSS is also sampled every 5 s; its growth
 * is the median of the last window against the first after warm-up (RSS saws by ±10 %, so two point
 * samples mislead). Targets: RSS growth < 5 %, no growth in handles or timers. Ends with one
 * `BENCH {json}` line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { SystemClock } from '../src/lib/clock.ts';
import { reportingMigrations } from '../src/reporting/reporting-migrations.ts';
import { ReservationStore, routerMigrations } from '../src/store/reservation-store.ts';
import { openStore } from '../src/store/open-store.ts';
import { PreviewChain } from '../test/support/preview-chain.ts';
import { printBench, printTable, semiSpaceSetting } from './lib.ts';
import { PresencePipeline, type PhaseResult } from './presence-pipeline.ts';

const env = (k: string, d: number): number => {
  const v = Number(process.env[k]);
  return Number.isFinite(v) && v > 0 ? v : d;
};
const MiB = 1024 * 1024;

/** Active resources by type (TCPSocketWrap, UDPWrap, Timeout, Immediate, ...). */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}
const handles = (r: Record<string, number>): number => Object.entries(r).filter(([k]) => k !== 'Timeout' && k !== 'Immediate').reduce((n, [, v]) => n + v, 0);

function gcFunction(): () => void {
  v8.setFlagsFromString('--expose_gc');
  return vm.runInNewContext('gc') as () => void;
}

export default async function soak(): Promise<void> {
  const seconds = env('BENCH_SOAK_S', 60);
  const argRate = Number(process.argv[3]);
  const presenceRate = Number.isFinite(argRate) && argRate > 0 ? argRate : env('BENCH_SOAK_RATE', 5000);
  const previewRate = env('BENCH_SOAK_PREVIEWS', 20);
  const warmupS = env('BENCH_SOAK_WARMUP_S', Math.min(60, Math.max(5, Math.round(seconds / 5))));
  const kws = env('BENCH_KWS', 1000);
  const previewKws = env('BENCH_SOAK_PREVIEW_KWS', 50);
  const phaseMs = 10_000;
  const gc = gcFunction();

  const dir = mkdtempSync(join(tmpdir(), 'ucc-soak-'));
  const clock = new SystemClock();
  const store = await openStore({ type: 'sqlite', path: join(dir, 'soak.sqlite') }, { migrations: [...routerMigrations, ...reportingMigrations] });
  const chain = new PreviewChain({ clock, kws: previewKws, reservations: [new ReservationStore(store.db, clock)], reportingDb: store.db, routingPoints: { RP1: { target: 'Sales', selection: 'round-robin' } }, tserverOptions: { 'no-answer-timeout': 0 } });
  const pipe = new PresencePipeline(kws, { receiveBufferBytes: 4 * MiB });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const baseline = resources();
  let previewsAccepted = 0;
  let callsStarted = 0;
  let callsRouted = 0;
  let callsEnded = 0;
  let callFailures = 0;
  const phases: PhaseResult[] = [];
  let start: { rss: number; heap: number; resources: Record<string, number>; at: number } | undefined;
  let end: { rss: number; heap: number; resources: Record<string, number>; at: number } | undefined;
  const rssSamples: Array<[number, number]> = [];
  try {
    await chain.start();
    await pipe.start();
    for (const k of chain.kws.values()) {
      k.onPreview = (m) => queueMicrotask(() => {
        if (k.accept(m.id).ok) previewsAccepted++;
      });
    }
    const router = chain.routers[0]!;
    router.on('routed', (e) => { callsRouted++; setImmediate(() => chain.hangUp(e.connId)); });
    router.on('ended', (e) => { callsEnded++; setImmediate(() => chain.hangUp(e.connId)); });
    const t0 = performance.now();
    const stopAt = t0 + seconds * 1000;
    // Previews at a steady rate, on a timer of their own; the harness's recorders are emptied as it goes.
    const previewTimer = setInterval(() => {
      try {
        chain.call('RP1');
        callsStarted++;
      } catch {
        callFailures++;
      }
      if (chain.events.length > 10_000) chain.events.length = 0;
      for (const k of chain.kws.values()) if (k.messages.length > 100) k.messages.length = 0;
    }, 1000 / previewRate);
    const sampler = setInterval(() => rssSamples.push([Math.round((performance.now() - t0) / 1000), process.memoryUsage.rss()]), 5_000);
    loop.enable();
    while (performance.now() < stopAt) {
      const left = stopAt - performance.now();
      const ms = Math.max(1000, Math.min(phaseMs, left));
      phases.push(await pipe.phase(presenceRate, ms));
      if (start === undefined && performance.now() - t0 >= warmupS * 1000) {
        gc();
        start = { rss: process.memoryUsage.rss(), heap: process.memoryUsage().heapUsed, resources: resources(), at: (performance.now() - t0) / 1000 };
        loop.reset();
      }
      console.log(`${Math.round((performance.now() - t0) / 1000)} s: presence ${Math.round(phases.at(-1)!.updatesPerSec)}/s (${phases.at(-1)!.completed}/${phases.at(-1)!.sent}), previews accepted ${previewsAccepted}, rss ${(process.memoryUsage.rss() / MiB).toFixed(0)} MiB, heap ${(process.memoryUsage().heapUsed / MiB).toFixed(0)} MiB`);
    }
    // The end figures are taken with the load still on (the soak's own two interval timers were
    // counted at the start too), so handles and timers compare like with like.
    gc();
    end = { rss: process.memoryUsage.rss(), heap: process.memoryUsage().heapUsed, resources: resources(), at: (performance.now() - t0) / 1000 };
    loop.disable();
    clearInterval(previewTimer);
    clearInterval(sampler);
    await chain.until(() => router.activeCalls === 0, 'router idle', 1_000_000).catch(() => undefined);
    await chain.settle();
  } finally {
    await pipe.close();
    await chain.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (start === undefined || end === undefined) throw new Error('the soak ended before its warm-up did; raise BENCH_SOAK_S');

  const measured = phases.slice(1);
  const sent = measured.reduce((n, p) => n + p.sent, 0);
  const completed = measured.reduce((n, p) => n + p.completed, 0);
  const presenceSeconds = measured.reduce((n, p) => n + p.completed / Math.max(p.updatesPerSec, 1), 0);
  // RSS moves in a sawtooth (allocator and heap resizing, ±10 % here), so two point samples can
  // show growth or shrinkage that is only phase. The verdict compares the median RSS of the first
  // and the last window after warm-up (a quarter of the measured time each, at most 2 minutes).
  const windowS = Math.max(10, Math.min(120, (end.at - start.at) / 4));
  const median = (xs: number[]): number => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)] ?? 0; };
  const early = rssSamples.filter(([t]) => t >= start!.at && t <= start!.at + windowS).map(([, r]) => r);
  const late = rssSamples.filter(([t]) => t >= end!.at - windowS).map(([, r]) => r);
  const rssEarly = early.length > 0 ? median(early) : start.rss;
  const rssLate = late.length > 0 ? median(late) : end.rss;
  const rssGrowthPct = ((rssLate - rssEarly) / rssEarly) * 100;
  const rssPointGrowthPct = ((end.rss - start.rss) / start.rss) * 100;
  const timersStart = start.resources['Timeout'] ?? 0;
  const timersEnd = end.resources['Timeout'] ?? 0;
  console.log(`${seconds} s soak; warm-up ${warmupS} s; presence offered ${presenceRate}/s to ${kws} KWs; previews ${previewRate}/s to ${previewKws} KWs (auto-accept); ${semiSpaceSetting()}`);
  console.log(`resources before start: ${JSON.stringify(baseline)}`);
  printTable(['point', 't s', 'rss MiB', 'heap MiB', 'handles', 'timers', 'resources'], [
    ['after warm-up', Math.round(start.at), (start.rss / MiB).toFixed(1), (start.heap / MiB).toFixed(1), handles(start.resources), timersStart, JSON.stringify(start.resources)],
    ['end', Math.round(end.at), (end.rss / MiB).toFixed(1), (end.heap / MiB).toFixed(1), handles(end.resources), timersEnd, JSON.stringify(end.resources)],
  ]);
  console.log(`rss samples (s, MiB): ${rssSamples.map(([s, r]) => `${s}:${(r / MiB).toFixed(0)}`).join(' ')}`);
  console.log(`rss median of the first ${Math.round(windowS)} s after warm-up ${(rssEarly / MiB).toFixed(1)} MiB (${early.length} samples), of the last ${Math.round(windowS)} s ${(rssLate / MiB).toFixed(1)} MiB (${late.length} samples): ${rssGrowthPct.toFixed(2)} %`);
  const round = (n: number, d = 1): number => Number(n.toFixed(d));
  printBench('soak', {
    seconds, warmupS, presenceOfferedPerSec: presenceRate, presenceUpdatesPerSec: Math.round(completed / Math.max(presenceSeconds, 1)),
    presenceCompleted: completed, presenceSent: sent, presenceLossPct: round(sent > 0 ? ((sent - completed) / sent) * 100 : 0, 2),
    previewsPerSec: previewRate, callsStarted, callsRouted, callsEnded, callFailures, previewsAccepted,
    rssStartMiB: round(start.rss / MiB), rssEndMiB: round(end.rss / MiB), rssGrowthPct: round(rssGrowthPct, 2), rssPointGrowthPct: round(rssPointGrowthPct, 2),
    heapStartMiB: round(start.heap / MiB), heapEndMiB: round(end.heap / MiB),
    loopP99Ms: round(loop.percentile(99) / 1e6, 2), loopMaxMs: round(loop.max / 1e6, 1),
    handlesStart: handles(start.resources), handlesEnd: handles(end.resources), timersStart, timersEnd,
    rssOk: rssGrowthPct < 5, handlesOk: handles(end.resources) <= handles(start.resources), timersOk: timersEnd <= timersStart,
  });
}
