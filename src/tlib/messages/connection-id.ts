/**
 * ConnID: T-Library's connection (call) identifier. On our wire it is exactly 16 lower-case
 * hexadecimal digits (a 64-bit number), e.g. `"006e02b3c4d5e6f7"`.
 */
export type ConnId = string;

const connIdPattern = /^[0-9a-f]{16}$/;

/** True when `s` is a well-formed ConnID (16 lower-case hex digits). */
export function isConnId(s: unknown): s is ConnId {
  return typeof s === 'string' && connIdPattern.test(s);
}

/** Formats a 64-bit unsigned value as a ConnID. */
export function formatConnId(n: bigint): ConnId {
  if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new RangeError(`ConnID out of 64-bit range: ${n}`);
  return n.toString(16).padStart(16, '0');
}

/** The numeric value of a ConnID (for hosts that store it as a number). */
export function parseConnId(id: ConnId): bigint {
  if (!isConnId(id)) throw new RangeError(`not a ConnID: ${String(id)}`);
  return BigInt(`0x${id}`);
}
