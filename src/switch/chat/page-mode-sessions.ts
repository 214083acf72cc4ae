/**
 * Page-mode MESSAGE sessions (issue 13, "Where chats come from: SIP"): RFC 3428 MESSAGEs carry no
 * session, so a customer's MESSAGEs to one routing-point address are grouped into one chat session
 * per (customer, routing point), kept while they keep coming and closed after `idleTimeoutMs`
 * without a message either way (the KW's answers count as activity too).
 *
 * A machine with an injected Clock and no I/O: it says what happened (`opened`, `message`,
 * `idle`) through its callbacks; the customer IM source (customer-im-source.ts) does the SIP and
 * the chat core.
 */
import type { Clock, TimerHandle } from '../../lib/clock.ts';

/** The key of a session: who and where. */
export interface PageModeKey {
  /** The customer's address (imAddressKey form). */
  readonly customer: string;
  /** The routing point the MESSAGEs are addressed to. */
  readonly routingPoint: string;
}

export interface PageModeSessionsOptions {
  readonly clock: Clock;
  /** A session with no message either way for this long is closed. */
  readonly idleTimeoutMs: number;
  /** Sessions at once; a new customer beyond it is refused (default 10 000). */
  readonly maxSessions?: number;
  /** A new session, with its first text. */
  readonly opened: (id: string, key: PageModeKey, text: string) => void;
  /** A later text of an open session. */
  readonly message: (id: string, text: string) => void;
  /** The session went idle and is closed. */
  readonly idle: (id: string) => void;
}

/** What became of one incoming MESSAGE. */
export type PageModeVerdict = 'opened' | 'continued' | 'refused';

interface Session {
  readonly id: string;
  readonly key: PageModeKey;
  timer: TimerHandle | undefined;
}

/** See the file comment. */
export class PageModeSessions {
  private readonly byKey = new Map<string, Session>();
  private readonly byId = new Map<string, Session>();
  private next = 1;

  constructor(private readonly o: PageModeSessionsOptions) {}

  /** Sessions open now. */
  get size(): number {
    return this.byKey.size;
  }

  /** The open session of (customer, routing point), if any. */
  find(key: PageModeKey): string | undefined {
    return this.byKey.get(keyOf(key))?.id;
  }

  /** The key of an open session. */
  keyOf(id: string): PageModeKey | undefined {
    return this.byId.get(id)?.key;
  }

  /** One MESSAGE from a customer to a routing point. */
  receive(key: PageModeKey, text: string): PageModeVerdict {
    const k = keyOf(key);
    const known = this.byKey.get(k);
    if (known) {
      this.touch(known);
      this.o.message(known.id, text);
      return 'continued';
    }
    if (this.byKey.size >= (this.o.maxSessions ?? 10_000)) return 'refused';
    const s: Session = { id: `pm${this.next++}`, key: { ...key }, timer: undefined };
    this.byKey.set(k, s);
    this.byId.set(s.id, s);
    this.touch(s);
    this.o.opened(s.id, s.key, text);
    return 'opened';
  }

  /** An answer went out to the customer: the session is active. Unknown ids are ignored. */
  answered(id: string): void {
    const s = this.byId.get(id);
    if (s) this.touch(s);
  }

  /** Closes a session (the chat ended); a later MESSAGE opens a new one. Unknown ids are ignored. */
  close(id: string): void {
    const s = this.byId.get(id);
    if (!s) return;
    this.o.clock.cancel(s.timer);
    this.byId.delete(id);
    this.byKey.delete(keyOf(s.key));
  }

  /** Closes every session without telling anyone (shutdown). */
  dispose(): void {
    for (const s of this.byId.values()) this.o.clock.cancel(s.timer);
    this.byId.clear();
    this.byKey.clear();
  }

  private touch(s: Session): void {
    this.o.clock.cancel(s.timer);
    s.timer = this.o.clock.setTimer(this.o.idleTimeoutMs, () => {
      s.timer = undefined;
      if (this.byId.get(s.id) !== s) return;
      this.close(s.id);
      this.o.idle(s.id);
    });
  }
}

function keyOf(k: PageModeKey): string {
  return `${k.customer}\u0000${k.routingPoint}`;
}
