import type { SipResponse } from '../message/sip-message.ts';

/**
 * Exponential backoff for re-subscription, re-registration and re-publication after failures:
 * base * 2^(attempt-1), capped, with optional jitter. Pure; the caller schedules on its Clock.
 */
export interface BackoffOptions {
  /** First delay, ms. Default 1 000. */
  baseMs?: number;
  /** Upper bound, ms. Default 300 000 (5 min). */
  maxMs?: number;
  /** Fraction of random spread, 0..1 (0.2 = ±20%). Default 0, so tests are exact. */
  jitter?: number;
  /** Attempts after which the caller should give up; default Infinity. */
  maxAttempts?: number;
}

/** Delay before attempt `attempt` (1-based); `random` in [0,1) is injectable for tests. */
export function backoffDelay(attempt: number, o: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = o.baseMs ?? 1_000;
  const max = o.maxMs ?? 300_000;
  const raw = Math.min(max, base * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const j = o.jitter ?? 0;
  if (j <= 0) return raw;
  return Math.max(0, Math.round(raw * (1 - j + 2 * j * random())));
}

/** True when `attempt` exceeds the configured maximum. */
export function backoffExhausted(attempt: number, o: BackoffOptions = {}): boolean {
  return attempt > (o.maxAttempts ?? Infinity);
}

/**
 * When to refresh something granted for `expiresSec`: at `fraction` of the lifetime, but never
 * later than `minMarginSec` before expiry and never sooner than 1 s from now.
 */
export function refreshDelayMs(expiresSec: number, fraction = 0.9, minMarginSec = 5): number {
  const life = expiresSec * 1000;
  const byFraction = life * fraction;
  const byMargin = life - minMarginSec * 1000;
  return Math.max(1000, Math.min(byFraction, byMargin));
}

/** Retry-After of a response, seconds (RFC 3261 section 20.33), when present and sane. */
export function retryAfterOf(res: SipResponse): number | undefined {
  const m = /^\s*(\d{1,7})/.exec(res.headers.get('Retry-After') ?? '');
  return m ? Number(m[1]) : undefined;
}
