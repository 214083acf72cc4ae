/**
 * The SIP message layer: model, parser, serializer, stream framer, builders, typed header accessors
 * and the grammar helpers (URI, name-addr, Via, parameters). Pure: no I/O, no clock, no logger.
 */
export type {
  CSeq, NameAddr, Params, SipHeaders, SipLimits, SipMessage, SipMethod, SipParseError, SipParseErrorKind,
  SipRequest, SipResponse, SipUri, Via,
} from './sip-message.ts';
export { DEFAULT_SIP_LIMITS } from './limits.ts';
export { parseMessage } from './parser.ts';
export { serializeMessage } from './serializer.ts';
export { StreamFramer, type FramerOutput } from './stream-framer.ts';
export { createHeaders } from './headers.ts';
export { createRequest, createResponse, type HeadersInit } from './builders.ts';
export { reasonPhrase } from './reason-phrase.ts';
export {
  getCallId, getContacts, getContentType, getCSeq, getExpires, getFrom, getRoutes, getTo, getVias,
} from './header-accessors.ts';
export { formatVia, parseVia } from '../grammar/via.ts';
export { formatUri, parseUri } from '../grammar/uri.ts';
export { formatNameAddr, parseNameAddr } from '../grammar/name-addr.ts';
export { formatParams, parseParams } from '../grammar/params.ts';
export { quote, unquote } from '../grammar/chars.ts';
export { splitCommaList } from '../grammar/comma-list.ts';
