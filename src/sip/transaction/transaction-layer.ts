/**
 * The transaction layer (RFC 3261 section 17): creates the four kinds of transaction, matches every
 * incoming message to one (sections 17.1.3 and 17.2.3), absorbs retransmissions, handles CANCEL
 * (section 9.2), and hands new requests to the TU with a ServerTransactionHandle.
 *
 * Matching keys:
 * - client: top Via branch + CSeq method ("the response matches a client transaction if ... the
 *   branch parameter ... and the method parameter in the CSeq header field match");
 * - server (RFC 3261 branch, `z9hG4bK...`): branch + sent-by + method, where "the method of the
 *   request matches the one that created the transaction, except for ACK, where the method of the
 *   request that created the transaction is INVITE"; a CANCEL finds its INVITE with the same key
 *   and method INVITE;
 * - server (RFC 2543 peers without the magic cookie): Request-URI, From tag, Call-ID, CSeq number,
 *   top Via and method (section 17.2.3, simplified: the To tag of an ACK is not compared).
 *
 * Methods that are never answered (ACK for a 2xx, and an extension's such as [MS-SIP] BENOTIFY:
 * `isUnanswered`) get no server transaction; the TU's handle for them builds but never sends.
 */
import { sipCounters } from './sip-counters.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { getCallId, getCSeq, getVias } from '../message/index.ts';
import { cseqView, fromView, viasView } from '../message/header-accessors.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/sip-message.ts';
import type { InboundMessage } from '../transport/transport.ts';
import type { PreparedResponse, TransportLayer } from '../transport/transport-layer.ts';
import type { ClientTransactionDelegate } from './client-transaction-delegate.ts';
import { CompletedNonInviteTable } from './completed-non-invite-table.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction, InviteServerTransactionState } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerSlot, type SlotHost } from './non-invite-server-slot.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { ServerTransactionHandleImpl } from './server-transaction-handle.ts';
import type { TimerSettings, TransactionTimers } from './timers.ts';
import { transactionTimers } from './timers.ts';
import type { MessageSource, TransportAddress } from './transaction-user.ts';

/** RFC 3261 section 8.1.1.7: branches of compliant elements start with this magic cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** A live server transaction and the handle its TU answers through. */
interface ServerEntry {
  readonly tx: ServerTransaction;
  readonly handle: ServerTransactionHandleImpl;
}

/** Options of the transaction layer. */
export interface TransactionLayerOptions {
  clock: Clock;
  transport: TransportLayer;
  logger?: Logger;
  timers?: Partial<TimerSettings>;
  /** The TU: every new request, ACKs for 2xx, and unanswered methods. Exceptions are caught (500 when unanswered). */
  onRequest: (request: SipRequest, handle: ServerTransactionHandleImpl) => void;
  /** Methods (upper case) that get no server transaction and no response besides ACK. Default: none. */
  isUnanswered?: (method: string) => boolean;
  /** A 2xx to INVITE that matched no transaction (after Timer M, or a late fork). */
  onStrayResponse?: (response: SipResponse, source: MessageSource) => void;
  /**
   * New requests beyond this many live server transactions are answered 503 with Retry-After and
   * no transaction (overload protection, RFC 3261 section 21.5.4). Default 50 000. Non-INVITE
   * transactions in Completed (the light CompletedNonInviteTable) do not count.
   */
  maxServerTransactions?: number;
}

/** Matching key of a client transaction. */
export function clientKey(branch: string, method: string): string {
  return `${branch}\n${method.toUpperCase()}`;
}

/** Matching key of a server transaction for `request`, as if its method were `asMethod`. */
export function serverKey(request: SipRequest, asMethod?: string): string | undefined {
  const top = viasView(request)[0];
  if (!top) return undefined;
  let method = (asMethod ?? request.method).toUpperCase();
  if (method === 'ACK') method = 'INVITE';
  const branch = top.params['branch'];
  if (branch && branch.startsWith(MAGIC_COOKIE)) {
    // join makes one flat string: a key built with + is a chain of cons strings, and a
    // non-INVITE key is kept for Timer J (32 s) by its Completed entry.
    return [branch, '\n', top.host.toLowerCase(), ':', top.port ?? '', '\n', method].join('');
  }
  // RFC 2543 fallback (section 17.2.3).
  const viaRaw = request.headers.getAll('Via')[0] ?? '';
  return ['2543', method === 'INVITE' ? '' : request.uri, fromView(request).params['tag'] ?? '', getCallId(request), cseqView(request).seq, viaRaw.replace(/;\s*(received|rport)(=[^;]*)?/gi, ''), method].join('\n');
}

/** Creates, matches and forgets transactions. */
export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerEntry>();
  /** Client transactions by the stream connection their request went out on. */
  private readonly byConnection = new Map<string, Set<ClientTransaction>>();
  /** INVITE server transactions in Accepted, by Call-ID + CSeq number, to spot the ACK of the 2xx. */
  private readonly accepted = new Map<string, InviteServerTransaction>();
  /** Non-INVITE server transactions in Completed, waiting out Timer J in a light form. */
  private readonly completed: CompletedNonInviteTable;
  /** Timer values per transport kind, computed once (every transaction of a kind shares them). */
  private readonly timerSets: { reliable: TransactionTimers; unreliable: TransactionTimers };
  private readonly logger: Logger;
  private disposed = false;

  /** What the non-INVITE slots see of this layer. */
  private readonly slotHost: SlotHost;

  constructor(private readonly options: TransactionLayerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.completed = new CompletedNonInviteTable(options.clock);
    this.timerSets = { reliable: transactionTimers(options.timers, true), unreliable: transactionTimers(options.timers, false) };
    const servers = this.servers;
    this.slotHost = {
      transport: options.transport,
      completed: this.completed,
      logger: this.logger,
      holds: (slot) => !this.disposed && servers.get(slot.key) === slot,
      release: (slot) => {
        if (servers.get(slot.key) === slot) servers.delete(slot.key);
      },
    };
  }

  /**
   * Live transaction counts (tests and diagnostics). `server` includes non-INVITE transactions in
   * Completed; `completedNonInvite` is how many of them are in that light form.
   */
  get size(): { client: number; server: number; completedNonInvite: number } {
    return { client: this.clients.size, server: this.servers.size + this.completed.size, completedNonInvite: this.completed.size };
  }

  /** The client transaction stored under `key`. */
  clientTransaction(key: string): ClientTransaction | undefined {
    return this.clients.get(key);
  }

  /** The server transaction stored under `key` (undefined once a non-INVITE one is in Completed). */
  serverTransaction(key: string): ServerTransaction | undefined {
    return this.servers.get(key)?.tx;
  }

  private timersFor(protocol: TransportAddress['protocol']): TransactionTimers {
    return this.options.transport.transportFor(protocol)?.reliable === true ? this.timerSets.reliable : this.timerSets.unreliable;
  }

  /**
   * Starts a client transaction for `request`, which already carries its top Via with the branch.
   * The delegate hears 1xx, the final response, timeout or transport failure.
   */
  sendRequest(request: SipRequest, destination: TransportAddress, delegate: ClientTransactionDelegate): ClientTransaction {
    const branch = getVias(request)[0]?.params['branch'] ?? '';
    const key = clientKey(branch, request.method);
    const holder: { tx?: ClientTransaction } = {};
    const send = (m: SipMessage): void => {
      this.options.transport.send(m, destination).then(
        (connectionId) => {
          const tx = holder.tx;
          if (connectionId === undefined || !tx || tx.terminated) return;
          let set = this.byConnection.get(connectionId);
          if (!set) this.byConnection.set(connectionId, (set = new Set()));
          if (!set.has(tx)) {
            set.add(tx);
            tx.onTerminated(() => {
              set.delete(tx);
              if (set.size === 0 && this.byConnection.get(connectionId) === set) this.byConnection.delete(connectionId);
            });
          }
        },
        (e: unknown) => {
          this.logger.debug('request send failed', { method: request.method, error: e instanceof Error ? e.message : String(e) });
          holder.tx?.transportError(e);
        },
      );
    };
    const common = {
      clock: this.options.clock,
      timers: this.timersFor(destination.protocol),
      send,
      delegate,
      key,
    };
    sipCounters.clientTransactions++;
    const tx: ClientTransaction = request.method === 'INVITE' ? new InviteClientTransaction(request, common) : new NonInviteClientTransaction(request, common);
    holder.tx = tx;
    this.clients.set(key, tx);
    tx.onTerminated(() => {
      if (this.clients.get(key) === tx) this.clients.delete(key);
    });
    if (this.disposed) tx.transportError(new Error('stack closed'));
    else tx.start();
    return tx;
  }

  /** Entry point for everything the transport layer delivers. Never throws. */
  receive(inbound: InboundMessage): void {
    try {
      if (inbound.message.kind === 'response') this.receiveResponse(inbound.message, inbound.source);
      else this.receiveRequest(inbound.message, inbound.source, inbound.connectionId);
    } catch (e) {
      this.logger.error('transaction layer failed on an incoming message', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private receiveResponse(response: SipResponse, source: MessageSource): void {
    const branch = getVias(response)[0]?.params['branch'] ?? '';
    const tx = this.clients.get(clientKey(branch, getCSeq(response).method));
    if (tx) {
      tx.receiveResponse(response);
      return;
    }
    this.logger.debug('response matches no transaction', { status: response.status, branch });
    if (response.status >= 200 && response.status < 300 && getCSeq(response).method === 'INVITE') {
      this.options.onStrayResponse?.(response, source);
    }
  }

  private receiveRequest(request: SipRequest, source: MessageSource, connectionId: string | undefined): void {
    if (this.disposed) return;
    const key = serverKey(request);
    if (key === undefined) return;
    const existing = this.servers.get(key);
    if (existing) {
      if (request.method === 'ACK' || request.method === existing.tx.request.method) {
        const passUp = existing.tx.receiveRequest(request);
        if (passUp) this.deliver(request, new ServerTransactionHandleImpl(request, source, undefined));
        return;
      }
    }
    const done = this.completed.get(key);
    if (done && done.method === request.method) {
      // Section 17.2.2: "While in the Completed state, the server transaction MUST pass the final
      // response to the transport layer for retransmission whenever a retransmission of the
      // request is received."
      sipCounters.retransmissionsReceived++;
      this.options.transport.sendPreparedNow(done.response, {
        sendFailed: (e: unknown) => {
          this.logger.debug('response retransmission failed', { error: e instanceof Error ? e.message : String(e) });
          this.completed.delete(done); // Completed, transport error → Terminated
        },
      });
      return;
    }
    const method = request.method.toUpperCase();
    if (method === 'ACK') {
      // An ACK for a 2xx is a transaction of its own (section 17.1.1.3 / 13.2.2.4); it goes to the TU.
      const ist = this.accepted.get(this.dialogKey(request));
      ist?.ackReceived();
      this.deliver(request, new ServerTransactionHandleImpl(request, source, undefined, () => this.logger.debug('not answering an ACK')));
      return;
    }
    if (this.options.isUnanswered?.(method) === true) {
      this.deliver(request, new ServerTransactionHandleImpl(request, source, undefined, () => this.logger.debug('not answering', { method })));
      return;
    }
    if (this.servers.size >= (this.options.maxServerTransactions ?? 50_000)) {
      this.logger.warn('overloaded: answering 503', { method: request.method, serverTransactions: this.servers.size });
      const overload = new ServerTransactionHandleImpl(request, source, undefined).build(503, { headers: { 'Retry-After': '5' } });
      this.options.transport.sendResponse(overload, source, connectionId).catch(() => {});
      return;
    }
    if (method === 'INVITE') {
      this.deliver(request, this.createInviteServer(request, source, connectionId, key).handle);
      return;
    }
    const slot = this.createNonInviteServer(request, source, connectionId, key);
    if (method === 'CANCEL') this.handleCancel(request, slot.handle);
    else this.deliver(request, slot.handle);
    // Most requests are answered while they are delivered: the abandonment guard is only armed
    // for those still waiting for their final response (same Clock instant, so the same deadline).
    if (!this.disposed && !slot.tx.finalSent && !slot.tx.terminated) slot.tx.start();
  }

  private dialogKey(request: SipRequest): string {
    return `${getCallId(request)}\n${getCSeq(request).seq}`;
  }

  private createInviteServer(request: SipRequest, source: MessageSource, connectionId: string | undefined, key: string): ServerEntry {
    const ref: { tx?: InviteServerTransaction } = {};
    const send = (m: SipMessage): void => {
      if (m.kind !== 'response') return;
      const onError = (e: unknown): void => {
        this.logger.debug('response send failed', { status: m.status, error: e instanceof Error ? e.message : String(e) });
        ref.tx?.transportError(e);
      };
      let prepared: PreparedResponse;
      try {
        prepared = this.options.transport.prepareResponse(m, source, connectionId);
      } catch (e) {
        queueMicrotask(() => onError(e)); // as before: a send failure reaches the transaction later
        return;
      }
      this.options.transport.sendPrepared(prepared).catch(onError);
    };
    const sink = {
      respond: (r: SipResponse) => ref.tx?.respond(r),
      get finalSent() {
        return ref.tx?.finalSent ?? false;
      },
    };
    const handle = new ServerTransactionHandleImpl(request, source, sink);
    sipCounters.serverTransactions++;
    const ist = new InviteServerTransaction(request, {
      clock: this.options.clock,
      timers: this.timersFor(source.local.protocol),
      send,
      key,
      delegate: {
        ackTimeout: () => this.logger.info('no ACK for a final response to INVITE', { callId: request.headers.get('Call-ID') }),
      },
      makeTrying: () => handle.build(100),
    });
    ref.tx = ist;
    const dk = this.dialogKey(request);
    ist.on('stateChange', (_from, to) => {
      if (to === InviteServerTransactionState.Accepted) this.accepted.set(dk, ist);
      else if (to === InviteServerTransactionState.Terminated && this.accepted.get(dk) === ist) this.accepted.delete(dk);
    });
    const entry = { tx: ist, handle };
    this.servers.set(key, entry);
    ist.onTerminated(() => {
      if (this.servers.get(key) === entry) this.servers.delete(key);
    });
    ist.start();
    return entry;
  }

  /** A non-INVITE server transaction in one slot object (see non-invite-server-slot.ts); not started. */
  private createNonInviteServer(request: SipRequest, source: MessageSource, connectionId: string | undefined, key: string): NonInviteServerSlot {
    const slot = new NonInviteServerSlot(this.slotHost, key, request, source, connectionId, this.options.clock, this.timersFor(source.local.protocol));
    sipCounters.serverTransactions++;
    const tx = new NonInviteServerTransaction(request, slot);
    slot.tx = tx;
    slot.handle = new ServerTransactionHandleImpl(request, source, slot);
    this.servers.set(key, slot);
    tx.onTerminated(() => slot.terminated());
    return slot;
  }

  /**
   * Section 9.2: a CANCEL that matches a pending INVITE gets 200 and the INVITE gets 487; one that
   * matches nothing gets 481.
   */
  private handleCancel(cancel: SipRequest, cancelHandle: ServerTransactionHandleImpl): void {
    const inviteKey = serverKey(cancel, 'INVITE');
    const invite = inviteKey !== undefined ? this.servers.get(inviteKey) : undefined;
    if (!invite) {
      cancelHandle.respond(481);
      return;
    }
    cancelHandle.respond(200);
    if (!invite.handle.finalSent) invite.handle.respond(487);
    try {
      invite.handle.markCancelled(cancel);
    } catch (e) {
      this.logger.warn('a CANCEL listener failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private deliver(request: SipRequest, handle: ServerTransactionHandleImpl): void {
    try {
      this.options.onRequest(request, handle);
    } catch (e) {
      this.logger.error('request handler threw', { method: request.method, error: e instanceof Error ? e.message : String(e) });
      // The handle of an unanswered request sends nothing, so no method needs excluding here.
      if (!handle.finalSent) {
        try {
          handle.respond(500);
        } catch {
          // already answered in the meantime
        }
      }
    }
  }

  /**
   * A stream connection failed: client transactions whose request went out on it and that have no
   * final response yet will not get one there, so they fail now (RFC 3261 section 17.1.4) instead of
   * waiting for Timer B/F. Transactions that already have their final response are unaffected.
   */
  connectionFailed(connectionId: string, reason: string): void {
    const set = this.byConnection.get(connectionId);
    if (!set) return;
    this.byConnection.delete(connectionId);
    for (const tx of [...set]) {
      this.logger.debug('failing a transaction: its connection failed', { key: tx.key, reason });
      tx.transportError(new Error(`connection failed: ${reason}`));
    }
  }

  /** Ends every transaction: pending client transactions report a transport failure. */
  dispose(): void {
    this.disposed = true;
    for (const tx of [...this.clients.values()]) tx.transportError(new Error('stack closed'));
    for (const { tx } of [...this.servers.values()]) tx.dispose();
    this.clients.clear();
    this.servers.clear();
    this.completed.clear();
    this.accepted.clear();
    this.byConnection.clear();
  }
}
