/** A bare T-Lib peer for tests: writes raw bytes or frames, collects decoded events in order. */
import type { Duplex } from 'node:stream';
import { FrameDecoder, encodeFrame } from '../../../../src/tlib/index.ts';
import type { TlibEvent, TlibMessage } from '../../../../src/tlib/index.ts';

export class RawPeer {
  readonly events: TlibEvent[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder = new FrameDecoder({ accept: 'event' });
  private waiters: Array<() => void> = [];
  private cursor = 0;

  constructor(readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) if (f.ok) this.events.push(f.value as TlibEvent);
      this.wake();
    });
    stream.on('error', () => undefined);
    this.closed = new Promise((resolve) => stream.on('close', () => {
      this.isClosed = true;
      this.wake();
      resolve();
    }));
  }

  send(msg: TlibMessage): void {
    this.stream.write(encodeFrame(msg));
  }

  sendRaw(bytes: Uint8Array): void {
    this.stream.write(bytes);
  }

  /** Resolves with the next event (after those already taken) matching `pred`; rejects if the stream closes first. */
  async next(pred: (e: TlibEvent) => boolean = () => true): Promise<TlibEvent> {
    for (;;) {
      while (this.cursor < this.events.length) {
        const e = this.events[this.cursor++] as TlibEvent;
        if (pred(e)) return e;
      }
      if (this.isClosed) throw new Error('peer closed while waiting for an event');
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.stream.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Frames an arbitrary payload with a correct length prefix. */
export function rawFrame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const h = Buffer.alloc(4);
  h.writeUInt32BE(body.length);
  return Buffer.concat([h, body]);
}
