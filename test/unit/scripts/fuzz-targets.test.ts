/**
 * The fuzz harness in CI: every target of `npm run fuzz` runs a few thousand cases (the million-case
 * runs are commands, docs in scripts/fuzz/run.ts). Each must finish without a crash or hang, keep
 * the heap flat, and reach past its decoder (both accepted and refused inputs occur). Also: a case
 * is the same bytes whether generated in a run or on its own (what makes a reproducer replayable),
 * and an exception escaping a target is reported as a crash with its input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCase, runFuzz, type FuzzTarget } from '../../../scripts/fuzz/engine.ts';
import { fuzzTargets } from '../../../scripts/fuzz/targets/index.ts';
import { Mutator } from '../../../scripts/fuzz/mutators.ts';
import { prng } from '../../support/prng.ts';

const CASES: Record<string, number> = { tlib: 4000, preview: 4000, 'sip-stream': 3000, 'kw-socket': 3000, rest: 1500 };
/** Outcome labels that show a case got through the decoder, per target. */
const DEEP: Record<string, RegExp> = { tlib: /^core:Event(?!Error)/, preview: /^ok:/, 'sip-stream': /^message:/, 'kw-socket': /:ok$|^ws:/, rest: / 20\d$/ };
const REFUSED: Record<string, RegExp> = { tlib: /^decode:/, preview: /^decode:/, 'sip-stream': /^(error|fatal):/, 'kw-socket': /^error:/, rest: / 4\d\d$/ };

for (const [name, factory] of Object.entries(fuzzTargets)) {
  test(`fuzz target ${name}: ${CASES[name]} cases, no crash, heap flat, decoded and refused inputs both occur`, async () => {
    const target = await factory();
    const r = await runFuzz(target, { cases: CASES[name] ?? 2000, seed: 12 });
    assert.equal(r.crash, undefined, r.crash ? `${r.crash.kind} at case ${r.crash.index}: ${r.crash.error}` : '');
    assert.equal(r.cases, CASES[name]);
    assert.ok(r.heapGrowthMiB < 32, `heap kept ${r.heapGrowthMiB} MiB`);
    const labels = Object.keys(r.outcomes);
    assert.ok(labels.some((l) => DEEP[name]!.test(l)), `no case got through: ${labels.join(', ')}`);
    assert.ok(labels.some((l) => REFUSED[name]!.test(l)), `no case was refused: ${labels.join(', ')}`);
  });
}

test('case N of a seed is the same bytes generated alone (reproducers replay)', async () => {
  const target = await fuzzTargets['sip-stream']!();
  const m = new Mutator(prng(99));
  const run = Array.from({ length: 25 }, () => target.generate(m));
  assert.deepEqual(generateCase(target, 99, 24), run[24]);
});

test('an exception escaping a target is a crash, with its case index and input', async () => {
  const boom: FuzzTarget = {
    name: 'boom',
    corpus: [Buffer.from('seed')],
    generate: (m) => m.bytes(Buffer.from('seed'), []),
    run: (input) => {
      if (input.length > 4) throw new Error('too long');
      return 'ok';
    },
  };
  const r = await runFuzz(boom, { cases: 10_000, seed: 3 });
  assert.equal(r.crashes, 1);
  assert.equal(r.crash?.kind, 'crash');
  assert.ok((r.crash?.input.length ?? 0) > 4);
  assert.equal(r.cases, r.crash?.index);
  assert.match(r.crash?.error ?? '', /too long/);
});

test('a case over the time bound is a hang', async () => {
  const slow: FuzzTarget = { name: 'slow', corpus: [], generate: () => Buffer.alloc(1), run: async () => { await new Promise((r) => setTimeout(r, 30)); return 'ok'; } };
  const r = await runFuzz(slow, { cases: 3, seed: 1, caseBoundMs: 10 });
  assert.equal(r.hangs, 1);
  assert.equal(r.crash?.kind, 'hang');
});
