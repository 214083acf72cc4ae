/**
 * The non-INVITE client transaction (RFC 3261 section 17.1.2).
 *
 * ```
 *                                    |Request from TU
 *                                    |send request
 *                Timer E             V
 *                send request  +-----------+
 *                    +---------|           |-------------------+
 *                    |         |  Trying   |  Timer F          |
 *                    +-------->|           |  or Transport Err.|
 *                              +-----------+  inform TU        |
 *                 200-699         |  |                         |
 *                 resp. to TU     |  |1xx                      |
 *                 +---------------+  |resp. to TU              |
 *                 |                  |                         |
 *                 |   Timer E        V       Timer F           |
 *                 |   send req +-----------+ or Transport Err. |
 *                 |  +---------|           | inform TU         |
 *                 |  |         |Proceeding |------------------>|
 *                 |  +-------->|           |-----+             |
 *                 |            +-----------+     |1xx          |
 *                 |              |      ^        |resp to TU   |
 *                 | 200-699      |      +--------+             |
 *                 | resp. to TU  |                             |
 *                 |              |                             |
 *                 |              V                             |
 *                 |            +-----------+                   |
 *                 |            |           |                   |
 *                 |            | Completed |                   |
 *                 |            |           |                   |
 *                 |            +-----------+                   |
 *                 |              ^   |                         |
 *                 |              |   | Timer K                 |
 *                 +--------------+   | -                       |
 *                                    |                         |
 *                                    V                         |
 *              NOTE:           +-----------+                   |
 *                              |           |                   |
 *          transitions         | Terminated|<------------------+
 *          labeled with        |           |
 *          the event           +-----------+
 *          over the action
 *          to take
 * ```
 * Timer E exists only over unreliable transports; Timer K is zero over reliable ones.
 */
import { sipCounters } from './sip-counters.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ClientTransactionOptions } from './invite-client-transaction.ts';
import { nextInterval } from './timers.ts';
import { Transaction } from './transaction.ts';
import type { TransactionKind } from './transaction.ts';

/** States of the non-INVITE client transaction. */
export enum NonInviteClientTransactionState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteClientTransactionState;

/** Every legal edge of the diagram above. */
export const NON_INVITE_CLIENT_TRANSITIONS: Readonly<Record<NonInviteClientTransactionState, readonly NonInviteClientTransactionState[]>> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

/** RFC 3261 section 17.1.2 non-INVITE client transaction. */
export class NonInviteClientTransaction extends Transaction<NonInviteClientTransactionState> {
  readonly kind: TransactionKind = 'non-invite-client';
  protected readonly transitions = NON_INVITE_CLIENT_TRANSITIONS;
  protected readonly terminalState = S.Terminated;

  constructor(
    readonly request: SipRequest,
    private readonly options: ClientTransactionOptions,
  ) {
    super(options.clock, options.key, S.Trying);
  }

  /** Sends the request and arms Timer E (unreliable only) and Timer F. */
  start(): void {
    const t = this.options.timers;
    this.options.send(this.request);
    if (t.timerE !== undefined) this.armTimerE(t.timerE);
    this.startTimer('F', t.timerF, () => {
      if (this.state !== S.Trying && this.state !== S.Proceeding) return;
      this.transition(S.Terminated, 'timerF');
      this.options.delegate.timeout();
    });
  }

  private armTimerE(interval: number): void {
    this.startTimer('E', interval, () => {
      if (this.state !== S.Trying && this.state !== S.Proceeding) return;
      sipCounters.retransmissionsSent++;
      this.options.send(this.request);
      // Section 17.1.2.2: in Trying the interval doubles up to T2; "If Timer E fires while in the
      // Proceeding state, the request MUST be passed to the transport layer for retransmission, and
      // Timer E MUST be reset with a value of T2 seconds."
      const t = this.options.timers;
      this.armTimerE(this.state === S.Proceeding ? t.T2 : nextInterval(interval, t.T2));
    });
  }

  /** A response matched to this transaction (section 17.1.3). */
  receiveResponse(response: SipResponse): void {
    const d = this.options.delegate;
    if (this.state !== S.Trying && this.state !== S.Proceeding) return; // Completed absorbs retransmissions
    if (response.status < 200) {
      if (this.state === S.Trying) this.transition(S.Proceeding, '1xx');
      d.provisional(response);
      return;
    }
    this.stopTimer('E');
    this.stopTimer('F');
    this.transition(S.Completed, 'final');
    d.final(response);
    if (!this.terminated) {
      this.startTimer('K', this.options.timers.timerK, () => this.transition(S.Terminated, 'timerK'));
    }
  }

  transportError(error: unknown): void {
    const before = this.state === S.Trying || this.state === S.Proceeding;
    if (this.state === S.Terminated) return;
    this.transition(S.Terminated, 'transportError');
    if (before) this.options.delegate.transportError(error);
  }
}
