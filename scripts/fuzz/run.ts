/**
 * `npm run fuzz -- <target> [--cases N] [--seed S] [--hang-ms MS] [--replay FILE]`
 *
 * Runs a fuzz target (scripts/fuzz/targets) for N mutated cases (default 1,000,000) from seed S
 * (default 1), printing progress and a final `FUZZ {json}` line with cases/s, outcomes and the peak
 * RSS / heap. A crash, a case over the time bound, or memory kept beyond the bound exits 1; the
 * input is saved under artifacts/fuzz/ and `--replay` runs it again. A watchdog thread kills the
 * run when one case blocks for --hang-ms (default 10,000), saving that input too.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { runFuzz, caseRand, type FuzzReport } from './engine.ts';
import { fuzzTargets } from './targets/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { cases: { type: 'string' }, seed: { type: 'string' }, 'hang-ms': { type: 'string' }, 'case-ms': { type: 'string' }, replay: { type: 'string' }, 'max-heap-growth-mib': { type: 'string' } },
});
const name = positionals[0];
const factory = name === undefined ? undefined : fuzzTargets[name];
if (factory === undefined) {
  console.error(`usage: npm run fuzz -- <${Object.keys(fuzzTargets).join('|')}> [--cases N] [--seed S] [--hang-ms MS] [--replay FILE]`);
  process.exit(2);
}
const num = (v: string | undefined, d: number): number => {
  const n = Number(v?.replace(/_/g, ''));
  return v !== undefined && Number.isFinite(n) && n >= 0 ? n : d;
};
const cases = num(values.cases, 1_000_000);
const seed = num(values.seed, 1) >>> 0;
const hangMs = num(values['hang-ms'], 10_000);
const maxHeapGrowthMiB = num(values['max-heap-growth-mib'], 64);
const target = await factory();

if (values.replay !== undefined) {
  const input = readFileSync(values.replay);
  try {
    const label = await target.run(input, caseRand(seed, 0));
    console.log(`replay: no crash (${label})`);
  } finally {
    await target.close?.();
  }
  process.exit(0);
}

const outDir = 'artifacts/fuzz';
const file = `${outDir}/${name}-seed${seed}-case{case}.bin`;
const state = new SharedArrayBuffer(8);
const counters = new Int32Array(state);
const shared = new SharedArrayBuffer(2 * 1024 * 1024);
const sharedBytes = new Uint8Array(shared);
const watchdog = new Worker(new URL('./watchdog.mjs', import.meta.url), { workerData: { state, input: shared, hangMs, file } });
watchdog.unref();
let current: { index: number; input: Buffer } | undefined;
const save = (index: number, input: Buffer): string => {
  mkdirSync(outDir, { recursive: true });
  const out = file.replace('{case}', String(index));
  writeFileSync(out, input);
  return out;
};
// An exception thrown from a callback of the code under test (a socket event, a timer) is a crash too.
for (const ev of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(ev, (e: unknown) => {
    const where = current ? save(current.index, current.input) : '(no case running)';
    console.error(`FUZZ CRASH (${ev}) at case ${current?.index}: ${e instanceof Error ? e.stack : String(e)}\nreproducer: ${where}`);
    process.exit(1);
  });
}

console.log(`fuzz ${name}: ${cases} cases, seed ${seed}, corpus ${target.corpus.length} seeds`);
const report: FuzzReport = await runFuzz(target, {
  cases,
  seed,
  caseBoundMs: num(values['case-ms'], 5000),
  progress: (line) => console.log(line),
  beforeCase: (index, input) => {
    current = { index, input };
    const n = Math.min(input.length, sharedBytes.length);
    sharedBytes.set(input.subarray(0, n));
    Atomics.store(counters, 1, n);
    Atomics.store(counters, 0, index);
  },
});
await watchdog.terminate();
const { crash, ...summary } = report;
let failed = false;
if (crash) {
  const where = save(crash.index, crash.input);
  console.error(`FUZZ ${crash.kind.toUpperCase()} at case ${crash.index}: ${crash.error}\nreproducer: ${where} (npm run fuzz -- ${name} --seed ${seed} --replay ${where})`);
  failed = true;
}
if (summary.heapGrowthMiB > maxHeapGrowthMiB) {
  console.error(`FUZZ MEMORY: the heap kept ${summary.heapGrowthMiB} MiB after a full GC (bound ${maxHeapGrowthMiB} MiB)`);
  failed = true;
}
console.log(`FUZZ ${JSON.stringify({ ...summary, ...(crash ? { crashAt: crash.index } : {}) })}`);
process.exit(failed ? 1 : 0);
