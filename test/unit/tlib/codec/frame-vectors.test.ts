import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FrameDecoder, encodeFrame } from '../../../../src/tlib/index.ts';
import type { AcceptKind, DecodedFrame, TlibMessage } from '../../../../src/tlib/index.ts';

const dir = fileURLToPath(new URL('../../../fixtures/tlib/', import.meta.url));
const names = readdirSync(dir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort();

type Expected = { ok: true; message: TlibMessage } | { ok: false; problem: string; errorCode: number; fatal: boolean; referenceId?: number; attribute?: string };

const view = (f: DecodedFrame): Expected =>
  f.ok
    ? { ok: true, message: f.value }
    : {
        ok: false, problem: f.error.problem, errorCode: f.error.errorCode, fatal: f.error.fatal,
        ...(f.error.referenceId === undefined ? {} : { referenceId: f.error.referenceId }),
        ...(f.error.attribute === undefined ? {} : { attribute: f.error.attribute }),
      };

describe('T-Lib frame vectors (test/fixtures/tlib)', () => {
  test('there are vectors', () => assert.ok(names.length >= 10));
  for (const name of names) {
    test(name, () => {
      const bytes = readFileSync(`${dir}${name}.bin`);
      const exp = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as { accept: AcceptKind; frames: Expected[] };
      const whole = new FrameDecoder({ accept: exp.accept }).push(bytes).map(view);
      assert.deepEqual(whole, exp.frames);
      for (let i = 1; i < bytes.length; i++) {
        const d = new FrameDecoder({ accept: exp.accept });
        assert.deepEqual([...d.push(bytes.subarray(0, i)), ...d.push(bytes.subarray(i))].map(view), exp.frames, `split at ${i}`);
      }
      // Valid frames re-encode to the same bytes.
      if (exp.frames.every((f) => f.ok)) {
        assert.deepEqual(Buffer.concat(exp.frames.map((f) => encodeFrame((f as { message: TlibMessage }).message))), bytes);
      }
    });
  }
});
