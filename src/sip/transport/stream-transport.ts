/**
 * What TCP and TLS share (RFC 3261 section 18 over connection-oriented transports):
 * - connection reuse keyed by remote address: a connection opened by either side carries our later
 *   requests and responses to that `host:port`, and a response goes back on the connection its
 *   request came in on while it is open (section 18.2.2);
 * - one StreamFramer per connection (Content-Length framing, section 18.3); a fatal framing error
 *   closes the connection with a logged reason, since the byte stream cannot be resynchronized;
 * - RFC 5626 section 4.4.1 CRLF keep-alive: a CRLFCRLF ping is answered with a CRLF pong, and
 *   connections we opened can send pings at an interval to keep NAT/firewall state alive;
 * - idle connections are closed after a configurable time, and a connection stalled inside a
 *   message (bytes of it buffered, no message completed) after `stallTimeoutMs` (on the Clock);
 * - inbound connections are admitted up to a total and a per-address maximum (connection-limits.ts);
 *   refusals are logged once per interval;
 * - after a fatal framing error the connection reads nothing more: the sink answers 400 if it can
 *   and ends it (`endConnection`); it is destroyed after a short grace otherwise.
 */
import type { Server, Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { DEFAULT_SIP_LIMITS, StreamFramer } from '../message/index.ts';
import type { SipLimits } from '../message/sip-message.ts';
import type { MessageSource, TransportAddress, TransportProtocol } from '../transaction/transaction-user.ts';
import { ConnectionAdmission, defaultMaxConnections, defaultMaxPerAddress } from './connection-limits.ts';
import { DEFAULT_LOG_INTERVAL_MS, IntervalLog } from '../../lib/interval-log.ts';
import type { Transport, TransportSink } from './transport.ts';
import { addressKey, normalizeHost } from './transport.ts';

/** Options common to TCP and TLS listeners. */
export interface StreamTransportOptions {
  /** Local address to bind; '0.0.0.0' or '::' for every interface. */
  host: string;
  /** Local port; 0 picks an ephemeral port (read it back from `local`). */
  port: number;
  limits?: SipLimits;
  logger?: Logger;
  clock?: Clock;
  /** Closes a connection that carried nothing for this long. Default 300 000 ms; 0 never closes. */
  idleTimeoutMs?: number;
  /**
   * Sends a CRLFCRLF ping at this interval on connections we opened (RFC 5626 section 4.4.1
   * recommends 95-120 s for outbound flows). Default 0: off.
   */
  keepAliveIntervalMs?: number;
  /** Gives up opening a connection after this long. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /**
   * Refuses further inbound connections beyond this many. Default: a quarter of the process's
   * descriptor limit, at most 10 000 (see connection-limits.ts).
   */
  maxConnections?: number;
  /** Refuses further inbound connections from one remote address beyond this many. Default: a quarter of maxConnections. */
  maxConnectionsPerAddress?: number;
  /** Closes a connection that holds part of a message and completes none for this long. Default 30 000 ms; 0 never. */
  stallTimeoutMs?: number;
  /** Refused connections are logged at most once per this interval (plus a summary). Default 10 000 ms. */
  logIntervalMs?: number;
}

/** After a fatal framing error, the connection is destroyed this long after it stopped reading, if the sink did not end it. */
const FATAL_GRACE_MS = 2_000;
/** A connection ended gracefully is destroyed this long after, if the peer does not close its side. */
const END_LINGER_MS = 5_000;

/** One open (or opening) connection. */
interface Connection {
  id: string;
  socket: Socket;
  remote: TransportAddress;
  outbound: boolean;
  framer: StreamFramer;
  open: boolean;
  ready: Promise<void>;
  lastActivity: number;
  idleTimer?: TimerHandle;
  keepAliveTimer?: TimerHandle;
  /** Armed while part of a message is buffered (see stallTimeoutMs). */
  stallTimer?: TimerHandle;
  /** Inbound connections hold an admission slot until they are forgotten. */
  admitted: boolean;
  peerCertificate?: MessageSource['peerCertificate'];
  /** The socket error that ended the connection, if one did. */
  failure?: string;
  /** Whether any byte arrived on it. */
  received: boolean;
}

/** Facts about the connections (tests and diagnostics). */
export interface ConnectionInfo {
  id: string;
  remote: TransportAddress;
  outbound: boolean;
}

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Base class of TcpTransport and TlsTransport. */
export abstract class StreamTransport implements Transport {
  abstract readonly protocol: TransportProtocol;
  readonly reliable = true;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  private readonly limits: SipLimits;
  private server: Server | undefined;
  private bound: TransportAddress;
  private sink: TransportSink | undefined;
  private nextId = 1;
  private closing = false;
  private readonly connections = new Map<string, Connection>();
  private readonly byRemote = new Map<string, Connection>();
  private readonly admission: ConnectionAdmission;
  private readonly refusalLog: IntervalLog;
  private stalledCount = 0;

  protected constructor(
    protocol: TransportProtocol,
    protected readonly options: StreamTransportOptions,
  ) {
    this.bound = { protocol, host: options.host, port: options.port };
    this.logger = (options.logger ?? silentLogger).child({ transport: protocol });
    this.clock = options.clock ?? new SystemClock();
    this.limits = options.limits ?? DEFAULT_SIP_LIMITS;
    const max = options.maxConnections ?? defaultMaxConnections();
    this.admission = new ConnectionAdmission(max, options.maxConnectionsPerAddress ?? defaultMaxPerAddress(max));
    this.refusalLog = new IntervalLog(this.logger, this.clock, 'refusing a SIP connection', options.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS);
  }

  /** Counts of the listener's limits: connections open and refused, connections closed as stalled. */
  get limitCounters(): { open: number; refused: number; stalled: number; maxConnections: number; maxConnectionsPerAddress: number } {
    const a = this.admission;
    return { open: a.open, refused: a.refused, stalled: this.stalledCount, maxConnections: a.maxConnections, maxConnectionsPerAddress: a.maxPerAddress };
  }

  /** Creates the listening server; calls `onSocket` for each accepted (and, for TLS, verified) socket. */
  protected abstract createServer(onSocket: (socket: Socket) => void): Server;
  /** Opens a client socket; resolves `ready` on the protocol's ready event. */
  protected abstract connectSocket(destination: TransportAddress): { socket: Socket; readyEvent: 'connect' | 'secureConnect' };
  /** The peer's certificate, for TLS. */
  protected peerCertificateOf(_socket: Socket): MessageSource['peerCertificate'] {
    return undefined;
  }

  get local(): TransportAddress {
    return this.bound;
  }

  /** The open connections. */
  get connectionList(): ConnectionInfo[] {
    return [...this.connections.values()].filter((c) => c.open).map((c) => ({ id: c.id, remote: c.remote, outbound: c.outbound }));
  }

  async start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    const server = this.createServer((socket) => this.accept(socket));
    this.server = server;
    const host = normalizeHost(this.options.host);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(new UccError('UCC_ERR_SIP_TRANSPORT', `${this.protocol.toUpperCase()} cannot listen on ${host}:${this.options.port}: ${e.message}`, { cause: e }));
      server.once('error', onError);
      server.listen(this.options.port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e) => this.logger.warn('listener error', { error: e.message }));
    const addr = server.address();
    if (addr && typeof addr === 'object') this.bound = { protocol: this.protocol, host: normalizeHost(addr.address), port: addr.port };
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const remote = { protocol: this.protocol, host: normalizeHost(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    const refusal = this.admission.admit(remote.host.toLowerCase());
    if (refusal) {
      socket.destroy();
      this.refusalLog.note({ reason: refusal, remote: addressKey(remote), open: this.admission.open, refused: this.admission.refused });
      return;
    }
    const conn = this.register(socket, remote, false, Promise.resolve());
    conn.admitted = true;
    conn.open = true;
    conn.peerCertificate = this.peerCertificateOf(socket);
    this.logger.debug('connection accepted', { id: conn.id, remote: addressKey(remote) });
  }

  private register(socket: Socket, remote: TransportAddress, outbound: boolean, ready: Promise<void>): Connection {
    const conn: Connection = {
      id: `${this.protocol}-${this.nextId++}`,
      socket,
      remote,
      outbound,
      framer: new StreamFramer(this.limits),
      open: false,
      ready,
      lastActivity: this.clock.now(),
      received: false,
      admitted: false,
    };
    this.connections.set(conn.id, conn);
    // The newest connection to an address wins: it is the one most likely to be alive.
    this.byRemote.set(addressKey(remote), conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (e) => {
      conn.failure ??= e.message;
      this.logger.debug('connection error', { id: conn.id, error: e.message });
    });
    socket.on('close', () => {
      const known = this.connections.has(conn.id);
      // A connection we opened that the peer closes before sending a single byte was refused (a
      // TLS 1.3 server rejecting our certificate does just that, after our handshake completed).
      if (conn.failure === undefined && conn.outbound && !conn.received) conn.failure = 'closed by the peer before any data';
      this.forget(conn, conn.failure ?? 'closed');
      if (known && conn.failure !== undefined && !this.closing) this.sink?.connectionFailed?.(conn.id, conn.failure);
    });
    this.armIdle(conn);
    return conn;
  }

  private onData(conn: Connection, chunk: Buffer): void {
    conn.lastActivity = this.clock.now();
    conn.received = true;
    const sink = this.sink;
    if (!sink) return;
    const source: MessageSource = { remote: conn.remote, local: this.bound };
    if (conn.peerCertificate) source.peerCertificate = conn.peerCertificate;
    let completed = false;
    try {
      for (const out of conn.framer.push(chunk)) {
        switch (out.type) {
          case 'message':
            completed = true;
            sink.receive({ message: out.message, source, connectionId: conn.id });
            break;
          case 'ping':
            // RFC 5626 section 4.4.1: "the server MUST respond with a single CRLF (a pong)".
            if (conn.open) conn.socket.write(CRLF);
            break;
          case 'pong':
            break;
          case 'error':
            if (out.fatal) {
              // The stream cannot be resynchronised: the sink answers if it can, then ends it.
              this.logger.debug('framing lost', { id: conn.id, remote: addressKey(conn.remote), kind: out.error.kind, reason: out.error.message });
              this.stopReading(conn);
              sink.malformed(out.error, source, out.raw, conn.id, true);
              return;
            }
            completed = true;
            sink.malformed(out.error, source, out.raw, conn.id);
            break;
        }
      }
    } catch (e) {
      this.logger.error('stream data handling failed', { id: conn.id, error: e instanceof Error ? e.message : String(e) });
      this.destroy(conn, 'internal error');
      return;
    }
    this.watchStall(conn, completed);
  }

  /**
   * The stall timer runs while part of a message is buffered and restarts when a message
   * completes: a peer that drips a message (or stops inside one) is cut off after stallTimeoutMs.
   */
  private watchStall(conn: Connection, completed: boolean): void {
    const limit = this.options.stallTimeoutMs ?? 30_000;
    if (limit <= 0 || !this.connections.has(conn.id)) return;
    if (conn.framer.bufferedBytes === 0) {
      this.clock.cancel(conn.stallTimer);
      conn.stallTimer = undefined;
      return;
    }
    if (conn.stallTimer !== undefined && !completed) return;
    this.clock.cancel(conn.stallTimer);
    conn.stallTimer = this.clock.setTimer(limit, () => {
      conn.stallTimer = undefined;
      if (!this.connections.has(conn.id)) return;
      this.stalledCount++;
      this.logger.debug('closing a connection stalled inside a message', { id: conn.id, remote: addressKey(conn.remote), bufferedBytes: conn.framer.bufferedBytes });
      this.destroy(conn, 'stalled');
    });
  }

  /**
   * After a fatal framing error: the dead framer discards what still arrives (reading on, so that
   * the peer's close is seen); destroyed after a grace unless the sink ends it first.
   */
  private stopReading(conn: Connection): void {
    this.clock.cancel(conn.stallTimer);
    conn.stallTimer = this.clock.setTimer(FATAL_GRACE_MS, () => {
      conn.stallTimer = undefined;
      if (this.connections.has(conn.id)) this.destroy(conn, 'framing error');
    });
  }

  /** Ends `connectionId` gracefully: what was written still leaves; destroyed if the peer lingers. */
  endConnection(connectionId: string): void {
    const conn = this.connections.get(connectionId);
    if (!conn) return;
    this.forget(conn, 'framing error');
    const socket = conn.socket;
    socket.end();
    const linger = this.clock.setTimer(END_LINGER_MS, () => socket.destroy());
    socket.once('close', () => this.clock.cancel(linger));
  }

  private armIdle(conn: Connection): void {
    const idle = this.options.idleTimeoutMs ?? 300_000;
    if (idle <= 0) return;
    const wait = Math.max(1, conn.lastActivity + idle - this.clock.now());
    conn.idleTimer = this.clock.setTimer(wait, () => {
      conn.idleTimer = undefined;
      if (!this.connections.has(conn.id)) return;
      if (this.clock.now() - conn.lastActivity >= idle) {
        this.logger.debug('closing idle connection', { id: conn.id, remote: addressKey(conn.remote) });
        this.destroy(conn, 'idle');
      } else this.armIdle(conn);
    });
  }

  private armKeepAlive(conn: Connection): void {
    const every = this.options.keepAliveIntervalMs ?? 0;
    if (every <= 0) return;
    conn.keepAliveTimer = this.clock.setTimer(every, () => {
      conn.keepAliveTimer = undefined;
      if (!conn.open || !this.connections.has(conn.id)) return;
      conn.socket.write(CRLFCRLF);
      this.armKeepAlive(conn);
    });
  }

  private destroy(conn: Connection, reason: string): void {
    conn.socket.destroy();
    this.forget(conn, reason);
  }

  private forget(conn: Connection, reason: string): void {
    if (!this.connections.has(conn.id)) return;
    conn.open = false;
    this.connections.delete(conn.id);
    const key = addressKey(conn.remote);
    if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
    this.clock.cancel(conn.idleTimer);
    this.clock.cancel(conn.keepAliveTimer);
    this.clock.cancel(conn.stallTimer);
    if (conn.admitted) {
      conn.admitted = false;
      this.admission.release(normalizeHost(conn.remote.host).toLowerCase());
    }
    this.logger.debug('connection gone', { id: conn.id, reason });
  }

  private connect(destination: TransportAddress): Connection {
    const { socket, readyEvent } = this.connectSocket(destination);
    const remote = { protocol: this.protocol, host: normalizeHost(destination.host), port: destination.port };
    const holder: { conn?: Connection } = {};
    const ready = new Promise<void>((resolve, reject) => {
      const timeout = this.clock.setTimer(this.options.connectTimeoutMs ?? 10_000, () => {
        fail(new Error('connect timeout'));
      });
      const fail = (e: Error): void => {
        this.clock.cancel(timeout);
        socket.off(readyEvent, onReady);
        socket.destroy();
        if (holder.conn) this.forget(holder.conn, 'connect failed');
        reject(new UccError('UCC_ERR_SIP_TRANSPORT', `${this.protocol.toUpperCase()} connect to ${addressKey(remote)} failed: ${e.message}`, { cause: e }));
      };
      const onReady = (): void => {
        this.clock.cancel(timeout);
        socket.off('error', fail);
        socket.off('close', onClose);
        const conn = holder.conn;
        if (conn) {
          conn.open = true;
          conn.peerCertificate = this.peerCertificateOf(socket);
          this.armKeepAlive(conn);
        }
        resolve();
      };
      const onClose = (): void => fail(new Error('closed while connecting'));
      socket.once('error', fail);
      socket.once('close', onClose);
      socket.once(readyEvent, onReady);
    });
    ready.catch(() => {}); // observed by send(); avoid an unhandled rejection when nobody awaits
    const conn = this.register(socket, remote, true, ready);
    holder.conn = conn;
    this.logger.debug('connecting', { id: conn.id, remote: addressKey(remote) });
    return conn;
  }

  hasConnection(connectionId: string): boolean {
    return this.connections.get(connectionId)?.open === true;
  }

  async send(data: Buffer, destination: TransportAddress, connectionId?: string): Promise<string | undefined> {
    if (this.closing || !this.server) throw new UccError('UCC_ERR_SIP_TRANSPORT', `${this.protocol.toUpperCase()} transport is not running`);
    let conn = connectionId !== undefined ? this.connections.get(connectionId) : undefined;
    if (!conn?.open) conn = this.byRemote.get(addressKey(destination));
    if (!conn) conn = this.connect(destination);
    await conn.ready;
    const c = conn;
    if (!c.open) throw new UccError('UCC_ERR_SIP_TRANSPORT', `connection to ${addressKey(c.remote)} is closed`);
    c.lastActivity = this.clock.now();
    await new Promise<void>((resolve, reject) => {
      c.socket.write(data, (e) => {
        if (e) reject(new UccError('UCC_ERR_SIP_TRANSPORT', `write to ${addressKey(c.remote)} failed: ${e.message}`, { cause: e }));
        else resolve();
      });
    });
    return c.id;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.refusalLog.close();
    for (const conn of [...this.connections.values()]) this.destroy(conn, 'transport closed');
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
