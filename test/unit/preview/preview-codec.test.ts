import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PreviewFrameDecoder,
  decodePreviewPayload,
  encodePreviewFrame,
  encodePreviewPayload,
  maxPreviewTargets,
  parsePreviewMessage,
  splitPreviewFences,
  splitPreviewTargets,
} from '../../../src/preview/preview-codec.ts';
import type { PreviewMessage } from '../../../src/preview/preview-messages.ts';
import { UccError } from '../../../src/lib/errors.ts';

const request: PreviewMessage = { message: 'PreviewInteractionRequest', ReferenceID: 1, agent: 'A7001', connId: '00000000000000a1', dn: '5000', mediaType: 'voice', switch: 'SW', userData: [['Customer', 'Анна 😀'], ['n', 3]] };
const multiple: PreviewMessage = { message: 'PreviewInteractionMultiple', ReferenceID: 2, connId: '00000000000000a1', dn: '5000', mediaType: 'chat', switch: 'SW', userData: [], targets: 'a^b^c', timeout: 5000, fences: '1^2^3' };
const cancel: PreviewMessage = { message: 'PreviewInteractionCancel', ReferenceID: 3, connId: '00000000000000a1', reason: 'abandoned' };
const result: PreviewMessage = { message: 'PreviewInteractionResult', ReferenceID: 1, connId: '00000000000000a1', result: 'accepted', agent: 'A7001', dn: '7001', fence: 9 };

function frame(obj: unknown): Buffer {
  const p = Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj));
  const b = Buffer.alloc(4 + p.length);
  b.writeUInt32BE(p.length, 0);
  p.copy(b, 4);
  return b;
}

describe('preview codec: messages', () => {
  for (const m of [request, multiple, cancel, result]) {
    test(`${m.message} round-trips through a frame`, () => {
      const out = new PreviewFrameDecoder().push(encodePreviewFrame(m));
      assert.equal(out.length, 1);
      assert.ok(out[0]?.ok);
      assert.deepEqual(out[0].value, m);
    });
  }

  test('the payload is JSON with `message` first (the T-Lib framing: 4-byte big-endian length)', () => {
    const f = encodePreviewFrame(cancel);
    const text = encodePreviewPayload(cancel).toString();
    assert.equal(f.readUInt32BE(0), Buffer.byteLength(text));
    assert.ok(text.startsWith('{"message":"PreviewInteractionCancel"'));
  });

  type Bad = [name: string, input: unknown, problem: string, field?: string];
  const bad: Bad[] = [
    ['not an object', [1, 2], 'not-an-object'],
    ['no message', { ReferenceID: 1 }, 'missing-message'],
    ['unknown message', { message: 'RequestAgentReady', ReferenceID: 1 }, 'unknown-message'],
    ['a T-Lib attribute where it does not belong', { ...request, ThisDN: '7001' }, 'unknown-field', 'ThisDN'],
    ['missing agent', { ...request, agent: undefined }, 'missing-field', 'agent'],
    ['empty agent', { ...request, agent: '' }, 'invalid-field', 'agent'],
    ['ReferenceID zero', { ...request, ReferenceID: 0 }, 'invalid-field', 'ReferenceID'],
    ['ReferenceID not an integer', { ...request, ReferenceID: 1.5 }, 'invalid-field', 'ReferenceID'],
    ['timeout out of range', { ...request, timeout: 0 }, 'invalid-field', 'timeout'],
    ['userData not a KV list', { ...request, userData: { a: 1 } }, 'invalid-field', 'userData'],
    ['connId too long', { ...request, connId: 'x'.repeat(65) }, 'invalid-field', 'connId'],
    ['a lone surrogate in agent', { ...request, agent: 'a\ud800' }, 'invalid-field', 'agent'],
    ['unknown result word', { ...result, result: 'maybe' }, 'invalid-field', 'result'],
    ['an empty target', { ...multiple, targets: 'a^^b', fences: undefined }, 'invalid-field', 'targets'],
    ['fences not matching targets', { ...multiple, fences: '1^2' }, 'invalid-field', 'fences'],
    ['a fence that is not a number', { ...multiple, fences: '1^x^3' }, 'invalid-field', 'fences'],
  ];
  for (const [name, input, problem, field] of bad) {
    test(`rejects ${name} (${problem})`, () => {
      const clean = JSON.parse(JSON.stringify(input)) as unknown;
      const r = parsePreviewMessage(clean);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.error.problem, problem);
      if (field) assert.equal(!r.ok && r.error.field, field);
      assert.equal(!r.ok && r.error.fatal, false);
    });
  }

  test('a readable ReferenceID and connId travel with the error (so the answer can be matched)', () => {
    const r = parsePreviewMessage({ ...request, agent: 5 });
    assert.ok(!r.ok);
    assert.equal(r.error.referenceId, 1);
    assert.equal(r.error.connId, '00000000000000a1');
    assert.equal(r.error.messageName, 'PreviewInteractionRequest');
  });

  test('the connector accepts only requests and the router only results', () => {
    const a = parsePreviewMessage(result, { accept: 'request' });
    assert.equal(!a.ok && a.error.problem, 'unexpected-kind');
    const b = parsePreviewMessage(request, { accept: 'result' });
    assert.equal(!b.ok && b.error.problem, 'unexpected-kind');
    assert.ok(parsePreviewMessage(cancel, { accept: 'request' }).ok);
  });

  test('targets: split on ^, bounded in count and length', () => {
    assert.deepEqual(splitPreviewTargets('a^b'), { ok: true, value: ['a', 'b'] });
    assert.equal(splitPreviewTargets(Array(maxPreviewTargets + 1).fill('a').join('^')).ok, false);
    assert.equal(splitPreviewTargets('x'.repeat(256)).ok, false);
    assert.deepEqual(splitPreviewFences('1^20', 2), { ok: true, value: [1, 20] });
    assert.equal(splitPreviewFences('99999999999999999', 1).ok, false);
  });
});

describe('preview codec: frames', () => {
  test('frames split at every byte boundary decode the same', () => {
    const bytes = Buffer.concat([encodePreviewFrame(request), encodePreviewFrame(multiple)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new PreviewFrameDecoder();
      const out = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      assert.deepEqual(out.map((f) => f.ok && f.value.message), ['PreviewInteractionRequest', 'PreviewInteractionMultiple'], `cut at ${cut}`);
    }
  });

  test('malformed frames are errors and decoding goes on with the next frame', () => {
    const d = new PreviewFrameDecoder();
    const out = d.push(Buffer.concat([frame('{bad json'), frame(''), Buffer.from([0, 0, 0, 2, 0xff, 0xfe]), frame({ message: 'Nope' }), encodePreviewFrame(cancel)]));
    assert.deepEqual(out.map((f) => (f.ok ? f.value.message : f.error.problem)), ['invalid-json', 'invalid-json', 'invalid-utf8', 'unknown-message', 'PreviewInteractionCancel']);
  });

  test('a frame length over the limit is fatal and the decoder stops', () => {
    const d = new PreviewFrameDecoder({ maxFrameBytes: 100 });
    const big = Buffer.alloc(4);
    big.writeUInt32BE(101, 0);
    const out = d.push(Buffer.concat([big, encodePreviewFrame(cancel)]));
    assert.equal(out.length, 1);
    const first = out[0];
    assert.ok(first && !first.ok && first.error.fatal && first.error.problem === 'frame-too-large');
    assert.ok(d.failed);
    assert.deepEqual(d.push(encodePreviewFrame(cancel)), []);
  });

  test('deep JSON nesting is an error, not a crash', () => {
    const r = decodePreviewPayload(Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)));
    assert.equal(r.ok, false);
  });

  test('encoding a message over the frame limit throws UCC_ERR_PREVIEW_FRAME', () => {
    assert.throws(() => encodePreviewFrame({ ...request, userData: [['k', 'x'.repeat(200)]] }, 100), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_PREVIEW_FRAME');
  });
});
