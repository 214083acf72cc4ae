/**
 * A connected pair of in-memory byte streams: what one end writes, the other reads. It lets the
 * one-process default (`ucc start`) run T-Lib through the same framing and code paths as TCP.
 *
 * Delivery is deferred to a microtask so a write never re-enters the peer's handlers inside the
 * writer's call stack (like a socket, data arrives "later"), and order is preserved. Ending or
 * destroying one end ends the other, as closing a socket does.
 */
import { Duplex } from 'node:stream';

class MemoryEndpoint extends Duplex {
  peer: MemoryEndpoint | undefined;

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _read(): void {
    // Data is pushed by the peer; nothing to pull.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    const copy = Buffer.from(chunk);
    queueMicrotask(() => {
      if (peer && !peer.destroyed && !peer.readableEnded) peer.push(copy);
      callback();
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    queueMicrotask(() => {
      if (peer && !peer.destroyed && !peer.readableEnded) peer.push(null);
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    queueMicrotask(() => {
      // The peer sees end-of-stream (after any data already pushed), then closes itself.
      if (peer && !peer.destroyed && !peer.readableEnded) peer.push(null);
    });
    callback(error);
  }
}

/** Creates two connected in-memory endpoints. */
export function createDuplexPair(): [Duplex, Duplex] {
  const a = new MemoryEndpoint();
  const b = new MemoryEndpoint();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
