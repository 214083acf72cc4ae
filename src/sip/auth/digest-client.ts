/**
 * Client side of SIP digest (RFC 3261 sections 22.2-22.3, RFC 8760): turns a 401/407 into the
 * authorized retry of the request, and caches challenges so later requests in the same realm
 * (registration refreshes, in-dialog requests) carry credentials up front with a growing
 * nonce-count. A wrong password never loops: a second challenge for a realm we already answered
 * is only followed when it says `stale=true`, and only once.
 */
import { randomBytes } from 'node:crypto';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import { createCredentials, formatCredentials, parseChallenge, parseCredentials } from './digest.ts';
import type { DigestAlgorithm, DigestChallenge } from './digest.ts';

/** The account a UA signs with. `realm`, when set, restricts which challenges are answered. */
export interface SipCredentials {
  username: string;
  password: string;
  realm?: string;
}

export interface DigestClientOptions {
  /** cnonce generator (tests inject a fixed one). */
  cnonce?: () => string;
  /** Stale retries allowed per request; default 1. */
  maxStaleRetries?: number;
}

type AuthHeader = 'Authorization' | 'Proxy-Authorization';

interface CachedChallenge {
  challenge: DigestChallenge;
  header: AuthHeader;
  nc: number;
}

/** RFC 8760 section 2.4: prefer the strongest algorithm the server offers for a realm. */
const STRENGTH: Record<DigestAlgorithm, number> = {
  'SHA-512-256-sess': 6, 'SHA-512-256': 5, 'SHA-256-sess': 4, 'SHA-256': 3, 'MD5-sess': 2, 'MD5': 1,
};

/** Why `authorize` declined to retry; the caller then returns the 401/407 as the outcome. */
export type DigestRetryRefusal = 'no-challenge' | 'realm-mismatch' | 'rejected' | 'stale-limit' | 'not-challenge';

function parseCSeq(v: string | undefined): { seq: number; method: string } | undefined {
  const m = /^\s*(\d{1,10})\s+(\S+)\s*$/.exec(v ?? '');
  return m ? { seq: Number(m[1]), method: m[2]! } : undefined;
}

/**
 * Answers digest challenges for one account. One instance per UA (or per registration) is
 * enough: it remembers the last challenge per realm.
 */
export class DigestClient {
  private readonly cnonce: () => string;
  private readonly maxStale: number;
  private readonly cache = new Map<string, CachedChallenge>();
  /** Stale retries already made, per request chain (keyed by Call-ID + method). */
  private readonly staleCount = new Map<string, number>();
  /** Requests built by `authorize` (answers to a challenge), as opposed to pre-emptive ones. */
  private readonly retries = new WeakSet<SipRequest>();

  constructor(private readonly credentials: SipCredentials, options: DigestClientOptions = {}) {
    this.cnonce = options.cnonce ?? (() => randomBytes(12).toString('hex'));
    this.maxStale = options.maxStaleRetries ?? 1;
  }

  /** The last refusal reason, for logs and tests. */
  lastRefusal: DigestRetryRefusal | undefined;

  /**
   * Given a request and its 401/407, returns the retry: same Call-ID, From tag and body, CSeq + 1
   * (RFC 3261 section 22.2: "the CSeq header field value MUST be incremented"), with
   * Authorization / Proxy-Authorization for each challenged realm. Returns undefined when retrying
   * would be pointless (see `lastRefusal`). The caller adds a fresh Via branch (the stack does).
   */
  authorize(request: SipRequest, response: SipResponse): SipRequest | undefined {
    this.lastRefusal = undefined;
    if (response.status !== 401 && response.status !== 407) return this.refuse('not-challenge');
    const header: AuthHeader = response.status === 407 ? 'Proxy-Authorization' : 'Authorization';
    const challengeHeader = response.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    // Best challenge per realm.
    const best = new Map<string, DigestChallenge>();
    for (const v of response.headers.getAll(challengeHeader)) {
      const r = parseChallenge(v);
      if (!r.ok) continue;
      const ch = r.value;
      const prev = best.get(ch.realm);
      if (!prev || STRENGTH[ch.algorithm ?? 'MD5'] > STRENGTH[prev.algorithm ?? 'MD5']) best.set(ch.realm, ch);
    }
    if (best.size === 0) return this.refuse('no-challenge');
    const wanted = [...best.values()].filter((c) => this.credentials.realm === undefined || c.realm === this.credentials.realm);
    if (wanted.length === 0) return this.refuse('realm-mismatch');

    // Which realms did this request already answer after a challenge? A repeat challenge there
    // means rejection. Pre-emptive (cached) credentials do not count: their nonce may simply have
    // expired on a server that does not say stale=true, so they get one fresh attempt.
    const answered = new Set<string>();
    if (this.retries.has(request)) {
      for (const v of request.headers.getAll(header)) {
        const c = parseCredentials(v);
        if (c.ok) answered.add(c.value.realm);
      }
    }
    const chainKey = `${request.headers.get('Call-ID') ?? ''} ${request.method}`;
    let usedStale = false;
    for (const ch of wanted) {
      if (answered.has(ch.realm)) {
        if (!ch.stale) { this.cache.delete(ch.realm); return this.refuse('rejected'); }
        usedStale = true;
      }
    }
    if (usedStale) {
      const n = this.staleCount.get(chainKey) ?? 0;
      if (n >= this.maxStale) return this.refuse('stale-limit');
      if (this.staleCount.size > 1000) this.staleCount.clear(); // bound: callers that never finish()
      this.staleCount.set(chainKey, n + 1);
    } else {
      this.staleCount.delete(chainKey);
    }
    for (const ch of wanted) this.cache.set(ch.realm, { challenge: ch, header, nc: 0 });

    const retry: SipRequest = { ...request, headers: request.headers.clone() };
    const cseq = parseCSeq(request.headers.get('CSeq'));
    if (cseq) retry.headers.set('CSeq', `${cseq.seq + 1} ${cseq.method}`);
    // Replace the credentials of the challenged realms; keep others (e.g. a proxy's).
    const keep = request.headers.getAll(header).filter((v) => {
      const c = parseCredentials(v);
      return !(c.ok && best.has(c.value.realm));
    });
    retry.headers.delete(header);
    for (const v of keep) retry.headers.append(header, v);
    for (const ch of wanted) retry.headers.append(header, this.sign(retry, ch.realm)!);
    this.retries.add(retry);
    return retry;
  }

  /**
   * Adds credentials from cached challenges (pre-emptive authorization, RFC 3261 section 22.3:
   * a UA "MAY attempt to pre-emptively send credentials"). Returns the request itself, modified.
   */
  applyCached(request: SipRequest): SipRequest {
    for (const [realm, c] of this.cache) {
      if (request.headers.getAll(c.header).some((v) => { const p = parseCredentials(v); return p.ok && p.value.realm === realm; })) continue;
      request.headers.append(c.header, this.sign(request, realm)!);
    }
    return request;
  }

  /** Forgets cached challenges (after a 401 to a pre-emptive attempt, or on re-registration). */
  clearCache(): void {
    this.cache.clear();
  }

  /** Ends the retry bookkeeping for a request chain once it got its final outcome. */
  finish(request: SipRequest): void {
    this.staleCount.delete(`${request.headers.get('Call-ID') ?? ''} ${request.method}`);
  }

  private sign(request: SipRequest, realm: string): string | undefined {
    const c = this.cache.get(realm);
    if (!c) return undefined;
    c.nc += 1;
    const creds = createCredentials(
      c.challenge,
      this.credentials,
      { method: request.method, uri: request.uri, body: request.body },
      c.nc,
      this.cnonce(),
    );
    return formatCredentials(creds);
  }

  private refuse(why: DigestRetryRefusal): undefined {
    this.lastRefusal = why;
    return undefined;
  }
}
