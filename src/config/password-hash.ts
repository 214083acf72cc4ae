/**
 * Password hashing for Persons and Agent Logins: scrypt (node:crypto), never a plain password.
 *
 * Format: `scrypt$N$r$p$salt$hash`, salt and hash in base64 (no padding), N the CPU/memory cost
 * (a power of two), r the block size, p the parallelism; the hash is 32 bytes. Example:
 * `scrypt$16384$8$1$3q2+7w...$kP9...`. Parameters live in the string, so stronger ones can be
 * introduced later without invalidating stored hashes.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/** Default cost parameters (N=2^14, r=8, p=1: about 16 MiB and a few tens of milliseconds). */
export const defaultScryptParams = { N: 16384, r: 8, p: 1 } as const;

const KEY_LENGTH = 32;
// Bounds so a hostile or corrupt hash string cannot make verification allocate gigabytes.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;
const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{43})$/;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function b64(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '');
}

/** Hashes a password with a fresh 16-byte salt. */
export function hashPassword(password: string, params: { N: number; r: number; p: number } = defaultScryptParams): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEY_LENGTH, { ...params, maxmem: maxmem(params.N, params.r) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${b64(salt)}$${b64(hash)}`;
}

function maxmem(N: number, r: number): number {
  return 128 * N * r * 2;
}

function parse(encoded: string): ParsedHash | undefined {
  const m = FORMAT.exec(encoded);
  if (!m) return undefined;
  const N = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return undefined;
  const hash = Buffer.from(m[5] ?? '', 'base64');
  if (hash.length !== KEY_LENGTH) return undefined;
  return { N, r, p, salt: Buffer.from(m[4] ?? '', 'base64'), hash };
}

/** True when the string is a well-formed hash in the format above (with bounded parameters). */
export function isPasswordHash(encoded: string): boolean {
  return parse(encoded) !== undefined;
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export function verifyPassword(password: string, encoded: string): boolean {
  const h = parse(encoded);
  if (!h) return false;
  const candidate = scryptSync(password, h.salt, KEY_LENGTH, { N: h.N, r: h.r, p: h.p, maxmem: maxmem(h.N, h.r) });
  return timingSafeEqual(candidate, h.hash);
}

/**
 * {@link verifyPassword} off the event loop: scrypt runs on the libuv thread pool, so a login
 * (about 80 ms at the default cost) does not stall timers, SIP or T-Lib traffic.
 */
export function verifyPasswordAsync(password: string, encoded: string): Promise<boolean> {
  const h = parse(encoded);
  if (!h) return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(password, h.salt, KEY_LENGTH, { N: h.N, r: h.r, p: h.p, maxmem: maxmem(h.N, h.r) }, (e, candidate) => {
      resolve(e === null && timingSafeEqual(candidate, h.hash));
    });
  });
}
