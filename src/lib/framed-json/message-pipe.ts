/**
 * An in-process connection that carries message values instead of bytes: the one-process
 * deployment (`ucc start`) links the connector, router and stats to the T-Server this way. A
 * framed-JSON link over it skips what only a wire needs (JSON text, UTF-8, length prefixes,
 * stream buffers) and keeps what the peer relies on:
 * - isolation: a message is copied when posted, as serializing it would snapshot it, so neither
 *   side can change what the other holds (the copy follows JSON's rules: undefined and functions
 *   are left out, non-finite numbers become null);
 * - validation: the receiving link checks every value against its catalogue, as its frame decoder
 *   would;
 * - ordering and timing: delivery is deferred to a microtask, in order, never inside the sender's
 *   call; a close reaches the peer after everything posted before it.
 * There is no byte limit (no frames) and no backpressure: the queue empties on the next microtask.
 */

/** What a pipe end hands its owner. */
export interface MessagePipeHandlers {
  message(value: unknown): void;
  /** The peer closed; every message it posted before has been delivered. */
  end(): void;
}

/** A copy of `value` as `JSON.parse(JSON.stringify(value))` would make it, without the text. */
export function jsonCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return jsonCopy(withToJson.toJSON());
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = skipped(value[i]) ? null : jsonCopy(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (skipped(v)) continue;
    // An own "__proto__" key (JSON.parse makes one) stays a key, as JSON keeps it, never the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: jsonCopy(v), enumerable: true, writable: true, configurable: true });
    else out[key] = jsonCopy(v);
  }
  return out;
}

function skipped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** One end of a pipe made by {@link createMessagePipe}. */
export class MessagePipeEnd {
  /** @internal the other end; undefined once this end is closed. */
  peer: MessagePipeEnd | undefined;
  private handlers: MessagePipeHandlers | undefined;
  private inbox: unknown[] = [];
  private peerEnded = false;
  private scheduled = false;
  private closedHere = false;

  /** True once this end was closed, or the peer's close was delivered. */
  get closed(): boolean {
    return this.closedHere;
  }

  /** Starts delivery to `handlers`; what arrived before is delivered on the next microtask. */
  attach(handlers: MessagePipeHandlers): void {
    this.handlers = handlers;
    this.schedule();
  }

  /** Posts a copy of `value` to the peer. False (nothing sent) once closed. */
  post(value: unknown): boolean {
    const peer = this.peer;
    if (this.closedHere || !peer) return false;
    peer.inbox.push(jsonCopy(value));
    peer.schedule();
    return true;
  }

  /** Closes this end: nothing more is delivered here, and the peer ends after what was posted. */
  close(): void {
    if (this.closedHere) return;
    this.closedHere = true;
    this.inbox = [];
    const peer = this.peer;
    this.peer = undefined;
    if (peer) {
      peer.peerEnded = true;
      peer.peer = undefined;
      peer.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled || !this.handlers) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const handlers = this.handlers;
    if (!handlers) return;
    while (this.inbox.length > 0 && !this.closedHere) {
      const batch = this.inbox;
      this.inbox = [];
      for (const value of batch) {
        if (this.closedHere) return;
        handlers.message(value);
      }
    }
    if (this.peerEnded && !this.closedHere) {
      this.closedHere = true;
      handlers.end();
    }
  }
}

/** Creates two connected pipe ends. */
export function createMessagePipe(): [MessagePipeEnd, MessagePipeEnd] {
  const a = new MessagePipeEnd();
  const b = new MessagePipeEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
