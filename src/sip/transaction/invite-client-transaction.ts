/**
 * The INVITE client transaction (RFC 3261 section 17.1.1, with the Accepted state of RFC 6026
 * section 8.4 so that 2xx retransmissions reach the TU instead of being lost).
 *
 * ```
 *                         |INVITE from TU
 *       Timer A fires     |INVITE sent          Timer B fires
 *       Reset A,          V                     or Transport Err.
 *       INVITE sent +-----------+               inform TU
 *         +---------|           |---------------------------+
 *         |         |  Calling  |                           |
 *         +-------->|           |-----------+               |
 *                   +-----------+ 2xx       |               |
 *                      |  |       2xx to TU |               |
 *                      |  |1xx              |               |
 *      300-699 +-------+  |1xx to TU        |               |
 *     ACK sent |          V                 |               |
 *   resp. to TU|  +-----------+             |               |
 *              |  |           |-------------+               |
 *              |  |Proceeding | 2xx                         |
 *              |  |           | 2xx to TU                   |
 *              |  +-----------+             V               |
 *              |    300-699 |        +-----------+          |
 *              |    ACK sent|        |           |<--+ 2xx  |
 *              |    to TU   |        | Accepted  |   | to TU|
 *              V            V        |           |---+      |
 *            +-----------+           +-----------+          |
 *  300-699   |           |                 | Timer M        |
 *  ACK sent  | Completed |                 | fires          |
 *  +-------->|           |                 |                |
 *  +---------+-----------+                 |                |
 *                  | Timer D fires         |                |
 *                  V                       V                |
 *            +-------------------------------+              |
 *            |          Terminated           |<-------------+
 *            +-------------------------------+
 * ```
 * Timer A exists only over unreliable transports; Timer D is zero over reliable ones.
 */
import { sipCounters } from './sip-counters.ts';
import type { Clock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ClientTransactionDelegate } from './client-transaction-delegate.ts';
import { cseqNumber } from './client-transaction-delegate.ts';
import type { TransactionTimers } from './timers.ts';
import { nextInterval } from './timers.ts';
import { Transaction } from './transaction.ts';
import type { TransactionKind, TransactionSend } from './transaction.ts';

/** States of the INVITE client transaction. */
export enum InviteClientTransactionState {
  Calling = 'Calling',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const S = InviteClientTransactionState;

/** Every legal edge of the diagram above. */
export const INVITE_CLIENT_TRANSITIONS: Readonly<Record<InviteClientTransactionState, readonly InviteClientTransactionState[]>> = {
  [S.Calling]: [S.Proceeding, S.Completed, S.Accepted, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Terminated]: [],
};

/** Construction parameters of a client transaction. */
export interface ClientTransactionOptions {
  clock: Clock;
  /** Timer values for the transport the request goes over. */
  timers: TransactionTimers;
  /** Hands a message to the transport layer. */
  send: TransactionSend;
  delegate: ClientTransactionDelegate;
  /** Matching key (branch + method), set by the transaction layer. */
  key: string;
}

/** RFC 3261 section 17.1.1 INVITE client transaction. */
export class InviteClientTransaction extends Transaction<InviteClientTransactionState> {
  readonly kind: TransactionKind = 'invite-client';
  protected readonly transitions = INVITE_CLIENT_TRANSITIONS;
  protected readonly terminalState = S.Terminated;
  /** The ACK sent for a non-2xx final response (resent on each retransmission of that response). */
  private ack: SipRequest | undefined;
  /** Whether any provisional response arrived (CANCEL may only be sent after one, section 9.1). */
  private provisionalSeen = false;
  private readonly waitingForProvisional: Array<() => void> = [];

  constructor(
    readonly request: SipRequest,
    private readonly options: ClientTransactionOptions,
  ) {
    super(options.clock, options.key, S.Calling);
  }

  /** True once a 1xx arrived. */
  get receivedProvisional(): boolean {
    return this.provisionalSeen;
  }

  /** Sends the INVITE and arms Timer A (unreliable only) and Timer B. */
  start(): void {
    const t = this.options.timers;
    this.options.send(this.request);
    if (t.timerA !== undefined) this.armTimerA(t.timerA);
    this.startTimer('B', t.timerB, () => {
      // Section 17.1.1.2: "If the client transaction is still in the Calling state when timer B
      // fires, the client transaction SHOULD inform the TU that a timeout has occurred."
      if (this.state !== S.Calling) return;
      this.transition(S.Terminated, 'timerB');
      this.options.delegate.timeout();
    });
  }

  private armTimerA(interval: number): void {
    this.startTimer('A', interval, () => {
      if (this.state !== S.Calling) return;
      sipCounters.retransmissionsSent++;
      this.options.send(this.request);
      this.armTimerA(nextInterval(interval));
    });
  }

  /** Calls `fn` once a provisional response has arrived (now if one already did); never if none does. */
  whenProvisional(fn: () => void): void {
    if (this.provisionalSeen) fn();
    else this.waitingForProvisional.push(fn);
  }

  /** A response matched to this transaction (section 17.1.3). */
  receiveResponse(response: SipResponse): void {
    const status = response.status;
    const d = this.options.delegate;
    switch (this.state) {
      case S.Calling:
      case S.Proceeding:
        if (status < 200) {
          if (this.state === S.Calling) {
            this.stopTimer('A');
            this.stopTimer('B');
            this.transition(S.Proceeding, '1xx');
          }
          this.noteProvisional();
          d.provisional(response);
        } else if (status < 300) {
          // RFC 6026 section 8.4: a 2xx moves to Accepted and is passed up; the TU sends the ACK.
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition(S.Accepted, '2xx');
          this.startTimer('M', this.options.timers.timerM, () => this.transition(S.Terminated, 'timerM'));
          d.final(response);
        } else {
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition(S.Completed, 'non-2xx');
          this.ack = buildAckForNon2xx(this.request, response);
          this.options.send(this.ack);
          this.startTimer('D', this.options.timers.timerD, () => this.transition(S.Terminated, 'timerD'));
          d.final(response);
        }
        return;
      case S.Completed:
        // "Any retransmissions of the final response that are received while in the Completed state
        // MUST cause the ACK to be re-passed to the transport layer for retransmission, but the newly
        // received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack) this.options.send(this.ack);
        return;
      case S.Accepted:
        if (status >= 200 && status < 300) d.additionalFinal?.(response);
        return;
      case S.Terminated:
        return;
    }
  }

  private noteProvisional(): void {
    if (this.provisionalSeen) return;
    this.provisionalSeen = true;
    for (const fn of this.waitingForProvisional.splice(0)) fn();
  }

  transportError(error: unknown): void {
    // Only a failure before any final response matters to the TU.
    const before = this.state === S.Calling || this.state === S.Proceeding;
    if (this.state === S.Terminated) return;
    this.transition(S.Terminated, 'transportError');
    if (before) this.options.delegate.transportError(error);
  }
}

/**
 * Builds the ACK for a non-2xx final response (RFC 3261 section 17.1.1.3): same Request-URI,
 * Call-ID, From, CSeq number and top Via as the INVITE, the To of the response, the INVITE's Route
 * headers, and no body.
 */
export function buildAckForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = invite.headers.clone();
  const seq = cseqNumber(invite.headers.get('CSeq'));
  if (seq === undefined) throw new UccError('UCC_ERR_SIP_PARSE', 'INVITE without a valid CSeq');
  const keep = new Set(['via', 'from', 'call-id', 'route', 'max-forwards']);
  for (const [name] of [...invite.headers.entries()]) {
    if (!keep.has(name.toLowerCase())) headers.delete(name);
  }
  const topVia = invite.headers.getAll('Via')[0];
  if (topVia !== undefined) headers.set('Via', topVia);
  const to = response.headers.get('To');
  if (to !== undefined) headers.set('To', to);
  headers.set('CSeq', `${seq} ACK`);
  if (!headers.has('Max-Forwards')) headers.set('Max-Forwards', '70');
  headers.set('Content-Length', '0');
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers, body: Buffer.alloc(0) };
}
