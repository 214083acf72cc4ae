/**
 * The INVITE server transaction (RFC 3261 section 17.2.1, with the Accepted state of RFC 6026
 * section 7.1).
 *
 * ```
 *                               |INVITE
 *                               |pass INV to TU
 *            INVITE             V send 100 if TU won't in 200ms
 *            send response+-----------+
 *                +--------|           |--------+ 101-199 from TU
 *                |        |Proceeding |        | send response
 *                +------->|           |<-------+
 *                         |           |          Transport Err.
 *                         |           |          Inform TU
 *                         |           |--------------------------+
 *                         +-----------+                          |
 *            300-699 from TU |     |2xx from TU                  |
 *            send response   |     |send response                |
 *                            |     +------------------+          |
 *                            |                        |          |
 *            INVITE          V          Timer G fires |          |
 *            send response+-----------+ send response |          |
 *                +--------|           |--------+      |          |
 *                |        | Completed |        |      |          |
 *                +------->|           |<-------+      V          |
 *                         +-----------+        +-----------+     |
 *                            |     |           |           |<-+  |
 *                ACK         |     |           | Accepted  |  | 2xx from TU
 *                -           |     +---------- |           |--+  send response
 *                            |  Timer H fires  +-----------+     |
 *                            V  or Transport Err.   | Timer L    |
 *                         +-----------+  Inform TU  | fires      |
 *                         |           |             |            |
 *                         | Confirmed |             |            |
 *                         |           |             |            |
 *                         +-----------+             |            |
 *                               |                   |            |
 *                               |Timer I fires      |            |
 *                               V                   V            |
 *                         +-------------------------------+      |
 *                         |          Terminated           |<-----+
 *                         +-------------------------------+
 * ```
 * Timer G exists only over unreliable transports; Timer I is zero over reliable ones.
 * In Accepted the transaction also retransmits the 2xx over unreliable transports (T1 doubling to T2)
 * until the TU reports the ACK, which is the UAS core's duty in RFC 3261 section 13.3.1.4, kept here
 * so that every retransmission timer lives in one place.
 */
import { sipCounters } from './sip-counters.ts';
import { UccError } from '../../lib/errors.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ServerTransactionOptions } from './server-transaction-options.ts';
import { FINAL_ALREADY_SENT } from './server-transaction-options.ts';
import { nextInterval } from './timers.ts';
import { Transaction } from './transaction.ts';
import type { TransactionKind } from './transaction.ts';

/** States of the INVITE server transaction. */
export enum InviteServerTransactionState {
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const S = InviteServerTransactionState;

/** Every legal edge of the diagram above. */
export const INVITE_SERVER_TRANSITIONS: Readonly<Record<InviteServerTransactionState, readonly InviteServerTransactionState[]>> = {
  [S.Proceeding]: [S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Confirmed, S.Terminated],
  [S.Confirmed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Terminated]: [],
};

/** RFC 3261 section 17.2.1 INVITE server transaction. */
export class InviteServerTransaction extends Transaction<InviteServerTransactionState> {
  readonly kind: TransactionKind = 'invite-server';
  protected readonly transitions = INVITE_SERVER_TRANSITIONS;
  protected readonly terminalState = S.Terminated;
  private last: SipResponse | undefined;
  private ackSeen = false;

  constructor(
    readonly request: SipRequest,
    private readonly options: ServerTransactionOptions,
  ) {
    super(options.clock, options.key, S.Proceeding);
  }

  /** The last response sent (the one a retransmitted INVITE gets again). */
  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** True once a final response was sent. */
  get finalSent(): boolean {
    return this.last !== undefined && this.last.status >= 200;
  }

  /** True once the ACK for the final response arrived. */
  get acknowledged(): boolean {
    return this.ackSeen;
  }

  /**
   * Arms the 100 Trying timer: "the server transaction MUST generate a 100 (Trying) response unless
   * it knows that the TU will generate a provisional or final response within 200 ms".
   */
  start(): void {
    const make = this.options.makeTrying;
    if (!make) return;
    this.startTimer('Trying', this.options.timers.trying, () => {
      if (this.state !== S.Proceeding || this.last) return;
      this.sendResponse(make());
    });
  }

  /**
   * The TU's response (section 17.2.1). Throws UccError when a final response was already sent;
   * does nothing once the transaction terminated (transport error).
   */
  respond(response: SipResponse): void {
    const status = response.status;
    const t = this.options.timers;
    if (this.state === S.Accepted && status >= 200 && status < 300) {
      // RFC 6026 section 7.1: further 2xx from the TU are passed to the transport.
      this.sendResponse(response);
      return;
    }
    if (this.state === S.Terminated) return; // gone after a transport error: nothing to send on
    if (this.state !== S.Proceeding) throw new UccError('UCC_ERR_SIP_TRANSACTION_STATE', FINAL_ALREADY_SENT);
    this.stopTimer('Trying');
    if (status < 200) {
      this.sendResponse(response);
    } else if (status < 300) {
      this.transition(S.Accepted, '2xx');
      this.sendResponse(response);
      this.startTimer('L', t.timerL, () => {
        this.transition(S.Terminated, 'timerL');
        if (!this.ackSeen) this.options.delegate?.ackTimeout?.();
      });
      if (t.timerG !== undefined) this.arm2xxRetransmit(t.timerG);
    } else {
      this.transition(S.Completed, 'non-2xx');
      this.sendResponse(response);
      if (t.timerG !== undefined) this.armTimerG(t.timerG);
      this.startTimer('H', t.timerH, () => {
        if (this.state !== S.Completed) return;
        this.transition(S.Terminated, 'timerH');
        this.options.delegate?.ackTimeout?.();
      });
    }
  }

  private armTimerG(interval: number): void {
    this.startTimer('G', interval, () => {
      if (this.state !== S.Completed || !this.last) return;
      sipCounters.retransmissionsSent++;
      this.options.send(this.last);
      this.armTimerG(nextInterval(interval, this.options.timers.T2));
    });
  }

  private arm2xxRetransmit(interval: number): void {
    this.startTimer('2xx', interval, () => {
      if (this.state !== S.Accepted || this.ackSeen || !this.last) return;
      sipCounters.retransmissionsSent++;
      this.options.send(this.last);
      this.arm2xxRetransmit(nextInterval(interval, this.options.timers.T2));
    });
  }

  private sendResponse(response: SipResponse): void {
    this.last = response;
    this.options.send(response);
  }

  /**
   * A request matched to this transaction: an INVITE retransmission or the ACK for a non-2xx
   * response. Returns true when the request must go up to the TU (an ACK matched in Accepted, which
   * belongs to the 2xx).
   */
  receiveRequest(request: SipRequest): boolean {
    if (request.method === 'ACK') {
      if (this.state === S.Completed) {
        this.ackSeen = true;
        this.stopTimer('G');
        this.stopTimer('H');
        this.transition(S.Confirmed, 'ACK');
        this.startTimer('I', this.options.timers.timerI, () => this.transition(S.Terminated, 'timerI'));
        return false;
      }
      if (this.state === S.Accepted) {
        this.ackReceived();
        return true;
      }
      return false; // Confirmed absorbs ACK retransmissions
    }
    // A retransmitted INVITE: "the most recent provisional response that was received from the TU
    // MUST be passed to the transport layer for retransmission" (Proceeding); in Completed the final.
    if ((this.state === S.Proceeding || this.state === S.Completed) && this.last) {
      sipCounters.retransmissionsReceived++;
      this.options.send(this.last);
    }
    return false;
  }

  /** The ACK for our 2xx arrived (matched by dialog, since it has its own branch): stop retransmitting. */
  ackReceived(): void {
    this.ackSeen = true;
    this.stopTimer('2xx');
  }

  transportError(error: unknown): void {
    if (this.state === S.Terminated) return;
    this.transition(S.Terminated, 'transportError');
    this.options.delegate?.transportError?.(error);
  }
}
