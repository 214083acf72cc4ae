/**
 * Login throttling, on the injected Clock. The web edge checks two keys per attempt:
 * - (user name, client address): after a few failures each further attempt must wait a delay that
 *   doubles with every failure ({@link FailureBackoff}). Keyed by the pair, so nobody can lock a
 *   user out from another address: guessing from one address gets slower and slower, while the
 *   user's own address is untouched. A success clears the pair.
 * - the client address alone: at most `max` attempts per fixed window, the global cap that stops
 *   spraying many accounts from one address (a success does not clear it). @fastify/rate-limit
 *   enforces it on the login route, over {@link clockWindowStore}.
 *
 * Why the pair is not the plugin's job: @fastify/rate-limit counts requests, not failures, has no
 * way to clear a key on success, and its exponential backoff grows the window of every request
 * past `max` (a KW who finally types the right password would wait on). Growing delays per
 * (user name, address) need to count failed checks only, so that small piece stays here.
 */
import type { Clock } from '../../lib/clock.ts';

/** One limit: `max` attempts per `windowMs`. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/** Growing delays: `free` failures, then `baseDelayMs` doubling per failure up to `maxDelayMs`. */
export interface BackoffLimit {
  free: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key with no failure for this long is forgotten. */
  forgetMs: number;
}

/**
 * Defaults: per (user name, address) 5 free failures, then 1 s, 2 s, 4 s ... up to 15 minutes;
 * per address 20 attempts per 5 minutes.
 */
export const defaultLoginLimits: { perUserAddress: BackoffLimit; perIp: RateLimit } = {
  perUserAddress: { free: 5, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, forgetMs: 60 * 60_000 },
  perIp: { max: 20, windowMs: 5 * 60_000 },
};

/** The outcome of a check: allowed, or refused with the seconds until the wait ends. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  start: number;
  count: number;
}

/** The store interface of @fastify/rate-limit (its LocalStore has the same shape). */
export interface RateLimitStore {
  incr(key: string, cb: (err: Error | null, res: { current: number; ttl: number }) => void, timeWindow: number, max: number): void;
  read(key: string, cb: (err: Error | null, res: { current: number; ttl: number }) => void, timeWindow: number, max?: number): void;
  child(routeOptions: unknown): RateLimitStore;
}

/**
 * A @fastify/rate-limit store: a fixed window per key on the injected Clock (the plugin's own
 * store reads Date.now, which tests cannot drive), bounded in the number of keys it tracks.
 * `onLimit(key)` runs once per window, on the first attempt past `max`.
 */
export function clockWindowStore(clock: Clock, onLimit: (key: string) => void = () => {}, maxKeys = 50_000): new (options?: unknown) => RateLimitStore {
  return class ClockWindowStore implements RateLimitStore {
    private readonly windows = new Map<string, Window>();

    incr(key: string, cb: (err: Error | null, res: { current: number; ttl: number }) => void, timeWindow: number, max: number): void {
      const now = clock.now();
      let w = this.live(key, now, timeWindow);
      if (w === undefined) {
        if (this.windows.size >= maxKeys) this.evict(now, timeWindow);
        w = { start: now, count: 0 };
        this.windows.set(key, w);
      }
      w.count++;
      if (w.count === max + 1) onLimit(key);
      cb(null, { current: w.count, ttl: Math.max(1000, w.start + timeWindow - now) });
    }

    read(key: string, cb: (err: Error | null, res: { current: number; ttl: number }) => void, timeWindow: number): void {
      const now = clock.now();
      const w = this.live(key, now, timeWindow);
      cb(null, w === undefined ? { current: 0, ttl: 0 } : { current: w.count, ttl: w.start + timeWindow - now });
    }

    child(): RateLimitStore {
      return new ClockWindowStore();
    }

    private live(key: string, now: number, timeWindow: number): Window | undefined {
      const w = this.windows.get(key);
      if (w === undefined) return undefined;
      if (now - w.start >= timeWindow) {
        this.windows.delete(key);
        return undefined;
      }
      return w;
    }

    /** Drops ended windows; if none ended, the oldest key (windows are inserted in time order). */
    private evict(now: number, timeWindow: number): void {
      for (const [k, w] of this.windows) if (now - w.start >= timeWindow) this.windows.delete(k);
      if (this.windows.size >= maxKeys) {
        const first = this.windows.keys().next();
        if (!first.done) this.windows.delete(first.value);
      }
    }
  };
}

interface Failures {
  count: number;
  last: number;
  /** No attempt before this time (ms). */
  nextAt: number;
}

/** Failures per key with a growing wait between attempts; bounded in the number of keys it tracks. */
export class FailureBackoff {
  private readonly keys = new Map<string, Failures>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: BackoffLimit,
    private readonly maxKeys = 50_000,
  ) {}

  /** Would an attempt now be allowed? */
  check(key: string): RateDecision {
    const now = this.clock.now();
    const f = this.live(key, now);
    if (f === undefined || now >= f.nextAt) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((f.nextAt - now) / 1000)) };
  }

  /** Counts a failure; returns the wait it imposes (0 while failures are still free). */
  fail(key: string): number {
    const now = this.clock.now();
    let f = this.live(key, now);
    if (f === undefined) {
      if (this.keys.size >= this.maxKeys) this.evict(now);
      f = { count: 0, last: now, nextAt: now };
      this.keys.set(key, f);
    }
    f.count++;
    f.last = now;
    const over = f.count - this.limit.free;
    const wait = over <= 0 ? 0 : Math.min(this.limit.maxDelayMs, this.limit.baseDelayMs * 2 ** Math.min(over - 1, 40));
    f.nextAt = now + wait;
    return wait;
  }

  reset(key: string): void {
    this.keys.delete(key);
  }

  private live(key: string, now: number): Failures | undefined {
    const f = this.keys.get(key);
    if (f !== undefined && now - f.last >= this.limit.forgetMs && now >= f.nextAt) {
      this.keys.delete(key);
      return undefined;
    }
    return f;
  }

  private evict(now: number): void {
    for (const [k, f] of this.keys) if (now - f.last >= this.limit.forgetMs && now >= f.nextAt) this.keys.delete(k);
    if (this.keys.size >= this.maxKeys) {
      const first = this.keys.keys().next();
      if (!first.done) this.keys.delete(first.value);
    }
  }
}
