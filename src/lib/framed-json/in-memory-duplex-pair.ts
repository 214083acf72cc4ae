/**
 * A connected pair of in-memory byte streams: what one end writes, the other reads. It lets the
 * one-process default (`ucc start`) run T-Lib through the same framing and code paths as TCP.
 *
 * - Delivery is deferred to a microtask, so a write never re-enters the peer's handlers inside the
 *   writer's call stack (like a socket, data arrives "later"); order is preserved.
 * - Backpressure is real: when the reader's buffer is full, the writer's write stays pending until
 *   the reader reads, so `writableLength` grows on the writer as it would on a socket.
 * - Ending or destroying one end ends the other, as closing a socket does.
 */
import { Duplex } from 'node:stream';

class MemoryEndpoint extends Duplex {
  peer: MemoryEndpoint | undefined;
  /** This end's write that waits for the peer to read. */
  blockedWrite: (() => void) | undefined;

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _read(): void {
    // Our reader wants more: release the peer's write that was waiting for room.
    const peer = this.peer;
    const release = peer?.blockedWrite;
    if (peer && release) {
      peer.blockedWrite = undefined;
      release();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const copy = Buffer.from(chunk);
    queueMicrotask(() => {
      const peer = this.peer;
      if (!peer || peer.destroyed || peer.readableEnded) {
        callback(); // the bytes fall on the floor, as on a socket whose peer is gone
        return;
      }
      if (peer.push(copy)) callback();
      else this.blockedWrite = () => callback();
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    queueMicrotask(() => {
      const peer = this.peer;
      if (peer && !peer.destroyed && !peer.readableEnded) peer.push(null);
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    this.blockedWrite = undefined;
    queueMicrotask(() => {
      if (!peer) return;
      // A write of the peer waiting for us to read will never be read: let it complete.
      const release = peer.blockedWrite;
      peer.blockedWrite = undefined;
      release?.();
      // The peer sees end-of-stream (after any data already pushed), then closes itself.
      if (!peer.destroyed && !peer.readableEnded) peer.push(null);
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
