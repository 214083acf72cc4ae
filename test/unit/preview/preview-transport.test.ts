import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import * as net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../../src/lib/logger.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { PreviewClient, PreviewServer, type PreviewConnectTarget, type PreviewSession } from '../../../src/preview/preview-transport.ts';
import { PreviewFrameDecoder, encodePreviewFrame } from '../../../src/preview/preview-codec.ts';
import type { PreviewInteractionResult, PreviewMessage, PreviewRequest } from '../../../src/preview/preview-messages.ts';

const CONN = '00000000000000a1';
const offer = { agent: 'A7001', connId: CONN, dn: '5000', mediaType: 'voice', switch: 'SW', userData: [['k', 'v']] as const };

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** The configured router Application of these tests (a real deployment checks scrypt hashes: TlibAccess). */
const routerApp = { application: 'router', password: 'r0uter-secret' };
const authenticator = { verifyPassword: (a: string, p: string): Promise<boolean> => Promise.resolve(a === routerApp.application && p === routerApp.password) };

/** A server whose handler keeps what it got; tests answer through the kept sessions. */
function recordingServer(clock = new ManualClock()): { server: PreviewServer; got: Array<{ req: PreviewRequest; session: PreviewSession }> } {
  const got: Array<{ req: PreviewRequest; session: PreviewSession }> = [];
  const server = new PreviewServer({ handler: (req, session) => got.push({ req, session }), clock, authenticator });
  return { server, got };
}

for (const kind of ['memory', 'tcp'] as const) {
  describe(`preview transport over ${kind}`, () => {
    async function setup(clock = new ManualClock()): Promise<{ server: PreviewServer; got: Array<{ req: PreviewRequest; session: PreviewSession }>; client: PreviewClient; clock: ManualClock }> {
      const { server, got } = recordingServer(clock);
      let target: PreviewConnectTarget;
      if (kind === 'tcp') {
        const a = await server.listen({ host: '127.0.0.1', port: 0 });
        target = { kind: 'tcp', host: a.host, port: a.port };
      } else target = { kind: 'memory', connect: () => server.connectInMemory() };
      // Over TCP the router authenticates; an in-memory link is opened authenticated.
      const client = new PreviewClient({ target, clock, ...(kind === 'tcp' ? { credentials: routerApp } : {}) });
      await client.connect();
      return { server, got, client, clock };
    }

    test('an offer resolves with the result of its ReferenceID; a second result for it is refused', async () => {
      const { server, got, client } = await setup();
      try {
        const p1 = client.offer(offer);
        const { agent: _agent, ...common } = offer;
        const p2 = client.offerMultiple({ ...common, targets: ['a', 'b'], fences: [4, 5] });
        await until(() => got.length === 2, 'two requests');
        const [g1, g2] = got;
        assert.equal(g1?.req.message, 'PreviewInteractionRequest');
        assert.equal(g2?.req.message === 'PreviewInteractionMultiple' && `${g2.req.targets}|${g2.req.fences}`, 'a^b|4^5');
        assert.notEqual(g1?.req.ReferenceID, g2?.req.ReferenceID);
        assert.equal(g1?.session.openRequests, 2);
        // Answer in the opposite order: matching is by ReferenceID.
        assert.ok(g2?.session.respond(g2.req.ReferenceID, { connId: CONN, result: 'rejected', agent: 'b' }));
        assert.ok(g1?.session.respond(g1.req.ReferenceID, { connId: CONN, result: 'accepted', agent: 'A7001', dn: '7001', fence: 4 }));
        assert.equal(g1?.session.respond(g1.req.ReferenceID, { connId: CONN, result: 'timeout' }), false, 'exactly once');
        const [r1, r2] = await Promise.all([p1, p2]);
        assert.deepEqual([r1.result, r1.dn, r1.fence], ['accepted', '7001', 4]);
        assert.equal(r2.result, 'rejected');
        assert.equal(client.pendingCount, 0);
      } finally {
        client.close();
        await server.close();
      }
    });

    test('a cancel reaches the handler and opens nothing (no result of its own)', async () => {
      const { server, got, client } = await setup();
      try {
        assert.ok(client.cancel(CONN, 'abandoned'));
        await until(() => got.length === 1, 'the cancel');
        assert.deepEqual({ ...got[0]?.req, ReferenceID: 0 }, { message: 'PreviewInteractionCancel', ReferenceID: 0, connId: CONN, reason: 'abandoned' });
        assert.equal(got[0]?.session.openRequests, 0);
      } finally {
        client.close();
        await server.close();
      }
    });

    test('the connection closing resolves pending offers with error (connection-lost) and the server session closes', async () => {
      const { server, got, client } = await setup();
      const closed: string[] = [];
      server.on('sessionClose', (_s, reason) => closed.push(reason));
      const p = client.offer(offer);
      await until(() => got.length === 1, 'the request');
      await server.close('maintenance');
      const r = await p;
      assert.equal(r.result, 'error');
      assert.match(r.reason ?? '', /^connection-lost/);
      await until(() => closed.length === 1, 'session close');
      assert.equal(got[0]?.session.closed, true);
      assert.equal(got[0]?.session.respond(got[0].req.ReferenceID, { connId: CONN, result: 'accepted' }), false);
      client.close();
    });

    test('no result within resultTimeoutMs: the offer resolves error (no-result-in-time); the late result is a stray', async () => {
      const clock = new ManualClock();
      const { server, got } = recordingServer(clock);
      const target: PreviewConnectTarget = kind === 'tcp' ? await server.listen({ port: 0 }).then((a) => ({ kind: 'tcp' as const, host: a.host, port: a.port })) : { kind: 'memory', connect: () => server.connectInMemory() };
      const client = new PreviewClient({ target, clock, resultTimeoutMs: 1000, ...(kind === 'tcp' ? { credentials: routerApp } : {}) });
      await client.connect();
      const strays: PreviewInteractionResult[] = [];
      client.on('strayResult', (r) => strays.push(r));
      try {
        const p = client.offer(offer);
        await until(() => got.length === 1, 'the request');
        clock.advance(1000);
        const r = await p;
        assert.equal(r.result, 'error');
        assert.match(r.reason ?? '', /^no-result-in-time/);
        got[0]?.session.respond(got[0].req.ReferenceID, { connId: CONN, result: 'accepted' });
        await until(() => strays.length === 1, 'the stray result');
      } finally {
        client.close();
        await server.close();
      }
    });
  });
}

describe('preview server: bad input', () => {
  function rawClient(server: PreviewServer): { stream: Duplex; received: PreviewMessage[]; problems: string[] } {
    const stream = server.connectInMemory();
    const received: PreviewMessage[] = [];
    const problems: string[] = [];
    const d = new PreviewFrameDecoder({ accept: 'result' });
    stream.on('data', (c: Buffer) => {
      for (const f of d.push(c)) {
        if (f.ok) received.push(f.value);
        else problems.push(f.error.problem);
      }
    });
    return { stream, received, problems };
  }
  const raw = (s: string): Buffer => {
    const p = Buffer.from(s);
    const b = Buffer.alloc(4 + p.length);
    b.writeUInt32BE(p.length, 0);
    p.copy(b, 4);
    return b;
  };

  test('a rejected frame with a readable ReferenceID is answered with an error result; the session keeps going', async () => {
    const { server, got } = recordingServer();
    const c = rawClient(server);
    try {
      c.stream.write(raw(JSON.stringify({ message: 'PreviewInteractionRequest', ReferenceID: 9, connId: CONN, agent: '' })));
      c.stream.write(raw('not json'));
      c.stream.write(encodePreviewFrame({ message: 'PreviewInteractionCancel', ReferenceID: 10, connId: CONN }));
      await until(() => got.length === 1 && c.received.length === 1, 'the error result and the cancel');
      const e = c.received[0];
      assert.ok(e?.message === 'PreviewInteractionResult');
      assert.deepEqual([e.ReferenceID, e.connId, e.result], [9, CONN, 'error']);
      assert.match(e.reason ?? '', /agent must not be empty/);
    } finally {
      await server.close();
    }
  });

  test('a result sent to the connector is refused (it takes requests only)', async () => {
    const { server, got } = recordingServer();
    const c = rawClient(server);
    try {
      c.stream.write(encodePreviewFrame({ message: 'PreviewInteractionResult', ReferenceID: 4, connId: CONN, result: 'accepted' }));
      await until(() => c.received.length === 1, 'the error');
      assert.equal(c.received[0]?.message === 'PreviewInteractionResult' && c.received[0].result, 'error');
      assert.equal(got.length, 0);
    } finally {
      await server.close();
    }
  });

  test('a request reusing a ReferenceID still in flight is ignored; the first keeps its one result', async () => {
    const { server, got } = recordingServer();
    const c = rawClient(server);
    try {
      const req: PreviewMessage = { message: 'PreviewInteractionRequest', ReferenceID: 5, ...offer, userData: [] };
      c.stream.write(encodePreviewFrame(req));
      c.stream.write(encodePreviewFrame({ ...req, agent: 'other' }));
      c.stream.write(encodePreviewFrame({ message: 'PreviewInteractionCancel', ReferenceID: 6, connId: CONN }));
      await until(() => got.length === 2, 'the request and the cancel');
      assert.deepEqual(got.map((g) => g.req.message), ['PreviewInteractionRequest', 'PreviewInteractionCancel']);
      // Once answered, the ReferenceID may be used again.
      got[0]?.session.respond(5, { connId: CONN, result: 'rejected' });
      c.stream.write(encodePreviewFrame({ ...req, agent: 'again' }));
      await until(() => got.length === 3, 'the reused ReferenceID');
    } finally {
      await server.close();
    }
  });

  test('an oversized frame closes only that session', async () => {
    const clock = new ManualClock();
    const got: PreviewRequest[] = [];
    const server = new PreviewServer({ handler: (r) => got.push(r), clock, maxFrameBytes: 100 });
    const closed: string[] = [];
    server.on('sessionClose', (_s, reason) => closed.push(reason));
    const bad = rawClient(server);
    const good = rawClient(server);
    try {
      const hdr = Buffer.alloc(4);
      hdr.writeUInt32BE(101, 0);
      bad.stream.write(hdr);
      await until(() => closed.length === 1, 'the bad session to close');
      assert.match(closed[0] ?? '', /exceeds the limit/);
      good.stream.write(encodePreviewFrame({ message: 'PreviewInteractionCancel', ReferenceID: 1, connId: CONN }));
      await until(() => got.length === 1, 'the good session still served');
      assert.equal(server.sessions().length, 1);
    } finally {
      await server.close();
    }
  });

  test('a handler that throws answers error for the request and the server keeps going', async () => {
    const server = new PreviewServer({
      handler: () => {
        throw new Error('boom');
      },
    });
    const client = new PreviewClient({ target: { kind: 'memory', connect: () => server.connectInMemory() } });
    await client.connect();
    try {
      const r = await client.offer(offer);
      assert.deepEqual([r.result, r.reason], ['error', 'internal error']);
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe('preview client', () => {
  test('ReferenceIDs wrap around and skip those still in flight', async () => {
    const { server, got } = recordingServer();
    const client = new PreviewClient({ target: { kind: 'memory', connect: () => server.connectInMemory() }, referenceIdLimit: 3 });
    await client.connect();
    try {
      const p1 = client.offer(offer);
      const p2 = client.offer(offer);
      await until(() => got.length === 2, 'two');
      got[1]?.session.respond(2, { connId: CONN, result: 'rejected' });
      await p2;
      void client.offer(offer); // 3
      void client.offer(offer); // wraps: 1 is in flight, so 2
      await until(() => got.length === 4, 'four');
      assert.deepEqual(got.map((g) => g.req.ReferenceID), [1, 2, 3, 2]);
      const full = await client.offer(offer);
      assert.match(full.reason ?? '', /every ReferenceID is in flight/);
      got[0]?.session.respond(1, { connId: CONN, result: 'timeout' });
      assert.equal((await p1).result, 'timeout');
    } finally {
      client.close();
      await server.close();
    }
  });

  test('an offer while not connected resolves error at once; connect to a closed port rejects', async () => {
    const client = new PreviewClient({ target: { kind: 'tcp', host: '127.0.0.1', port: 1 } });
    const r = await client.offer(offer);
    assert.match(r.reason ?? '', /^connection-lost: not connected/);
    await assert.rejects(client.connect(), (e: Error & { code?: string }) => e.code === 'UCC_ERR_PREVIEW_CLOSED');
    assert.equal(client.cancel(CONN), false);
  });

  test('a connection attempt that hangs is aborted after connectTimeoutMs', async () => {
    // A listener that never accepts at the TLS level: the TCP connect succeeds, the handshake never ends.
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const clock = new ManualClock();
    const client = new PreviewClient({ target: { kind: 'tls', host: '127.0.0.1', port }, clock, connectTimeoutMs: 500 });
    try {
      const p = client.connect();
      await until(() => held.length === 1, 'the TCP connection');
      clock.advance(500);
      await assert.rejects(p, (e: Error & { code?: string }) => e.code === 'UCC_ERR_PREVIEW_CLOSED' && /no connection within 500 ms/.test(e.message));
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('preview transport over TLS', () => {
  test('a router that trusts the certificate gets its results; one that does not cannot connect, and the server keeps serving', { timeout: 20000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ucc-preview-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const key = readFileSync(join(dir, 'key.pem'));
      const cert = readFileSync(join(dir, 'cert.pem'));
      const logger = memoryLogger();
      const server = new PreviewServer({ handler: (req, session) => session.respond(req.ReferenceID, { connId: req.connId, result: 'rejected' }), logger, authenticator });
      const { port } = await server.listen({ host: '127.0.0.1', port: 0, tls: { key, cert } });
      const untrusting = new PreviewClient({ target: { kind: 'tls', host: '127.0.0.1', port } });
      await assert.rejects(untrusting.connect(), (e: Error & { code?: string }) => e.code === 'UCC_ERR_PREVIEW_CLOSED' && /certificate/i.test(e.message));
      const client = new PreviewClient({ target: { kind: 'tls', host: '127.0.0.1', port, tls: { ca: cert } }, credentials: routerApp });
      await client.connect();
      assert.equal((await client.offer(offer)).result, 'rejected');
      assert.equal(server.sessions()[0]?.transport, 'tls');
      client.close();
      untrusting.close();
      await server.close();
      assert.ok(logger.lines.some((l) => l['msg'] === 'preview TLS handshake failed'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('preview authentication (docs/protocols/preview.md 1.1)', () => {
  /** A raw TCP peer that writes frames and collects the decoded answers. */
  async function rawTcp(port: number): Promise<{ sock: net.Socket; received: PreviewMessage[]; closed: Promise<void> }> {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => undefined);
    const received: PreviewMessage[] = [];
    const d = new PreviewFrameDecoder({ accept: 'any' });
    sock.on('data', (c: Buffer) => {
      for (const f of d.push(c)) if (f.ok) received.push(f.value);
    });
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    await new Promise<void>((r) => sock.once('connect', () => r()));
    return { sock, received, closed };
  }

  test('a request before PreviewRegisterClient gets an error result and the session is closed; the handler never sees it', async () => {
    const { server, got } = recordingServer();
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const c = await rawTcp(port);
    try {
      c.sock.write(encodePreviewFrame({ message: 'PreviewInteractionRequest', ReferenceID: 7, ...offer, userData: [] }));
      await c.closed;
      const r = c.received[0];
      assert.ok(r?.message === 'PreviewInteractionResult');
      assert.deepEqual([r.ReferenceID, r.result], [7, 'error']);
      assert.match(r.reason ?? '', /^not-authenticated/);
      assert.equal(got.length, 0);
      // The PreviewClient without credentials sees the same: its offer resolves error and the link closes.
      const bare = new PreviewClient({ target: { kind: 'tcp', host: '127.0.0.1', port } });
      await bare.connect();
      const res = await bare.offer(offer);
      assert.equal(res.result, 'error');
      assert.match(res.reason ?? '', /not-authenticated|connection-lost/);
      await until(() => !bare.connected, 'the bare client to be disconnected');
      assert.equal(got.length, 0);
      bare.close();
    } finally {
      c.sock.destroy();
      await server.close();
    }
  });

  test('a wrong password, an unknown Application or no password: connect() rejects UCC_ERR_PREVIEW_AUTH and the session is closed', async () => {
    const logger = memoryLogger();
    const server = new PreviewServer({ handler: () => undefined, authenticator, logger });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      for (const credentials of [{ application: 'router', password: 'bad-pw-123' }, { application: 'nobody', password: routerApp.password }]) {
        const client = new PreviewClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, credentials });
        await assert.rejects(client.connect(), (e: Error & { code?: string }) => e.code === 'UCC_ERR_PREVIEW_AUTH' && /unknown Application or wrong password/.test(e.message));
        assert.equal(client.connected, false);
        client.close();
      }
      const c = await rawTcp(port);
      c.sock.write(encodePreviewFrame({ message: 'PreviewRegisterClient', ReferenceID: 3, ApplicationName: 'router' }));
      await c.closed;
      assert.equal(c.received[0]?.message === 'PreviewInteractionResult' && c.received[0].result, 'error');
      await until(() => server.sessions().length === 0, 'every session closed');
      assert.equal(logger.lines.filter((l) => l['msg'] === 'preview authentication failed').length, 3);
      assert.ok(!JSON.stringify(logger.lines).includes('bad-pw-123') && !JSON.stringify(logger.lines).includes(routerApp.password), 'a password is never logged');
    } finally {
      await server.close();
    }
  });

  test('a server without an authenticator admits no network client', async () => {
    const server = new PreviewServer({ handler: () => undefined });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const client = new PreviewClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, credentials: routerApp });
      await assert.rejects(client.connect(), (e: Error & { code?: string }) => e.code === 'UCC_ERR_PREVIEW_AUTH' && /admits no network client/.test(e.message));
      client.close();
    } finally {
      await server.close();
    }
  });

  test('before authentication a frame over 64 KiB closes the session; after it, frames up to the frame limit pass', async () => {
    const { server, got } = recordingServer();
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const c = await rawTcp(port);
    const big = { ...offer, userData: [['blob', 'x'.repeat(70 * 1024)]] as Array<[string, string]> };
    try {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(64 * 1024 + 1);
      c.sock.write(head);
      await c.closed;
      assert.equal(server.sessions().length, 0);
      const client = new PreviewClient({ target: { kind: 'tcp', host: '127.0.0.1', port }, credentials: routerApp });
      await client.connect();
      assert.equal(server.sessions()[0]?.application, 'router');
      void client.offer(big);
      await until(() => got.length === 1, 'the 70 KiB offer after authentication');
      client.close();
    } finally {
      c.sock.destroy();
      await server.close();
    }
  });

  test('a session not authenticated within 10 s is closed; in-memory links start authenticated', async () => {
    const clock = new ManualClock();
    const { server } = recordingServer(clock);
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const c = await rawTcp(port);
    try {
      await until(() => server.sessions().length === 1, 'the session');
      clock.advance(9_999);
      assert.equal(server.sessions().length, 1);
      clock.advance(1);
      await c.closed;
      assert.equal(server.sessions().length, 0);
      server.connectInMemory();
      assert.equal(server.sessions()[0]?.application, '(in-process)');
      clock.advance(60_000);
      assert.equal(server.sessions().length, 1, 'no authentication timer on an in-process link');
    } finally {
      c.sock.destroy();
      await server.close();
    }
  });

  test('a second PreviewRegisterClient on an authenticated link is refused without closing it', async () => {
    const { server } = recordingServer();
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const c = await rawTcp(port);
    try {
      c.sock.write(encodePreviewFrame({ message: 'PreviewRegisterClient', ReferenceID: 1, ApplicationName: 'router', ApplicationPassword: routerApp.password }));
      await until(() => c.received.length === 1, 'the first answer');
      c.sock.write(encodePreviewFrame({ message: 'PreviewRegisterClient', ReferenceID: 2, ApplicationName: 'other', ApplicationPassword: 'x' }));
      await until(() => c.received.length === 2, 'two answers');
      assert.deepEqual(c.received[0], { message: 'PreviewClientRegistered', ReferenceID: 1, ApplicationName: 'router' });
      assert.match(c.received[1]?.message === 'PreviewInteractionResult' ? (c.received[1].reason ?? '') : '', /^already-authenticated/);
      assert.equal(server.sessions().length, 1);
    } finally {
      c.sock.destroy();
      await server.close();
    }
  });
});
