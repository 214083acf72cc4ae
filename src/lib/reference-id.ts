/**
 * The ReferenceID both framed-JSON protocols (T-Lib and the preview protocol) use to match a reply
 * to its request: an integer in 1..{@link maxReferenceId}, allocated by the requesting end (see
 * RequestChannel in framed-json/request-channel.ts).
 */

/** Largest ReferenceID (T-Library's is a signed 32-bit int; 0 means "none"). */
export const maxReferenceId = 2_147_483_647;

/** True when `v` is a valid ReferenceID. */
export function isReferenceId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= maxReferenceId;
}
