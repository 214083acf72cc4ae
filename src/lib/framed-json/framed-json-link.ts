/**
 * One framed-JSON connection over a byte stream (TCP socket, TLS socket or in-memory endpoint) or
 * an in-process {@link MessagePipeEnd}: encodes outgoing messages to frames, decodes incoming bytes
 * with a protocol's frame decoder (or validates the values a pipe carries), and reports messages,
 * per-frame decode errors and the close (with its reason) on a typed emitter.
 * Protocol-neutral: T-Lib (TlibLink) and the preview protocol (PreviewLink) are thin subclasses
 * that supply their decoder, encoder and value check.
 */
import type { Duplex } from 'node:stream';
import type { Result } from '../result.ts';
import { TypedEmitter } from '../typed-emitter.ts';
import { MessagePipeEnd } from './message-pipe.ts';

/** What a link runs over: a byte stream, or an in-process pipe of message values. */
export type LinkCarrier = Duplex | MessagePipeEnd;

/** What a protocol's decode error must carry for the link to act on it. */
export interface FramedJsonProblem {
  /** True when the byte stream cannot be resynchronised and the link must close. */
  readonly fatal: boolean;
  /** A sentence naming the problem (the close reason of a fatal one). */
  readonly detail: string;
}

/** An incremental frame decoder: bytes in, every frame they complete out. */
export interface FramedJsonDecoder<M, E extends FramedJsonProblem> {
  push(chunk: Uint8Array): Result<M, E>[];
  /** Bytes of an incomplete frame held (0 between frames). */
  readonly buffered?: number;
  /** The payload limit, adjustable for the frames that follow (absent: fixed). */
  maxFrameBytes?: number;
}

/** Events of a {@link FramedJsonLink}. */
export interface FramedJsonLinkEvents<M, E extends FramedJsonProblem> {
  /** A valid message arrived. */
  message: (msg: M) => void;
  /** A frame was rejected; if `error.fatal`, `close` follows. */
  decodeError: (error: E) => void;
  /** The link closed (once). */
  close: (reason: string) => void;
  /** After each chunk of bytes: whether a frame is still incomplete, and whether any completed (a server times stalled frames). */
  partial: (inFrame: boolean, completed: boolean) => void;
  listenerError: (error: unknown, event: string) => void;
}

/** What a protocol hands the generic link. */
export interface FramedJsonLinkCodec<M, E extends FramedJsonProblem> {
  readonly decoder: FramedJsonDecoder<M, E>;
  /** Encodes one message as a whole frame; may throw over the frame limit (nothing is sent). */
  readonly encode: (msg: M) => Uint8Array;
  /** Validates one value received over a pipe, as the decoder validates a decoded frame. */
  readonly parse: (value: unknown) => Result<M, E>;
  /**
   * Close the link when more than this many bytes wait in the write buffer (a peer that stopped
   * reading must not grow our memory without bound). Default 16 MiB.
   */
  readonly maxQueuedBytes?: number | undefined;
}

/** Default write-buffer bound: 16 MiB. */
export const defaultMaxQueuedBytes = 16 * 1024 * 1024;

export class FramedJsonLink<M, E extends FramedJsonProblem> extends TypedEmitter<FramedJsonLinkEvents<M, E>> {
  private readonly stream: Duplex | undefined;
  private readonly pipe: MessagePipeEnd | undefined;
  private readonly decoder: FramedJsonDecoder<M, E>;
  private readonly encode: (msg: M) => Uint8Array;
  private readonly parse: (value: unknown) => Result<M, E>;
  private readonly maxQueuedBytes: number;
  private closeReason: string | undefined;

  constructor(carrier: LinkCarrier, codec: FramedJsonLinkCodec<M, E>) {
    super();
    this.decoder = codec.decoder;
    this.encode = codec.encode;
    this.parse = codec.parse;
    this.maxQueuedBytes = codec.maxQueuedBytes ?? defaultMaxQueuedBytes;
    if (carrier instanceof MessagePipeEnd) {
      this.pipe = carrier;
      carrier.attach({ message: (value) => this.onFrames([this.parse(value)]), end: () => this.close('peer closed the connection') });
      return;
    }
    const stream = carrier;
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => {
      const frames = this.decoder.push(chunk);
      this.onFrames(frames);
      if (this.closeReason === undefined) this.safeEmit('partial', (this.decoder.buffered ?? 0) > 0, frames.length > 0);
    });
    stream.on('error', (e: Error) => this.close(`stream error: ${e.message}`, false));
    stream.on('end', () => this.close('peer closed the connection'));
    stream.on('close', () => this.close('connection closed'));
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /**
   * Sets the largest frame payload accepted from now on (a server keeps it small until the peer
   * authenticated). No effect with a decoder whose limit is fixed, or on a pipe (no frames).
   */
  setReceiveLimit(maxFrameBytes: number): void {
    if (this.decoder.maxFrameBytes !== undefined) this.decoder.maxFrameBytes = maxFrameBytes;
  }

  /** Why the link closed, once it has. */
  get reason(): string | undefined {
    return this.closeReason;
  }

  /**
   * Sends one message. Returns false (and sends nothing) if the link is closed. Throws what the
   * encoder throws (the protocol's frame error) if the message is larger than the frame limit.
   */
  send(msg: M): boolean {
    if (this.closeReason !== undefined) return false;
    const stream = this.stream;
    if (!stream) return this.pipe?.post(msg) ?? false;
    stream.write(this.encode(msg));
    if (stream.writableLength > this.maxQueuedBytes) {
      this.close(`peer is not reading: more than ${this.maxQueuedBytes} bytes queued`, false);
      return false;
    }
    return true;
  }

  /**
   * Closes the link. With `flush` (default) what was written is handed to the stream first, then
   * the stream is destroyed; without it (a peer that stopped reading) it is destroyed at once.
   */
  close(reason: string, flush = true): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    const stream = this.stream;
    if (!stream) {
      this.pipe?.close(); // what was posted still reaches the peer: a pipe always flushes
    } else if (flush && !stream.destroyed && stream.writable) {
      stream.once('finish', () => stream.destroy());
      stream.end();
    } else {
      stream.destroy();
    }
    this.safeEmit('close', reason);
  }

  /** Destroys the stream at once, whatever is still queued (after close() if it hangs). */
  abort(): void {
    this.close('aborted', false);
    if (this.stream && !this.stream.destroyed) this.stream.destroy();
  }

  private onFrames(frames: Result<M, E>[]): void {
    if (this.closeReason !== undefined) return;
    for (const frame of frames) {
      if (frame.ok) {
        this.safeEmit('message', frame.value);
      } else {
        this.safeEmit('decodeError', frame.error);
        if (frame.error.fatal) this.close(frame.error.detail);
      }
      // A listener may have closed the link: the rest of the chunk is not delivered.
      if (this.closeReason !== undefined) return;
    }
  }
}
