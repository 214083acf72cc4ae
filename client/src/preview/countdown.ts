/**
 * The Preview window countdown (seed 000 4.6, `preview-expiration-timeout`). The server sends the
 * milliseconds left; the client adds them to its own receipt time, so clock skew between browser
 * and server does not matter.
 */

/** Whole seconds left to show (rounded up, never negative): 14.2 s left shows 15. */
export function secondsLeft(localDeadline: number, now: number): number {
  return Math.max(0, Math.ceil((localDeadline - now) / 1000));
}

/** The fraction of the preview time left, 0..1, for a progress bar. */
export function fractionLeft(localDeadline: number, now: number, totalMs: number): number {
  if (!(totalMs > 0)) return 0;
  return Math.min(1, Math.max(0, (localDeadline - now) / totalMs));
}
