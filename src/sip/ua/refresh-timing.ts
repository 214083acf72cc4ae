/**
 * When the UA parts that keep something alive (registration, subscription, publication) act
 * again: refresh before expiry, and honour a Retry-After. Their retry delays after failures come
 * from the project's one backoff (lib/backoff.ts).
 */
import type { SipResponse } from '../message/sip-message.ts';

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
