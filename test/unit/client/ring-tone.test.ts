import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ringToneWav } from '../../../client/ring-tone.mjs';

test('the built-in ring tone is a valid 8 kHz 8-bit mono PCM WAV with tone and silence', () => {
  const wav = ringToneWav();
  const v = new DataView(wav.buffer);
  const ascii = (at: number, n: number) => String.fromCharCode(...wav.subarray(at, at + n));
  assert.equal(ascii(0, 4), 'RIFF');
  assert.equal(v.getUint32(4, true), wav.length - 8);
  assert.equal(ascii(8, 8), 'WAVEfmt ');
  assert.deepEqual([v.getUint16(20, true), v.getUint16(22, true), v.getUint32(24, true), v.getUint16(34, true)], [1, 1, 8000, 8]);
  assert.equal(ascii(36, 4), 'data');
  assert.equal(v.getUint32(40, true), 16000);
  const samples = wav.subarray(44);
  assert.ok(Math.max(...samples.subarray(0, 3200)) > 170, 'the first burst is audible');
  assert.ok(samples.subarray(8000).every((s) => s === 128), 'the second half is silence');
});
