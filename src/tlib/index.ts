/**
 * The T-Library protocol: message catalogue, attribute types, KV lists, error codes, codec and
 * framing, the client (`TlibClient`) and the server framework (`TlibServer`).
 * Wire reference: docs/protocols/tlib.md.
 *
 * What T-Lib shares with the preview protocol lives in lib/ (KV lists, value rules, the
 * ReferenceID bound, the framed-JSON wire kit) and is re-exported here for T-Lib users.
 */
export * from './messages/attribute-types.ts';
export * from './messages/connection-id.ts';
export * from '../lib/kv-list.ts';
export * from '../lib/value-rules.ts';
export * from '../lib/reference-id.ts';
export * from './messages/message-catalogue.ts';
export * from './error-codes.ts';
export * from './codec/decode-error.ts';
export * from './codec/message-codec.ts';
export * from '../lib/framed-json/length-prefix-framer.ts';
export * from './codec/frame-codec.ts';
export * from './cti-error.ts';
export * from './channel/tlib-channel.ts';
export * from '../lib/framed-json/in-memory-duplex-pair.ts';
export * from './transport/tlib-link.ts';
export * from './server/tlib-session.ts';
export * from './server/tlib-server.ts';
export * from '../lib/framed-json/connect-target.ts';
export * from './client/tlib-client.ts';
