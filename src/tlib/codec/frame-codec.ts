/**
 * T-Lib framing: each frame is a 4-byte big-endian unsigned length N followed by N bytes of UTF-8
 * JSON (one message). {@link FrameDecoder} is pure: feed it chunks as they arrive, in any split,
 * and it returns the complete frames decoded so far.
 */
import { err } from '../../lib/result.ts';
import type { Result } from '../../lib/result.ts';
import { UccError } from '../../lib/errors.ts';
import type { TlibMessage } from '../messages/message-catalogue.ts';
import { decodeError } from './decode-error.ts';
import type { TlibDecodeError } from './decode-error.ts';
import { decodeMessage, encodeMessage } from './message-codec.ts';
import type { ParseOptions } from './message-codec.ts';

/** Default largest payload: 1 MiB. */
export const defaultMaxFrameBytes = 1024 * 1024;
/** Size of the length prefix. */
export const frameHeaderBytes = 4;

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions extends ParseOptions {
  /** Largest accepted payload in bytes (default 1 MiB). A larger length is fatal. */
  readonly maxFrameBytes?: number;
}

/** One decoded frame: a message or the reason it was rejected. */
export type DecodedFrame = Result<TlibMessage, TlibDecodeError>;

/**
 * Incremental frame decoder. Per-frame problems (bad JSON, unknown message, bad attribute) are
 * returned as errors and decoding continues with the next frame. A length above the limit is
 * fatal: it is returned once, and the decoder then ignores all further input (the byte stream can
 * no longer be trusted, so the connection must close).
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly options: ParseOptions;
  private chunks: Buffer[] = [];
  private total = 0;
  private needed: number | undefined;
  private dead = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
    this.options = options;
  }

  /** True after a fatal error. */
  get failed(): boolean {
    return this.dead;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.total;
  }

  /**
   * Adds received bytes and returns every frame they complete, in order. The decoder keeps a view
   * of `chunk` (no copy), so the caller must not reuse its memory (socket chunks are fresh).
   */
  push(chunk: Uint8Array): DecodedFrame[] {
    if (this.dead) return [];
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.total += chunk.length;
    }
    const out: DecodedFrame[] = [];
    for (;;) {
      if (this.needed === undefined) {
        if (this.total < frameHeaderBytes) break;
        const len = this.take(frameHeaderBytes).readUInt32BE(0);
        if (len > this.maxFrameBytes) {
          this.dead = true;
          this.chunks = [];
          this.total = 0;
          out.push(err(decodeError('frame-too-large', `Frame length ${len} exceeds the limit of ${this.maxFrameBytes} bytes.`)));
          break;
        }
        this.needed = len;
      }
      if (this.total < this.needed) break;
      const payload = this.take(this.needed);
      this.needed = undefined;
      out.push(payload.length === 0 ? err(decodeError('invalid-json', 'The frame is empty.')) : decodeMessage(payload, this.options));
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

/**
 * Encodes one message as a frame. Throws `UCC_ERR_TLIB_FRAME` if the payload would exceed
 * `maxFrameBytes` (a programming error: the peer would drop the link).
 */
export function encodeFrame(msg: TlibMessage, maxFrameBytes: number = defaultMaxFrameBytes): Buffer {
  const payload = encodeMessage(msg);
  if (payload.length > maxFrameBytes) {
    throw new UccError('UCC_ERR_TLIB_FRAME', `${msg.message} encodes to ${payload.length} bytes, over the ${maxFrameBytes}-byte frame limit`);
  }
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, frameHeaderBytes);
  return frame;
}

/** Convenience for tests and tools: decode a whole buffer of frames at once. */
export function decodeFrames(bytes: Uint8Array, options: FrameDecoderOptions = {}): DecodedFrame[] {
  return new FrameDecoder(options).push(bytes);
}

