/** docs/protocols/preview.md against the code: every message, field and outcome, and the example frames. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePreviewMessage, previewCatalogue, previewOutcomes } from '../../../src/preview/preview-codec.ts';

const doc = readFileSync(new URL('../../../docs/protocols/preview.md', import.meta.url), 'utf8');

test('the doc has a section for every message and a row for each of its fields', () => {
  for (const [name, spec] of Object.entries(previewCatalogue)) {
    const at = doc.indexOf(`### ${name}`);
    assert.ok(at >= 0, `no section for ${name}`);
    const ends = [doc.indexOf('\n### ', at + 4), doc.indexOf('\n## ', at + 4)].filter((i) => i > 0);
    const section = doc.slice(at, ends.length ? Math.min(...ends) : undefined);
    for (const f of [...spec.required, ...spec.optional]) {
      // Multiple documents only its own fields; the shared ones are in the Request's table.
      const where = name === 'PreviewInteractionMultiple' && !['targets', 'fences'].includes(f) ? doc : section;
      assert.ok(where.includes(`| \`${f}\` |`), `${name}.${f} is not documented`);
    }
  }
});

test('the doc lists every outcome', () => {
  for (const o of previewOutcomes) assert.ok(doc.includes(`| \`${o}\` |`), `outcome ${o} is not in the outcome table`);
});

test('the example frames are valid messages with the length shown', () => {
  const frames = [...doc.matchAll(/^\[(\d+)\](\{.*\})$/gm)];
  assert.ok(frames.length >= 4);
  for (const [, len, json] of frames) {
    assert.equal(Buffer.byteLength(json ?? ''), Number(len), `length of ${json}`);
    const r = parsePreviewMessage(JSON.parse(json ?? ''));
    assert.ok(r.ok, `example is not valid: ${json}`);
  }
});
