/**
 * Audio checks for voice tests: G.711 µ-law, RTP packets, WAV reading, a Goertzel tone detector, and
 * sox for making test WAVs and a second opinion on recordings. Adapted from the project's
 * peers-reference media recipes (lib/audio.mjs).
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { requireBinary } from './peer-process.ts';

// ---- G.711 µ-law (PCMU) ----

export function ulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (u & 0x80 ? 0x84 - t : t - 0x84) / 32768;
}

/** `x` in -1..1 → one µ-law byte. */
export function ulawEncode(x: number): number {
  let s = Math.max(-32635, Math.min(32635, Math.round(x * 32768)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += 0x84;
  let exp = 7;
  for (let m = 0x4000; (s & m) === 0 && exp > 0; m >>= 1) exp--;
  return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
}

export function decodePcmu(payload: Uint8Array): Float64Array {
  return Float64Array.from(payload, ulawDecode);
}

/** 20 ms PCMU frames (160 bytes at 8 kHz) of a continuous sine: `frame(i)` is the i-th frame. */
export function pcmuToneFrames(hz: number, amplitude = 0.3): (i: number) => Buffer {
  return (i) => {
    const p = Buffer.alloc(160);
    for (let k = 0; k < 160; k++) p[k] = ulawEncode(amplitude * Math.sin((2 * Math.PI * hz * (i * 160 + k)) / 8000));
    return p;
  };
}

// ---- RTP ----

export interface RtpPacket {
  pt: number;
  marker: boolean;
  seq: number;
  ts: number;
  ssrc: number;
  payload: Buffer;
}

export function buildRtp(p: { pt?: number; seq: number; ts: number; ssrc: number; marker?: boolean; payload: Buffer }): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (p.marker ? 0x80 : 0) | (p.pt ?? 0);
  h.writeUInt16BE(p.seq & 0xffff, 2);
  h.writeUInt32BE(p.ts >>> 0, 4);
  h.writeUInt32BE(p.ssrc >>> 0, 8);
  return Buffer.concat([h, p.payload]);
}

/** An RTP packet, or undefined for anything else (RTCP, too short, not version 2, bad lengths). */
export function parseRtp(b: Buffer): RtpPacket | undefined {
  if (b.length < 12 || b[0]! >> 6 !== 2) return undefined;
  const pt = b[1]! & 0x7f;
  if (pt >= 72 && pt <= 76) return undefined; // RTCP sent to the RTP port (rtcp-mux)
  let off = 12 + 4 * (b[0]! & 0x0f);
  if (b[0]! & 0x10) {
    if (off + 4 > b.length) return undefined;
    off += 4 + 4 * b.readUInt16BE(off + 2);
  }
  let end = b.length;
  if (b[0]! & 0x20) end -= b[b.length - 1]!;
  if (off > end) return undefined;
  return { pt, marker: (b[1]! & 0x80) !== 0, seq: b.readUInt16BE(2), ts: b.readUInt32BE(4), ssrc: b.readUInt32BE(8), payload: b.subarray(off, end) };
}

// ---- analysis ----

export function rms(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return x.length ? Math.sqrt(s / x.length) : 0;
}

/** Goertzel power of `freq` in `x`, scaled so that a full-scale sine gives about 0.5 (the mean square's scale). */
export function goertzel(x: Float64Array, rate: number, freq: number): number {
  const c = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return ((s1 * s1 + s2 * s2 - c * s1 * s2) * 2) / (x.length * x.length);
}

export interface Dominant {
  /** The strongest frequency (10 Hz grid, refined to 1 Hz). */
  hz: number;
  /** Its share of the signal's power, 0..1 (a clean tone is near 1; noise or two tones much less). */
  share: number;
}

/** The strongest frequency between `lo` and `hi` Hz. */
export function dominantFrequency(x: Float64Array, rate = 8000, { lo = 100, hi = Math.min(3900, rate / 2 - 100) } = {}): Dominant {
  const scan = (from: number, to: number, step: number, best: { hz: number; p: number }): { hz: number; p: number } => {
    for (let f = Math.max(lo, from); f <= Math.min(hi, to); f += step) {
      const p = goertzel(x, rate, f);
      if (p > best.p) best = { hz: f, p };
    }
    return best;
  };
  const coarse = scan(lo, hi, 10, { hz: lo, p: -1 });
  const fine = scan(coarse.hz - 9, coarse.hz + 9, 1, coarse);
  const ms = rms(x) ** 2;
  return { hz: fine.hz, share: ms > 0 ? Math.min(1, fine.p / ms) : 0 };
}

export interface ToneCheck {
  /** At least `minSeconds` of 0.25 s windows had `hz` as their clean, loud-enough dominant tone. */
  ok: boolean;
  seconds: number;
  /** Seconds of audio looked at. */
  total: number;
  /** The dominant frequency over the whole input (0 when silent). */
  dominantHz: number;
}

/** Is `hz` (±`tolerance`) the dominant tone of at least `minSeconds` of `x`? */
export function hasTone(x: Float64Array, hz: number, { rate = 8000, minSeconds = 1, tolerance = 15, minRms = 0.01, minShare = 0.6 } = {}): ToneCheck {
  const n = Math.round(rate / 4);
  let hits = 0;
  for (let i = 0; i + n <= x.length; i += n) {
    const w = x.subarray(i, i + n);
    if (rms(w) < minRms) continue;
    const d = dominantFrequency(w, rate);
    if (Math.abs(d.hz - hz) <= tolerance && d.share >= minShare) hits++;
  }
  const seconds = hits / 4;
  return { ok: seconds >= minSeconds, seconds, total: x.length / rate, dominantHz: rms(x) >= minRms ? dominantFrequency(x, rate).hz : 0 };
}

// ---- WAV files ----

export interface Wav {
  rate: number;
  channels: number;
  /** The first channel, -1..1. */
  samples: Float64Array;
}

/** Reads a PCM16 WAV (also one whose header a still-running recorder has not finalised). */
export function readWav(path: string): Wav {
  const b = readFileSync(path);
  if (b.length < 12 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') throw new Error(`${path}: not a WAV file`);
  let off = 12;
  let fmt: { channels: number; rate: number; bits: number } | undefined;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    let size = b.readUInt32LE(off + 4);
    if (id === 'fmt ' && off + 24 <= b.length) fmt = { channels: b.readUInt16LE(off + 10), rate: b.readUInt32LE(off + 12), bits: b.readUInt16LE(off + 22) };
    if (id === 'data') {
      if (!fmt || fmt.bits !== 16 || fmt.channels < 1) throw new Error(`${path}: only PCM16 WAV files are read here`);
      if (size === 0 || off + 8 + size > b.length) size = b.length - off - 8;
      const n = Math.floor(size / 2 / fmt.channels);
      const samples = new Float64Array(n);
      for (let i = 0; i < n; i++) samples[i] = b.readInt16LE(off + 8 + i * 2 * fmt.channels) / 32768;
      return { rate: fmt.rate, channels: fmt.channels, samples };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

/** Writes a mono 16-bit WAV of a sine with sox (`rate` Hz sampling, `amplitude` 0..1). */
export function soxToneWav(path: string, { hz, seconds, rate = 8000, amplitude = 0.5 }: { hz: number; seconds: number; rate?: number; amplitude?: number }): void {
  requireBinary('sox', 'sox');
  const r = spawnSync('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', path, 'synth', String(seconds), 'sine', String(hz), 'vol', String(amplitude)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sox could not write ${path}: ${r.stderr}`);
}

export interface SoxStat {
  rmsAmplitude: number;
  /** sox's zero-crossing estimate: within a few % for a pure tone. */
  roughFrequency: number;
  /** The strongest FFT bin of `sox stat -freq` above 20 Hz. */
  peakFrequency: number;
}

/** `sox FILE -n stat` and `stat -freq`: loudness and frequency as sox sees them. */
export function soxStat(path: string): SoxStat {
  requireBinary('sox', 'sox');
  const st = spawnSync('sox', [path, '-n', 'stat'], { encoding: 'utf8' });
  if (st.status !== 0) throw new Error(`sox stat ${path}: ${st.stderr}`);
  const field = (name: RegExp): number => Number(name.exec(st.stderr)?.[1] ?? NaN);
  const freq = spawnSync('sox', [path, '-n', 'stat', '-freq'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let peak = 0;
  let best = -1;
  for (const line of freq.stderr.split('\n')) {
    const m = /^\s*([\d.]+)\s+([\d.e+-]+)\s*$/.exec(line);
    if (!m) continue;
    const f = Number(m[1]);
    const p = Number(m[2]);
    if (f > 20 && p > best) {
      best = p;
      peak = f;
    }
  }
  return { rmsAmplitude: field(/RMS\s+amplitude:\s+([\d.]+)/), roughFrequency: field(/Rough\s+frequency:\s+(\d+)/), peakFrequency: Math.round(peak) };
}
