/**
 * Server side of SIP digest (RFC 3261 section 22.4, RFC 7616 section 3.3 and 5.4-5.5): issues
 * nonces, verifies credentials, rejects replays. Nonces are stateless HMACs over their issue time,
 * so any process holding the secret can verify them; only the nonce-count high-water marks are
 * kept in memory (bounded).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import { computeDigestResponse, formatChallenge } from './digest.ts';
import type { DigestAlgorithm, DigestChallenge, DigestCredentials, DigestQop, DigestResponseInput } from './digest.ts';

/** What the verifier knows about a user: the password, or the stored H(username:realm:password). */
export type DigestSecret = { password: string } | { ha1: string };

/** Looks a user up; undefined means unknown user (answered like a wrong password). */
export type DigestUserLookup = (username: string, realm: string) => DigestSecret | undefined;

export interface DigestServerOptions {
  realm: string;
  clock: Clock;
  /** HMAC key for nonces; random per instance when absent (nonces then do not survive a restart). */
  secret?: Buffer;
  /** Lifetime of a nonce; after it the server asks again with stale=true. Default 300 000 ms. */
  nonceTtlMs?: number;
  algorithm?: DigestAlgorithm;
  /** qop offered; default ['auth']. An empty list is the RFC 2069 legacy exchange. */
  qop?: DigestQop[];
  /** Most nonces whose nonce-count is tracked; the oldest are forgotten first. Default 10 000. */
  maxTrackedNonces?: number;
}

/** Outcome of `verify`. On failure, answer 401/407 with `challenge(stale)`. */
export type DigestVerifyResult =
  | { ok: true; username: string }
  | { ok: false; reason: 'realm' | 'bad-nonce' | 'unknown-user' | 'bad-response' | 'stale' | 'replay' | 'algorithm' | 'uri' | 'opaque'; stale: boolean };

/**
 * Issues and verifies digest nonces on an injected clock.
 *
 * Nonce = `<issued-ms base36>.<random>.<hmac>`; verification recomputes the HMAC, so forged or
 * foreign nonces fail as `bad-nonce`. An expired nonce with a correct response gives `stale`
 * (RFC 7616 section 3.3: "stale ... the request from the client was rejected because the nonce
 * value was stale"), and a nonce-count that does not increase gives `replay`.
 */
export class DigestServer {
  readonly realm: string;
  private readonly clock: Clock;
  private readonly secret: Buffer;
  private readonly ttl: number;
  private readonly algorithm: DigestAlgorithm | undefined;
  private readonly qop: DigestQop[];
  private readonly maxTracked: number;
  /** nonce → highest nonce-count seen (0 for a used RFC 2069 nonce). */
  private readonly seen = new Map<string, number>();
  private readonly opaque: string;
  /** Nonces issued at or before this time were evicted from `seen`: treat them as stale, not new. */
  private evictedUpTo = -Infinity;

  constructor(o: DigestServerOptions) {
    this.realm = o.realm;
    this.clock = o.clock;
    this.secret = o.secret ?? randomBytes(32);
    this.ttl = o.nonceTtlMs ?? 300_000;
    this.algorithm = o.algorithm;
    this.qop = o.qop ?? ['auth'];
    this.maxTracked = o.maxTrackedNonces ?? 10_000;
    this.opaque = createHmac('sha256', this.secret).update('opaque').digest('hex').slice(0, 16);
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }

  /** A fresh nonce bound to the current time. */
  issueNonce(): string {
    const payload = `${this.clock.now().toString(36)}.${randomBytes(9).toString('base64url')}`;
    return `${payload}.${this.mac(payload)}`;
  }

  /** A challenge to put in `WWW-Authenticate` (401) or `Proxy-Authenticate` (407). */
  challenge(stale = false): DigestChallenge {
    const ch: DigestChallenge = { realm: this.realm, nonce: this.issueNonce(), qop: [...this.qop], stale, opaque: this.opaque, other: {} };
    if (this.algorithm) ch.algorithm = this.algorithm;
    return ch;
  }

  /** The challenge formatted as a header value. */
  challengeHeader(stale = false): string {
    return formatChallenge(this.challenge(stale));
  }

  /** Issue time of a nonce we made, or undefined when it is not ours. */
  private nonceIssuedAt(nonce: string): number | undefined {
    if (nonce.length > 128) return undefined;
    const i = nonce.lastIndexOf('.');
    if (i < 0) return undefined;
    const payload = nonce.slice(0, i);
    const expected = Buffer.from(this.mac(payload));
    const got = Buffer.from(nonce.slice(i + 1));
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
    const t = parseInt(payload.split('.')[0] ?? '', 36);
    return Number.isFinite(t) ? t : undefined;
  }

  /**
   * Verifies credentials for a request. `requestUri`, when given, must equal the credentials' uri
   * (RFC 7616 section 3.4.6 asks the server to check it names the same resource).
   */
  verify(c: DigestCredentials, request: { method: string; uri?: string; body?: Buffer | string }, lookup: DigestUserLookup): DigestVerifyResult {
    const fail = (reason: Exclude<DigestVerifyResult, { ok: true }>['reason'], stale = false): DigestVerifyResult => ({ ok: false, reason, stale });
    if (c.realm !== this.realm) return fail('realm');
    if ((c.algorithm ?? 'MD5') !== (this.algorithm ?? 'MD5')) return fail('algorithm');
    if (c.opaque !== undefined && c.opaque !== this.opaque) return fail('opaque');
    if (request.uri !== undefined && c.uri !== request.uri) return fail('uri');
    const issued = this.nonceIssuedAt(c.nonce);
    if (issued === undefined) return fail('bad-nonce');
    if (this.qop.length > 0 && !c.qop) return fail('bad-response'); // RFC 2069 answer to a qop challenge
    if (c.qop && !this.qop.includes(c.qop)) return fail('bad-response');
    const secret = lookup(c.username, c.realm);
    if (!secret) return fail('unknown-user');
    const input: DigestResponseInput = { username: c.username, realm: c.realm, method: request.method, uri: c.uri, nonce: c.nonce };
    if ('password' in secret) input.password = secret.password; else input.ha1 = secret.ha1;
    if (c.algorithm) input.algorithm = c.algorithm;
    if (c.qop) { input.qop = c.qop; input.nc = c.nc!; input.cnonce = c.cnonce ?? ''; }
    if (request.body !== undefined) input.body = request.body;
    const expected = Buffer.from(computeDigestResponse(input));
    const got = Buffer.from(c.response);
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) return fail('bad-response');
    // Only now, with a correct response, is "stale" meaningful (the client knows the password).
    const now = this.clock.now();
    if (now - issued > this.ttl || issued - now > this.ttl) return fail('stale', true);
    const nc = c.nc !== undefined ? parseInt(c.nc, 16) : 0;
    const last = this.seen.get(c.nonce);
    if (last !== undefined && nc <= last) return fail('replay', true);
    if (last === undefined && issued <= this.evictedUpTo) return fail('stale', true);
    this.track(c.nonce, nc, now);
    return { ok: true, username: c.username };
  }

  private track(nonce: string, nc: number, now: number): void {
    this.seen.delete(nonce); // re-insert so Map order stays least-recently-used first
    this.seen.set(nonce, nc);
    if (this.seen.size <= this.maxTracked) return;
    for (const n of this.seen.keys()) {
      const t = this.nonceIssuedAt(n);
      if (this.seen.size > this.maxTracked || t === undefined || now - t > this.ttl) {
        this.seen.delete(n);
        if (t !== undefined && t > this.evictedUpTo) this.evictedUpTo = t;
      } else break;
    }
  }

  /** Number of nonces whose nonce-count is tracked (for tests and metrics). */
  get trackedNonces(): number {
    return this.seen.size;
  }
}
