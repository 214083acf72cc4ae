/**
 * The HTTP edge: a Fastify instance with the REST API under /api/v1. Routes come from the roles
 * (each passes a small registration function); this file only builds the server, never listens.
 *
 * Also the edge's rules for every route: API responses are `Cache-Control: no-store`; a WebSocket
 * upgrade must come from an allowed Origin (a browser always sends one; a page from another origin
 * must not open a socket with the KW's cookie); connections and WebSockets are capped in total and
 * per address (listener-limits.ts). Refusals are security events on the Logger port.
 *
 * The maintained Fastify plugins do the generic parts, registered here before any route:
 * @fastify/cookie (request.cookies, reply.setCookie), @fastify/helmet (security headers and the
 * CSP), @fastify/under-pressure (503 while the event loop lags), @fastify/swagger with
 * @fastify/swagger-ui (the OpenAPI document from the TypeBox route schemas, browsable at /api/docs/ui).
 */
import type { Socket } from 'node:net';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import underPressure from '@fastify/under-pressure';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SystemClock, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { ConnectionAdmission, type Refusal } from '../lib/connection-admission.ts';
import { defaultHttpLimits, IntervalLog, type HttpLimits } from './listener-limits.ts';
import { openApiOptions, SWAGGER_UI_PREFIX } from './routes/openapi-routes.ts';

export type RouteRegistration = (app: FastifyInstance) => void;

export interface HttpServerOptions {
  logger: Logger;
  routes: RouteRegistration[];
  version: string;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  https?: { cert: Buffer; key: Buffer };
  /**
   * Origins (`https://host:port`) a WebSocket may be opened from. Default: the same origin as the
   * request's Host. An upgrade without Origin (not a browser, so it carries no victim's cookie) passes.
   */
  allowedOrigins?: readonly string[];
  /** Caps of connections and WebSockets (default: defaultHttpLimits(), from `ulimit -n`). */
  limits?: Partial<HttpLimits>;
  clock?: Clock;
  /**
   * The pino-shaped logger Fastify logs through (PinoLogSink.fastifyLogger()). Without it Fastify
   * logs nothing of its own (tests); route failures still reach `logger`.
   */
  fastifyLogger?: object;
}

/** The request's own origin, as a browser on this server would write it. */
function ownOrigin(request: FastifyRequest): string | undefined {
  const host = request.headers.host;
  if (!host) return undefined;
  const secure = (request.raw.socket as { encrypted?: boolean }).encrypted === true;
  return `${secure ? 'https' : 'http'}://${host}`.toLowerCase();
}

/** Answers a refused upgrade, then closes its connection (nothing else may come over it). */
function refuseUpgrade(request: FastifyRequest, reply: FastifyReply, status: number, error: string): FastifyReply {
  reply.raw.once('finish', () => request.raw.socket.end());
  return reply.code(status).header('connection', 'close').send({ error });
}

/** True when a WebSocket upgrade may proceed from `origin`. */
export function originAllowed(request: FastifyRequest, allowed: readonly string[] | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const o = origin.toLowerCase();
  if (allowed !== undefined && allowed.length > 0) return allowed.some((a) => a.toLowerCase().replace(/\/$/, '') === o);
  return o === ownOrigin(request);
}

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Bounded bodies: the API takes small JSON documents only. Fastify's own line per request is off:
  // one debug line per response is written below, so the default level stays quiet.
  const logging = options.fastifyLogger ? { loggerInstance: options.fastifyLogger as never, logController: new LogController({ disableRequestLogging: true }) } : { logger: false };
  const app = (options.https
    ? Fastify({ ...logging, bodyLimit: 64 * 1024, https: options.https })
    : Fastify({ ...logging, bodyLimit: 64 * 1024 })) as unknown as FastifyInstance;
  if (options.fastifyLogger) {
    app.addHook('onResponse', async (request, reply) => {
      if ((request.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('debug') === false) return;
      request.log.debug({ method: request.method, url: request.url.split('?')[0]?.slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'http response');
    });
  }
  const limits: HttpLimits = { ...defaultHttpLimits(), ...options.limits };
  const clock = options.clock ?? new SystemClock();
  const refusals = new IntervalLog(clock, options.logger, limits.logIntervalMs);
  const connections = new ConnectionAdmission(limits.connections.total, limits.connections.perAddress);
  const sockets = new ConnectionAdmission(limits.webSockets.total, limits.webSockets.perAddress);
  // Every accepted TCP connection holds a slot until it closes; over the cap it is cut at once.
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const refused = refusalKind(connections.admit(address));
    if (refused) {
      refusals.warn(`connection-${refused}`, 'http connection refused: limit reached', { limit: refused, address, open: connections.open });
      socket.destroy();
      return;
    }
    socket.once('close', () => connections.release(address));
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') return;
    if (!originAllowed(request, options.allowedOrigins)) {
      refusals.warn('bad-origin', 'security: WebSocket Origin refused', { event: 'bad-origin', origin: String(request.headers.origin).slice(0, 200), ip: request.ip, url: request.url.slice(0, 200) });
      return refuseUpgrade(request, reply, 403, 'origin not allowed');
    }
    const address = request.ip;
    const refused = refusalKind(sockets.admit(address));
    if (refused) {
      refusals.warn(`websocket-${refused}`, 'websocket refused: limit reached', { limit: refused, address, open: sockets.open });
      return refuseUpgrade(request, reply.header('retry-after', '10'), 503, 'too many WebSockets');
    }
    request.raw.socket.once('close', () => sockets.release(address));
  });
  // API answers are per user and often personal (sessions, case data): no cache may keep them.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/')) void reply.header('cache-control', 'no-store');
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) options.logger.error('http request failed', { url: request.url, error: error.message });
    void reply.status(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });
  void app.register(cookie, { hook: 'onRequest' });
  void app.register(helmet, {
    // The client's policy: scripts and styles from this origin only, images and audio also from
    // https (custom state icons, configured ring tones), no plugins, no framing by other sites.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        mediaSrc: ["'self'", 'https:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
      },
    },
    // HSTS only where it means something: a plain-HTTP deployment must stay reachable over HTTP.
    strictTransportSecurity: options.https !== undefined,
  });
  if (limits.maxEventLoopDelayMs > 0) {
    // Starting the server (schema compilation, plugin loading) blocks the loop for a moment; the
    // first samples say nothing about load, so requests are not shed until a grace period passed.
    let readyAt: number | undefined;
    app.addHook('onReady', async () => {
      readyAt = clock.now();
    });
    void app.register(underPressure, {
      maxEventLoopDelay: limits.maxEventLoopDelayMs,
      pressureHandler: (request, reply, type, value) => {
        if (readyAt === undefined || clock.now() - readyAt < limits.pressureGraceMs) return;
        refusals.warn('under-pressure', 'http request refused: event loop lagging', { type, value, url: request.url.slice(0, 200) });
        void reply.code(503).header('retry-after', '10').send({ error: 'service under pressure, retry later' });
      },
    });
  }
  void app.register(swagger, openApiOptions(options.version));
  void app.register(swaggerUi, { routePrefix: SWAGGER_UI_PREFIX, staticCSP: true });
  // One WebSocket plugin for the whole server, before any socket route (a second registration would
  // route each upgrade twice). Its maxPayload is the hard cut; routes bound their own messages below it.
  void app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  void app.register(async (scope) => {
    scope.get('/api/v1/health', { schema: { summary: 'Liveness and version', tags: ['system'] } }, async () => ({ status: 'ok', version: options.version }));
    for (const r of options.routes) r(scope);
  });
  return app;
}

/** The log's name of a refusal: the total cap or the per-address cap. */
function refusalKind(r: Refusal | undefined): 'total' | 'per-address' | undefined {
  return r === undefined ? undefined : r === 'max-connections' ? 'total' : 'per-address';
}
