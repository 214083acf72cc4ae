/**
 * The fuzz loop: generates cases from a target's corpus with a seeded PRNG, runs them, and keeps
 * the numbers (cases/s, outcomes, slowest case, peak RSS and heap). Generation never depends on
 * what a case did, so case N of seed S is the same bytes on every run (the reproducer). A crash is
 * an exception escaping the target's `run` (targets turn documented typed errors into outcomes);
 * the loop stops at the first one.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { prng } from '../../test/support/prng.ts';
import { Mutator, type Rand } from './mutators.ts';

export interface FuzzTarget {
  readonly name: string;
  /** Valid inputs the mutations start from. */
  readonly corpus: readonly Buffer[];
  /** Builds one case (deterministic in the mutator's PRNG). */
  generate(m: Mutator): Buffer;
  /** Runs one case. Throws only on a crash; returns an outcome label (counted in the report). */
  run(input: Buffer, rand: Rand): string | Promise<string>;
  /** Drops accumulated state (stateful targets); called every `resetEvery` cases. */
  reset?(): void;
  readonly resetEvery?: number;
  close?(): Promise<void>;
}

export interface FuzzOptions {
  readonly cases: number;
  readonly seed: number;
  /** Called before each case (the CLI's watchdog records the input). */
  readonly beforeCase?: (index: number, input: Buffer) => void;
  /** Called about every `progressMs` with a one-line status. */
  readonly progress?: (line: string) => void;
  readonly progressMs?: number;
  /** A case that takes longer is a hang (default 5000 ms; a true infinite loop is the CLI watchdog's). */
  readonly caseBoundMs?: number;
}

export interface FuzzCrash {
  readonly index: number;
  readonly input: Buffer;
  readonly error: string;
  readonly kind: 'crash' | 'hang';
}

export interface FuzzReport {
  target: string;
  seed: number;
  cases: number;
  crashes: number;
  hangs: number;
  seconds: number;
  casesPerSecond: number;
  corpus: number;
  slowestCaseMs: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  /** Heap after a full GC at the end minus at the start: what the run kept. */
  heapGrowthMiB: number;
  outcomes: Record<string, number>;
  crash?: FuzzCrash;
}

const MiB = 1024 * 1024;

function gcFunction(): () => void {
  v8.setFlagsFromString('--expose_gc');
  return vm.runInNewContext('gc') as () => void;
}

/** The PRNG of case `index`'s execution (chunk splits and the like), independent of generation. */
export function caseRand(seed: number, index: number): Rand {
  return prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}

/** Case `index` of `seed` without running the ones before it. */
export function generateCase(target: FuzzTarget, seed: number, index: number): Buffer {
  const m = new Mutator(prng(seed));
  let input: Buffer = Buffer.alloc(0);
  for (let i = 0; i <= index; i++) input = target.generate(m);
  return input;
}

export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const gc = gcFunction();
  gc();
  const heapStart = process.memoryUsage().heapUsed;
  const m = new Mutator(prng(options.seed));
  const outcomes = new Map<string, number>();
  let peakRss = process.memoryUsage.rss();
  let peakHeap = heapStart;
  let slowest = 0;
  let crash: FuzzCrash | undefined;
  const started = performance.now();
  let lastProgress = started;
  const progressMs = options.progressMs ?? 10_000;
  let done = 0;
  for (let i = 0; i < options.cases; i++) {
    if (target.resetEvery !== undefined && i > 0 && i % target.resetEvery === 0) target.reset?.();
    let input: Buffer;
    try {
      input = target.generate(m);
    } catch (e) {
      // A bug of the harness, not of the code under test: say so, and do not report a crash.
      throw new Error(`fuzz harness: generating case ${i} failed`, { cause: e });
    }
    options.beforeCase?.(i, input);
    const t0 = performance.now();
    let label: string;
    try {
      const r = target.run(input, caseRand(options.seed, i));
      label = typeof r === 'string' ? r : await r;
    } catch (e) {
      crash = { index: i, input, error: e instanceof Error ? (e.stack ?? e.message) : String(e), kind: 'crash' };
      break;
    }
    const ms = performance.now() - t0;
    if (ms > (options.caseBoundMs ?? 5000)) {
      crash = { index: i, input, error: `case took ${ms.toFixed(0)} ms (bound ${options.caseBoundMs ?? 5000} ms)`, kind: 'hang' };
      break;
    }
    if (ms > slowest) slowest = ms;
    outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
    done = i + 1;
    if ((i & 255) === 0) {
      const mem = process.memoryUsage();
      if (mem.rss > peakRss) peakRss = mem.rss;
      if (mem.heapUsed > peakHeap) peakHeap = mem.heapUsed;
      const now = performance.now();
      if (options.progress && now - lastProgress >= progressMs) {
        lastProgress = now;
        const rate = done / ((now - started) / 1000);
        options.progress(`${target.name}: ${done} cases, ${Math.round(rate)}/s, rss ${(mem.rss / MiB).toFixed(0)} MiB, heap ${(mem.heapUsed / MiB).toFixed(0)} MiB, slowest ${slowest.toFixed(1)} ms`);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await target.close?.();
  gc();
  const heapEnd = process.memoryUsage().heapUsed;
  const top = [...outcomes].sort((a, b) => b[1] - a[1]);
  return {
    target: target.name,
    seed: options.seed,
    cases: done,
    crashes: crash?.kind === 'crash' ? 1 : 0,
    hangs: crash?.kind === 'hang' ? 1 : 0,
    seconds: Number(seconds.toFixed(1)),
    casesPerSecond: Math.round(done / Math.max(seconds, 0.001)),
    corpus: target.corpus.length,
    slowestCaseMs: Number(slowest.toFixed(1)),
    peakRssMiB: Number((peakRss / MiB).toFixed(1)),
    peakHeapMiB: Number((peakHeap / MiB).toFixed(1)),
    heapGrowthMiB: Number(((heapEnd - heapStart) / MiB).toFixed(1)),
    outcomes: Object.fromEntries(top.slice(0, 40)),
    ...(crash ? { crash } : {}),
  };
}
