/**
 * Web sessions: a random id (the cookie), the KW's user name and a per-session CSRF token, kept on
 * the server. Expiry is read from the injected Clock on every lookup (idle timeout, sliding, plus an
 * absolute lifetime), so no timer runs and tests move time with ManualClock.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';

/** One authenticated web session. */
export interface WebSession {
  /** The cookie value: 32 random bytes, base64url. */
  readonly id: string;
  readonly userName: string;
  /** A fingerprint of the password hash at login: a changed password ends the session. */
  readonly credentialTag: string;
  /** Sent by the client in the `X-CSRF-Token` header on every state-changing request. */
  readonly csrfToken: string;
  readonly createdAt: number;
  /** Last time the session was used (idle expiry counts from here). */
  lastSeenAt: number;
}

/** Session storage port; the in-memory store below is the default (one process). */
export interface SessionStore {
  create(userName: string, credentialTag?: string): WebSession;
  /** The live session for an id, touching its idle timer; undefined when unknown or expired. */
  get(id: string): WebSession | undefined;
  delete(id: string): boolean;
  /** Ends every session of a user (e.g. password changed, Person deleted). Returns how many. */
  deleteUser(userName: string): number;
  /** Every live session (for revocation checks). */
  list(): WebSession[];
  readonly size: number;
}

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  clock: Clock;
  /** Idle timeout in ms (default 8 h: a working day without a request). */
  idleTimeoutMs?: number;
  /** Absolute lifetime in ms (default 24 h). */
  maxLifetimeMs?: number;
  /** Bound on live sessions; the least recently used is dropped beyond it (default 10000). */
  maxSessions?: number;
}

export const defaultSessionTimeouts = { idleTimeoutMs: 8 * 3600_000, maxLifetimeMs: 24 * 3600_000, maxSessions: 10_000 } as const;

const newToken = (): string => randomBytes(32).toString('base64url');

/** Sessions in a Map, in least-recently-used order (a Map keeps insertion order; a touch re-inserts). */
export class MemorySessionStore implements SessionStore {
  private readonly clock: Clock;
  private readonly idleTimeoutMs: number;
  private readonly maxLifetimeMs: number;
  private readonly maxSessions: number;
  private readonly sessions = new Map<string, WebSession>();

  constructor(options: MemorySessionStoreOptions) {
    this.clock = options.clock;
    this.idleTimeoutMs = options.idleTimeoutMs ?? defaultSessionTimeouts.idleTimeoutMs;
    this.maxLifetimeMs = options.maxLifetimeMs ?? defaultSessionTimeouts.maxLifetimeMs;
    this.maxSessions = Math.max(1, options.maxSessions ?? defaultSessionTimeouts.maxSessions);
  }

  get size(): number {
    return this.sessions.size;
  }

  create(userName: string, credentialTag = ''): WebSession {
    const now = this.clock.now();
    this.sweep(now);
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    const s: WebSession = { id: newToken(), userName, credentialTag, csrfToken: newToken(), createdAt: now, lastSeenAt: now };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string): WebSession | undefined {
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    const now = this.clock.now();
    if (this.expired(s, now)) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeenAt = now;
    this.sessions.delete(id);
    this.sessions.set(id, s);
    return s;
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  deleteUser(userName: string): number {
    let n = 0;
    for (const [id, s] of this.sessions) {
      if (s.userName === userName) {
        this.sessions.delete(id);
        n++;
      }
    }
    return n;
  }

  list(): WebSession[] {
    const now = this.clock.now();
    return [...this.sessions.values()].filter((s) => !this.expired(s, now));
  }

  private expired(s: WebSession, now: number): boolean {
    return now - s.lastSeenAt >= this.idleTimeoutMs || now - s.createdAt >= this.maxLifetimeMs;
  }

  /** Drops expired sessions from the least recently used end until a live one is met (the rest expire on get). */
  private sweep(now: number): void {
    for (const [id, s] of this.sessions) {
      if (!this.expired(s, now)) break;
      this.sessions.delete(id);
    }
  }
}
