/**
 * Case generation shared by the two framed-JSON protocols (T-Lib and preview): 1-3 frames, each a
 * valid message mutated as JSON and/or as bytes, with an occasional bad length field; sometimes a
 * raw fixture stream mutated whole (length prefixes included).
 */
import { frame, type Mutator } from '../mutators.ts';

export interface FramedJsonSeeds {
  /** Valid messages (JSON values). */
  readonly messages: readonly unknown[];
  /** Raw byte streams (fixture files). */
  readonly raw: readonly Buffer[];
  /** Field names of the protocol, for key mutations. */
  readonly keys: readonly string[];
  readonly maxFrameBytes: number;
}

/** The corpus as bytes: every message framed, and the raw streams. */
export function framedCorpus(seeds: FramedJsonSeeds): Buffer[] {
  return [...seeds.messages.map((v) => {
    const p = Buffer.from(JSON.stringify(v), 'utf8');
    const h = Buffer.alloc(4);
    h.writeUInt32BE(p.length, 0);
    return Buffer.concat([h, p]);
  }), ...seeds.raw];
}

export function generateFramedJson(m: Mutator, seeds: FramedJsonSeeds, corpus: readonly Buffer[]): Buffer {
  if (seeds.raw.length > 0 && m.chance(0.1)) return m.bytes(m.pick(seeds.raw), corpus);
  const n = m.chance(0.7) ? 1 : 2 + m.int(2);
  const frames: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const v = m.pick(seeds.messages);
    // A fraction stays valid, so the code behind the decoder sees well-formed requests too.
    let payload: Buffer = m.chance(0.25) ? Buffer.from(JSON.stringify(v), 'utf8') : m.chance(0.8) ? Buffer.from(m.json(v, seeds.keys), 'utf8') : Buffer.from(JSON.stringify(v), 'utf8');
    if (m.chance(0.3)) payload = m.bytes(payload, corpus);
    frames.push(frame(m, payload, seeds.maxFrameBytes, m.chance(0.08)));
  }
  return Buffer.concat(frames);
}
