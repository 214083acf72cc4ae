/**
 * Web authentication for knowledge workers: Person user name + password (the scrypt hash in the
 * configuration) → a server-side session named by an HttpOnly cookie.
 *
 * - Cookie `ucc_session`: HttpOnly (scripts never see it), SameSite=Strict (the client is a
 *   same-origin single-page app; its API calls and WebSocket are same-site, so Strict costs nothing
 *   and stops every cross-site request from carrying the session), Secure when the request came
 *   over HTTPS or `secureCookies` says so.
 * - CSRF: each session has its own random token, returned by `GET /api/v1/session`; every request
 *   other than GET/HEAD/OPTIONS must echo it in `X-CSRF-Token` (compared in constant time).
 * - Login throttling per (user name, client address) with growing delays, here, and a cap per
 *   address, by @fastify/rate-limit on the login route ({@link WebAuth.addressRateLimit}); a
 *   refusal is a 429 with Retry-After. A lockout is a security event.
 * - Cookies are read and written by @fastify/cookie (createHttpServer registers it).
 * - {@link identifyKw} tells any route (the KW WebSocket too) whose session a request carries.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConfigView } from '../../config/config-index.ts';
import { defaultScryptParams, verifyPasswordAsync } from '../../config/password-hash.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import { clockWindowStore, defaultLoginLimits, FailureBackoff, type BackoffLimit, type RateLimit, type RateLimitStore } from './login-rate-limiter.ts';
import { MemorySessionStore, type SessionStore, type WebSession } from './session-store.ts';

/** The cookie that names the session. */
export const SESSION_COOKIE = 'ucc_session';
/** The header that carries the CSRF token on state-changing requests. */
export const CSRF_HEADER = 'x-csrf-token';

/** What authentication needs to know about a Person. */
export interface WebPerson {
  userName: string;
  firstName?: string;
  lastName?: string;
  passwordHash?: string;
}

/** Looks Persons up by user name (the configuration store is one). */
export interface PersonDirectory {
  person(userName: string): WebPerson | undefined;
}

/** A PersonDirectory over the configuration view: every read sees the current snapshot. */
export function personDirectoryFromView(view: ConfigView): PersonDirectory {
  return { person: (userName) => view.get('persons', userName) };
}

/** Why a login failed. */
export type LoginFailure = { kind: 'rate-limited'; retryAfterSeconds: number } | { kind: 'invalid-credentials' };

/** Events of {@link WebAuth}. */
export interface WebAuthEvents {
  /**
   * A session was logged out, or revoked because its Person was deleted or its password changed:
   * the KW socket closes the connections it carried. (Idle expiry is not announced.)
   */
  sessionEnded: (session: { id: string; userName: string; reason: 'logout' | 'revoked' }) => void;
}

/** Options of {@link WebAuth}. */
export interface WebAuthOptions {
  clock: Clock;
  persons: PersonDirectory;
  sessions?: SessionStore;
  limits?: { perUserAddress?: BackoffLimit; perIp?: RateLimit };
  /** `auto` (default): Secure when the request came over HTTPS. */
  secureCookies?: boolean | 'auto';
  logger?: Logger;
}

/** User names are bounded and printable; anything else fails as invalid credentials. */
const MAX_USER_NAME = 256;
const MAX_PASSWORD = 1024;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Verifying against a throwaway hash when the user does not exist keeps the timing of unknown and
// known user names alike (no user enumeration by response time). It only has to parse with the
// default cost and never match: random salt and digest, so no scrypt runs on the event loop to
// make it (a synchronous hash stalls the loop long enough to trip the load shedding).
let dummyHash: string | undefined;
const b64 = (n: number): string => randomBytes(n).toString('base64').replace(/=+$/, '');
const dummy = (): string => (dummyHash ??= `scrypt$${defaultScryptParams.N}$${defaultScryptParams.r}$${defaultScryptParams.p}$${b64(16)}$${b64(32)}`);

/** The session attached to a request by the onRequest hook of {@link registerWebAuth}. */
const attached = new WeakMap<object, WebSession>();

/**
 * The authenticated user name of a request, or undefined. Works for every route once
 * {@link registerWebAuth} ran (it resolves the session cookie in an onRequest hook, WebSocket
 * upgrades included).
 */
export function identifyKw(request: FastifyRequest): string | undefined {
  return attached.get(request.raw)?.userName;
}

/** The session of a request (after registerWebAuth), or undefined. */
export function sessionOf(request: FastifyRequest): WebSession | undefined {
  return attached.get(request.raw);
}

/**
 * The user name of a request that passed {@link WebAuth.requireKw}. Throws when called on a route
 * without that pre-handler (a programmer error, answered 500).
 */
export function kwUserName(request: FastifyRequest): string {
  const name = identifyKw(request);
  if (name === undefined) throw new Error('kwUserName() on a route without requireKw');
  return name;
}

/** A short fingerprint of a password hash, kept in the session to notice a password change. */
const credentialTag = (hash: string): string => createHash('sha256').update(hash).digest('base64url').slice(0, 22);

function sameToken(a: string, b: string): boolean {
  // Hash both sides so lengths are equal and timingSafeEqual never throws.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Sessions, login, CSRF and the pre-handlers routes use. */
export class WebAuth extends TypedEmitter<WebAuthEvents> {
  readonly sessions: SessionStore;
  private readonly persons: PersonDirectory;
  private readonly perUserAddress: FailureBackoff;
  private readonly perIp: RateLimit;
  private readonly ipStore: new (options?: unknown) => RateLimitStore;
  private readonly secureCookies: boolean | 'auto';
  private readonly logger: Logger;

  constructor(options: WebAuthOptions) {
    super();
    this.sessions = options.sessions ?? new MemorySessionStore({ clock: options.clock });
    this.persons = options.persons;
    this.perUserAddress = new FailureBackoff(options.clock, options.limits?.perUserAddress ?? defaultLoginLimits.perUserAddress);
    this.perIp = options.limits?.perIp ?? defaultLoginLimits.perIp;
    this.secureCookies = options.secureCookies ?? 'auto';
    this.logger = options.logger ?? silentLogger;
    this.ipStore = clockWindowStore(options.clock, (key) => this.logger.warn('security: login locked out', { event: 'login-lockout', ip: key, scope: 'address' }));
  }

  /**
   * The per-address cap as @fastify/rate-limit options, for the login route (session-routes.ts):
   * every attempt counts, a success does not clear it; past `max` the answer is 429 + Retry-After.
   * The key is the plugin's default, the client address (an IPv6 address counts by its /64).
   */
  addressRateLimit(): { plugin: { global: false; store: new (options?: unknown) => RateLimitStore }; route: { max: number; timeWindow: number } } {
    return { plugin: { global: false, store: this.ipStore }, route: { max: this.perIp.max, timeWindow: this.perIp.windowMs } };
  }

  /**
   * Checks a user name and password. A failure counts against the (user name, address) pair,
   * whose wait grows; a success clears the pair. (The address's own cap is checked before, by the
   * login route's rate limit.) Never throws on bad input. The hash check runs off the event loop.
   */
  async login(userName: string, password: string, ip: string): Promise<Result<WebSession, LoginFailure>> {
    const pairKey = JSON.stringify([userName.toLowerCase().slice(0, MAX_USER_NAME), ip]);
    const d = this.perUserAddress.check(pairKey);
    if (!d.allowed) {
      this.logger.info('login throttled', { userName: userName.slice(0, 64), ip, retryAfterSeconds: d.retryAfterSeconds });
      return err({ kind: 'rate-limited', retryAfterSeconds: d.retryAfterSeconds });
    }
    const valid = userName.length > 0 && userName.length <= MAX_USER_NAME && password.length <= MAX_PASSWORD;
    const person = valid ? this.persons.person(userName) : undefined;
    const hash = person?.passwordHash;
    const matches = await verifyPasswordAsync(valid ? password : '', hash ?? dummy());
    if (!person || hash === undefined || !matches) {
      const waitMs = this.perUserAddress.fail(pairKey);
      this.logger.info('login refused', { userName: userName.slice(0, 64), ip });
      // A security event: the pair must now wait before its next attempt.
      if (waitMs > 0) this.logger.warn('security: login locked out', { event: 'login-lockout', userName: userName.slice(0, 64), ip, waitSeconds: Math.ceil(waitMs / 1000) });
      return err({ kind: 'invalid-credentials' });
    }
    this.perUserAddress.reset(pairKey);
    const session = this.sessions.create(person.userName, credentialTag(hash));
    this.logger.info('login', { userName: person.userName, ip });
    return ok(session);
  }

  /**
   * Logs a security event (a refused cross-KW action, a refused transfer target...) on the Logger
   * port: `event` names it for alerting. Fastify's own logger is off, so routes call this.
   */
  securityEvent(event: string, message: string, fields: Record<string, unknown>): void {
    this.logger.warn(message, { event, ...fields });
  }

  /** Ends a session (logout). */
  logout(session: WebSession): void {
    if (this.sessions.delete(session.id)) {
      this.safeEmit('sessionEnded', { id: session.id, userName: session.userName, reason: 'logout' });
    }
  }

  /**
   * Ends the sessions whose Person no longer exists or whose password hash changed since login.
   * Call it on every configuration change. Returns how many were ended.
   */
  revokeStaleSessions(): number {
    let n = 0;
    for (const s of this.sessions.list()) {
      const hash = this.persons.person(s.userName)?.passwordHash;
      if (hash !== undefined && credentialTag(hash) === s.credentialTag) continue;
      if (this.sessions.delete(s.id)) {
        n++;
        this.logger.info('session revoked: the Person or its password changed', { userName: s.userName });
        this.safeEmit('sessionEnded', { id: s.id, userName: s.userName, reason: 'revoked' });
      }
    }
    return n;
  }

  /** The Person behind a session (names for the window title). */
  person(userName: string): WebPerson | undefined {
    return this.persons.person(userName);
  }

  /** Resolves the session cookie of a request, or undefined. */
  resolve(request: FastifyRequest): WebSession | undefined {
    // request.cookies is filled by @fastify/cookie; without the plugin no session is read.
    const id = (request as { cookies?: Record<string, string | undefined> }).cookies?.[SESSION_COOKIE];
    if (id === undefined || id.length > 128) return undefined;
    return this.sessions.get(id);
  }

  /** Sets the session cookie on a reply. */
  setSessionCookie(request: FastifyRequest, reply: FastifyReply, session: WebSession): void {
    void reply.setCookie(SESSION_COOKIE, session.id, this.cookieAttributes(request));
  }

  /** Clears the session cookie. */
  clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
    void reply.clearCookie(SESSION_COOKIE, this.cookieAttributes(request));
  }

  private cookieAttributes(request: FastifyRequest) {
    const secure = this.secureCookies === 'auto' ? request.protocol === 'https' : this.secureCookies;
    return { httpOnly: true, sameSite: 'strict' as const, path: '/', secure };
  }

  /**
   * Pre-handler: 401 without a live session; 403 when a state-changing request lacks the
   * session's CSRF token.
   */
  readonly requireKw = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const session = attached.get(request.raw);
    if (session === undefined) {
      await reply.code(401).send({ error: 'not authenticated' });
      return;
    }
    if (!SAFE_METHODS.has(request.method)) {
      const token = request.headers[CSRF_HEADER];
      if (typeof token !== 'string' || !sameToken(token, session.csrfToken)) {
        await reply.code(403).send({ error: 'missing or invalid CSRF token' });
      }
    }
  };

  /**
   * Pre-handler (after requireKw): the route's `userName` path parameter must be the session's own
   * user name — a KW reads and acts only on its own state, previews and interactions.
   */
  readonly requireOwn = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const own = identifyKw(request);
    const target = (request.params as Record<string, unknown> | undefined)?.['userName'];
    if (own === undefined || !canActOn(own, target)) {
      if (own !== undefined) this.securityEvent('cross-kw', 'security: cross-KW action refused', { userName: own, target: String(target).slice(0, 64), method: request.method, url: request.url.slice(0, 200), ip: request.ip });
      await reply.code(403).send({ error: 'a knowledge worker may act only on its own state' });
    }
  };
}

/** The authorization rule: a KW acts only on its own user name. */
export function canActOn(sessionUserName: string, target: unknown): boolean {
  return typeof target === 'string' && target === sessionUserName;
}

/**
 * Installs the onRequest hook that resolves the session cookie once per request, so
 * {@link identifyKw}, requireKw and requireOwn see it. Call before registering routes.
 */
export function registerWebAuth(app: FastifyInstance, auth: WebAuth): void {
  app.addHook('onRequest', async (request) => {
    const session = auth.resolve(request);
    if (session !== undefined) attached.set(request.raw, session);
  });
}
