/**
 * A small, bounded cookie parser and serializer (RFC 6265 section 4.2 / 4.1), so the web edge needs
 * no cookie plugin. Only what sessions need: read one header, write one Set-Cookie.
 */

/** Bounds: a header longer than this, or with more pairs, is read only up to the bound. */
export const cookieLimits = { maxHeaderLength: 8192, maxPairs: 64, maxValueLength: 4096 } as const;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// cookie-octet: no CTLs, whitespace, DQUOTE, comma, semicolon or backslash.
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/**
 * Parses a `Cookie` header into name → value. The first occurrence of a name wins (the browser
 * sends the most specific path first); malformed pairs are skipped, never thrown on.
 */
export function parseCookies(header: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined) return out;
  const text = (Array.isArray(header) ? header.join('; ') : header).slice(0, cookieLimits.maxHeaderLength);
  let pairs = 0;
  for (const part of text.split(';')) {
    if (++pairs > cookieLimits.maxPairs) break;
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!TOKEN.test(name) || value.length > cookieLimits.maxValueLength || !COOKIE_VALUE.test(value)) continue;
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** Attributes of a Set-Cookie header. */
export interface CookieAttributes {
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'Strict' | 'Lax';
  path?: string;
  /** Seconds; 0 deletes the cookie. Undefined: a browser-session cookie. */
  maxAge?: number;
}

/** Builds a Set-Cookie value; throws on a name or value a browser would not round-trip (programmer error). */
export function serializeCookie(name: string, value: string, attrs: CookieAttributes = {}): string {
  if (!TOKEN.test(name)) throw new TypeError(`invalid cookie name '${name}'`);
  if (!COOKIE_VALUE.test(value)) throw new TypeError('invalid cookie value');
  const parts = [`${name}=${value}`, `Path=${attrs.path ?? '/'}`];
  if (attrs.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(attrs.maxAge))}`);
  if (attrs.httpOnly) parts.push('HttpOnly');
  if (attrs.secure) parts.push('Secure');
  if (attrs.sameSite) parts.push(`SameSite=${attrs.sameSite}`);
  return parts.join('; ');
}
