/**
 * SIP over UDP (RFC 3261 section 18): one datagram is one message. Responses leave from the socket
 * the request arrived on, which RFC 3581 section 4 requires for symmetric response routing
 * ("the server MUST send the response from the same address and port the request was received on").
 * The rport/received stamping itself happens in the transport layer, for every protocol.
 */
import { createSocket } from 'node:dgram';
import type { Socket, SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { UccError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { DEFAULT_SIP_LIMITS, parseMessage } from '../message/index.ts';
import type { SipLimits } from '../message/sip-message.ts';
import type { TransportAddress } from '../transaction/transaction-user.ts';
import type { SendFailureSink, Transport, TransportSink } from './transport.ts';
import { normalizeHost } from './transport.ts';

/** Options of a UDP listener. */
export interface UdpTransportOptions {
  /** Local address to bind; '0.0.0.0' or '::' for every interface. */
  host: string;
  /** Local port; 0 picks an ephemeral port (read it back from `local`). */
  port: number;
  limits?: SipLimits;
  logger?: Logger;
  /**
   * SO_RCVBUF in bytes: room for datagrams that arrive while the event loop is busy. With the
   * kernel default (~208 KiB on Linux, ~100 NOTIFYs with PIDF) a stall of a few tens of ms at a
   * few thousand requests/s drops datagrams. Linux caps it at net.core.rmem_max. Default: the OS's.
   */
  receiveBufferBytes?: number;
}

/**
 * dgram resolves the destination of every send, even an IP literal, through dns.lookup, which
 * answers on the next tick: one extra tick (and its closures) per response sent. An IP literal is
 * its own answer, given at once; names still go to dns.lookup.
 */
const literalFirstLookup: NonNullable<SocketOptions['lookup']> = (hostname, options, callback) => {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
};

/** How a queued datagram went: `send` hears both, `sendNow` only a failure. */
interface SendOutcome extends SendFailureSink {
  sent?(): void;
}

/** Only CR/LF/space: a keep-alive some clients send over UDP; it is not a message. */
function isKeepAlive(data: Buffer): boolean {
  for (const b of data) if (b !== 0x0d && b !== 0x0a && b !== 0x20) return false;
  return true;
}

/** RFC 3261 section 18 over UDP. */
export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private socket: Socket | undefined;
  private bound: TransportAddress;
  private readonly logger: Logger;
  private readonly limits: SipLimits;
  /** Datagrams waiting for the end of this event-loop turn (see enqueue). */
  private outbox: Array<{ data: Buffer; destination: TransportAddress; outcome: SendOutcome }> = [];

  constructor(private readonly options: UdpTransportOptions) {
    this.bound = { protocol: 'udp', host: options.host, port: options.port };
    this.logger = (options.logger ?? silentLogger).child({ transport: 'udp' });
    this.limits = options.limits ?? DEFAULT_SIP_LIMITS;
  }

  get local(): TransportAddress {
    return this.bound;
  }

  async start(sink: TransportSink): Promise<void> {
    const host = normalizeHost(this.options.host);
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalFirstLookup });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(new UccError('UCC_ERR_SIP_TRANSPORT', `UDP cannot listen on ${host}:${this.options.port}: ${e.message}`, { cause: e }));
      socket.once('error', onError);
      socket.bind(this.options.port, host, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    const addr = socket.address();
    this.bound = { protocol: 'udp', host: normalizeHost(addr.address), port: addr.port };
    if (this.options.receiveBufferBytes !== undefined) {
      try {
        socket.setRecvBufferSize(this.options.receiveBufferBytes);
      } catch (e) {
        this.logger.warn('UDP receive buffer size not applied', { bytes: this.options.receiveBufferBytes, error: e instanceof Error ? e.message : String(e) });
      }
    }
    socket.on('error', (e) => this.logger.warn('UDP socket error', { error: e.message }));
    socket.on('message', (data, rinfo) => {
      const source = {
        remote: { protocol: 'udp' as const, host: normalizeHost(rinfo.address), port: rinfo.port },
        local: this.bound,
      };
      if (isKeepAlive(data)) return;
      try {
        const parsed = parseMessage(data, this.limits);
        if (parsed.ok) sink.receive({ message: parsed.value, source });
        else sink.malformed(parsed.error, source, data);
      } catch (e) {
        // The layers above must not throw, but one bad datagram must never take the socket down.
        this.logger.error('UDP datagram handling failed', { error: e instanceof Error ? e.message : String(e), from: `${source.remote.host}:${source.remote.port}` });
      }
    });
  }

  /** The socket's receive buffer as the kernel reports it (Linux reports twice the granted size); undefined when not started. */
  get receiveBufferSize(): number | undefined {
    return this.socket?.getRecvBufferSize();
  }

  send(data: Buffer, destination: TransportAddress): Promise<string | undefined> {
    if (!this.socket) return Promise.reject(new UccError('UCC_ERR_SIP_TRANSPORT', 'UDP transport is not started'));
    return new Promise((resolve, reject) => this.enqueue(data, destination, { sendFailed: reject, sent: () => resolve(undefined) }));
  }

  /** `send` without a Promise: only a failure is reported, and never during this call. */
  sendNow(data: Buffer, destination: TransportAddress, failed: SendFailureSink): void {
    if (!this.socket) throw new UccError('UCC_ERR_SIP_TRANSPORT', 'UDP transport is not started');
    this.enqueue(data, destination, failed);
  }

  /**
   * Datagrams handed over during one turn of the event loop leave together at its end (the
   * check phase, after every datagram received in the turn was handled). A datagram to a peer
   * that sleeps costs the sender a wake-up of the peer (an inter-processor interrupt, a VM exit
   * on a virtual machine: tens of µs); sent back to back, only the first finds it asleep.
   * Nothing waits longer than the rest of the turn, and the order of sends is kept.
   */
  private enqueue(data: Buffer, destination: TransportAddress, outcome: SendOutcome): void {
    this.outbox.push({ data, destination, outcome });
    if (this.outbox.length === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const batch = this.outbox;
    if (batch.length === 0) return;
    this.outbox = [];
    const socket = this.socket;
    for (const { data, destination, outcome } of batch) {
      const fail = (e: Error): void => {
        const error = new UccError('UCC_ERR_SIP_TRANSPORT', `UDP send to ${destination.host}:${destination.port} failed: ${e.message}`, { cause: e });
        this.report(() => outcome.sendFailed(error));
      };
      if (!socket) {
        fail(new Error('transport closed'));
        continue;
      }
      try {
        socket.send(data, destination.port, normalizeHost(destination.host), (e) => {
          if (e) fail(e);
          else if (outcome.sent) this.report(() => outcome.sent?.());
        });
      } catch (e) {
        // A bad port or address throws at once: it fails this datagram only.
        fail(e instanceof Error ? e : new Error(String(e)));
      }
    }
  };

  /** Tells a sender how its datagram went; a sender that throws must not cost the rest of the batch. */
  private report(tell: () => void): void {
    try {
      tell();
    } catch (e) {
      this.logger.error('UDP send outcome handler threw', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  hasConnection(): boolean {
    return false;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.flush(); // what was handed over before the close still leaves, as it did unbatched
    this.socket = undefined;
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}
