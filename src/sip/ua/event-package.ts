/**
 * Event packages (RFC 6665 section 7) as data the notifier engine consults, so the engine knows
 * nothing about presence, dialog or Microsoft categories (style rule 7). Bodies, aggregation and
 * per-watcher filtering live with each package (in `presence/event-packages/`).
 */
import type { SipRequest } from '../message/sip-message.ts';
import type { NotifierSubscription } from './notifier-subscription.ts';

/** A NOTIFY body and its Content-Type. */
export interface NotifyBody {
  body: Buffer | string;
  contentType: string;
}

/**
 * The package's answer to a new SUBSCRIBE (RFC 6665 section 4.2.1.3): accept as active or
 * pending (authorization still open), or refuse with a status (403, 404, 489...).
 */
export type SubscriptionDecision = 'active' | 'pending' | { reject: number; reason?: string };

export interface EventPackage {
  /** Event header token, e.g. `presence`, `dialog`, `message-summary` (matched case-insensitively). */
  name: string;
  /** Body types this package can produce; the first is the default (checked against Accept). */
  contentTypes: readonly string[];
  /** Subscription duration when the SUBSCRIBE has no Expires, seconds. */
  defaultExpires: number;
  /** Shorter non-zero requests get 423 with Min-Expires. Default 60. */
  minExpires?: number;
  /** Longer requests are shortened to this. Default 86 400. */
  maxExpires?: number;
  /** Decides whether the watcher may subscribe. Default: active. */
  authorize?(request: SipRequest): SubscriptionDecision | Promise<SubscriptionDecision>;
  /**
   * The current state for a watcher (initial NOTIFY, NOTIFY after a refresh, the final NOTIFY of a
   * fetch). Undefined sends a NOTIFY without a body.
   */
  currentState?(subscription: NotifierSubscription): NotifyBody | undefined;
}
