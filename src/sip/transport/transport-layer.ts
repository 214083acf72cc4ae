/**
 * The transport layer of RFC 3261 section 18 above the individual transports: it picks the
 * transport for a destination, knows the sent-by each transport puts in Via, stamps
 * received/rport on incoming requests, routes responses per section 18.2.2, filters responses that
 * are not ours (section 18.1.2), and turns parse errors into counts, one log line per interval and,
 * for a request whose Via/CSeq can still be read, a 400 (505) sent back to the packet's source.
 * Nothing that arrives can throw out of here.
 */
import { networkInterfaces } from 'node:os';
import type { Clock } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { Result } from '../../lib/result.ts';
import { err, ok } from '../../lib/result.ts';
import { getRoutes, getVias, parseUri, serializeMessage } from '../message/index.ts';
import { viasView } from '../message/header-accessors.ts';
import type { SipMessage, SipParseError, SipRequest, SipResponse, SipUri } from '../message/sip-message.ts';
import type { MessageSource, TransportAddress, TransportProtocol } from '../transaction/transaction-user.ts';
import { badRequestFor } from './bad-request.ts';
import { DEFAULT_LOG_INTERVAL_MS, IntervalLog } from '../../lib/interval-log.ts';
import { MalformedTraffic } from './malformed-traffic.ts';
import type { MalformedCounters } from './malformed-traffic.ts';
import type { InboundMessage, SendFailureSink, Transport, TransportSink } from './transport.ts';
import { defaultPort, normalizeHost } from './transport.ts';
import { responseDestination, sourceReplyDestination, stampReceived, viaProtocol } from './via-received.ts';

/** Options of the transport layer. */
export interface TransportLayerOptions {
  transports: Transport[];
  logger?: Logger;
  /** Host to put in Via sent-by and Contact instead of the bound address (NAT, 0.0.0.0 binds). */
  contactHost?: string;
  /** Times the summary lines of malformed traffic. Default: the system clock. */
  clock?: Clock;
  /** Malformed traffic is logged at most once per this interval (plus a summary). Default 10 000 ms. */
  logIntervalMs?: number;
}

/**
 * A serialized response and where it goes (see {@link TransportLayer.prepareResponse}). Non-INVITE
 * server transactions keep one for each response in Completed (up to 32 s, hundreds of thousands at
 * a time), so it holds only what sending needs: the stream fields only over reliable transports, and
 * the section 18.2.2 destination as host and port, made into an address when asked for.
 */
export class PreparedResponse {
  private readonly stream: { readonly remote: TransportAddress; readonly connectionId: string | undefined } | undefined;

  constructor(
    readonly transport: Transport,
    /** The bytes; on entering Completed the CompletedNonInviteTable moves them into its ResponseArena. */
    public data: Buffer,
    remote: TransportAddress,
    connectionId: string | undefined,
    private readonly destinationHost: string,
    private readonly destinationPort: number,
  ) {
    this.stream = transport.reliable ? { remote, connectionId } : undefined;
  }

  /** Where the request came from (reliable transports; the Via destination otherwise). */
  get remote(): TransportAddress {
    return this.stream?.remote ?? this.destination;
  }

  /** The stream connection the request came on (reliable transports only). */
  get connectionId(): string | undefined {
    return this.stream?.connectionId;
  }

  /** Section 18.2.2 destination from the top Via, used when there is no open connection. */
  get destination(): TransportAddress {
    return { protocol: this.transport.protocol, host: this.destinationHost, port: this.destinationPort };
  }
}

/** Where a prepared response goes: on its connection while that is open, else to its Via destination. */
function routeOf(p: PreparedResponse): { to: TransportAddress; via: string | undefined } {
  const connectionId = p.connectionId;
  if (p.transport.reliable && connectionId !== undefined && p.transport.hasConnection(connectionId)) return { to: p.remote, via: connectionId };
  return { to: p.destination, via: undefined };
}

/** The host of a wildcard bind: the first non-internal IPv4 address, else loopback. */
function concreteHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return host === '::' ? '::1' : '127.0.0.1';
}

/** Formats a host for a URI or Via: IPv6 references get brackets. */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The next hop of a request (RFC 3261 section 8.1.2 with RFC 3263's defaults but no DNS SRV/NAPTR):
 * the first Route's URI (loose routing) or the Request-URI; `transport=` picks the protocol, `sips:`
 * means TLS, `maddr` overrides the host, ports default to 5060/5061.
 */
export function requestDestination(request: SipRequest): Result<TransportAddress, string> {
  const next = nextHopUri(request);
  if (!next.ok) return next;
  const uri = next.value;
  const scheme = uri.scheme.toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') return err(`no route for a ${scheme}: URI`);
  const t = uri.params['transport'];
  let protocol: TransportProtocol = scheme === 'sips' ? 'tls' : 'udp';
  if (t) {
    const p = viaProtocol(t);
    if (!p) return err(`unsupported transport=${t}`);
    protocol = scheme === 'sips' && p === 'tcp' ? 'tls' : p;
  }
  const host = uri.params['maddr'] ?? uri.host;
  return ok({ protocol, host: normalizeHost(host), port: uri.port ?? defaultPort(protocol) });
}

/** The URI the next hop is taken from: the first Route's, else the Request-URI. */
export function nextHopUri(request: SipRequest): Result<SipUri, string> {
  const first = getRoutes(request, 'Route')[0];
  if (first) return ok(first.uri);
  const parsed = parseUri(request.uri);
  return parsed.ok ? ok(parsed.value) : err(`Request-URI cannot be parsed: ${request.uri}`);
}

/** True when the next-hop URI names its transport (`transport=` or `sips:`). */
export function hasExplicitTransport(request: SipRequest): boolean {
  const next = nextHopUri(request);
  return next.ok && (next.value.params['transport'] !== undefined || next.value.scheme.toLowerCase() === 'sips');
}

/** Chooses transports, addresses messages, and filters what comes in. */
export class TransportLayer {
  private readonly logger: Logger;
  private readonly byProtocol = new Map<TransportProtocol, Transport>();
  private readonly malformedCounts = new MalformedTraffic();
  private readonly malformedLog: IntervalLog;

  constructor(private readonly options: TransportLayerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.malformedLog = new IntervalLog(this.logger, options.clock ?? new SystemClock(), 'dropping a malformed SIP message', options.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS);
    // The first listener of each protocol sends for that protocol.
    for (const t of options.transports) if (!this.byProtocol.has(t.protocol)) this.byProtocol.set(t.protocol, t);
  }

  /** Every transport, in configuration order. */
  get transports(): readonly Transport[] {
    return this.options.transports;
  }

  /** Starts every transport; on a failure the ones already started are closed again. */
  async start(sink: TransportSink): Promise<void> {
    const wrapped: TransportSink = {
      receive: (inbound) => this.receive(inbound, sink),
      malformed: (error, source, raw, connectionId, fatal) => this.malformed(error, source, raw, connectionId, fatal === true),
      connectionFailed: (connectionId, reason) => sink.connectionFailed?.(connectionId, reason),
    };
    const started: Transport[] = [];
    try {
      for (const t of this.options.transports) {
        await t.start(wrapped);
        started.push(t);
      }
    } catch (e) {
      await Promise.allSettled(started.map((t) => t.close()));
      throw e;
    }
  }

  async close(): Promise<void> {
    this.malformedLog.close();
    await Promise.allSettled(this.options.transports.map((t) => t.close()));
  }

  /** The malformed traffic received so far. */
  get malformedCounters(): MalformedCounters {
    return this.malformedCounts.snapshot();
  }

  /** The transport that sends for `protocol`, if one is configured. */
  transportFor(protocol: TransportProtocol): Transport | undefined {
    return this.byProtocol.get(protocol);
  }

  /** The sent-by (host, port) this stack puts in Via for `protocol`. */
  sentBy(protocol: TransportProtocol): { host: string; port: number } | undefined {
    const t = this.byProtocol.get(protocol);
    if (!t) return undefined;
    return { host: this.options.contactHost ?? concreteHost(t.local.host), port: t.local.port };
  }

  /**
   * Serializes and sends; resolves with the stream connection used (undefined over UDP); rejects
   * with UccError UCC_ERR_SIP_TRANSPORT.
   */
  async send(message: SipMessage, destination: TransportAddress, connectionId?: string): Promise<string | undefined> {
    const t = this.byProtocol.get(destination.protocol);
    if (!t) throw new UccError('UCC_ERR_SIP_TRANSPORT', `no ${destination.protocol} transport is configured`);
    return t.send(serializeMessage(message), destination, connectionId);
  }

  /**
   * Sends a response to a request that arrived as `inbound` (RFC 3261 section 18.2.2): on the same
   * connection while it is open, else to the address the top Via names (received/rport/maddr).
   */
  async sendResponse(response: SipResponse, source: MessageSource, connectionId?: string): Promise<void> {
    await this.sendPrepared(this.prepareResponse(response, source, connectionId));
  }

  /**
   * Serializes `response` once and resolves its route (section 18.2.2), so that it can be sent again
   * byte for byte (a server transaction in Completed answering a retransmitted request) without
   * keeping the message object. Throws UccError UCC_ERR_SIP_TRANSPORT when no transport fits.
   */
  prepareResponse(response: SipResponse, source: MessageSource, connectionId?: string): PreparedResponse {
    const protocol = source.local.protocol;
    const t = this.transportOf(source.local) ?? this.byProtocol.get(protocol);
    if (!t) throw new UccError('UCC_ERR_SIP_TRANSPORT', `no ${protocol} transport is configured`);
    const top = viasView(response)[0];
    const data = serializeMessage(response);
    if (!top) return new PreparedResponse(t, data, source.remote, connectionId, source.remote.host, source.remote.port);
    const d = responseDestination(top, protocol);
    return new PreparedResponse(t, data, source.remote, connectionId, d.host, d.port);
  }

  /** The transport bound to exactly `local` (the one a request came in on). */
  private transportOf(local: TransportAddress): Transport | undefined {
    const all = this.options.transports;
    for (let i = 0; i < all.length; i++) if ((all[i] as Transport).local === local) return all[i];
    return undefined;
  }

  /** Sends a prepared response: on its connection while that is open, else to its Via destination. */
  async sendPrepared(p: PreparedResponse): Promise<void> {
    const { to, via } = routeOf(p);
    await p.transport.send(p.data, to, via);
  }

  /**
   * `sendPrepared` for callers that only need to hear of a failure (server transactions): no
   * Promise when the transport offers `sendNow`. `failed` hears of it later, never during this call.
   */
  sendPreparedNow(p: PreparedResponse, failed: SendFailureSink): void {
    const t = p.transport;
    const { to, via } = routeOf(p);
    try {
      if (t.sendNow) t.sendNow(p.data, to, failed, via);
      else t.send(p.data, to, via).then(undefined, (e: unknown) => failed.sendFailed(e));
    } catch (e) {
      queueMicrotask(() => failed.sendFailed(e));
    }
  }

  private receive(inbound: InboundMessage, sink: TransportSink): void {
    const m = inbound.message;
    if (m.kind === 'request') {
      stampReceived(m, inbound.source);
    } else {
      // Section 18.1.2: a response whose top Via sent-by is not ours "MUST be silently discarded";
      // section 8.1.3.3: a UAC SHOULD discard a response with more than one Via.
      const vias = getVias(m);
      const top = vias[0];
      if (!top || vias.length > 1 || !this.isOurSentBy(top.host, top.port, viaProtocol(top.transport))) {
        this.logger.debug('discarding a response not addressed to us', { status: m.status, via: m.headers.get('Via') });
        return;
      }
    }
    sink.receive(inbound);
  }

  private isOurSentBy(host: string, port: number | undefined, protocol: TransportProtocol | undefined): boolean {
    if (!protocol) return false;
    const mine = this.sentBy(protocol);
    if (!mine) return false;
    return normalizeHost(host).toLowerCase() === normalizeHost(mine.host).toLowerCase() && (port ?? defaultPort(protocol)) === mine.port;
  }

  /**
   * A message that could not be parsed: counted, logged once per interval, and answered with
   * 400 (505) at the packet's source when it is a readable request; after a fatal stream framing
   * error the connection is then ended.
   */
  private malformed(error: SipParseError, source: MessageSource, raw: Buffer | undefined, connectionId: string | undefined, fatal: boolean): void {
    this.malformedCounts.received(error.kind, fatal);
    this.malformedLog.note({
      kind: error.kind,
      reason: error.message,
      from: `${source.remote.protocol}:${source.remote.host}:${source.remote.port}`,
      ...(fatal ? { closing: true } : {}),
    });
    const t = this.transportOf(source.local) ?? this.byProtocol.get(source.local.protocol);
    const end = (): void => {
      if (fatal && connectionId !== undefined) t?.endConnection?.(connectionId);
    };
    // Over a stream the answer goes on the connection or nowhere: no new connection for it.
    const reachable = t !== undefined && (!t.reliable || (connectionId !== undefined && t.hasConnection(connectionId)));
    const response = raw && reachable ? badRequestFor(raw, error, source.remote) : undefined;
    if (!response || !t) {
      this.malformedCounts.dropped();
      end();
      return;
    }
    this.malformedCounts.answered(response.status);
    const d = sourceReplyDestination(viasView(response)[0], source.remote);
    const prepared = new PreparedResponse(t, serializeMessage(response), source.remote, connectionId, d.host, d.port);
    this.sendPrepared(prepared).then(end, (e: unknown) => {
      this.logger.debug('could not answer a malformed request', { error: e instanceof Error ? e.message : String(e) });
      end();
    });
  }
}

/** Formats `host:port` for Via sent-by and Contact. */
export function formatHostPort(address: { host: string; port: number }): string {
  return `${formatHost(address.host)}:${address.port}`;
}
