/**
 * The generic half of the T-Lib framing: a 4-byte big-endian unsigned length N, then N payload
 * bytes. It knows nothing about what the payload holds, so the T-Lib codec and the preview
 * protocol (docs/protocols/preview.md) share it. Pure: no I/O.
 */

/** Size of the length prefix. */
export const lengthPrefixBytes = 4;

/** One unit cut from the stream: a payload, or the fatal announcement of an oversized one. */
export type FramerOutput = { readonly payload: Buffer } | { readonly tooLarge: number };

/**
 * Cuts a byte stream into payloads, in any split of the input. A length above `maxPayloadBytes`
 * is returned once as `{ tooLarge }` and the framer then ignores all further input (the stream can
 * no longer be trusted).
 */
export class LengthPrefixFramer {
  private maxPayloadBytes: number;
  private chunks: Buffer[] = [];
  private total = 0;
  private needed: number | undefined;
  private dead = false;

  constructor(maxPayloadBytes: number) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** The current payload limit. */
  get limit(): number {
    return this.maxPayloadBytes;
  }

  /** Changes the payload limit for the frames that follow (e.g. raised once a client authenticated). */
  set limit(maxPayloadBytes: number) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** True after an oversized length. */
  get failed(): boolean {
    return this.dead;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.total;
  }

  /** Adds bytes (kept as a view, not copied) and returns every unit they complete, in order. */
  push(chunk: Uint8Array): FramerOutput[] {
    if (this.dead) return [];
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.total += chunk.length;
    }
    const out: FramerOutput[] = [];
    for (;;) {
      if (this.needed === undefined) {
        if (this.total < lengthPrefixBytes) break;
        const len = this.take(lengthPrefixBytes).readUInt32BE(0);
        if (len > this.maxPayloadBytes) {
          this.dead = true;
          this.chunks = [];
          this.total = 0;
          out.push({ tooLarge: len });
          break;
        }
        this.needed = len;
      }
      if (this.total < this.needed) break;
      const payload = this.take(this.needed);
      this.needed = undefined;
      out.push({ payload });
    }
    return out;
  }

  /** Removes and returns the first `n` buffered bytes (n ≤ total). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) {
      const head = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.total -= n;
      return head;
    }
    const all = Buffer.concat(this.chunks, this.total);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.total -= n;
    return all.subarray(0, n);
  }
}

/** Prefixes a payload with its 4-byte big-endian length. */
export function lengthPrefixed(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(lengthPrefixBytes + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, lengthPrefixBytes);
  return frame;
}
