// The test-support tone detector that voice tests rely on: it finds the tone that is there and
// refuses silence, another tone, and a mix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePcmu, dominantFrequency, hasTone, parseRtp, buildRtp, pcmuToneFrames, readWav, soxStat, soxToneWav } from '../../support/audio.ts';

const tone = (hz: number, seconds: number): Float64Array => decodePcmu(Buffer.concat(Array.from({ length: seconds * 50 }, (_, i) => pcmuToneFrames(hz)(i))));

test('PCMU tone frames decode to their frequency, also off the 10 Hz grid', () => {
  for (const hz of [440, 697, 1000, 1633]) {
    const d = dominantFrequency(tone(hz, 1));
    assert.ok(Math.abs(d.hz - hz) <= 2 && d.share > 0.9, `${hz} Hz → ${JSON.stringify(d)}`);
  }
});

test('hasTone: the right tone passes; silence, another tone and a 50/50 mix fail', () => {
  assert.deepEqual({ ...hasTone(tone(700, 2), 700, { minSeconds: 1.5 }), total: 2 }, { ok: true, seconds: 2, total: 2, dominantHz: 700 });
  assert.equal(hasTone(new Float64Array(16000), 700).ok, false);
  assert.equal(hasTone(tone(1000, 2), 700, { minSeconds: 0.25 }).ok, false);
  const a = tone(700, 2);
  const b = tone(1300, 2);
  const mix = a.map((v, i) => (v + b[i]!) / 2);
  assert.equal(hasTone(mix, 700, { minSeconds: 0.25 }).ok, false);
  assert.equal(hasTone(tone(700, 1), 700, { minSeconds: 1.5 }).ok, false, 'too short');
});

test('RTP packets round-trip; RTCP and junk are not RTP', () => {
  const p = buildRtp({ seq: 65537, ts: 160, ssrc: 0xdeadbeef, marker: true, payload: Buffer.from([1, 2, 3]) });
  assert.deepEqual({ ...parseRtp(p)!, payload: [...parseRtp(p)!.payload] }, { pt: 0, marker: true, seq: 1, ts: 160, ssrc: 0xdeadbeef, payload: [1, 2, 3] });
  assert.equal(parseRtp(Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, 'RTCP SR');
  assert.equal(parseRtp(Buffer.from('hello world!')), undefined);
  assert.equal(parseRtp(Buffer.from([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, 'truncated extension');
});

test('a sox-made WAV reads back with its tone; sox agrees', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-tone-'));
  try {
    const f = join(dir, 't.wav');
    soxToneWav(f, { hz: 440, seconds: 1 });
    const w = readWav(f);
    assert.equal(w.rate, 8000);
    assert.equal(w.samples.length, 8000);
    assert.ok(hasTone(w.samples, 440, { rate: w.rate, minSeconds: 1 }).ok);
    const s = soxStat(f);
    assert.ok(Math.abs(s.peakFrequency - 440) <= 10 && s.rmsAmplitude > 0.3, JSON.stringify(s));
    assert.throws(() => readWav(join(dir, 'missing.wav')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
