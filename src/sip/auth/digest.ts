/**
 * HTTP Digest for SIP (RFC 3261 section 22, RFC 2617, RFC 7616, and the RFC 2069 no-qop form that
 * old servers still use). Pure: parsing and formatting of challenges (`WWW-Authenticate`,
 * `Proxy-Authenticate`) and credentials (`Authorization`, `Proxy-Authorization`), and the response
 * computation. Client and server import this same module (style rule 6); nonce issuing lives in
 * `digest-server.ts`, the retry policy in `digest-client.ts`.
 */
import { createHash } from 'node:crypto';
import { err, ok } from '../../lib/result.ts';
import type { Result } from '../../lib/result.ts';

/**
 * Algorithms of RFC 7616 section 3.2 (names as on the wire; matched case-insensitively).
 * `-sess` variants hash the cnonce into HA1 (RFC 7616 section 3.4.2).
 */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

/** Quality of protection: `auth-int` also hashes the body (RFC 7616 section 3.4.3). */
export type DigestQop = 'auth' | 'auth-int';

/** A parsed `Digest` challenge (RFC 7616 section 3.3). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** Absent means MD5 (RFC 7616 section 3.3: "If this is not present, it is assumed to be MD5"). */
  algorithm?: DigestAlgorithm;
  /** qop options offered by the server; empty means the legacy RFC 2069 exchange. */
  qop: DigestQop[];
  opaque?: string;
  /** `stale=true`: the nonce expired but the digest was right, so retry with the new nonce. */
  stale: boolean;
  domain?: string;
  /** Parameters we do not interpret (charset, userhash...), kept for diagnostics. */
  other: Record<string, string>;
}

/** Parsed `Digest` credentials (RFC 7616 section 3.4). */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: DigestAlgorithm;
  qop?: DigestQop;
  /** 8 hex digits, e.g. `00000001`; present with qop. */
  nc?: string;
  cnonce?: string;
  opaque?: string;
  other: Record<string, string>;
}

/** Why a header could not be read as Digest. */
export interface DigestParseError {
  kind: 'too-long' | 'not-digest' | 'syntax' | 'missing-param' | 'bad-param';
  message: string;
}

/** Bounds for hostile input: headers longer or with more parameters than this are rejected. */
export const DIGEST_MAX_HEADER_CHARS = 4096;
export const DIGEST_MAX_PARAMS = 32;

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  'md5': 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
  'sha-512-256': 'SHA-512-256',
  'sha-512-256-sess': 'SHA-512-256-sess',
};

/** Parses an algorithm token case-insensitively; undefined for an algorithm we do not implement. */
export function parseAlgorithm(token: string): DigestAlgorithm | undefined {
  return ALGORITHMS[token.toLowerCase()];
}

/**
 * Splits `Digest a=b, c="d, e"` into the scheme and its auth-params (RFC 7235 section 2.1 /
 * RFC 3261 section 25.1). Commas inside quoted strings do not split; `\"` escapes are undone.
 * Parameter names are lower-cased.
 */
export function parseAuthParams(value: string): Result<{ scheme: string; params: Record<string, string> }, DigestParseError> {
  if (value.length > DIGEST_MAX_HEADER_CHARS) return err({ kind: 'too-long', message: `header longer than ${DIGEST_MAX_HEADER_CHARS} characters` });
  const s = value.trim();
  const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s+|$)/.exec(s);
  if (!m || m[1] === undefined) return err({ kind: 'syntax', message: 'missing auth scheme' });
  const scheme = m[1];
  const params: Record<string, string> = {};
  let i = m[0].length;
  let count = 0;
  const skipWs = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\r' || s[i] === '\n')) i++;
  };
  while (i < s.length) {
    skipWs();
    if (s[i] === ',') { i++; continue; }
    if (i >= s.length) break;
    const nm = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(s.slice(i));
    if (!nm) return err({ kind: 'syntax', message: `bad parameter name at ${i}` });
    const name = nm[0].toLowerCase();
    i += nm[0].length;
    skipWs();
    if (s[i] !== '=') return err({ kind: 'syntax', message: `expected '=' after ${name}` });
    i++;
    skipWs();
    let v = '';
    if (s[i] === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i]!;
        if (c === '\\' && i + 1 < s.length) { v += s[i + 1]; i += 2; continue; }
        if (c === '"') { closed = true; i++; break; }
        v += c;
        i++;
      }
      if (!closed) return err({ kind: 'syntax', message: `unterminated quoted string in ${name}` });
    } else {
      const tm = /^[^\s,"]*/.exec(s.slice(i));
      v = tm ? tm[0] : '';
      i += v.length;
    }
    if (++count > DIGEST_MAX_PARAMS) return err({ kind: 'too-long', message: `more than ${DIGEST_MAX_PARAMS} parameters` });
    if (!(name in params)) params[name] = v;
    skipWs();
    if (i < s.length && s[i] !== ',') return err({ kind: 'syntax', message: `expected ',' after ${name}` });
  }
  return ok({ scheme, params });
}

function parseQopList(v: string): DigestQop[] {
  const out: DigestQop[] = [];
  for (const t of v.split(',')) {
    const q = t.trim().toLowerCase();
    if ((q === 'auth' || q === 'auth-int') && !out.includes(q)) out.push(q);
  }
  return out;
}

function takeKnown(params: Record<string, string>, known: readonly string[]): Record<string, string> {
  const other: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (!known.includes(k)) other[k] = v;
  return other;
}

/** Parses a `WWW-Authenticate` / `Proxy-Authenticate` value with the Digest scheme. */
export function parseChallenge(value: string): Result<DigestChallenge, DigestParseError> {
  const r = parseAuthParams(value);
  if (!r.ok) return r;
  const { scheme, params } = r.value;
  if (scheme.toLowerCase() !== 'digest') return err({ kind: 'not-digest', message: `scheme ${scheme} is not Digest` });
  if (params.realm === undefined) return err({ kind: 'missing-param', message: 'challenge without realm' });
  if (params.nonce === undefined) return err({ kind: 'missing-param', message: 'challenge without nonce' });
  let algorithm: DigestAlgorithm | undefined;
  if (params.algorithm !== undefined) {
    algorithm = parseAlgorithm(params.algorithm);
    if (!algorithm) return err({ kind: 'bad-param', message: `unsupported algorithm ${params.algorithm}` });
  }
  const ch: DigestChallenge = {
    realm: params.realm,
    nonce: params.nonce,
    qop: params.qop !== undefined ? parseQopList(params.qop) : [],
    stale: (params.stale ?? '').toLowerCase() === 'true',
    other: takeKnown(params, ['realm', 'nonce', 'algorithm', 'qop', 'opaque', 'stale', 'domain']),
  };
  if (algorithm) ch.algorithm = algorithm;
  if (params.opaque !== undefined) ch.opaque = params.opaque;
  if (params.domain !== undefined) ch.domain = params.domain;
  if (params.qop !== undefined && ch.qop.length === 0) return err({ kind: 'bad-param', message: `no supported qop in "${params.qop}"` });
  return ok(ch);
}

/** Parses an `Authorization` / `Proxy-Authorization` value with the Digest scheme. */
export function parseCredentials(value: string): Result<DigestCredentials, DigestParseError> {
  const r = parseAuthParams(value);
  if (!r.ok) return r;
  const { scheme, params } = r.value;
  if (scheme.toLowerCase() !== 'digest') return err({ kind: 'not-digest', message: `scheme ${scheme} is not Digest` });
  for (const k of ['username', 'realm', 'nonce', 'uri', 'response'] as const) {
    if (params[k] === undefined) return err({ kind: 'missing-param', message: `credentials without ${k}` });
  }
  const c: DigestCredentials = {
    username: params.username!,
    realm: params.realm!,
    nonce: params.nonce!,
    uri: params.uri!,
    response: params.response!.toLowerCase(),
    other: takeKnown(params, ['username', 'realm', 'nonce', 'uri', 'response', 'algorithm', 'qop', 'nc', 'cnonce', 'opaque']),
  };
  if (params.algorithm !== undefined) {
    const a = parseAlgorithm(params.algorithm);
    if (!a) return err({ kind: 'bad-param', message: `unsupported algorithm ${params.algorithm}` });
    c.algorithm = a;
  }
  if (params.qop !== undefined) {
    const q = params.qop.toLowerCase();
    if (q !== 'auth' && q !== 'auth-int') return err({ kind: 'bad-param', message: `unsupported qop ${params.qop}` });
    c.qop = q;
    // RFC 7616 section 3.4: with qop, cnonce and nc MUST be present.
    if (params.nc === undefined || params.cnonce === undefined) return err({ kind: 'missing-param', message: 'qop without nc or cnonce' });
    if (!/^[0-9a-fA-F]{8}$/.test(params.nc)) return err({ kind: 'bad-param', message: `bad nc ${params.nc}` });
    c.nc = params.nc.toLowerCase();
    c.cnonce = params.cnonce;
  }
  if (params.opaque !== undefined) c.opaque = params.opaque;
  return ok(c);
}

/** Quotes a value as an RFC 3261 quoted-string (escaping `"` and `\`). */
export function quote(v: string): string {
  return `"${v.replace(/["\\]/g, (c) => '\\' + c)}"`;
}

/** Formats a challenge for `WWW-Authenticate` / `Proxy-Authenticate`. */
export function formatChallenge(ch: DigestChallenge): string {
  const parts = [`realm=${quote(ch.realm)}`];
  if (ch.domain !== undefined) parts.push(`domain=${quote(ch.domain)}`);
  if (ch.qop.length) parts.push(`qop=${quote(ch.qop.join(','))}`);
  if (ch.algorithm) parts.push(`algorithm=${ch.algorithm}`);
  parts.push(`nonce=${quote(ch.nonce)}`);
  if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`);
  if (ch.stale) parts.push('stale=TRUE');
  return `Digest ${parts.join(', ')}`;
}

/** Formats credentials for `Authorization` / `Proxy-Authorization` (RFC 7616 section 3.4 order). */
export function formatCredentials(c: DigestCredentials): string {
  const parts = [`username=${quote(c.username)}`, `realm=${quote(c.realm)}`, `uri=${quote(c.uri)}`];
  if (c.algorithm) parts.push(`algorithm=${c.algorithm}`);
  parts.push(`nonce=${quote(c.nonce)}`);
  // qop and nc are tokens; RFC 7616 section 3.4 says they are not quoted.
  if (c.qop) parts.push(`nc=${c.nc ?? '00000001'}`, `cnonce=${quote(c.cnonce ?? '')}`, `qop=${c.qop}`);
  parts.push(`response=${quote(c.response)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

function hashName(a: DigestAlgorithm): string {
  if (a.startsWith('SHA-512-256')) return 'sha512-256';
  if (a.startsWith('SHA-256')) return 'sha256';
  return 'md5';
}

/** H(data) as lower-case hex with the algorithm's hash function. */
export function digestHash(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(hashName(algorithm)).update(data).digest('hex');
}

/** The secret a verifier may store instead of the password: H(username:realm:password). */
export function computeHa1Base(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

/** Inputs of the response computation. Give either `password` or the stored `ha1` (non-sess form). */
export interface DigestResponseInput {
  algorithm?: DigestAlgorithm;
  username: string;
  realm: string;
  password?: string;
  ha1?: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: DigestQop;
  nc?: string;
  cnonce?: string;
  /** Entity body for qop=auth-int. */
  body?: Buffer | string;
}

/**
 * The `response` value (RFC 7616 section 3.4.1; RFC 2069 form when no qop):
 * with qop: H(HA1:nonce:nc:cnonce:qop:HA2), without: H(HA1:nonce:HA2).
 */
export function computeDigestResponse(i: DigestResponseInput): string {
  const alg = i.algorithm ?? 'MD5';
  let ha1 = i.ha1 ?? computeHa1Base(alg, i.username, i.realm, i.password ?? '');
  if (alg.endsWith('-sess')) ha1 = digestHash(alg, `${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  const ha2 = i.qop === 'auth-int'
    ? digestHash(alg, `${i.method}:${i.uri}:${digestHash(alg, i.body ?? '')}`)
    : digestHash(alg, `${i.method}:${i.uri}`);
  if (!i.qop) return digestHash(alg, `${ha1}:${i.nonce}:${ha2}`);
  return digestHash(alg, `${ha1}:${i.nonce}:${i.nc ?? '00000001'}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
}

/** Formats a nonce count as 8 lower-case hex digits (RFC 7616 section 3.4). */
export function formatNonceCount(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * Builds the credentials that answer `challenge` (client side). Picks qop=auth when offered, else
 * auth-int, else the RFC 2069 form.
 */
export function createCredentials(
  challenge: DigestChallenge,
  account: { username: string; password: string },
  request: { method: string; uri: string; body?: Buffer | string },
  nonceCount: number,
  cnonce: string,
): DigestCredentials {
  const qop: DigestQop | undefined = challenge.qop.includes('auth') ? 'auth' : challenge.qop.includes('auth-int') ? 'auth-int' : undefined;
  const c: DigestCredentials = {
    username: account.username,
    realm: challenge.realm,
    nonce: challenge.nonce,
    uri: request.uri,
    response: '',
    other: {},
  };
  if (challenge.algorithm) c.algorithm = challenge.algorithm;
  if (challenge.opaque !== undefined) c.opaque = challenge.opaque;
  if (qop) {
    c.qop = qop;
    c.nc = formatNonceCount(nonceCount);
    c.cnonce = cnonce;
  }
  const input: DigestResponseInput = {
    username: account.username,
    realm: challenge.realm,
    password: account.password,
    method: request.method,
    uri: request.uri,
    nonce: challenge.nonce,
  };
  if (challenge.algorithm) input.algorithm = challenge.algorithm;
  if (qop) { input.qop = qop; input.nc = c.nc!; input.cnonce = cnonce; }
  if (request.body !== undefined) input.body = request.body;
  c.response = computeDigestResponse(input);
  return c;
}
