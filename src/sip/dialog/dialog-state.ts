/**
 * Dialog states (RFC 3261 section 12). A dialog created by a 1xx with a To tag is early; a 2xx
 * (or, for subscriptions, the first NOTIFY, RFC 6665 section 4.1.2.4) confirms it; BYE, a
 * subscription's end, or a failure terminates it.
 *
 * ```
 *   early ──2xx──▶ confirmed ──▶ terminated
 *     └──────── non-2xx / timeout ─────▲
 * ```
 */
export type DialogState = 'early' | 'confirmed' | 'terminated';

/** Every legal edge; `Dialog.transition()` refuses the rest. */
export const DIALOG_TRANSITIONS: Record<DialogState, readonly DialogState[]> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};
