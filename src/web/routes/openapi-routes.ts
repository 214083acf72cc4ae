/**
 * `GET /api/docs`: an OpenAPI 3.0 document built from the routes themselves. Every route registered
 * after {@link openApiRoutes} is collected (Fastify's onRoute hook sees only later routes, so
 * register this first); its TypeBox `schema` gives the parameters and body, and
 * `config.openapi` (see {@link OpenApiRouteDoc}) the summary and reply shapes.
 */
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { RouteRegistration } from '../http-server.ts';

/** What a route adds for the document, in `config: { openapi: ... }`. */
export interface OpenApiRouteDoc {
  summary: string;
  tags?: string[];
  /** Reply schemas by status code. */
  responses?: Record<number, { description: string; schema?: TSchema }>;
  /** True when the route needs the session cookie (and, unless GET, the CSRF header). */
  auth?: boolean;
}

interface Collected {
  method: string;
  url: string;
  schema: { params?: TSchema; body?: TSchema; querystring?: TSchema } | undefined;
  doc: OpenApiRouteDoc | undefined;
}

/** Strips TypeBox's symbol keys and `$id`s: the document must be plain JSON. */
function plain(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema)) as unknown;
}

function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Builds the document from collected routes (exported for tests). */
export function buildOpenApiDocument(routes: readonly Collected[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = toOpenApiPath(r.url);
    const op: Record<string, unknown> = { summary: r.doc?.summary ?? `${r.method} ${path}` };
    if (r.doc?.tags) op['tags'] = r.doc.tags;
    const params = r.schema?.params as { properties?: Record<string, TSchema> } | undefined;
    if (params?.properties) {
      op['parameters'] = Object.entries(params.properties).map(([name, s]) => ({ name, in: 'path', required: true, schema: plain(s) }));
    }
    if (r.schema?.body) op['requestBody'] = { required: true, content: { 'application/json': { schema: plain(r.schema.body) } } };
    const responses: Record<string, unknown> = {};
    for (const [code, res] of Object.entries(r.doc?.responses ?? { 200: { description: 'OK' } })) {
      responses[code] = { description: res.description, ...(res.schema ? { content: { 'application/json': { schema: plain(res.schema) } } } : {}) };
    }
    op['responses'] = responses;
    if (r.doc?.auth) op['security'] = [{ session: [] }];
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'OpenUCC REST API', version },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'ucc_session', description: 'Set by POST /api/v1/session. Requests other than GET also need the X-CSRF-Token header (from GET /api/v1/session).' },
      },
    },
    paths,
  };
}

/** Registers /api/docs and starts collecting routes. Put it first in the route list. */
export function openApiRoutes(options: { version: string }): RouteRegistration {
  return (app: FastifyInstance) => {
    const routes: Collected[] = [
      { method: 'GET', url: '/api/v1/health', schema: undefined, doc: { summary: 'Liveness and version', tags: ['system'] } },
    ];
    app.addHook('onRoute', (r: RouteOptions) => {
      if (!r.url.startsWith('/api/') || r.url === '/api/docs') return;
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      for (const m of methods) {
        if (m === 'HEAD') continue;
        routes.push({ method: m, url: r.url, schema: r.schema as Collected['schema'], doc: (r.config as { openapi?: OpenApiRouteDoc } | undefined)?.openapi });
      }
    });
    let cached: Record<string, unknown> | undefined;
    app.get('/api/docs', async () => (cached ??= buildOpenApiDocument(routes, options.version)));
  };
}
