/**
 * The OpenAPI 3 document of the REST API, built by @fastify/swagger from the routes themselves:
 * Fastify validates requests with the routes' TypeBox `schema`, and the same schemas give the
 * document's parameters and bodies. A route adds its summary, tags and reply shapes in
 * `config: { openapi: ... }` ({@link OpenApiRouteDoc}); {@link openApiOptions}' transform moves
 * them into the document. `GET /api/docs` serves the JSON, `/api/docs/ui/` the Swagger UI.
 *
 * @fastify/swagger collects the routes declared after it registered: createHttpServer registers
 * it before every route.
 */
import type { SwaggerOptions } from '@fastify/swagger';
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

declare module 'fastify' {
  interface FastifyContextConfig {
    openapi?: OpenApiRouteDoc;
  }
}

/** Where the Swagger UI is served. */
export const SWAGGER_UI_PREFIX = '/api/docs/ui';

/** The route's schema for the document: its own, plus what `config.openapi` says (exported for tests). */
export function documentedSchema(url: string, schema: Record<string, unknown> | undefined, doc: OpenApiRouteDoc | undefined): Record<string, unknown> {
  // Only the REST API is documented: not the client's files, not the document itself.
  if (!url.startsWith('/api/') || url === '/api/docs') return { ...schema, hide: true };
  const out: Record<string, unknown> = { ...schema };
  if (doc === undefined) return out;
  out['summary'] = doc.summary;
  if (doc.tags) out['tags'] = doc.tags;
  if (doc.auth) out['security'] = [{ session: [] }];
  if (doc.responses) {
    const response: Record<string, unknown> = {};
    for (const [code, r] of Object.entries(doc.responses)) {
      response[code] = r.schema ? { ...(r.schema as object), description: r.description } : { type: 'null', description: r.description };
    }
    out['response'] = response;
  }
  return out;
}

/** The @fastify/swagger options: OpenAPI 3.0.3, the session cookie as the security scheme. */
export function openApiOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'OpenUCC REST API', version },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'ucc_session', description: 'Set by POST /api/v1/session. Requests other than GET also need the X-CSRF-Token header (from GET /api/v1/session).' },
        },
      },
    },
    transform: ({ schema, url, route }) => ({
      schema: documentedSchema(url, schema as Record<string, unknown> | undefined, ((route as RouteOptions | undefined)?.config as { openapi?: OpenApiRouteDoc } | undefined)?.openapi) as never,
      url,
    }),
  };
}

/** Registers `GET /api/docs`, the JSON document. */
export function openApiRoutes(): RouteRegistration {
  return (app: FastifyInstance) => {
    app.get('/api/docs', async () => app.swagger());
  };
}
