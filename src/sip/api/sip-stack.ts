/**
 * SipStack: the transport and transaction layers behind the TransactionUser interface. It binds the
 * configured listeners (UDP, TCP, TLS, or injected ones such as the in-memory test transport), adds
 * what RFC 3261 section 8.1.1 requires of every outgoing request (top Via with a fresh `z9hG4bK`
 * branch and `rport` over UDP, Max-Forwards), turns timeouts and transport failures into synthesized
 * 408/503 responses, sends CANCEL per section 9.1, and answers OPTIONS itself unless the application
 * registered a request handler. Its `capabilities` hold what it handles and the extensions that
 * are on (`use(MS_SIP_EXTENSION)`); the OPTIONS answer and the no-response rule come from there.
 *
 * ```ts
 * const stack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 5060 }] });
 * stack.onRequest((req, tx) => tx.respond(200));
 * const res = await stack.sendRequest(createRequest({ method: 'MESSAGE', uri: 'sip:bob@10.0.0.2', headers }));
 * await stack.close();
 * ```
 */
import type { Clock } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createResponse, DEFAULT_SIP_LIMITS, getCSeq, serializeMessage } from '../message/index.ts';
import type { SipLimits, SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ClientTransaction } from '../transaction/transaction-layer.ts';
import { MAGIC_COOKIE, TransactionLayer } from '../transaction/transaction-layer.ts';
import { InviteClientTransactionState } from '../transaction/invite-client-transaction.ts';
import { randomToken } from '../transaction/server-transaction-handle.ts';
import type { ServerTransactionHandleImpl } from '../transaction/server-transaction-handle.ts';
import { SipCapabilities } from '../transaction/sip-capabilities.ts';
import type { SipExtension } from '../transaction/sip-capabilities.ts';
import type { TimerSettings } from '../transaction/timers.ts';
import { checkTimerSettings } from '../transaction/timers.ts';
import type {
  RequestHandler, SendRequestOptions, ServerTransactionHandle, TransactionUser, TransportAddress, TransportProtocol,
} from '../transaction/transaction-user.ts';
import { TcpTransport } from '../transport/tcp-transport.ts';
import { TlsTransport } from '../transport/tls-transport.ts';
import type { TlsOptions } from '../transport/tls-transport.ts';
import type { MalformedCounters } from '../transport/malformed-traffic.ts';
import type { Transport } from '../transport/transport.ts';
import { formatHost, formatHostPort, hasExplicitTransport, requestDestination, TransportLayer } from '../transport/transport-layer.ts';
import { UdpTransport } from '../transport/udp-transport.ts';

/** One listener. */
export interface ListenOptions {
  protocol: TransportProtocol;
  /** Local address; '0.0.0.0' binds every IPv4 interface. */
  host: string;
  /** 0 picks an ephemeral port (see `SipStack.addresses`). */
  port: number;
  /** Required for `tls`. */
  tls?: TlsOptions;
  /** TCP/TLS: close connections idle this long (ms). Default 300 000; 0 never. */
  idleTimeoutMs?: number;
  /** TCP/TLS: CRLFCRLF keep-alive ping interval on connections we opened (ms). Default 0 (off). */
  keepAliveIntervalMs?: number;
  /** TCP/TLS: connect timeout (ms). Default 10 000. */
  connectTimeoutMs?: number;
  /** TCP/TLS: inbound connections allowed in total. Default: a quarter of the descriptor limit, at most 10 000. */
  maxConnections?: number;
  /** TCP/TLS: inbound connections allowed from one remote address. Default: a quarter of maxConnections. */
  maxConnectionsPerAddress?: number;
  /** TCP/TLS: closes a connection stalled inside a message this long (ms). Default 30 000; 0 never. */
  stallTimeoutMs?: number;
  /** UDP: SO_RCVBUF in bytes (see UdpTransportOptions.receiveBufferBytes). Default: the OS's. */
  receiveBufferBytes?: number;
}

/** Options of SipStack. */
export interface SipStackOptions extends Partial<TimerSettings> {
  listen?: ListenOptions[];
  /** Ready-made transports (the in-memory test network); bound after the `listen` ones. */
  transports?: Transport[];
  clock?: Clock;
  logger?: Logger;
  limits?: Partial<SipLimits>;
  /** User-Agent header added to requests that have none (and Server on OPTIONS answers). Default 'OpenUCC'. */
  userAgent?: string;
  /** Host for Via sent-by and Contact instead of the bound address. */
  contactHost?: string;
  /** Extensions on from the start (e.g. MS_SIP_EXTENSION); `capabilities.use()` adds one later. */
  extensions?: readonly SipExtension[];
  /**
   * Methods an application handles with its own `onRequest` handler, for Allow (OPTIONS and what
   * the UA parts register are listed anyway). Default none.
   */
  allow?: string[];
  /** Media types listed in Accept besides those the UA parts register. Default DEFAULT_ACCEPT. */
  accept?: string[];
  /** Option tags listed in Supported besides those of the extensions in use. */
  supported?: string[];
  /**
   * RFC 3261 section 18.1.1: a request larger than this many bytes whose next hop would be UDP goes
   * over TCP instead when a TCP listener exists and the URI names no transport; if TCP cannot
   * connect, it is retried over UDP. Default 1300; 0 keeps UDP.
   */
  udpMaxRequestBytes?: number;
  /** Live server transactions beyond which new requests get 503 + Retry-After. Default 50 000. */
  maxServerTransactions?: number;
}

interface PendingInvite {
  tx: ClientTransaction;
  sent: SipRequest;
  destination: TransportAddress;
}

/** Copies the headers a synthesized response needs from the request it answers. */
function synthesize(request: SipRequest, status: number, reason?: string): SipResponse {
  const headers: Array<[string, string]> = [];
  const top = request.headers.getAll('Via')[0];
  if (top !== undefined) headers.push(['Via', top]);
  for (const h of ['From', 'To', 'Call-ID', 'CSeq']) {
    const v = request.headers.get(h);
    if (v !== undefined) headers.push([h, v]);
  }
  return createResponse({ status, ...(reason !== undefined ? { reason } : {}), headers });
}

/** The RFC 3261 transaction user boundary over real (or in-memory) transports. */
export class SipStack implements TransactionUser {
  readonly capabilities: SipCapabilities;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly transportLayer: TransportLayer;
  private readonly transactionLayer: TransactionLayer;
  private readonly handlers: RequestHandler[] = [];
  private readonly invites = new WeakMap<SipRequest, PendingInvite>();
  private state: 'new' | 'started' | 'closed' = 'new';

  /** Creates a stack and binds every listener. */
  static async listen(options: SipStackOptions): Promise<SipStack> {
    const stack = new SipStack(options);
    await stack.start();
    return stack;
  }

  constructor(private readonly options: SipStackOptions) {
    const problem = checkTimerSettings(options);
    if (problem) throw new UccError('UCC_ERR_CONFIG_INVALID', `SIP timers: ${problem}`);
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ component: 'sip' });
    this.capabilities = new SipCapabilities({
      server: options.userAgent ?? 'OpenUCC',
      ...(options.allow ? { allow: options.allow } : {}),
      ...(options.accept ? { accept: options.accept } : {}),
      ...(options.supported ? { supported: options.supported } : {}),
    });
    for (const e of options.extensions ?? []) this.capabilities.use(e);
    const limits: SipLimits = { ...DEFAULT_SIP_LIMITS, ...options.limits };
    const transports: Transport[] = [];
    for (const l of options.listen ?? []) {
      const common = {
        host: l.host,
        port: l.port,
        limits,
        logger: this.logger,
        clock: this.clock,
        ...(l.idleTimeoutMs !== undefined ? { idleTimeoutMs: l.idleTimeoutMs } : {}),
        ...(l.keepAliveIntervalMs !== undefined ? { keepAliveIntervalMs: l.keepAliveIntervalMs } : {}),
        ...(l.connectTimeoutMs !== undefined ? { connectTimeoutMs: l.connectTimeoutMs } : {}),
        ...(l.maxConnections !== undefined ? { maxConnections: l.maxConnections } : {}),
        ...(l.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: l.maxConnectionsPerAddress } : {}),
        ...(l.stallTimeoutMs !== undefined ? { stallTimeoutMs: l.stallTimeoutMs } : {}),
      };
      if (l.protocol === 'udp') transports.push(new UdpTransport({ ...common, ...(l.receiveBufferBytes !== undefined ? { receiveBufferBytes: l.receiveBufferBytes } : {}) }));
      else if (l.protocol === 'tcp') transports.push(new TcpTransport(common));
      else {
        if (!l.tls) throw new UccError('UCC_ERR_CONFIG_INVALID', `TLS listener ${l.host}:${l.port} needs tls.certFile and tls.keyFile`);
        transports.push(new TlsTransport({ ...common, tls: l.tls }));
      }
    }
    transports.push(...(options.transports ?? []));
    if (transports.length === 0) throw new UccError('UCC_ERR_CONFIG_INVALID', 'SipStack needs at least one listener');
    this.transportLayer = new TransportLayer({
      transports,
      logger: this.logger,
      clock: this.clock,
      ...(options.contactHost !== undefined ? { contactHost: options.contactHost } : {}),
    });
    const timers: Partial<TimerSettings> = {};
    if (options.T1 !== undefined) timers.T1 = options.T1;
    if (options.T2 !== undefined) timers.T2 = options.T2;
    if (options.T4 !== undefined) timers.T4 = options.T4;
    this.transactionLayer = new TransactionLayer({
      clock: this.clock,
      transport: this.transportLayer,
      logger: this.logger,
      timers,
      onRequest: (request, handle) => this.dispatch(request, handle),
      isUnanswered: (method) => this.capabilities.isUnanswered(method),
      ...(options.maxServerTransactions !== undefined ? { maxServerTransactions: options.maxServerTransactions } : {}),
    });
  }

  /** Binds every listener. Rejects with UccError UCC_ERR_SIP_TRANSPORT (nothing stays bound then). */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new UccError('UCC_ERR_SIP_TRANSPORT', `SipStack cannot start: it is ${this.state}`);
    this.state = 'started';
    try {
      await this.transportLayer.start({
        receive: (inbound) => this.transactionLayer.receive(inbound),
        malformed: () => {},
        connectionFailed: (connectionId, reason) => this.transactionLayer.connectionFailed(connectionId, reason),
      });
    } catch (e) {
      this.state = 'closed';
      throw e;
    }
    this.logger.info('SIP listening', { addresses: this.addresses.map((a) => `${a.protocol}:${formatHostPort(a)}`) });
  }

  /** Closes every socket and cancels every timer; pending sendRequest promises resolve with 503. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.transactionLayer.dispose();
    await this.transportLayer.close();
  }

  /** The bound addresses (with the real ports when 0 was configured). */
  get addresses(): TransportAddress[] {
    return this.transportLayer.transports.map((t) => t.local);
  }

  /** The bound address of the first listener for `protocol`. */
  address(protocol: TransportProtocol): TransportAddress | undefined {
    return this.transportLayer.transportFor(protocol)?.local;
  }

  /** The transports (tests and diagnostics). */
  get transports(): readonly Transport[] {
    return this.transportLayer.transports;
  }

  /** The malformed traffic received so far (counts by parse-error kind, answers, drops). */
  get malformedCounters(): MalformedCounters {
    return this.transportLayer.malformedCounters;
  }

  /** Live transaction counts; `server` includes the non-INVITE ones in (light) Completed. */
  get transactionCount(): { client: number; server: number; completedNonInvite: number } {
    return this.transactionLayer.size;
  }

  onRequest(handler: RequestHandler): void {
    this.handlers.push(handler);
  }

  private dispatch(request: SipRequest, handle: ServerTransactionHandleImpl): void {
    if (this.handlers.length === 0) {
      // An unanswered method (ACK, an extension's) has a handle that sends nothing.
      if (request.method.toUpperCase() === 'OPTIONS') this.capabilities.answerOptions(handle);
      else if (!handle.finalSent) handle.respond(501);
      return;
    }
    for (const h of this.handlers) h(request, handle);
  }

  /**
   * The stack's OPTIONS answer (RFC 3261 section 11.2, `capabilities.answerOptions`): 200 with
   * Allow, Accept and Supported. Applications with their own handler call this for OPTIONS.
   */
  respondToOptions(_request: SipRequest, handle: ServerTransactionHandle): SipResponse {
    return this.capabilities.answerOptions(handle);
  }

  private viaFor(protocol: TransportProtocol, branch: string): string {
    const sentBy = this.transportLayer.sentBy(protocol);
    if (!sentBy) throw new UccError('UCC_ERR_SIP_TRANSPORT', `no ${protocol} transport is configured`);
    // RFC 3581 section 3: "the client MUST insert the rport parameter" only matters over UDP.
    return `SIP/2.0/${protocol.toUpperCase()} ${formatHostPort(sentBy)};branch=${branch}${protocol === 'udp' ? ';rport' : ''}`;
  }

  /** A copy of `request` with our Via on top and the section 8.1.1 defaults filled in. */
  private prepare(request: SipRequest, protocol: TransportProtocol, branch: string): SipRequest {
    const headers = request.headers.clone();
    headers.prepend('Via', this.viaFor(protocol, branch));
    if (!headers.has('Max-Forwards')) headers.set('Max-Forwards', '70');
    if (!headers.has('User-Agent')) headers.set('User-Agent', this.options.userAgent ?? 'OpenUCC');
    headers.set('Content-Length', String(request.body.length));
    return { kind: 'request', method: request.method, uri: request.uri, headers, body: request.body };
  }

  private destinationOf(request: SipRequest, given: TransportAddress | undefined): TransportAddress | string {
    if (given) return given;
    const r = requestDestination(request);
    return r.ok ? r.value : r.error;
  }

  sendRequest(request: SipRequest, options: SendRequestOptions = {}): Promise<SipResponse> {
    const destination = this.destinationOf(request, options.destination);
    if (typeof destination === 'string' || this.state !== 'started' || !this.transportLayer.transportFor(destination.protocol)) {
      const why = typeof destination === 'string' ? destination : this.state !== 'started' ? `stack is ${this.state}` : `no ${destination.protocol} transport`;
      this.logger.warn('cannot send request', { method: request.method, reason: why });
      return Promise.resolve(synthesize(request, 503));
    }
    if (this.mustAvoidUdp(request, destination, options)) {
      const tcp: TransportAddress = { ...destination, protocol: 'tcp' };
      // "If ... the attempt to establish the connection generates ... a TCP reset, the element
      // SHOULD retry the request, using UDP" (section 18.1.1).
      return this.sendOnce(request, tcp, options).then((r) => (r.transportFailed ? this.sendOnce(request, destination, options).then((u) => u.response) : r.response));
    }
    return this.sendOnce(request, destination, options).then((r) => r.response);
  }

  /** Section 18.1.1: is this request too large for UDP while TCP is available? */
  private mustAvoidUdp(request: SipRequest, destination: TransportAddress, options: SendRequestOptions): boolean {
    const limit = this.options.udpMaxRequestBytes ?? 1300;
    if (destination.protocol !== 'udp' || limit <= 0 || options.destination || request.method === 'CANCEL') return false;
    if (!this.transportLayer.transportFor('tcp') || hasExplicitTransport(request)) return false;
    return serializeMessage(this.prepare(request, 'udp', this.newBranch())).length > limit;
  }

  private sendOnce(request: SipRequest, destination: TransportAddress, options: SendRequestOptions): Promise<{ response: SipResponse; transportFailed: boolean }> {
    const sent = this.prepare(request, destination.protocol, this.newBranch());
    return new Promise((resolve) => {
      const tx = this.transactionLayer.sendRequest(sent, destination, {
        provisional: (r) => this.safely(() => options.onProvisional?.(r)),
        final: (response) => resolve({ response, transportFailed: false }),
        additionalFinal: (r) => this.safely(() => options.onAdditional2xx?.(r)),
        timeout: () => resolve({ response: synthesize(sent, 408), transportFailed: false }),
        transportError: () => resolve({ response: synthesize(sent, 503), transportFailed: true }),
      });
      if (request.method === 'INVITE') this.invites.set(request, { tx, sent, destination });
    });
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logger.warn('a response callback threw', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Sends a request outside any transaction with a fresh branch (ACK for 2xx, BENOTIFY). */
  private sendWithoutTransaction(request: SipRequest, given: TransportAddress | undefined): void {
    const destination = this.destinationOf(request, given);
    if (typeof destination === 'string' || !this.transportLayer.transportFor(destination.protocol) || this.state !== 'started') {
      this.logger.warn('cannot send request', { method: request.method, reason: typeof destination === 'string' ? destination : 'no transport' });
      return;
    }
    const sent = this.prepare(request, destination.protocol, this.newBranch());
    this.transportLayer.send(sent, destination).catch((e: unknown) => {
      this.logger.warn('stateless send failed', { method: request.method, error: e instanceof Error ? e.message : String(e) });
    });
  }

  sendAck(ack: SipRequest, options: { destination?: TransportAddress } = {}): void {
    this.sendWithoutTransaction(ack, options.destination);
  }

  sendStateless(request: SipRequest, options: { destination?: TransportAddress } = {}): void {
    this.sendWithoutTransaction(request, options.destination);
  }

  cancel(invite: SipRequest, reason?: string): Promise<SipResponse> {
    const pending = this.invites.get(invite);
    // Section 9.1: nothing to cancel once a final response arrived (or for an unknown INVITE).
    if (!pending) return Promise.resolve(synthesize(invite, 481));
    const { tx, sent, destination } = pending;
    return new Promise<SipResponse>((resolve) => {
      let cancelSent = false;
      const notSent = (): void => {
        if (!cancelSent) {
          cancelSent = true;
          resolve(synthesize(sent, 481));
        }
      };
      const S = InviteClientTransactionState;
      if (tx.kind !== 'invite-client' || (tx.state !== S.Calling && tx.state !== S.Proceeding)) {
        notSent();
        return;
      }
      // A final response before any 1xx: there is nothing left to cancel.
      tx.on('stateChange', (_from, to) => {
        if (to !== S.Proceeding) notSent();
      });
      // "If no provisional response has been received, the CANCEL request MUST NOT be sent; rather,
      // the client MUST wait for the arrival of a provisional response before sending the request."
      tx.whenProvisional(() => {
        if (cancelSent || tx.state !== S.Proceeding) return;
        cancelSent = true;
        const cancel = this.buildCancel(sent, reason);
        this.transactionLayer.sendRequest(cancel, destination, {
          provisional: () => {},
          final: resolve,
          timeout: () => resolve(synthesize(cancel, 408)),
          transportError: () => resolve(synthesize(cancel, 503)),
        });
      });
    });
  }

  /**
   * Section 9.1: the CANCEL has the INVITE's Request-URI, Call-ID, To, From, CSeq number and Route,
   * and exactly one Via: the INVITE's top Via (same branch, so it matches the server transaction).
   */
  private buildCancel(invite: SipRequest, reason?: string): SipRequest {
    const h = invite.headers;
    const pairs: Array<[string, string]> = [];
    const top = h.getAll('Via')[0];
    if (top !== undefined) pairs.push(['Via', top]);
    for (const r of h.getAll('Route')) pairs.push(['Route', r]);
    for (const name of ['From', 'To', 'Call-ID']) {
      const v = h.get(name);
      if (v !== undefined) pairs.push([name, v]);
    }
    pairs.push(['CSeq', `${getCSeq(invite).seq} CANCEL`]);
    pairs.push(['Max-Forwards', '70']);
    if (reason !== undefined) pairs.push(['Reason', reason]);
    const headers = invite.headers.clone();
    for (const [name] of [...headers.entries()]) headers.delete(name);
    for (const [n, v] of pairs) headers.append(n, v);
    return { kind: 'request', method: 'CANCEL', uri: invite.uri, headers, body: Buffer.alloc(0) };
  }

  contactUri(protocol: TransportProtocol, user = 'ucc'): string {
    const sentBy = this.transportLayer.sentBy(protocol);
    if (!sentBy) throw new UccError('UCC_ERR_SIP_TRANSPORT', `no ${protocol} transport is configured`);
    return `sip:${user}@${formatHost(sentBy.host)}:${sentBy.port};transport=${protocol}`;
  }

  newCallId(): string {
    return randomToken(16);
  }

  newTag(): string {
    return randomToken(8);
  }

  newBranch(): string {
    return MAGIC_COOKIE + randomToken(12);
  }
}
