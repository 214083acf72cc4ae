import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJsonPayload, encodeJsonFrame, encodeJsonPayload } from '../../../../src/lib/framed-json/json-payload.ts';
import { UccError } from '../../../../src/lib/errors.ts';

describe('decodeJsonPayload', () => {
  test('valid UTF-8 JSON decodes to its value', () => {
    const r = decodeJsonPayload(Buffer.from('{"message":"X","n":1}'));
    assert.deepEqual(r, { ok: true, value: { message: 'X', n: 1 } });
  });
  test('bytes that are not UTF-8 are invalid-utf8', () => {
    const r = decodeJsonPayload(Buffer.from([0x7b, 0xff, 0x7d]));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.problem, 'invalid-utf8');
  });
  test('text that is not JSON is invalid-json with the parser reason', () => {
    const r = decodeJsonPayload(Buffer.from('{"message":'));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.problem, 'invalid-json');
      assert.match(r.error.detail, /^The frame is not valid JSON \(.+\)\.$/);
    }
  });
});

describe('encodeJsonPayload / encodeJsonFrame', () => {
  test('message is written first whatever the field order', () => {
    assert.equal(encodeJsonPayload({ a: 1, message: 'M' } as { message: string }).toString(), '{"message":"M","a":1}');
  });
  test('a frame is the 4-byte big-endian length then the payload', () => {
    const f = encodeJsonFrame({ message: 'M' }, 1024, 'UCC_ERR_TLIB_FRAME');
    assert.equal(f.readUInt32BE(0), f.length - 4);
    assert.equal(f.subarray(4).toString(), '{"message":"M"}');
  });
  test('over the limit it throws the protocol error code and sends nothing', () => {
    assert.throws(
      () => encodeJsonFrame({ message: 'M' }, 5, 'UCC_ERR_PREVIEW_FRAME'),
      (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_PREVIEW_FRAME' && /over the 5-byte frame limit/.test(e.message),
    );
  });
});
