/**
 * One preview-protocol connection over a byte stream (TCP socket or in-memory endpoint): frames
 * outgoing messages, decodes incoming bytes, and reports messages, per-frame decode errors and the
 * close on a typed emitter. PreviewServer sessions and the PreviewClient sit on a link.
 */
import type { Duplex } from 'node:stream';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import { PreviewFrameDecoder, defaultMaxPreviewFrameBytes, encodePreviewFrame } from './preview-codec.ts';
import type { PreviewAcceptKind, PreviewDecodeError } from './preview-codec.ts';
import type { PreviewMessage } from './preview-messages.ts';

export interface PreviewLinkEvents {
  message: (msg: PreviewMessage) => void;
  decodeError: (error: PreviewDecodeError) => void;
  close: (reason: string) => void;
  listenerError: (error: unknown, event: string) => void;
}

export interface PreviewLinkOptions {
  readonly accept: PreviewAcceptKind;
  readonly maxFrameBytes?: number;
  /** Close when more than this many bytes wait to be written (a peer that stopped reading). Default 16 MiB. */
  readonly maxQueuedBytes?: number;
}

export class PreviewLink extends TypedEmitter<PreviewLinkEvents> {
  private readonly stream: Duplex;
  private readonly decoder: PreviewFrameDecoder;
  private readonly maxFrameBytes: number;
  private readonly maxQueuedBytes: number;
  private closeReason: string | undefined;

  constructor(stream: Duplex, options: PreviewLinkOptions) {
    super();
    this.stream = stream;
    this.maxFrameBytes = options.maxFrameBytes ?? defaultMaxPreviewFrameBytes;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.decoder = new PreviewFrameDecoder({ accept: options.accept, maxFrameBytes: this.maxFrameBytes });
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (e: Error) => this.close(`stream error: ${e.message}`, false));
    stream.on('end', () => this.close('peer closed the connection'));
    stream.on('close', () => this.close('connection closed'));
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Sends one message; false if closed. Throws UCC_ERR_PREVIEW_FRAME over the frame limit. */
  send(msg: PreviewMessage): boolean {
    if (this.closeReason !== undefined) return false;
    this.stream.write(encodePreviewFrame(msg, this.maxFrameBytes));
    if (this.stream.writableLength > this.maxQueuedBytes) {
      this.close(`peer is not reading: more than ${this.maxQueuedBytes} bytes queued`, false);
      return false;
    }
    return true;
  }

  /** Closes once; with `flush` what was written goes out first. */
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

  /** Destroys the stream at once. */
  abort(): void {
    this.close('aborted', false);
    if (!this.stream.destroyed) this.stream.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closeReason !== undefined) return;
    for (const frame of this.decoder.push(chunk)) {
      if (frame.ok) this.safeEmit('message', frame.value);
      else {
        this.safeEmit('decodeError', frame.error);
        if (frame.error.fatal) this.close(frame.error.detail);
      }
      if (this.closeReason !== undefined) return;
    }
  }
}
