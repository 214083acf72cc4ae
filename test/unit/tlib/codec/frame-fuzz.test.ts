import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, encodeFrame, parseMessage } from '../../../../src/tlib/index.ts';
import type { TlibMessage } from '../../../../src/tlib/index.ts';
import { prng } from '../../../support/prng.ts';


const seeds: TlibMessage[] = [
  { message: 'RequestAgentLogin', ThisDN: '5001', AgentID: 'kw1', AgentWorkMode: 'AutoIn', ReferenceID: 1 },
  { message: 'RequestAttachUserData', ThisDN: '5001', ConnID: '006e02b3c4d5e6f7', UserData: [['Имя', 'Анна 😀'], ['n', [['k', 1]]]], ReferenceID: 2 },
  { message: 'RequestRouteCall', ThisDN: '7000', ConnID: '0000000000000001', OtherDN: '5001', RouteType: 'Default', ReferenceID: 3 },
];

describe('FrameDecoder fuzz (property: never throws; every frame is a message or a typed error)', () => {
  test('mutated frames in random chunks', () => {
    const rnd = prng(20261121);
    let messages = 0;
    let errors = 0;
    for (let iter = 0; iter < 3000; iter++) {
      const base = encodeFrame(seeds[iter % seeds.length] as TlibMessage);
      const bytes = Buffer.from(base);
      // Mutate 1-4 payload bytes (keep the length prefix so frames stay aligned).
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) bytes[4 + Math.floor(rnd() * (bytes.length - 4))] = Math.floor(rnd() * 256);
      const d = new FrameDecoder({ accept: 'request' });
      let off = 0;
      const out = [];
      while (off < bytes.length) {
        const n = 1 + Math.floor(rnd() * 32);
        out.push(...d.push(bytes.subarray(off, off + n)));
        off += n;
      }
      assert.equal(out.length, 1, `iteration ${iter}`);
      const f = out[0];
      assert.ok(f);
      if (f.ok) {
        messages++;
        // Whatever decoded is itself valid: it re-parses to the same value.
        const again = parseMessage(JSON.parse(encodeFrame(f.value).subarray(4).toString('utf8')));
        assert.ok(again.ok);
        assert.deepEqual(again.value, f.value);
      } else {
        errors++;
        assert.equal(f.error.fatal, false);
        assert.ok([51, 53, 56, 223].includes(f.error.errorCode), String(f.error.errorCode));
      }
    }
    assert.ok(messages > 0 && errors > 0, `${messages} decoded, ${errors} rejected`);
  });

  test('random byte streams (lengths included) never throw', () => {
    const rnd = prng(7);
    for (let iter = 0; iter < 500; iter++) {
      const d = new FrameDecoder({ accept: 'request', maxFrameBytes: 4096 });
      const len = Math.floor(rnd() * 2048);
      const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(rnd() * 256)));
      // Sometimes make the length plausible so the payload path runs on junk.
      if (len > 8 && rnd() < 0.5) bytes.writeUInt32BE(Math.floor(rnd() * (len - 4)), 0);
      for (const f of d.push(bytes)) if (!f.ok) assert.ok(f.error.detail.length > 0);
      assert.ok(d.buffered <= 4 + 4096);
    }
  });
});
