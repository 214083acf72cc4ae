/**
 * Shared benchmark helpers: a timing loop with warm-up and rounds, percentiles, a table printer and
 * the one `BENCH {json}` line every benchmark ends with (scripts parse that line).
 */
import { performance } from 'node:perf_hooks';

export interface RateResult {
  /** Median operations per second over the rounds. */
  perSec: number;
  /** Per-round operations per second, in run order. */
  rounds: number[];
}

/**
 * Measures `fn` as operations per second: runs it for `warmupMs`, then `rounds` rounds of roughly
 * `roundMs` each (the iteration count is calibrated from the warm-up), and returns the median.
 */
export function measureRate(fn: () => void, opts: { warmupMs?: number; roundMs?: number; rounds?: number } = {}): RateResult {
  const warmupMs = opts.warmupMs ?? 300;
  const roundMs = opts.roundMs ?? 300;
  const roundsN = opts.rounds ?? 7;
  let iters = 0;
  const w0 = performance.now();
  while (performance.now() - w0 < warmupMs) {
    for (let i = 0; i < 100; i++) fn();
    iters += 100;
  }
  const perMs = iters / Math.max(1, performance.now() - w0);
  const batch = Math.max(1, Math.round(perMs * roundMs));
  const rounds: number[] = [];
  for (let r = 0; r < roundsN; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    rounds.push((batch * 1000) / (performance.now() - t0));
  }
  return { perSec: median(rounds), rounds };
}

/** CPU time (user + system) of this process in milliseconds: unlike wall time, it does not count
 * the time other processes hold the cores, so rates stay comparable on a shared, loaded machine. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Measures several functions in alternating rounds (A, B, A, B...) after warming each up, so that
 * a change in machine load affects all of them alike; returns the median rate of each, in
 * operations per CPU-second (see `cpuMs`).
 */
export function compareRates(fns: readonly (() => void)[], opts: { warmupMs?: number; roundMs?: number; rounds?: number } = {}): RateResult[] {
  const warmupMs = opts.warmupMs ?? 300;
  const roundMs = opts.roundMs ?? 200;
  const roundsN = opts.rounds ?? 9;
  const batches = fns.map((fn) => {
    let iters = 0;
    const w0 = performance.now();
    while (performance.now() - w0 < warmupMs) {
      for (let i = 0; i < 100; i++) fn();
      iters += 100;
    }
    return Math.max(1, Math.round((iters / Math.max(1, performance.now() - w0)) * roundMs));
  });
  const rounds: number[][] = fns.map(() => []);
  for (let r = 0; r < roundsN; r++) {
    for (const [k, fn] of fns.entries()) {
      const batch = batches[k] ?? 1;
      const t0 = cpuMs();
      for (let i = 0; i < batch; i++) fn();
      rounds[k]?.push((batch * 1000) / Math.max(0.001, cpuMs() - t0));
    }
  }
  return rounds.map((r) => ({ perSec: median(r), rounds: r }));
}

/** The p-th percentile (0-100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

/** Prints rows as an aligned text table. */
export function printTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const [k, r] of cells.entries()) {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
    if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** Prints the machine-readable result line: `BENCH {"name":...}`. Call exactly once, last. */
export function printBench(name: string, fields: Record<string, number | string | boolean>): void {
  console.log('BENCH ' + JSON.stringify({ name, ...fields }));
}

/** The V8 young-generation setting of this process (`npm run bench` passes the one `npm start` uses). */
export function semiSpaceSetting(): string {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const flag = flags.filter((a) => a.startsWith('--max-semi-space-size')).at(-1);
  return flag ?? 'V8 default semi-space size';
}
