/**
 * The checks a subscriber makes of a notification in its dialog before any dialog state is
 * touched (RFC 6665 sections 4.1.3 and 8.2.1): the Event type and id must be the SUBSCRIBE's, and
 * a Subscription-State must be present and readable.
 */
import type { SipRequest } from '../message/sip-message.ts';
import { parseSubscriptionState } from './subscription-state-header.ts';
import type { SubscriptionStateValue } from './subscription-state-header.ts';

/** The notification's Subscription-State, or the response that refuses it. */
export type IncomingNotifyCheck =
  | { ok: true; subscriptionState: SubscriptionStateValue }
  | { ok: false; status: number; reason: string };

/** The event package of an Event header value (`presence;id=1` → `presence`), lower case. */
export function eventType(e: string): string {
  return (e.split(';')[0] ?? '').trim().toLowerCase();
}

/** The `id` parameter of an Event header value, if any. */
export function eventId(e: string): string | undefined {
  const m = /;\s*id\s*=\s*([^;\s]+)/i.exec(e);
  return m ? m[1] : undefined;
}

/** Checks `req` against the Event of our SUBSCRIBE (`subscribed`). */
export function checkIncomingNotify(req: SipRequest, subscribed: string): IncomingNotifyCheck {
  const ev = req.headers.get('Event') ?? '';
  // The notifier usually echoes the very same text, which needs no parsing.
  if (ev !== subscribed && (eventType(ev) !== eventType(subscribed) || eventId(ev) !== eventId(subscribed))) {
    return { ok: false, status: 489, reason: 'Bad Event' };
  }
  const header = req.headers.get('Subscription-State');
  const ss = header !== undefined ? parseSubscriptionState(header) : undefined;
  if (!ss || !ss.ok) return { ok: false, status: 400, reason: 'Missing or Bad Subscription-State' };
  return { ok: true, subscriptionState: ss.value };
}
