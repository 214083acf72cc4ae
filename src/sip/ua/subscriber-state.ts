/**
 * Subscriber states (RFC 6665 section 4.1; names after the subscription substates).
 *
 * ```
 *  initial ─▶ notify-wait ─▶ pending ◀─▶ active
 *                 │  ▲          │          │
 *                 ▼  │          ▼          ▼
 *               retry-wait ◀────┴──────────┘   (481, 408, 5xx, terminated with a retryable reason)
 *                 │
 *    any ─────────┴──▶ terminated               (unsubscribe, rejected/noresource/invariant, give-up)
 * ```
 * `notify-wait` covers the SUBSCRIBE in flight and the wait for the first NOTIFY (Timer N).
 */
export type SubscriberState = 'initial' | 'notify-wait' | 'pending' | 'active' | 'retry-wait' | 'terminated';

export const SUBSCRIBER_TRANSITIONS: Record<SubscriberState, readonly SubscriberState[]> = {
  'initial': ['notify-wait', 'terminated'],
  'notify-wait': ['pending', 'active', 'retry-wait', 'terminated'],
  'pending': ['active', 'retry-wait', 'terminated'],
  'active': ['pending', 'retry-wait', 'terminated'],
  'retry-wait': ['notify-wait', 'terminated'],
  'terminated': [],
};
