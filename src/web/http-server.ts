/**
 * The HTTP edge: a Fastify instance with the REST API under /api/v1. Routes come from the roles
 * (each passes a small registration function); this file only builds the server, never listens.
 */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../lib/logger.ts';

export type RouteRegistration = (app: FastifyInstance) => void;

export interface HttpServerOptions {
  logger: Logger;
  routes: RouteRegistration[];
  version: string;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  https?: { cert: Buffer; key: Buffer };
}

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Bounded bodies: the API takes small JSON documents only.
  const app = (options.https
    ? Fastify({ logger: false, bodyLimit: 64 * 1024, https: options.https })
    : Fastify({ logger: false, bodyLimit: 64 * 1024 })) as unknown as FastifyInstance;
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) options.logger.error('http request failed', { url: request.url, error: error.message });
    void reply.status(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });
  app.get('/api/v1/health', async () => ({ status: 'ok', version: options.version }));
  // One WebSocket plugin for the whole server, before any socket route (a second registration would
  // route each upgrade twice). Its maxPayload is the hard cut; routes bound their own messages below it.
  void app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  void app.register(async (scope) => {
    for (const r of options.routes) r(scope);
  });
  return app;
}
