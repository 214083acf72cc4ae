/**
 * Login, logout and "who am I": `POST|GET|DELETE /api/v1/session`, plus the options the Login
 * screen shows before anyone is logged in (`GET /api/v1/client-config`).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteRegistration } from '../http-server.ts';
import { registerWebAuth, sessionOf, type WebAuth } from '../auth/web-auth.ts';
import type { WebSession } from '../auth/session-store.ts';
import { ErrorReply, LoginBody, PublicOptions, SessionReply } from './api-schemas.ts';
import type { ClientOptions, PublicClientOptions } from './client-options.ts';
import type { OpenApiRouteDoc } from './openapi-routes.ts';

/** Where the session routes read the client options. */
export interface ClientOptionsSource {
  publicOptions(): PublicClientOptions;
  forPerson(userName: string): ClientOptions;
}

/** What {@link sessionRoutes} needs. */
export interface SessionRoutesDeps {
  auth: WebAuth;
  options: ClientOptionsSource;
}

/** The window title rule of seed 000 (L415-422), with OpenUCC in place of Genesys. */
export function windowTitle(userName: string, firstName?: string, lastName?: string): string {
  const name = [firstName ?? '', lastName ?? ''].map((s) => s.trim()).filter((s) => s !== '').join(' ');
  return `${name === '' ? userName : name} - OpenUCC`;
}

const doc = (d: OpenApiRouteDoc) => ({ openapi: { tags: ['session'], ...d } });

/** The per-address cap's refusal: the same 429 body as the per-pair one. */
const tooManyAttempts = (_request: FastifyRequest, context: { statusCode: number }): Error & { statusCode: number } =>
  Object.assign(new Error('too many login attempts'), { statusCode: context.statusCode });

/**
 * Installs the session hook ({@link registerWebAuth}) and the session routes. Every other KW route
 * relies on the hook, so this registration comes before them.
 */
export function sessionRoutes(deps: SessionRoutesDeps): RouteRegistration {
  const { auth } = deps;
  const sessionReply = (s: WebSession) => {
    const p = auth.person(s.userName);
    const firstName = p?.firstName ?? '';
    const lastName = p?.lastName ?? '';
    return {
      userName: s.userName,
      firstName,
      lastName,
      windowTitle: windowTitle(s.userName, firstName, lastName),
      csrfToken: s.csrfToken,
      options: deps.options.forPerson(s.userName) as unknown as Record<string, unknown>,
    };
  };

  return (app: FastifyInstance) => {
    registerWebAuth(app, auth);

    app.get('/api/v1/client-config', {
      config: doc({ summary: 'Options the Login screen needs (no session required)', responses: { 200: { description: 'OK', schema: PublicOptions } } }),
    }, async () => deps.options.publicOptions());

    app.get('/api/v1/session', {
      preHandler: auth.requireKw,
      config: doc({
        summary: 'The logged-in knowledge worker, its CSRF token and the client options',
        auth: true,
        responses: { 200: { description: 'OK', schema: SessionReply }, 401: { description: 'Not logged in', schema: ErrorReply } },
      }),
    }, async (request) => sessionReply(sessionOf(request)!));

    app.delete('/api/v1/session', {
      preHandler: auth.requireKw,
      config: doc({
        summary: 'Log out; clears the session cookie',
        auth: true,
        responses: { 204: { description: 'Logged out' }, 401: { description: 'Not logged in', schema: ErrorReply }, 403: { description: 'CSRF token missing', schema: ErrorReply } },
      }),
    }, async (request, reply) => {
      auth.logout(sessionOf(request)!);
      auth.clearSessionCookie(request, reply);
      return reply.code(204).send();
    });

    // The login route in its own scope, with @fastify/rate-limit's per-address cap on it.
    const limit = auth.addressRateLimit();
    void app.register(async (scope) => {
      await scope.register(rateLimit, limit.plugin);
      loginRoute(scope, limit.route);
    });
  };

  function loginRoute(app: FastifyInstance, rateLimitConfig: { max: number; timeWindow: number }): void {
    app.post('/api/v1/session', {
      schema: { body: LoginBody },
      // Only JSON: a cross-site HTML form can send text/plain without a CORS preflight.
      preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
        if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
          await reply.code(415).send({ error: 'login takes an application/json body' });
        }
      },
      config: {
        rateLimit: { ...rateLimitConfig, errorResponseBuilder: tooManyAttempts },
        ...doc({
          summary: 'Log in with the Person user name and password; sets the session cookie',
          responses: {
            200: { description: 'Logged in', schema: SessionReply },
            401: { description: 'Invalid user name or password', schema: ErrorReply },
            415: { description: 'Body is not application/json', schema: ErrorReply },
            429: { description: 'Too many attempts; see Retry-After', schema: ErrorReply },
          },
        }),
      },
    }, async (request: FastifyRequest, reply: FastifyReply) => {
      const body = request.body as LoginBody;
      const result = await auth.login(body.userName, body.password, request.ip);
      if (!result.ok) {
        if (result.error.kind === 'rate-limited') {
          return reply.code(429).header('retry-after', String(result.error.retryAfterSeconds)).send({ error: 'too many login attempts' });
        }
        return reply.code(401).send({ error: 'invalid user name or password' });
      }
      const previous = sessionOf(request);
      if (previous !== undefined) auth.logout(previous);
      auth.setSessionCookie(request, reply, result.value);
      return reply.send(sessionReply(result.value));
    });
  }
}
