/**
 * The T-Library protocol: message catalogue, attribute types, KV lists, error codes, codec and
 * framing, the client (`TlibClient`) and the server framework (`TlibServer`).
 * Wire reference: docs/protocols/tlib.md.
 */
export * from './messages/attribute-types.ts';
export * from './messages/connection-id.ts';
export * from './messages/kv-list.ts';
export * from './messages/message-catalogue.ts';
export * from './error-codes.ts';
export * from './codec/decode-error.ts';
export * from './codec/message-codec.ts';
export * from '../lib/framed-json/length-prefix-framer.ts';
export * from './codec/frame-codec.ts';
export * from './cti-error.ts';
export * from './channel/tlib-channel.ts';
export * from './transport/in-memory-duplex-pair.ts';
export * from './transport/tlib-link.ts';
export * from './server/tlib-session.ts';
export * from './server/tlib-server.ts';
export * from './client/connect-target.ts';
export * from './client/tlib-client.ts';
