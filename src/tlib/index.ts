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
