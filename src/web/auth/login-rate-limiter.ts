/**
 * Login throttling: at most `max` attempts per key in a fixed window, on the injected Clock. The web
 * edge checks two keys per attempt, the user name and the client IP, so neither guessing one
 * account's password nor spraying many accounts from one address gets far. A success clears the
 * user name's counter (the IP's stays: a sprayer may own one account).
 */
import type { Clock } from '../../lib/clock.ts';

/** One limit: `max` attempts per `windowMs`. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/** Defaults: 5 attempts per user name and 20 per IP address, each per 5 minutes. */
export const defaultLoginLimits: { perUser: RateLimit; perIp: RateLimit } = {
  perUser: { max: 5, windowMs: 5 * 60_000 },
  perIp: { max: 20, windowMs: 5 * 60_000 },
};

/** The outcome of {@link RateLimiter.hit}: allowed, or refused with the seconds until the window ends. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  start: number;
  count: number;
}

/** A fixed-window counter per key, bounded in the number of keys it tracks. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: RateLimit,
    private readonly maxKeys = 50_000,
  ) {}

  /** Would an attempt now be allowed? Does not count it. */
  check(key: string): RateDecision {
    const now = this.clock.now();
    const w = this.live(key, now);
    if (w === undefined || w.count < this.limit.max) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + this.limit.windowMs - now) / 1000)) };
  }

  /** Counts an attempt. */
  hit(key: string): void {
    const now = this.clock.now();
    const w = this.live(key, now);
    if (w !== undefined) {
      w.count++;
      return;
    }
    if (this.windows.size >= this.maxKeys) this.evict(now);
    this.windows.set(key, { start: now, count: 1 });
  }

  /** Forgets a key (after a successful login for the user name). */
  reset(key: string): void {
    this.windows.delete(key);
  }

  private live(key: string, now: number): Window | undefined {
    const w = this.windows.get(key);
    if (w === undefined) return undefined;
    if (now - w.start >= this.limit.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }

  /** Drops ended windows; if none ended, the oldest key (windows are inserted in time order). */
  private evict(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.limit.windowMs) this.windows.delete(k);
    if (this.windows.size >= this.maxKeys) {
      const first = this.windows.keys().next();
      if (!first.done) this.windows.delete(first.value);
    }
  }
}
