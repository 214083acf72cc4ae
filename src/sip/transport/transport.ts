/**
 * The transport port (RFC 3261 section 18): something that can listen on one local address for one
 * protocol, deliver parsed messages up, and send serialized messages to a remote address.
 * UDP, TCP, TLS and the in-memory test transport implement it; the transport layer picks one per
 * destination and does the section 18 addressing rules above them.
 */
import type { SipMessage, SipParseError } from '../message/sip-message.ts';
import type { MessageSource, TransportAddress, TransportProtocol } from '../transaction/transaction-user.ts';

/** A message as it came off the wire. */
export interface InboundMessage {
  message: SipMessage;
  source: MessageSource;
  /**
   * Stream transports: the connection it arrived on, so the response can go back on it
   * (RFC 3261 section 18.2.2). Undefined for datagrams.
   */
  connectionId?: string;
}

/** Where a transport delivers what it receives. */
export interface TransportSink {
  /** A well-formed message. */
  receive(inbound: InboundMessage): void;
  /**
   * A message that could not be parsed. `raw` is the datagram (UDP), or the head of the stream
   * message, so the layer can try to answer a malformed request with 400 (505). `fatal`: the
   * stream's framing is lost; the connection reads nothing more, and the sink ends it with
   * `endConnection` once the answer is written (the transport destroys it after a grace otherwise).
   */
  malformed(error: SipParseError, source: MessageSource, raw: Buffer | undefined, connectionId?: string, fatal?: boolean): void;
  /**
   * Stream transports: a connection failed (reset, TLS alert, refused after connect), so requests
   * sent on it will not be answered there. Orderly closes are not reported.
   */
  connectionFailed?(connectionId: string, reason: string): void;
}

/** Hears that a send failed; `sendFailed` runs at most once per send, never during the send call. */
export interface SendFailureSink {
  sendFailed(error: unknown): void;
}

/** One listening transport. */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** True for TCP/TLS: the RFC 3261 timers take their reliable values. */
  readonly reliable: boolean;
  /** The bound local address (the real port once started, when 0 was asked for). */
  readonly local: TransportAddress;
  /** Binds and starts delivering to `sink`. Rejects with UccError UCC_ERR_SIP_TRANSPORT. */
  start(sink: TransportSink): Promise<void>;
  /**
   * Sends one serialized message. Stream transports use `connectionId` when that connection is
   * still open, else reuse a connection to `destination`, else open one. Resolves with the id of
   * the connection used (undefined for datagrams); rejects on failure.
   */
  send(data: Buffer, destination: TransportAddress, connectionId?: string): Promise<string | undefined>;
  /**
   * Optional: `send` without a Promise, for callers that only need to hear of a failure (the
   * responses of server transactions, thousands a second). `failed.sendFailed` runs at most once,
   * never during this call; it may also throw synchronously, as `send` may reject.
   */
  sendNow?(data: Buffer, destination: TransportAddress, failed: SendFailureSink, connectionId?: string): void;
  /**
   * Stream transports: closes the connection gracefully once what was written to it has left
   * (after a fatal framing error and its answer).
   */
  endConnection?(connectionId: string): void;
  /** True when the stream connection is still open (always false for datagram transports). */
  hasConnection(connectionId: string): boolean;
  /** Closes the socket(s) and cancels every timer. */
  close(): Promise<void>;
}

/** RFC 3261 default ports: 5060 for UDP and TCP, 5061 for TLS (section 19.1.2). */
export function defaultPort(protocol: TransportProtocol): number {
  return protocol === 'tls' ? 5061 : 5060;
}

/** Normalizes an address as Node reports it: IPv4-mapped IPv6 to IPv4, IPv6 without brackets. */
export function normalizeHost(host: string): string {
  let h = host;
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.toLowerCase().startsWith('::ffff:') && h.includes('.')) h = h.slice(7);
  return h;
}

/** Key of a remote address for connection reuse: `host:port` with a normalized host. */
export function addressKey(address: { host: string; port: number }): string {
  return `${normalizeHost(address.host).toLowerCase()}:${address.port}`;
}
