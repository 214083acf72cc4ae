/**
 * The registry of connected KW client sessions (WebSocket connections of the web client, or any
 * other client transport). The preview manager delivers previews to every session of a KW and
 * learns here when a KW's last session goes away (a preview open at that moment ends in `error`).
 */
import { TypedEmitter } from '../lib/typed-emitter.ts';
import type { KwServerMessage } from './kw-client-messages.ts';

/** One connected client of one KW. */
export interface KwClientSession {
  /** Unique for the registry's lifetime. */
  readonly id: string;
  readonly userName: string;
  /** Sends one message; false if the session is gone. */
  send(message: KwServerMessage): boolean;
}

/** Events of {@link KwClientSessions}. */
export interface KwClientSessionsEvents {
  sessionOpen: (session: KwClientSession) => void;
  /** `remaining` is how many sessions the KW still has. */
  sessionClose: (session: KwClientSession, remaining: number) => void;
  listenerError: (error: unknown, event: string) => void;
}

export class KwClientSessions extends TypedEmitter<KwClientSessionsEvents> {
  private readonly byUser = new Map<string, Map<string, KwClientSession>>();
  private nextId = 1;

  /** A fresh session id (`k1`, `k2`...). */
  newId(): string {
    return `k${this.nextId++}`;
  }

  /** Adds a session; returns the function that removes it (idempotent). */
  add(session: KwClientSession): () => void {
    let m = this.byUser.get(session.userName);
    if (!m) {
      m = new Map();
      this.byUser.set(session.userName, m);
    }
    m.set(session.id, session);
    this.safeEmit('sessionOpen', session);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const cur = this.byUser.get(session.userName);
      if (!cur?.delete(session.id)) return;
      if (cur.size === 0) this.byUser.delete(session.userName);
      this.safeEmit('sessionClose', session, cur.size);
    };
  }

  /** The sessions of a KW (empty if none). */
  sessionsOf(userName: string): KwClientSession[] {
    const m = this.byUser.get(userName);
    return m ? [...m.values()] : [];
  }

  /** How many sessions a KW has. */
  count(userName: string): number {
    return this.byUser.get(userName)?.size ?? 0;
  }

  /** Sends to every session of a KW; returns how many took it. */
  sendTo(userName: string, message: KwServerMessage): number {
    let n = 0;
    for (const s of this.sessionsOf(userName)) if (s.send(message)) n++;
    return n;
  }
}
