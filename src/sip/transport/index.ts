/** The SIP transport layer (RFC 3261 section 18): UDP, TCP, TLS and the in-memory test network. */
export type { InboundMessage, Transport, TransportSink } from './transport.ts';
export { addressKey, defaultPort, normalizeHost } from './transport.ts';
export { UdpTransport, type UdpTransportOptions } from './udp-transport.ts';
export { StreamTransport, type ConnectionInfo, type StreamTransportOptions } from './stream-transport.ts';
export { TcpTransport, type TcpTransportOptions } from './tcp-transport.ts';
export { TlsTransport, describeCertificate, type TlsOptions, type TlsTransportOptions } from './tls-transport.ts';
export { InMemoryNetwork, InMemoryTransport, type InMemoryPacket, type LossFilter } from './in-memory-transport.ts';
export { TransportLayer, formatHost, formatHostPort, requestDestination, type PreparedResponse, type TransportLayerOptions } from './transport-layer.ts';
export { responseDestination, sourceReplyDestination, stampReceived, viaProtocol } from './via-received.ts';
export { badRequestFor } from './bad-request.ts';
export type { MalformedCounters } from './malformed-traffic.ts';
