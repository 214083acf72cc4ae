// The maintained Fastify plugins on the HTTP edge, on a real port: @fastify/helmet's headers and
// CSP, @fastify/cookie's parsing of hostile Cookie headers, the Swagger UI (@fastify/swagger-ui)
// over the OpenAPI document @fastify/swagger builds from the TypeBox schemas, and
// @fastify/under-pressure shedding requests while the event loop is blocked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../../src/lib/clock.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { createHttpServer, type HttpServerOptions } from '../../../src/web/http-server.ts';
import { openApiRoutes } from '../../../src/web/routes/openapi-routes.ts';

async function serve(extra: Partial<HttpServerOptions> = {}) {
  const logger = memoryLogger();
  const app: FastifyInstance = createHttpServer({
    logger, version: '9.9.9', clock: new ManualClock(),
    routes: [
      openApiRoutes(),
      (a) => a.get('/api/v1/cookies', async (request) => ({ cookies: request.cookies })),
      (a) => a.put('/api/v1/things/:id', {
        schema: { params: Type.Object({ id: Type.String() }), body: Type.Object({ on: Type.Boolean() }) },
        config: { openapi: { summary: 'Switch a thing', tags: ['things'], auth: true, responses: { 204: { description: 'Done' } } } },
      }, async (_r, reply) => reply.code(204).send()),
    ],
    ...extra,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, logs: logger.lines };
}

test('helmet: nosniff, frame and referrer policies, the client CSP; no HSTS over plain HTTP', async () => {
  const s = await serve();
  try {
    const r = await fetch(`${s.url}/api/v1/health`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(r.headers.get('content-security-policy'), "default-src 'self';img-src 'self' data: https:;media-src 'self' https:;object-src 'none';base-uri 'self';form-action 'self';frame-ancestors 'self'");
    assert.equal(r.headers.get('strict-transport-security'), null);
    assert.equal(r.headers.get('x-powered-by'), null);
  } finally {
    await s.app.close();
  }
});

test('cookies: pairs parsed, a malformed or huge Cookie header never breaks the request', async () => {
  const s = await serve();
  try {
    const get = async (cookie: string) => {
      const r = await fetch(`${s.url}/api/v1/cookies`, { headers: { cookie } });
      assert.equal(r.status, 200, cookie.slice(0, 40));
      return ((await r.json()) as { cookies: Record<string, string> }).cookies;
    };
    assert.deepEqual(await get('a=1;  b=two ; q="abc"'), { a: '1', b: 'two', q: '"abc"' }, 'quotes are kept (a session id is never quoted)');
    assert.equal((await get('ucc_session=first; ucc_session=second'))['ucc_session'], 'first', 'the first occurrence wins');
    assert.equal((await get('novalue; =x; ok=1'))['ok'], '1');
    assert.equal((await get('bad=%E0%A4%A; ok=2'))['ok'], '2', 'a value that does not decode is kept raw, never thrown on');
    const huge = Array.from({ length: 600 }, (_, i) => `k${i}=${'v'.repeat(10)}`).join('; ');
    assert.equal((await get(huge))['k0'], 'vvvvvvvvvv');
    // Beyond Node's header bound (16 KiB) the request is refused before any parsing: 431.
    assert.equal((await fetch(`${s.url}/api/v1/cookies`, { headers: { cookie: `big=${'x'.repeat(20_000)}` } })).status, 431);
  } finally {
    await s.app.close();
  }
});

test('OpenAPI: the document is built from the route schemas, and the Swagger UI serves it', async () => {
  const s = await serve();
  try {
    const d = (await (await fetch(`${s.url}/api/docs`)).json()) as { openapi: string; info: { version: string }; paths: Record<string, Record<string, { summary?: string; tags?: string[]; security?: unknown; parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, { description: string }> }>> };
    assert.equal(d.openapi, '3.0.3');
    assert.equal(d.info.version, '9.9.9');
    const put = d.paths['/api/v1/things/{id}']!['put']!;
    assert.equal(put.summary, 'Switch a thing');
    assert.deepEqual(put.tags, ['things']);
    assert.deepEqual(put.security, [{ session: [] }]);
    assert.deepEqual(put.parameters?.map((p) => [p.name, p.in]), [['id', 'path']]);
    assert.deepEqual(Object.keys(put.requestBody!.content['application/json']!.schema.properties), ['on']);
    assert.equal(put.responses['204']!.description, 'Done');
    assert.ok(d.paths['/api/v1/health'], 'the health route is documented');
    assert.equal(d.paths['/api/docs'], undefined, 'the document does not document itself');
    const ui = await fetch(`${s.url}/api/docs/ui/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger-ui/i);
    const json = (await (await fetch(`${s.url}/api/docs/ui/json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(json.paths['/api/v1/things/{id}'], 'the UI reads the same document');
  } finally {
    await s.app.close();
  }
});

test('under pressure: while the event loop lags past the bound, requests get 503 + Retry-After; then service resumes', async () => {
  // The system clock here: the grace period after start is 0, so shedding starts at once.
  const s = await serve({ clock: undefined, limits: { maxEventLoopDelayMs: 200, pressureGraceMs: 0 } });
  try {
    assert.equal((await fetch(`${s.url}/api/v1/health`)).status, 200);
    // The stimulus: block the event loop for 1.5 s, as a runaway computation would.
    const until = Date.now() + 1500;
    while (Date.now() < until) { /* busy */ }
    // The plugin samples the lag once a second: poll (bounded) until it sheds.
    let shed: Response | undefined;
    for (let i = 0; i < 40 && shed === undefined; i++) {
      const r = await fetch(`${s.url}/api/v1/health`);
      if (r.status === 503) shed = r;
      else await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(shed, 'a request was shed');
    assert.equal(shed.headers.get('retry-after'), '10');
    assert.deepEqual(await shed.json(), { error: 'service under pressure, retry later' });
    assert.ok(s.logs.some((l) => l['msg'] === 'http request refused: event loop lagging' || l['message'] === 'http request refused: event loop lagging'), JSON.stringify(s.logs));
    let back = false;
    for (let i = 0; i < 60 && !back; i++) {
      back = (await fetch(`${s.url}/api/v1/health`)).status === 200;
      if (!back) await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(back, 'service resumed once the loop is idle');
  } finally {
    await s.app.close();
  }
});
