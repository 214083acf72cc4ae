/**
 * The project's one exponential backoff: how long to wait before retry `attempt` after failures
 * (SIP re-registration, re-subscription and re-publication, UC adapters re-creating what the
 * platform dropped, T-Lib reconnection). Pure; the caller schedules on its Clock.
 *
 *   delay(n) = min(maxMs, baseMs × factor^(n-1)), rounded to a whole ms, then spread by ±jitter
 *
 * Every delay stays within what a timer can wait ({@link MAX_BACKOFF_MS}).
 */

/** The longest delay a Node timer can arm (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_BACKOFF_MS = 2 ** 31 - 1;

/** A backoff schedule; every field has a default. */
export interface BackoffOptions {
  /** First delay, ms. Default 1 000. */
  baseMs?: number;
  /** Upper bound, ms. Default 300 000 (5 min). */
  maxMs?: number;
  /** Growth per attempt. Default 2 (doubling). */
  factor?: number;
  /** Fraction of random spread, 0..1 (0.2 = ±20%). Default 0, so tests are exact. */
  jitter?: number;
  /** Attempts after which the caller should give up (see {@link backoffExhausted}). Default Infinity. */
  maxAttempts?: number;
}

/** Delay before attempt `attempt` (1-based; 0 and below count as 1); `random` in [0,1) is injectable for tests. */
export function backoffDelay(attempt: number, o: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = o.baseMs ?? 1_000;
  const max = Math.min(o.maxMs ?? 300_000, MAX_BACKOFF_MS);
  // A zero base stays zero (0 × Infinity would be NaN once factor^n overflows); an overflow caps at max.
  const grown = base === 0 ? 0 : base * (o.factor ?? 2) ** Math.max(0, attempt - 1);
  const raw = Math.min(max, grown);
  const j = o.jitter ?? 0;
  if (j <= 0) return Math.round(raw);
  return Math.min(MAX_BACKOFF_MS, Math.max(0, Math.round(raw * (1 - j + 2 * j * random()))));
}

/** True when `attempt` exceeds the configured maximum. */
export function backoffExhausted(attempt: number, o: BackoffOptions = {}): boolean {
  return attempt > (o.maxAttempts ?? Infinity);
}
