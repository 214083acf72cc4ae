/**
 * Why a frame or message was rejected. Decoding never throws: every problem becomes one of these,
 * carrying the T-Library error code the server answers with (EventError) and, when it could be
 * read, the request's ReferenceID so the client can match the error to its request.
 */
import type { FramedJsonEnvelopeProblem } from '../../lib/framed-json/json-payload.ts';
import { TErr } from '../error-codes.ts';

/** The kinds of decode problem: the shared envelope ones, then T-Lib's attribute and ConnID checks. */
export type TlibDecodeProblem = FramedJsonEnvelopeProblem | 'unknown-attribute' | 'missing-attribute' | 'invalid-attribute' | 'invalid-connid';

/** A decode failure. `fatal` ones (only `frame-too-large`) end the connection. */
export interface TlibDecodeError {
  readonly problem: TlibDecodeProblem;
  /** True when the byte stream cannot be resynchronised and the link must close. */
  readonly fatal: boolean;
  /** A sentence naming the problem, sent as ErrorMessage. */
  readonly detail: string;
  /** The T-Library error code answered in EventError. */
  readonly errorCode: number;
  /** The message name when it was readable. */
  readonly messageName?: string;
  /** The offending attribute, when there is one. */
  readonly attribute?: string;
  /** The ReferenceID when it was readable, so the EventError can carry it. */
  readonly referenceId?: number;
}

/**
 * The T-Library code answered for each problem (documented in docs/protocols/tlib.md):
 * a frame that is not a JSON object with a `message` → 223 TERR_BAD_PARAM; an unknown message, or
 * an event sent where requests are expected → 51 TERR_UNSUP_OPER; a missing, unknown or badly
 * typed attribute → 53 TERR_INVALID_ATTR; a malformed ConnID → 56 TERR_INV_CONNID.
 */
export const decodeProblemCodes: Readonly<Record<TlibDecodeProblem, number>> = {
  'frame-too-large': TErr.TERR_BAD_PARAM,
  'invalid-utf8': TErr.TERR_BAD_PARAM,
  'invalid-json': TErr.TERR_BAD_PARAM,
  'not-an-object': TErr.TERR_BAD_PARAM,
  'missing-message': TErr.TERR_BAD_PARAM,
  'unknown-message': TErr.TERR_UNSUP_OPER,
  'unexpected-kind': TErr.TERR_UNSUP_OPER,
  'unknown-attribute': TErr.TERR_INVALID_ATTR,
  'missing-attribute': TErr.TERR_INVALID_ATTR,
  'invalid-attribute': TErr.TERR_INVALID_ATTR,
  'invalid-connid': TErr.TERR_INV_CONNID,
};

/** Builds a decode error with the code for its problem. */
export function decodeError(
  problem: TlibDecodeProblem,
  detail: string,
  extra: { messageName?: string; attribute?: string; referenceId?: number } = {},
): TlibDecodeError {
  return { problem, fatal: problem === 'frame-too-large', detail, errorCode: decodeProblemCodes[problem], ...extra };
}
