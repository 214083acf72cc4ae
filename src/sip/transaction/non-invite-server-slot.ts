/**
 * What the transaction layer keeps for one live non-INVITE server transaction: its options, the
 * handle's response sink, the link to the transport and the hand-over to the Completed table, all
 * in one object. At thousands of NOTIFYs a second the closures this replaces (send, its error
 * callback, the sink, retireCompleted, the spread options...) were a good part of the allocation.
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/sip-message.ts';
import type { PreparedResponse, TransportLayer } from '../transport/transport-layer.ts';
import type { SendFailureSink } from '../transport/transport.ts';
import type { CompletedNonInvite, CompletedNonInviteTable } from './completed-non-invite-table.ts';
import type { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import type { ResponseSink, ServerTransactionHandleImpl } from './server-transaction-handle.ts';
import type { ServerTransactionOptions } from './server-transaction-options.ts';
import type { TransactionTimers } from './timers.ts';
import type { MessageSource } from './transaction-user.ts';

/** The parts of the transaction layer a slot works with. */
export interface SlotHost {
  readonly transport: TransportLayer;
  readonly completed: CompletedNonInviteTable;
  readonly logger: Logger;
  /** True while the layer still holds `slot` under its key (not disposed, not replaced). */
  holds(slot: NonInviteServerSlot): boolean;
  /** Forgets `slot` when it is the one held under its key. */
  release(slot: NonInviteServerSlot): void;
}

/** One non-INVITE server transaction as the layer holds it (also its options and response sink). */
export class NonInviteServerSlot implements ServerTransactionOptions, ResponseSink, SendFailureSink {
  tx!: NonInviteServerTransaction;
  handle!: ServerTransactionHandleImpl;
  /** The last response sent, serialized: what the transaction resends once retired. */
  private last: PreparedResponse | undefined;
  private retired: CompletedNonInvite | undefined;

  constructor(
    private readonly host: SlotHost,
    readonly key: string,
    readonly request: SipRequest,
    private readonly source: MessageSource,
    private readonly connectionId: string | undefined,
    readonly clock: Clock,
    readonly timers: TransactionTimers,
  ) {}

  /** ServerTransactionOptions.send: serialize once, route (section 18.2.2) and send. */
  send(m: SipMessage): void {
    if (m.kind !== 'response') return;
    try {
      this.last = this.host.transport.prepareResponse(m, this.source, this.connectionId);
    } catch (e) {
      this.last = undefined;
      queueMicrotask(() => this.sendFailed(e)); // as a send failure: it reaches the transaction later
      return;
    }
    this.host.transport.sendPreparedNow(this.last, this);
  }

  /** SendFailureSink: RFC 3261 section 17.2.4, the transaction informs the TU and terminates. */
  sendFailed(error: unknown): void {
    this.host.logger.debug('response send failed', { status: this.tx.lastResponse?.status, error: error instanceof Error ? error.message : String(error) });
    this.tx.transportError(error);
  }

  /** ServerTransactionOptions.retireCompleted: Completed moves to the light table. */
  retireCompleted(): boolean {
    if (!this.last || !this.host.holds(this)) return false;
    this.host.release(this);
    this.retired = { key: this.key, method: this.request.method, response: this.last };
    this.host.completed.add(this.retired, this.timers.timerJ);
    return true;
  }

  /** The transaction terminated: forget it (after retirement, a transport error ends Completed too). */
  terminated(): void {
    this.host.release(this);
    if (this.retired) this.host.completed.delete(this.retired);
  }

  /** ResponseSink.respond: the handle's responses go through the transaction. */
  respond(response: SipResponse): void {
    this.tx.respond(response);
  }

  get finalSent(): boolean {
    return this.tx.finalSent;
  }
}
