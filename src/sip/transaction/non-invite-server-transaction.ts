/**
 * The non-INVITE server transaction (RFC 3261 section 17.2.2).
 *
 * ```
 *                                   |Request received
 *                                   |pass to TU
 *                                   V
 *                             +-----------+
 *                             |           |
 *                             | Trying    |-------------+
 *                             |           |             |
 *                             +-----------+             |200-699 from TU
 *                                   |                   |send response
 *                                   |1xx from TU        |
 *                                   |send response      |
 *                                   |                   |
 *                Request            V      1xx from TU  |
 *                send response+-----------+send response|
 *                    +--------|           |--------+    |
 *                    |        | Proceeding|        |    |
 *                    +------->|           |<-------+    |
 *             +<--------------|           |             |
 *             |Trnsprt Err    +-----------+             |
 *             |Inform TU            |                   |
 *             |                     |                   |
 *             |                     |200-699 from TU    |
 *             |                     |send response      |
 *             |  Request            V                   |
 *             |  send response+-----------+             |
 *             |      +--------|           |             |
 *             |      |        | Completed |<------------+
 *             |      +------->|           |
 *             +<--------------|           |
 *             |Trnsprt Err    +-----------+
 *             |Inform TU            |
 *             |                     |Timer J fires
 *             |                     |-
 *             |                     |
 *             |                     V
 *             |               +-----------+
 *             |               |           |
 *             +-------------->| Terminated|
 *                             |           |
 *                             +-----------+
 * ```
 * Timer J is 64*T1 over unreliable transports and zero over reliable ones.
 * Under a transaction layer, Completed is handed over to its CompletedNonInviteTable (see
 * `retireCompleted`): the same behaviour without keeping this object alive for 32 s.
 */
import { sipCounters } from './sip-counters.ts';
import { UccError } from '../../lib/errors.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ServerTransactionOptions } from './server-transaction-options.ts';
import { FINAL_ALREADY_SENT } from './server-transaction-options.ts';
import { Transaction } from './transaction.ts';
import type { TransactionKind } from './transaction.ts';

/** States of the non-INVITE server transaction. */
export enum NonInviteServerTransactionState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteServerTransactionState;

/** Every legal edge of the diagram above. */
export const NON_INVITE_SERVER_TRANSITIONS: Readonly<Record<NonInviteServerTransactionState, readonly NonInviteServerTransactionState[]>> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

/** RFC 3261 section 17.2.2 non-INVITE server transaction. */
export class NonInviteServerTransaction extends Transaction<NonInviteServerTransactionState> {
  readonly kind: TransactionKind = 'non-invite-server';
  protected readonly transitions = NON_INVITE_SERVER_TRANSITIONS;
  protected readonly terminalState = S.Terminated;
  private last: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    private readonly options: ServerTransactionOptions,
  ) {
    super(options.clock, options.key, S.Trying);
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  get finalSent(): boolean {
    return this.last !== undefined && this.last.status >= 200;
  }

  /**
   * Arms the abandonment guard: the client gives up after 64*T1 (Timer F), so a request the TU
   * never answers is forgotten then instead of being kept forever. Not an RFC 3261 timer.
   */
  start(): void {
    this.startTimer('Abandon', this.options.timers.timerF, () => {
      if (this.state === S.Trying || this.state === S.Proceeding) this.transition(S.Terminated, 'abandoned');
    });
  }

  /**
   * The TU's response. Throws UccError when a final response was already sent; does nothing once
   * the transaction is gone (transport error, abandoned).
   */
  respond(response: SipResponse): void {
    if (this.state === S.Terminated) return;
    if (this.state !== S.Trying && this.state !== S.Proceeding) {
      throw new UccError('UCC_ERR_SIP_TRANSACTION_STATE', FINAL_ALREADY_SENT);
    }
    if (response.status < 200) {
      if (this.state === S.Trying) this.transition(S.Proceeding, '1xx');
      this.sendResponse(response);
      return;
    }
    this.stopTimer('Abandon');
    this.transition(S.Completed, 'final');
    this.sendResponse(response);
    if (this.terminated) return;
    const timerJ = this.options.timers.timerJ;
    if (timerJ > 0 && this.options.retireCompleted?.() === true) return;
    this.startTimer('J', timerJ, () => this.transition(S.Terminated, 'timerJ'));
  }

  private sendResponse(response: SipResponse): void {
    this.last = response;
    this.options.send(response);
  }

  /**
   * A retransmission of the request: absorbed in Trying ("any retransmissions of the request
   * received while in the Trying state MUST be discarded"), answered with the last response in
   * Proceeding and Completed. Never goes up to the TU.
   */
  receiveRequest(_request: SipRequest): boolean {
    if ((this.state === S.Proceeding || this.state === S.Completed) && this.last) {
      sipCounters.retransmissionsReceived++;
      this.options.send(this.last);
    }
    return false;
  }

  transportError(error: unknown): void {
    if (this.state === S.Terminated) return;
    this.transition(S.Terminated, 'transportError');
    this.options.delegate?.transportError?.(error);
  }
}
