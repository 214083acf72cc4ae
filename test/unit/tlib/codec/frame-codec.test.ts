import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, encodeFrame, decodeFrames } from '../../../../src/tlib/index.ts';
import type { DecodedFrame, TlibMessage } from '../../../../src/tlib/index.ts';
import { UccError } from '../../../../src/lib/errors.ts';

const messages: TlibMessage[] = [
  { message: 'RequestRegisterAddress', ThisDN: '5001', ReferenceID: 1 },
  { message: 'RequestAgentNotReady', ThisDN: '5001', AgentWorkMode: 'AfterCallWork', Reasons: [['KW_UC_STATUS', 'busy'], ['KW_UC_NOTE', 'в пути 🚗']], ReferenceID: 2 },
  { message: 'RequestAgentReady', ThisDN: '5002', ReferenceID: 3 },
];
const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));

const values = (frames: DecodedFrame[]): unknown[] => frames.map((f) => (f.ok ? f.value : f.error.problem));

function rawFrame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const h = Buffer.alloc(4);
  h.writeUInt32BE(body.length);
  return Buffer.concat([h, body]);
}

describe('FrameDecoder', () => {
  test('decodes the same frames for every two-way split of the stream', () => {
    for (let i = 0; i <= stream.length; i++) {
      const d = new FrameDecoder();
      const got = [...d.push(stream.subarray(0, i)), ...d.push(stream.subarray(i))];
      assert.deepEqual(values(got), messages, `split at ${i}`);
      assert.equal(d.buffered, 0);
    }
  });

  test('decodes the same frames for every three-way split of the first two frames', () => {
    const two = stream.subarray(0, encodeFrame(messages[0]!).length + encodeFrame(messages[1]!).length);
    for (let i = 0; i <= two.length; i++) {
      for (let j = i; j <= two.length; j++) {
        const d = new FrameDecoder();
        const got = [...d.push(two.subarray(0, i)), ...d.push(two.subarray(i, j)), ...d.push(two.subarray(j))];
        assert.deepEqual(values(got), messages.slice(0, 2), `split at ${i},${j}`);
      }
    }
  });

  test('decodes byte by byte', () => {
    const d = new FrameDecoder();
    const got: DecodedFrame[] = [];
    for (const b of stream) got.push(...d.push(Buffer.from([b])));
    assert.deepEqual(values(got), messages);
  });

  test('a length over the limit is fatal: reported once, later input ignored', () => {
    const d = new FrameDecoder({ maxFrameBytes: 80 });
    const big = rawFrame(JSON.stringify({ message: 'RequestAgentReady', ThisDN: 'x'.repeat(100) }));
    const first = d.push(Buffer.concat([encodeFrame(messages[0]!), big.subarray(0, 4)]));
    assert.equal(first.length, 2);
    assert.ok(first[0]?.ok);
    const f = first[1];
    assert.ok(f && !f.ok && f.error.fatal && f.error.problem === 'frame-too-large');
    assert.match(f.error.detail, /exceeds the limit of 80 bytes/);
    assert.ok(d.failed);
    assert.deepEqual(d.push(encodeFrame(messages[2]!)), []);
    assert.equal(d.buffered, 0);
  });

  test('the default limit is 1 MiB: exactly 1 MiB passes the length check, one more byte is fatal', () => {
    const ok = new FrameDecoder().push(Buffer.from([0x00, 0x10, 0x00, 0x00]));
    assert.deepEqual(ok, []);
    const bad = new FrameDecoder().push(Buffer.from([0x00, 0x10, 0x00, 0x01]));
    assert.ok(bad[0] && !bad[0].ok && bad[0].error.fatal);
  });

  test('a malformed frame is reported and decoding continues with the next frame', () => {
    const input = Buffer.concat([
      rawFrame('{"message":'),
      encodeFrame(messages[0]!),
      rawFrame(''),
      rawFrame('{"message":"RequestNope","ReferenceID":12}'),
      rawFrame('{"message":"RequestAgentLogin","ThisDN":"5001","ReferenceID":13}'),
      encodeFrame(messages[2]!),
    ]);
    const got = decodeFrames(input, { accept: 'request' });
    assert.deepEqual(values(got), ['invalid-json', messages[0], 'invalid-json', 'unknown-message', 'missing-attribute', messages[2]]);
    const missing = got[4];
    assert.ok(missing && !missing.ok && missing.error.referenceId === 13 && missing.error.attribute === 'AgentID');
  });

  test('encodeFrame writes a 4-byte big-endian length of the UTF-8 payload', () => {
    const f = encodeFrame({ message: 'EventACK', ReferenceID: 1 });
    const payload = '{"message":"EventACK","ReferenceID":1}';
    assert.equal(f.readUInt32BE(0), Buffer.byteLength(payload));
    assert.equal(f.subarray(4).toString('utf8'), payload);
    assert.equal(f.subarray(0, 4).toString('hex'), '00000026');
  });

  test('encodeFrame refuses a message over the frame limit with UCC_ERR_TLIB_FRAME', () => {
    assert.throws(() => encodeFrame({ message: 'EventError', ErrorCode: 52, ErrorMessage: 'x'.repeat(200) }, 100), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_TLIB_FRAME');
  });
});
