/**
 * Builders for hand-made messages. They validate what the serializer writes verbatim (method token,
 * Request-URI without whitespace, status range, no CR/LF anywhere), so a built message can always be
 * serialized into one well-framed message. They do not add mandatory headers: the transaction layer
 * and the UA do (Via, Max-Forwards, Call-ID, tags...).
 */
import { UccError } from '../../lib/errors.ts';
import { isTokenString } from '../grammar/chars.ts';
import { createHeaders } from './headers.ts';
import { EMPTY_BODY } from './parser.ts';
import { reasonPhrase } from './reason-phrase.ts';
import type { SipHeaders, SipMethod, SipRequest, SipResponse } from './sip-message.ts';

/** Headers accepted by the builders: a record (values may be lists) or ordered pairs. */
export type HeadersInit = Record<string, string | readonly string[]> | Iterable<readonly [string, string]>;

const toBody = (b: Buffer | string | undefined): Buffer =>
  b === undefined ? EMPTY_BODY : typeof b === 'string' ? (b.length === 0 ? EMPTY_BODY : Buffer.from(b, 'utf8')) : b;

/**
 * Builds a request. Throws `UCC_ERR_SIP_PARSE` when the method is not a token or the URI is not a
 * single `scheme:...` word.
 */
export function createRequest(init: { method: SipMethod; uri: string; headers?: HeadersInit; body?: Buffer | string }): SipRequest {
  if (!isTokenString(init.method)) throw new UccError('UCC_ERR_SIP_PARSE', `invalid SIP method ${JSON.stringify(init.method)}`);
  if (init.uri.indexOf(':') <= 0 || /[\s<>"]/.test(init.uri)) {
    throw new UccError('UCC_ERR_SIP_PARSE', `invalid Request-URI ${JSON.stringify(init.uri)}`);
  }
  return { kind: 'request', method: init.method, uri: init.uri, headers: createHeaders(init.headers), body: toBody(init.body) };
}

/**
 * Builds a response; the reason defaults to the standard phrase (`reasonPhrase`). Throws
 * `UCC_ERR_SIP_PARSE` for a status outside 100-699 or a reason with CR/LF.
 */
export function createResponse(init: { status: number; reason?: string; headers?: HeadersInit; body?: Buffer | string }): SipResponse {
  return responseWithHeaders(init.status, init.reason, createHeaders(init.headers), init.body);
}

/**
 * @internal `createResponse` over a header list built by the caller (the server transaction
 * handle copies the request's entries), with the same checks of status and reason.
 */
export function responseWithHeaders(status: number, reason: string | undefined, headers: SipHeaders, body: Buffer | string | undefined): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699) {
    throw new UccError('UCC_ERR_SIP_PARSE', `invalid SIP status ${status}`);
  }
  const r = reason ?? reasonPhrase(status);
  if (r.indexOf('\r') >= 0 || r.indexOf('\n') >= 0) throw new UccError('UCC_ERR_SIP_PARSE', 'reason phrase contains CR or LF');
  return { kind: 'response', status, reason: r, headers, body: toBody(body) };
}
