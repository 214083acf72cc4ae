/** Construction parameters shared by the two server transactions. */
import type { Clock } from '../../lib/clock.ts';
import type { SipResponse } from '../message/sip-message.ts';
import type { TransactionTimers } from './timers.ts';
import type { TransactionSend } from './transaction.ts';

/** What a server transaction reports to its owner besides state changes. */
export interface ServerTransactionDelegate {
  /**
   * INVITE only: Timer H fired (no ACK for a non-2xx final response) or Timer L fired with no ACK
   * for the 2xx (RFC 3261 section 13.3.1.4: the session SHOULD then be terminated).
   */
  ackTimeout?(): void;
  /** The transport failed to send a response (RFC 3261 section 17.2.4). */
  transportError?(error: unknown): void;
}

export interface ServerTransactionOptions {
  clock: Clock;
  timers: TransactionTimers;
  /** Sends a response towards the request's source (RFC 3261 section 18.2.2 is the layer's job). */
  send: TransactionSend;
  /** Matching key (branch + sent-by + method), set by the transaction layer. */
  key: string;
  delegate?: ServerTransactionDelegate;
  /** Builds the 100 Trying the INVITE server transaction sends when the TU is slow (section 17.2.1). */
  makeTrying?: () => SipResponse;
  /**
   * Non-INVITE only: called on entering Completed when Timer J is not zero, after the final
   * response went out. Returning true means the owner (the transaction layer) carries the
   * Completed state on in a lighter form (answering retransmissions with the same response until
   * Timer J), so this object arms no Timer J and is fed no further requests.
   */
  retireCompleted?: () => boolean;
}

/** Thrown into the TU when it answers a transaction that already has a final response. */
export const FINAL_ALREADY_SENT = 'a final response was already sent on this server transaction';
