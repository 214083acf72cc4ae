// The HTTP edge on a real port: Cache-Control: no-store on API answers, the WebSocket Origin check
// (same origin as the Host by default, or the configured origins), and the caps on connections
// and WebSockets, in total and per address, each refusal kind logged once per interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { ManualClock } from '../../../src/lib/clock.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { createHttpServer, type HttpServerOptions } from '../../../src/web/http-server.ts';
import { defaultHttpLimits, httpLimitsFrom } from '../../../src/web/listener-limits.ts';

async function serve(extra: Partial<HttpServerOptions> = {}) {
  const logger = memoryLogger();
  const clock = new ManualClock();
  const app: FastifyInstance = createHttpServer({
    logger, version: 't', clock,
    routes: [(a) => a.get('/api/v1/echo-socket', { websocket: true }, (socket) => void socket.on('message', (m: Buffer) => socket.send(m)))],
    ...extra,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, ws: url.replace(/^http/, 'ws') + '/api/v1/echo-socket', logs: logger.lines, clock };
}

/** Opens a WebSocket; resolves 'open' or the HTTP status it was refused with. */
function open(url: string, headers: Record<string, string> = {}): Promise<{ result: 'open' | number; ws: WebSocket }> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ result: 'open', ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ result: res.statusCode ?? 0, ws });
      res.resume();
    });
    ws.once('error', () => resolve({ result: 0, ws }));
  });
}

test('API answers are Cache-Control: no-store', async () => {
  const s = await serve();
  try {
    const r = await fetch(`${s.url}/api/v1/health`);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const missing = await fetch(`${s.url}/api/v1/nope`);
    assert.equal(missing.headers.get('cache-control'), 'no-store', 'errors too');
  } finally {
    await s.app.close();
  }
});

test('a WebSocket from another Origin is refused 403 and logged as a security event; the Host\'s own origin and no Origin pass', async () => {
  const s = await serve();
  const opened: WebSocket[] = [];
  try {
    const evil = await open(s.ws, { origin: 'https://evil.example' });
    assert.equal(evil.result, 403);
    const line = s.logs.find((l) => l['event'] === 'bad-origin');
    assert.ok(line, JSON.stringify(s.logs));
    assert.deepEqual([line['level'], line['origin']], ['warn', 'https://evil.example']);
    const own = await open(s.ws, { origin: s.url });
    assert.equal(own.result, 'open');
    const none = await open(s.ws);
    assert.equal(none.result, 'open', 'not a browser: no Origin');
    opened.push(own.ws, none.ws);
  } finally {
    for (const w of opened) w.terminate();
    await s.app.close();
  }
  const configured = await serve({ allowedOrigins: ['https://ucc.example.test'] });
  try {
    assert.equal((await open(configured.ws, { origin: configured.url })).result, 403, 'configured origins replace the default');
    const ok = await open(configured.ws, { origin: 'https://ucc.example.test' });
    assert.equal(ok.result, 'open');
    ok.ws.terminate();
  } finally {
    await configured.app.close();
  }
});

test('WebSockets per address are capped; the refusals are logged once per interval; a closed socket frees its slot', async () => {
  const s = await serve({ limits: { webSockets: { total: 100, perAddress: 2 } } });
  const opened: WebSocket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const r = await open(s.ws);
      assert.equal(r.result, 'open');
      opened.push(r.ws);
    }
    for (let i = 0; i < 3; i++) assert.equal((await open(s.ws)).result, 503);
    assert.equal(s.logs.filter((l) => l['msg'] === 'websocket refused: limit reached' || l['message'] === 'websocket refused: limit reached').length, 1, JSON.stringify(s.logs));
    s.clock.advance(60_000);
    assert.equal((await open(s.ws)).result, 503);
    const refusals = s.logs.filter((l) => JSON.stringify(l).includes('websocket refused'));
    assert.equal(refusals.length, 2);
    assert.equal(refusals[1]!['suppressed'], 2, 'the next line counts the ones not logged');
    const closed = new Promise((r) => opened[0]!.once('close', r));
    opened[0]!.close();
    await closed;
    await new Promise((r) => setTimeout(r, 50));
    const again = await open(s.ws);
    assert.equal(again.result, 'open');
    opened.push(again.ws);
    // The API still answers while the sockets are at their cap.
    assert.equal((await fetch(`${s.url}/api/v1/health`)).status, 200);
  } finally {
    for (const w of opened) w.terminate();
    await s.app.close();
  }
});

test('connections over the per-address cap are cut at once and logged once', async () => {
  const s = await serve({ limits: { connections: { total: 100, perAddress: 3 } } });
  const port = Number(new URL(s.url).port);
  const socks: Socket[] = [];
  try {
    const dial = () => new Promise<Socket>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => resolve(c)).once('error', reject);
      socks.push(c);
    });
    for (let i = 0; i < 3; i++) await dial();
    const closedAt: boolean[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await dial();
      closedAt.push(await new Promise<boolean>((r) => { c.once('close', () => r(true)); setTimeout(() => r(false), 2000); }));
    }
    assert.deepEqual(closedAt, [true, true]);
    assert.equal(s.logs.filter((l) => JSON.stringify(l).includes('http connection refused')).length, 1);
    for (const c of socks.splice(0)) c.destroy();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await fetch(`${s.url}/api/v1/health`)).status, 200, 'slots are freed when connections close');
  } finally {
    for (const c of socks) c.destroy();
    await s.app.close();
  }
});

test('the defaults follow ulimit -n (a fifth for connections, at most 6,000; half of that for WebSockets); configured keys replace them', () => {
  // Load shedding (@fastify/under-pressure) does not depend on the descriptor limit.
  const pressure = { maxEventLoopDelayMs: 1000, pressureGraceMs: 10_000 };
  assert.deepEqual(defaultHttpLimits(1024), { connections: { total: 204, perAddress: 102 }, webSockets: { total: 102, perAddress: 51 }, logIntervalMs: 60_000, ...pressure });
  assert.deepEqual(defaultHttpLimits(1 << 20), { connections: { total: 6000, perAddress: 3000 }, webSockets: { total: 3000, perAddress: 1500 }, logIntervalMs: 60_000, ...pressure });
  assert.equal(defaultHttpLimits(100).connections.total, 64, 'never below 64');
  const d = defaultHttpLimits(1 << 20);
  assert.deepEqual(httpLimitsFrom({ maxWebSockets: 10, maxConnectionsPerAddress: 7 }, d), { connections: { total: 6000, perAddress: 7 }, webSockets: { total: 10, perAddress: 1500 }, logIntervalMs: 60_000, ...pressure });
  assert.deepEqual(httpLimitsFrom(undefined, d), d);
});

test('listen.httpLimits from the configuration caps the listener: maxConnectionsPerAddress 2 cuts the third connection', async () => {
  const s = await serve({ limits: httpLimitsFrom({ maxConnectionsPerAddress: 2 }) });
  const port = Number(new URL(s.url).port);
  const socks: Socket[] = [];
  try {
    const dial = () => new Promise<Socket>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => resolve(c)).once('error', reject);
      socks.push(c);
    });
    await dial();
    await dial();
    const third = await dial();
    const closed = await new Promise<boolean>((r) => { third.once('close', () => r(true)); setTimeout(() => r(false), 2000); });
    assert.equal(closed, true);
  } finally {
    for (const c of socks) c.destroy();
    await s.app.close();
  }
});
