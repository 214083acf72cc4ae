/**
 * T-Lib framing: each frame is a 4-byte big-endian unsigned length N followed by N bytes of UTF-8
 * JSON (one message). {@link FrameDecoder} is pure: feed it chunks as they arrive, in any split,
 * and it returns the complete frames decoded so far.
 */
import { err } from '../../lib/result.ts';
import type { Result } from '../../lib/result.ts';
import type { TlibMessage } from '../messages/message-catalogue.ts';
import { decodeError } from './decode-error.ts';
import type { TlibDecodeError } from './decode-error.ts';
import { decodeMessage } from './message-codec.ts';
import type { ParseOptions } from './message-codec.ts';
import { LengthPrefixFramer, lengthPrefixBytes } from '../../lib/framed-json/length-prefix-framer.ts';
import { encodeJsonFrame } from '../../lib/framed-json/json-payload.ts';

/** Default largest payload: 1 MiB. */
export const defaultMaxFrameBytes = 1024 * 1024;
/** Size of the length prefix. */
export const frameHeaderBytes = lengthPrefixBytes;

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
  private readonly options: ParseOptions;
  private readonly framer: LengthPrefixFramer;

  constructor(options: FrameDecoderOptions = {}) {
    this.options = options;
    this.framer = new LengthPrefixFramer(options.maxFrameBytes ?? defaultMaxFrameBytes);
  }

  /** The largest frame payload accepted now. */
  get maxFrameBytes(): number {
    return this.framer.limit;
  }

  /** Changes the limit for the frames that follow (a server lifts the pre-authentication limit). */
  set maxFrameBytes(n: number) {
    this.framer.limit = n;
  }

  /** True after a fatal error. */
  get failed(): boolean {
    return this.framer.failed;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.framer.buffered;
  }

  /**
   * Adds received bytes and returns every frame they complete, in order. The decoder keeps a view
   * of `chunk` (no copy), so the caller must not reuse its memory (socket chunks are fresh).
   */
  push(chunk: Uint8Array): DecodedFrame[] {
    const out: DecodedFrame[] = [];
    for (const unit of this.framer.push(chunk)) {
      if ('tooLarge' in unit) {
        out.push(err(decodeError('frame-too-large', `Frame length ${unit.tooLarge} exceeds the limit of ${this.maxFrameBytes} bytes.`)));
      } else {
        out.push(unit.payload.length === 0 ? err(decodeError('invalid-json', 'The frame is empty.')) : decodeMessage(unit.payload, this.options));
      }
    }
    return out;
  }
}

/**
 * Encodes one message as a frame. Throws `UCC_ERR_TLIB_FRAME` if the payload would exceed
 * `maxFrameBytes` (a programming error: the peer would drop the link).
 */
export function encodeFrame(msg: TlibMessage, maxFrameBytes: number = defaultMaxFrameBytes): Buffer {
  return encodeJsonFrame(msg, maxFrameBytes, 'UCC_ERR_TLIB_FRAME');
}

/** Convenience for tests and tools: decode a whole buffer of frames at once. */
export function decodeFrames(bytes: Uint8Array, options: FrameDecoderOptions = {}): DecodedFrame[] {
  return new FrameDecoder(options).push(bytes);
}

