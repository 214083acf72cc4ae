// A short ring tone generated at build time (no audio file is downloaded or committed): two
// 0.4 s bursts of 440 + 480 Hz (the North American ring cadence, shortened), then silence, as
// 8 kHz 8-bit mono PCM WAV. `audio-on-preview` / `audio-on-ring` may point at /audio/ring.wav.

/** The WAV bytes of one 2-second ring cycle (about 16 KB). */
export function ringToneWav(sampleRate = 8000) {
  const seconds = 2;
  const n = sampleRate * seconds;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const on = t < 0.4 || (t >= 0.6 && t < 1.0);
    // Unsigned 8-bit PCM: 128 is silence; the two tones at a quarter of full scale each.
    const v = on ? 0.25 * Math.sin(2 * Math.PI * 440 * t) + 0.25 * Math.sin(2 * Math.PI * 480 * t) : 0;
    data[i] = Math.round(128 + 127 * v);
  }
  const header = new ArrayBuffer(44);
  const h = new DataView(header);
  const ascii = (at, s) => [...s].forEach((c, k) => h.setUint8(at + k, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  h.setUint32(4, 36 + n, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  h.setUint32(16, 16, true); // PCM chunk size
  h.setUint16(20, 1, true); // PCM
  h.setUint16(22, 1, true); // mono
  h.setUint32(24, sampleRate, true);
  h.setUint32(28, sampleRate, true); // byte rate
  h.setUint16(32, 1, true); // block align
  h.setUint16(34, 8, true); // bits per sample
  ascii(36, 'data');
  h.setUint32(40, n, true);
  const out = new Uint8Array(44 + n);
  out.set(new Uint8Array(header), 0);
  out.set(data, 44);
  return out;
}
