/**
 * One T-Lib connection over a byte stream (TCP socket, TLS socket or in-memory endpoint): frames
 * outgoing messages, decodes incoming bytes with a {@link FrameDecoder}, and reports messages,
 * per-frame decode errors and the close (with its reason) on a typed emitter. Both the client and
 * the server sessions sit on a link.
 */
import type { Duplex } from 'node:stream';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import { FrameDecoder, defaultMaxFrameBytes, encodeFrame } from '../codec/frame-codec.ts';
import type { AcceptKind } from '../codec/message-codec.ts';
import type { TlibDecodeError } from '../codec/decode-error.ts';
import type { TlibMessage } from '../messages/message-catalogue.ts';

/** Events of a {@link TlibLink}. */
export interface TlibLinkEvents {
  /** A valid message arrived. */
  message: (msg: TlibMessage) => void;
  /** A frame was rejected; if `error.fatal`, `close` follows. */
  decodeError: (error: TlibDecodeError) => void;
  /** The link closed (once). */
  close: (reason: string) => void;
  listenerError: (error: unknown, event: string) => void;
}

/** Options of {@link TlibLink}. */
export interface TlibLinkOptions {
  /** Which kind of message this end accepts (server: request, client: event). */
  readonly accept: AcceptKind;
  readonly maxFrameBytes?: number;
  /**
   * Close the link when more than this many bytes wait in the write buffer (a peer that stopped
   * reading must not grow our memory without bound). Default 16 MiB.
   */
  readonly maxQueuedBytes?: number;
}

export class TlibLink extends TypedEmitter<TlibLinkEvents> {
  private readonly stream: Duplex;
  private readonly decoder: FrameDecoder;
  private readonly maxFrameBytes: number;
  private readonly maxQueuedBytes: number;
  private closeReason: string | undefined;

  constructor(stream: Duplex, options: TlibLinkOptions) {
    super();
    this.stream = stream;
    this.maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.decoder = new FrameDecoder({ accept: options.accept, maxFrameBytes: this.maxFrameBytes });
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (e: Error) => this.close(`stream error: ${e.message}`, false));
    stream.on('end', () => this.close('peer closed the connection'));
    stream.on('close', () => this.close('connection closed'));
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Why the link closed, once it has. */
  get reason(): string | undefined {
    return this.closeReason;
  }

  /**
   * Sends one message. Returns false (and sends nothing) if the link is closed. Throws
   * UCC_ERR_TLIB_FRAME if the message is larger than the frame limit.
   */
  send(msg: TlibMessage): boolean {
    if (this.closeReason !== undefined) return false;
    const frame = encodeFrame(msg, this.maxFrameBytes);
    this.stream.write(frame);
    if (this.stream.writableLength > this.maxQueuedBytes) {
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
    if (flush && !this.stream.destroyed && this.stream.writable) {
      this.stream.once('finish', () => this.stream.destroy());
      this.stream.end();
    } else {
      this.stream.destroy();
    }
    this.safeEmit('close', reason);
  }

  /** Destroys the stream at once, whatever is still queued (after close() if it hangs). */
  abort(): void {
    this.close('aborted', false);
    if (!this.stream.destroyed) this.stream.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closeReason !== undefined) return;
    for (const frame of this.decoder.push(chunk)) {
      if (frame.ok) {
        this.safeEmit('message', frame.value);
      } else {
        this.safeEmit('decodeError', frame.error);
        if (frame.error.fatal) this.close(frame.error.detail);
      }
      if (this.closeReason !== undefined) return;
    }
  }
}
