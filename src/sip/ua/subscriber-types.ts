/**
 * What a `Subscriber` (subscriber.ts) is given and what it reports: its options, the
 * notifications it emits, why it ended, and its events.
 */
import type { BackoffOptions } from '../../lib/backoff.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { DigestClient } from '../auth/digest-client.ts';
import type { SipRequest } from '../message/sip-message.ts';
import type { TransactionUser } from '../transaction/transaction-user.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';
import type { SubscriberState } from './subscriber-state.ts';
import type { SubscriptionStateValue, TerminationReason } from './subscription-state-header.ts';

export interface SubscriberOptions {
  tu: TransactionUser;
  dispatcher: RequestDispatcher;
  clock: Clock;
  /** Our AoR (From). */
  aor: string;
  displayName?: string;
  /** Resource to watch (Request-URI and To). */
  target: string;
  /** Event package name, e.g. `presence` (may carry parameters: `presence;id=1`). */
  event: string;
  accept?: readonly string[];
  /** Requested duration, seconds. Default 3600. */
  expires?: number;
  /** Our Contact URI. */
  contact: string;
  digest?: DigestClient;
  /** Body of the SUBSCRIBE (filters, batch lists). */
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string | readonly string[]>;
  /** Outbound proxy route (header values). */
  routes?: readonly string[];
  /** Refresh at this fraction of the granted expiry. Default 0.9. */
  refreshFraction?: number;
  backoff?: BackoffOptions;
  /** Timer N override, ms. */
  notifyWaitMs?: number;
  logger?: Logger;
}

/**
 * One received notification: a NOTIFY, a method an extension takes as one (BENOTIFY, which the
 * stack never answers), or the piggybacked first notification in the 2xx of our SUBSCRIBE
 * ([MS-SIP] ms-piggyback-first-notify; `request` is then the SUBSCRIBE).
 */
export interface Notification {
  request: SipRequest;
  subscriptionState: SubscriptionStateValue;
  body: Buffer;
  contentType: string | undefined;
}

/** Why the subscription ended for good. */
export interface SubscriberTermination {
  cause: 'unsubscribed' | 'rejected' | 'reason' | 'giveup' | 'disposed';
  /** The terminated reason from the last NOTIFY, when there was one. */
  reason?: TerminationReason;
  /** The final response status when a SUBSCRIBE was refused. */
  status?: number;
}

export interface SubscriberEvents {
  notify: (n: Notification) => void;
  stateChange: (state: SubscriberState, previous: SubscriberState, cause: string) => void;
  /** A refresh (or the initial SUBSCRIBE) was accepted; `expires` in seconds. */
  refresh: (expires: number) => void;
  /** A re-subscription is scheduled after `delayMs`. */
  retry: (attempt: number, delayMs: number, cause: string) => void;
  terminated: (t: SubscriberTermination) => void;
}
