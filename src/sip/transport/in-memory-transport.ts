/**
 * An in-process network for tests: SipStacks attach InMemoryTransports to one InMemoryNetwork and
 * talk through it with real serialized bytes (so the codec is exercised), delivered on the injected
 * Clock. With a ManualClock, `clock.advance(0)` runs a whole exchange deterministically; loss can be
 * injected to exercise UDP retransmission (timers A, E, G).
 */
import type { Clock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import { DEFAULT_SIP_LIMITS, parseMessage } from '../message/index.ts';
import type { SipLimits } from '../message/sip-message.ts';
import type { TransportAddress, TransportProtocol } from '../transaction/transaction-user.ts';
import type { SendFailureSink, Transport, TransportSink } from './transport.ts';
import { addressKey } from './transport.ts';

/** One datagram or stream write in flight. */
export interface InMemoryPacket {
  from: TransportAddress;
  to: TransportAddress;
  data: Buffer;
}

/** Returns true to drop the packet. */
export type LossFilter = (packet: InMemoryPacket) => boolean;

/** The shared medium. */
export class InMemoryNetwork {
  private readonly endpoints = new Map<string, InMemoryTransport>();
  /** Every packet handed to the network, dropped or not (tests assert on it). */
  readonly sent: InMemoryPacket[] = [];
  /** Packets dropped by loss injection. */
  readonly dropped: InMemoryPacket[] = [];
  /** Loss injection: consulted for each packet. */
  lossFilter: LossFilter | undefined;

  constructor(
    readonly clock: Clock,
    /** One-way delay. Default 0 (delivered at the next `advance`). */
    readonly latencyMs = 0,
  ) {}

  /** Drops the next `count` packets that match `predicate` (all packets by default). */
  dropNext(count: number, predicate: LossFilter = () => true): void {
    let left = count;
    const previous = this.lossFilter;
    this.lossFilter = (p) => {
      if (left > 0 && predicate(p)) {
        left--;
        return true;
      }
      return previous ? previous(p) : false;
    };
  }

  /** Creates a transport bound to `host:port` on this network (port 0 picks a free one). */
  createTransport(options: { protocol?: TransportProtocol; host?: string; port?: number; limits?: SipLimits }): InMemoryTransport {
    return new InMemoryTransport(this, options.protocol ?? 'udp', options.host ?? '127.0.0.1', options.port ?? 0, options.limits ?? DEFAULT_SIP_LIMITS);
  }

  /** @internal */
  attach(t: InMemoryTransport, wanted: number): number {
    let port = wanted;
    if (port === 0) {
      port = 40000;
      while (this.endpoints.has(addressKey({ host: t.local.host, port })) ) port++;
    }
    const key = addressKey({ host: t.local.host, port });
    if (this.endpoints.has(key)) throw new UccError('UCC_ERR_SIP_TRANSPORT', `address in use: ${key}`);
    // Endpoints are keyed by host:port only, so a UDP and a TCP stack cannot share a port here.
    this.endpoints.set(key, t);
    return port;
  }

  /** @internal */
  detach(t: InMemoryTransport): void {
    const key = addressKey(t.local);
    if (this.endpoints.get(key) === t) this.endpoints.delete(key);
  }

  /** @internal */
  isAttached(key: string): boolean {
    return this.endpoints.has(key);
  }

  /** @internal */
  transmit(packet: InMemoryPacket): void {
    this.sent.push(packet);
    if (this.lossFilter?.(packet)) {
      this.dropped.push(packet);
      return;
    }
    this.clock.setTimer(this.latencyMs, () => {
      const target = this.endpoints.get(addressKey(packet.to));
      target?.deliver(packet);
    });
  }
}

/** A transport on an InMemoryNetwork. 'udp' is unreliable (loss applies); 'tcp'/'tls' are reliable. */
export class InMemoryTransport implements Transport {
  readonly reliable: boolean;
  private bound: TransportAddress;
  private sink: TransportSink | undefined;

  constructor(
    private readonly network: InMemoryNetwork,
    readonly protocol: TransportProtocol,
    host: string,
    private readonly port: number,
    private readonly limits: SipLimits,
  ) {
    this.reliable = protocol !== 'udp';
    this.bound = { protocol, host, port };
  }

  get local(): TransportAddress {
    return this.bound;
  }

  async start(sink: TransportSink): Promise<void> {
    this.bound = { ...this.bound, port: this.network.attach(this, this.port) };
    this.sink = sink;
  }

  async send(data: Buffer, destination: TransportAddress): Promise<string | undefined> {
    return this.transmit(data, destination);
  }

  /** `send` without a Promise (see Transport.sendNow). */
  sendNow(data: Buffer, destination: TransportAddress, failed: SendFailureSink): void {
    try {
      this.transmit(data, destination);
    } catch (e) {
      queueMicrotask(() => failed.sendFailed(e));
    }
  }

  private transmit(data: Buffer, destination: TransportAddress): string | undefined {
    if (!this.sink) throw new UccError('UCC_ERR_SIP_TRANSPORT', 'in-memory transport is not started');
    if (this.reliable && !this.network.isAttached(addressKey(destination))) {
      // A stream transport notices an unreachable peer (connection refused).
      throw new UccError('UCC_ERR_SIP_TRANSPORT', `connection refused: ${addressKey(destination)}`);
    }
    this.network.transmit({ from: this.bound, to: { ...destination, protocol: this.protocol }, data: Buffer.from(data) });
    return this.reliable ? addressKey(destination) : undefined;
  }

  /** A "connection" is the peer's address; it is open while that peer is attached. */
  hasConnection(connectionId: string): boolean {
    return this.reliable && this.network.isAttached(connectionId);
  }

  /** @internal */
  deliver(packet: InMemoryPacket): void {
    const sink = this.sink;
    if (!sink) return;
    const source = { remote: packet.from, local: this.bound };
    const connectionId = this.reliable ? addressKey(packet.from) : undefined;
    const parsed = parseMessage(packet.data, this.limits);
    if (parsed.ok) sink.receive({ message: parsed.value, source, ...(connectionId ? { connectionId } : {}) });
    else sink.malformed(parsed.error, source, packet.data, connectionId);
  }

  async close(): Promise<void> {
    this.network.detach(this);
    this.sink = undefined;
  }
}
