import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';
import { TlibClient, TlibServer, CtiError, TErr, backoffDelay, defaultReconnectPolicy, tlibClientTransitions } from '../../../../src/tlib/index.ts';
import type { TlibClientState } from '../../../../src/tlib/index.ts';
import type { TlibEvent, TlibRequest, TlibClientEvents, TlibServerOptions } from '../../../../src/tlib/index.ts';

const isCode = (code: string) => (e: unknown): boolean => e instanceof UccError && e.code === code;

/** A fake T-Server: registers DNs, answers Ready, refuses logout, ignores RequestQueryAddress. */
function fakeTServer(extra: Partial<TlibServerOptions> = {}): { server: TlibServer; requests: TlibRequest[] } {
  const requests: TlibRequest[] = [];
  const server: TlibServer = new TlibServer({
    clock: new ManualClock(),
    ...extra,
    handler: (req, session) => {
      requests.push(req);
      switch (req.message) {
        case 'RequestRegisterAddress':
          server.reply(session, req, { message: 'EventRegistered', ThisDN: req.ThisDN, DNType: 'Extension' });
          return;
        case 'RequestUnregisterAddress':
          server.reply(session, req, { message: 'EventUnregistered', ThisDN: req.ThisDN });
          return;
        case 'RequestAgentReady':
          server.reply(session, req, { message: 'EventAgentReady', ThisDN: req.ThisDN, AgentWorkMode: 'ManualIn' });
          return;
        case 'RequestAgentLogout':
          server.replyError(session, req, TErr.TERR_SOFT_AGENT_NOT_LOGGED_IN);
          return;
        case 'RequestQueryAddress':
          return; // never answers: lets tests exercise timeouts and close
        case 'RequestDistributeUserEvent':
          server.reply(session, req, { message: 'EventACK' });
          server.broadcast({ message: 'EventUserEvent', ThisDN: req.ThisDN, UserData: req.UserData ?? [] });
          return;
        default:
          server.reply(session, req, { message: 'EventACK' });
      }
    },
  });
  return { server, requests };
}

function once<K extends keyof TlibClientEvents & string>(client: TlibClient, event: K): Promise<Parameters<TlibClientEvents[K]>[0]> {
  return new Promise((resolve) => {
    const l = ((arg: Parameters<TlibClientEvents[K]>[0]) => {
      client.off(event, l);
      resolve(arg);
    }) as TlibClientEvents[K];
    client.on(event, l);
  });
}

describe('backoffDelay', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 };
  const rows: Array<[number, number]> = [[1, 100], [2, 200], [3, 400], [4, 800], [5, 1000], [12, 1000]];
  for (const [attempt, delay] of rows) {
    test(`attempt ${attempt} waits ${delay} ms (doubling, capped at maxDelayMs)`, () => assert.equal(backoffDelay(policy, attempt), delay));
  }
  test('the default policy starts at 500 ms and caps at 30 s', () => {
    assert.equal(backoffDelay(defaultReconnectPolicy, 1), 500);
    assert.equal(backoffDelay(defaultReconnectPolicy, 50), 30_000);
  });
});

describe('TlibClient state table', () => {
  const states: TlibClientState[] = ['idle', 'connecting', 'connected', 'backoff', 'closed'];
  const legal = new Set(['idle>connecting', 'idle>closed', 'connecting>connected', 'connecting>backoff', 'connecting>idle', 'connecting>closed',
    'connected>backoff', 'connected>idle', 'connected>closed', 'backoff>connecting', 'backoff>closed']);
  for (const from of states) {
    for (const to of states) {
      const edge = `${from}>${to}`;
      test(`${edge} is ${legal.has(edge) ? 'allowed' : 'refused'}`, () => assert.equal(tlibClientTransitions[from].includes(to), legal.has(edge)));
    }
  }
});

const inProcessCarriers = [
  { name: 'an in-memory byte stream', connect: (s: TlibServer) => s.connectInMemory(), frames: true },
  { name: 'an in-process message pipe', connect: (s: TlibServer) => s.connectInProcess(), frames: false },
];

for (const carrier of inProcessCarriers) describe(`TlibClient over ${carrier.name}`, () => {
  test('request resolves with the reply matched by ReferenceID; EventError rejects with CtiError', { timeout: 5000 }, async () => {
    const { server } = fakeTServer();
    const client = new TlibClient({ target: { kind: 'memory', connect: () => carrier.connect(server) }, clock: new ManualClock() });
    await client.connect();
    assert.equal(client.state, 'connected');
    const reply = await client.request({ message: 'RequestAgentReady', ThisDN: '5001', Reasons: [['KW_UC_STATUS', 'ready']] });
    assert.equal(reply.message, 'EventAgentReady');
    assert.equal(typeof reply.ReferenceID, 'number');
    await assert.rejects(client.request({ message: 'RequestAgentLogout', ThisDN: '5001' }), (e: unknown) => e instanceof CtiError && e.code === 1707);
    client.close();
    await server.close();
  });

  test('events are delivered by DN and to the catch-all; a throwing listener does not stop the others', { timeout: 5000 }, async () => {
    const { server } = fakeTServer();
    const logger = memoryLogger();
    const client = new TlibClient({ target: { kind: 'memory', connect: () => carrier.connect(server) }, clock: new ManualClock(), logger });
    const all: TlibEvent[] = [];
    const on5001: TlibEvent[] = [];
    const on5002: TlibEvent[] = [];
    client.onEvent((e) => all.push(e));
    client.onDn('5001', () => { throw new Error('listener bug'); });
    client.onDn('5001', (e) => on5001.push(e));
    const off = client.onDn('5002', (e) => on5002.push(e));
    await client.connect();
    await client.request({ message: 'RequestDistributeUserEvent', ThisDN: '5001', UserData: [['UCC_Preview', '+']] });
    await client.request({ message: 'RequestAgentReady', ThisDN: '5002' });
    off();
    await client.request({ message: 'RequestAgentReady', ThisDN: '5002' });
    assert.deepEqual(on5001.map((e) => e.message), ['EventUserEvent']);
    assert.deepEqual(on5002.map((e) => e.message), ['EventAgentReady'], 'unsubscribed listener gets nothing more');
    assert.deepEqual(all.map((e) => e.message), ['EventLinkConnected', 'EventACK', 'EventUserEvent', 'EventAgentReady', 'EventAgentReady']);
    assert.ok(logger.lines.some((l) => l['msg'] === 'T-Lib event listener threw'));
    client.close();
    await server.close();
  });

  test('a request times out on the ManualClock with UCC_ERR_TLIB_TIMEOUT', { timeout: 5000 }, async () => {
    const { server } = fakeTServer();
    const clock = new ManualClock();
    const client = new TlibClient({ target: { kind: 'memory', connect: () => carrier.connect(server) }, clock, requestTimeoutMs: 2000 });
    await client.connect();
    const p = client.request({ message: 'RequestQueryAddress', ThisDN: '5001' });
    clock.advance(2000);
    await assert.rejects(p, isCode('UCC_ERR_TLIB_TIMEOUT'));
    client.close();
    await server.close();
  });

  test('close rejects pending requests with UCC_ERR_TLIB_CLOSED; requests while not connected reject at once', { timeout: 5000 }, async () => {
    const { server } = fakeTServer();
    const client = new TlibClient({ target: { kind: 'memory', connect: () => carrier.connect(server) }, clock: new ManualClock() });
    await assert.rejects(client.request({ message: 'RequestAgentReady', ThisDN: '1' }), isCode('UCC_ERR_TLIB_CLOSED'));
    await client.connect();
    const p1 = client.request({ message: 'RequestQueryAddress', ThisDN: '5001' });
    const p2 = client.request({ message: 'RequestQueryAddress', ThisDN: '5002' });
    client.close();
    await assert.rejects(p1, isCode('UCC_ERR_TLIB_CLOSED'));
    await assert.rejects(p2, isCode('UCC_ERR_TLIB_CLOSED'));
    assert.equal(client.state, 'closed');
    await assert.rejects(client.connect(), isCode('UCC_ERR_TLIB_CLOSED'));
    await server.close();
  });

  // A pipe carries no frames, so it has no frame limit.
  if (carrier.frames) test('a request over the frame limit rejects with UCC_ERR_TLIB_FRAME and the link stays usable', { timeout: 5000 }, async () => {
    const { server } = fakeTServer();
    const client = new TlibClient({ target: { kind: 'memory', connect: () => carrier.connect(server) }, clock: new ManualClock(), maxFrameBytes: 512 });
    await client.connect();
    await assert.rejects(client.request({ message: 'RequestDistributeUserEvent', ThisDN: '5001', UserData: [['big', 'x'.repeat(600)]] }), isCode('UCC_ERR_TLIB_FRAME'));
    assert.equal((await client.request({ message: 'RequestAgentReady', ThisDN: '5001' })).message, 'EventAgentReady');
    client.close();
    await server.close();
  });

  test('a lost link rejects pending requests and reconnects after the backoff delay, re-registering DNs', { timeout: 5000 }, async () => {
    const { server, requests } = fakeTServer();
    const clock = new ManualClock();
    const client = new TlibClient({ target: { kind: 'memory', connect: () => carrier.connect(server) }, clock, reconnect: { initialDelayMs: 250 } });
    const moves: string[] = [];
    client.on('stateChange', ({ from, to }) => moves.push(`${from}>${to}`));
    await client.connect();
    await client.registerAddress('5001');
    const pending = client.request({ message: 'RequestQueryAddress', ThisDN: '5001' });
    const reconnecting = once(client, 'reconnecting');
    server.sessions()[0]?.close('test drop');
    await assert.rejects(pending, isCode('UCC_ERR_TLIB_CLOSED'));
    assert.deepEqual(await reconnecting, { attempt: 1, delayMs: 250, reason: 'peer closed the connection' });
    assert.equal(client.state, 'backoff');
    clock.advance(249);
    assert.equal(client.state, 'backoff');
    const rereg = once(client, 'reregistered');
    clock.advance(1);
    assert.deepEqual(await rereg, { dns: ['5001'], failed: [] });
    assert.deepEqual(requests.filter((r) => r.message === 'RequestRegisterAddress').map((r) => r.ThisDN), ['5001', '5001']);
    client.close();
    assert.deepEqual(moves, ['idle>connecting', 'connecting>connected', 'connected>backoff', 'backoff>connecting', 'connecting>connected', 'connected>closed']);
    await server.close();
  });
});

describe('TlibClient over TCP', () => {
  test('reconnects with exponential backoff while the server is down, then re-registers its DNs', { timeout: 15000 }, async () => {
    const first = fakeTServer();
    const { port } = await first.server.listen({ host: '127.0.0.1', port: 0 });
    const clock = new ManualClock();
    const client = new TlibClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, clock, reconnect: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 } });
    await client.connect();
    await client.registerAddress('5001');
    await client.registerAddress('5002');
    await client.registerAddress('5003');
    await client.unregisterAddress('5002');
    assert.deepEqual(client.registeredDns(), ['5001', '5003']);

    // Stop the server: the client schedules attempt 1 after 100 ms.
    const r1 = once(client, 'reconnecting');
    const disconnected = once(client, 'disconnected');
    await first.server.close();
    await disconnected;
    assert.equal((await r1).delayMs, 100);

    // Attempts while the server is down fail (connection refused) and double the delay.
    const r2 = once(client, 'reconnecting');
    clock.advance(100);
    const second = await r2;
    assert.equal(second.attempt, 2);
    assert.equal(second.delayMs, 200);
    assert.match(second.reason, /connect failed/);
    const r3 = once(client, 'reconnecting');
    clock.advance(200);
    assert.equal((await r3).delayMs, 400);

    // Restart on the same port; the next attempt connects and re-registers 5001 and 5003.
    const restarted = fakeTServer();
    await restarted.server.listen({ host: '127.0.0.1', port });
    const connected = once(client, 'connected');
    const rereg = once(client, 'reregistered');
    clock.advance(400);
    assert.deepEqual(await connected, { reconnect: true });
    const info = await rereg;
    assert.deepEqual(info.dns.sort(), ['5001', '5003']);
    assert.deepEqual(info.failed, []);
    assert.deepEqual(restarted.requests.map((r) => `${r.message}:${'ThisDN' in r ? r.ThisDN : ''}`).sort(), ['RequestRegisterAddress:5001', 'RequestRegisterAddress:5003']);

    // And it works normally afterwards; the attempt counter was reset.
    assert.equal((await client.request({ message: 'RequestAgentReady', ThisDN: '5001' })).message, 'EventAgentReady');
    const r4 = once(client, 'reconnecting');
    await restarted.server.close();
    assert.equal((await r4).delayMs, 100);
    client.close();
    assert.equal(clock.pending, 0, 'close cancels the reconnection timer');
  });

  test('an attempt that never completes is cut by the connect timeout on the clock, then retried', { timeout: 5000 }, async () => {
    // A TCP server that accepts and stays silent: a TLS handshake against it never finishes.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((sk) => sockets.push(sk));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const clock = new ManualClock();
    const client = new TlibClient({ target: { kind: 'tls', host: '127.0.0.1', port }, clock, connectTimeoutMs: 3000, reconnect: { initialDelayMs: 100 } });
    void client.connect().catch(() => undefined);
    while (sockets.length === 0) await new Promise<void>((r) => setImmediate(r));
    assert.equal(client.state, 'connecting');
    clock.advance(2999);
    assert.equal(client.state, 'connecting');
    const retry = once(client, 'reconnecting');
    clock.advance(1);
    const info = await retry;
    assert.match(info.reason, /connect timeout after 3000 ms/);
    assert.equal(info.delayMs, 100);
    client.close();
    for (const sk of sockets) sk.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  test('without reconnection, connect() to a closed port rejects with UCC_ERR_TLIB_CONNECT', { timeout: 5000 }, async () => {
    const { server } = fakeTServer();
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    await server.close();
    const client = new TlibClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, clock: new ManualClock(), reconnect: false });
    await assert.rejects(client.connect(), isCode('UCC_ERR_TLIB_CONNECT'));
    assert.equal(client.state, 'idle');
    client.close();
  });
});

describe('TlibClient over TLS', () => {
  test('connects with a self-signed certificate it trusts, and fails without it while the server keeps serving', { timeout: 20000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ucc-tlib-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      const key = readFileSync(join(dir, 'key.pem'));
      const cert = readFileSync(join(dir, 'cert.pem'));
      const logger = memoryLogger();
      const { server } = fakeTServer({ logger });
      const { port } = await server.listen({ host: '127.0.0.1', port: 0, tls: { key, cert } });

      const untrusting = new TlibClient({ target: { kind: 'tls', host: '127.0.0.1', port }, clock: new ManualClock(), reconnect: false });
      await assert.rejects(untrusting.connect(), (e: unknown) => e instanceof UccError && /certificate/i.test(e.message));
      untrusting.close();

      const client = new TlibClient({ target: { kind: 'tls', host: '127.0.0.1', port, tls: { ca: cert } }, clock: new ManualClock() });
      await client.connect();
      const reply = await client.request({ message: 'RequestAgentReady', ThisDN: '5001' });
      assert.equal(reply.message, 'EventAgentReady');
      assert.equal(server.sessions()[0]?.transport, 'tls');
      client.close();
      await server.close();
      assert.ok(logger.lines.some((l) => l['msg'] === 'T-Lib TLS handshake failed'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
