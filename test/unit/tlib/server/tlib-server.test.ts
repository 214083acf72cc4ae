import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { memoryLogger } from '../../../../src/lib/logger.ts';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { TlibServer, TErr } from '../../../../src/tlib/index.ts';
import type { TlibRequest, TlibSession, TlibRequestHandler } from '../../../../src/tlib/index.ts';
import { RawPeer, rawFrame } from '../helpers/raw-peer.ts';

const connId = '006e02b3c4d5e6f7';

/** A tiny handler: Ready → EventAgentReady; Hold throws; Retrieve rejects; others → EventACK. */
function makeServer(extra: { maxFrameBytes?: number; maxQueuedBytes?: number; clock?: ManualClock } = {}): { server: TlibServer; seen: Array<[TlibRequest, TlibSession]>; logger: ReturnType<typeof memoryLogger> } {
  const seen: Array<[TlibRequest, TlibSession]> = [];
  const logger = memoryLogger();
  const handler: TlibRequestHandler = (req, session) => {
    seen.push([req, session]);
    switch (req.message) {
      case 'RequestAgentReady':
        server.reply(session, req, { message: 'EventAgentReady', ThisDN: req.ThisDN });
        return;
      case 'RequestHoldCall':
        throw new Error('handler bug');
      case 'RequestRetrieveCall':
        return Promise.reject(new Error('async handler bug'));
      case 'RequestAgentLogout':
        server.replyError(session, req, TErr.TERR_SOFT_AGENT_NOT_LOGGED_IN);
        return;
      default:
        server.reply(session, req, { message: 'EventACK' });
    }
  };
  const server: TlibServer = new TlibServer({ handler, logger, clock: new ManualClock(), serverVersion: '0.1.0', ...extra });
  return { server, seen, logger };
}

describe('TlibServer over the in-memory transport', () => {
  test('greets with EventLinkConnected and hands requests with their session to the handler', { timeout: 5000 }, async () => {
    const { server, seen } = makeServer();
    const peer = new RawPeer(server.connectInMemory());
    const hello = await peer.next();
    assert.deepEqual(hello, { message: 'EventLinkConnected', ApplicationName: 'OpenUCC', ServerVersion: '0.1.0' });
    peer.send({ message: 'RequestAgentReady', ThisDN: '5001', ReferenceID: 41 });
    assert.deepEqual(await peer.next(), { message: 'EventAgentReady', ThisDN: '5001', ReferenceID: 41 });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.[1].transport, 'memory');
    assert.equal(server.sessions().length, 1);
    await server.close();
    await peer.closed;
  });

  const garbage: Array<[string, Buffer, number, number | undefined]> = [
    ['invalid JSON → 223 TERR_BAD_PARAM', rawFrame('{"message":"RequestAgentReady",'), 223, undefined],
    ['a JSON array → 223', rawFrame('[1,2,3]'), 223, undefined],
    ['an unknown message → 51 TERR_UNSUP_OPER with its ReferenceID', rawFrame('{"message":"RequestSelfDestruct","ReferenceID":5}'), 51, 5],
    ['an event sent by a client → 51', rawFrame('{"message":"EventAgentReady","ThisDN":"1","ReferenceID":6}'), 51, 6],
    ['a missing required attribute → 53 TERR_INVALID_ATTR', rawFrame('{"message":"RequestAgentLogin","ThisDN":"5001","ReferenceID":7}'), 53, 7],
    ['a malformed ConnID → 56 TERR_INV_CONNID', rawFrame('{"message":"RequestReleaseCall","ThisDN":"5001","ConnID":"xyz","ReferenceID":8}'), 56, 8],
    ['invalid UTF-8 → 223', rawFrame(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), 223, undefined],
  ];
  for (const [name, bytes, code, ref] of garbage) {
    test(`answers ${name}, and keeps serving`, { timeout: 5000 }, async () => {
      const { server, seen, logger } = makeServer();
      const peer = new RawPeer(server.connectInMemory());
      await peer.next();
      peer.sendRaw(bytes);
      const err = await peer.next();
      assert.equal(err.message, 'EventError');
      assert.ok(err.message === 'EventError');
      assert.equal(err.ErrorCode, code);
      assert.equal(err.ReferenceID, ref);
      assert.ok((err.ErrorMessage ?? '').length > 0);
      assert.equal(seen.length, 0, 'the handler never sees a malformed request');
      assert.ok(logger.lines.some((l) => l['msg'] === 'T-Lib frame rejected'));
      peer.send({ message: 'RequestAgentReady', ThisDN: '5001', ReferenceID: 9 });
      assert.equal((await peer.next()).message, 'EventAgentReady');
      await server.close();
    });
  }

  test('an oversized frame closes that session only, with a logged reason; others keep working', { timeout: 5000 }, async () => {
    const { server, logger } = makeServer({ maxFrameBytes: 1024 });
    const bad = new RawPeer(server.connectInMemory());
    const good = new RawPeer(server.connectInMemory());
    await bad.next();
    await good.next();
    const closedReasons: string[] = [];
    server.on('sessionClose', (_s, reason) => closedReasons.push(reason));
    bad.sendRaw(Buffer.from([0x00, 0x00, 0x04, 0x01]));
    const bye = await bad.next();
    assert.equal(bye.message, 'EventLinkDisconnected');
    assert.ok(bye.message === 'EventLinkDisconnected' && /exceeds the limit of 1024 bytes/.test(bye.ErrorMessage ?? ''));
    await bad.closed;
    assert.ok(logger.lines.some((l) => l['msg'] === 'T-Lib link closed: fatal frame error' && /1025/.test(String(l['detail']))));
    assert.equal(closedReasons.length, 1);
    good.send({ message: 'RequestAgentReady', ThisDN: '5002', ReferenceID: 1 });
    assert.equal((await good.next()).message, 'EventAgentReady');
    assert.equal(server.sessions().length, 1);
    await server.close();
  });

  test('a handler that throws or rejects is answered with EventError 52 TERR_INTERNAL', { timeout: 5000 }, async () => {
    const { server, logger } = makeServer();
    const peer = new RawPeer(server.connectInMemory());
    await peer.next();
    peer.send({ message: 'RequestHoldCall', ThisDN: '5001', ConnID: connId, ReferenceID: 1 });
    peer.send({ message: 'RequestRetrieveCall', ThisDN: '5001', ConnID: connId, ReferenceID: 2 });
    const e1 = await peer.next();
    const e2 = await peer.next();
    assert.ok(e1.message === 'EventError' && e1.ErrorCode === 52 && e1.ReferenceID === 1 && e1.ThisDN === '5001' && e1.ConnID === connId);
    assert.ok(e2.message === 'EventError' && e2.ErrorCode === 52 && e2.ReferenceID === 2);
    assert.equal(logger.lines.filter((l) => l['msg'] === 'T-Lib request handler failed').length, 2);
    await server.close();
  });

  test('replyError uses the error table text', { timeout: 5000 }, async () => {
    const { server } = makeServer();
    const peer = new RawPeer(server.connectInMemory());
    await peer.next();
    peer.send({ message: 'RequestAgentLogout', ThisDN: '5001', ReferenceID: 3 });
    assert.deepEqual(await peer.next(), { message: 'EventError', ErrorCode: 1707, ErrorMessage: 'Agent has not logged in.', ThisDN: '5001', ReferenceID: 3 });
    await server.close();
  });

  test('send, broadcast, onClose and sessionClose give the T-Server its primitives', { timeout: 5000 }, async () => {
    const { server } = makeServer();
    const a = new RawPeer(server.connectInMemory());
    const b = new RawPeer(server.connectInMemory());
    await a.next();
    await b.next();
    const [sa, sb] = server.sessions();
    assert.ok(sa && sb && sa.id !== sb.id);
    assert.equal(server.send(sa.id, { message: 'EventDNDOn', ThisDN: '5001' }), true);
    assert.equal((await a.next()).message, 'EventDNDOn');
    assert.equal(server.broadcast({ message: 'EventUserEvent', ThisDN: '7000' }), 2);
    assert.equal((await a.next()).message, 'EventUserEvent');
    assert.equal((await b.next()).message, 'EventUserEvent');
    assert.equal(server.broadcast({ message: 'EventDNDOff', ThisDN: '5001' }, (s) => s.id === sb.id), 1);
    assert.equal((await b.next()).message, 'EventDNDOff');
    const reasons: string[] = [];
    sb.onClose((r) => reasons.push(r));
    b.close();
    await new Promise<void>((r) => server.once('sessionClose', () => r()));
    assert.equal(reasons.length, 1);
    assert.ok(sb.closed);
    assert.equal(server.send(sb.id, { message: 'EventACK' }), false);
    let late = '';
    sb.onClose((r) => { late = r; });
    assert.equal(late, reasons[0], 'onClose after the close runs at once');
    await server.close();
  });
});

describe('TlibServer outgoing limits', () => {
  test('an event the catalogue does not allow is refused and logged, not sent', { timeout: 5000 }, async () => {
    const { server, logger } = makeServer();
    const peer = new RawPeer(server.connectInMemory());
    await peer.next();
    const [s] = server.sessions();
    assert.ok(s);
    assert.equal(s.send({ message: 'EventAgentReady', ThisDN: '5001', Colour: 'blue' } as never), false);
    assert.equal(s.send({ message: 'EventReleased', ThisDN: '5001', ConnID: 'not-a-connid' }), false);
    assert.equal(logger.lines.filter((l) => l['msg'] === 'T-Lib event not sent: not valid for the catalogue').length, 2);
    assert.equal(s.send({ message: 'EventAgentReady', ThisDN: '5001' }), true);
    assert.equal((await peer.next()).message, 'EventAgentReady', 'nothing invalid reached the wire before it');
    await server.close();
  });

  test('a client that stops reading is dropped once maxQueuedBytes are waiting', { timeout: 5000 }, async () => {
    const { server, logger } = makeServer({ maxQueuedBytes: 256 * 1024 });
    const stream = server.connectInMemory();
    const peer = new RawPeer(stream);
    await peer.next();
    stream.pause();
    const [s] = server.sessions();
    assert.ok(s);
    const blob = 'x'.repeat(60 * 1024);
    let sent = 0;
    for (let i = 0; i < 100 && s.send({ message: 'EventUserEvent', ThisDN: '5001', UserData: [['b', blob]] }); i++) {
      sent++;
      await new Promise<void>((r) => setImmediate(r));
    }
    assert.ok(sent < 100, `dropped after ${sent} events`);
    assert.ok(s.closed || (await new Promise<boolean>((r) => s.onClose(() => r(true)))));
    assert.ok(logger.lines.some((l) => l['msg'] === 'T-Lib session closed' && /not reading/.test(String(l['reason']))));
    await server.close();
  });

  test('an event over the frame limit is dropped and logged; the session stays open', { timeout: 5000 }, async () => {
    const { server, logger } = makeServer({ maxFrameBytes: 256 });
    const peer = new RawPeer(server.connectInMemory());
    await peer.next();
    const [s] = server.sessions();
    assert.ok(s);
    assert.equal(s.send({ message: 'EventAttachedDataChanged', ThisDN: '5001', ConnID: connId, UserData: [['big', 'x'.repeat(300)]] }), false);
    assert.ok(logger.lines.some((l) => l['msg'] === 'T-Lib event not sent' && l['event'] === 'EventAttachedDataChanged'));
    peer.send({ message: 'RequestAgentReady', ThisDN: '5001', ReferenceID: 1 });
    assert.equal((await peer.next()).message, 'EventAgentReady');
    await server.close();
  });
});

describe('TlibServer over TCP', () => {
  test('survives random garbage on one connection and keeps serving another', { timeout: 10000 }, async () => {
    const { server } = makeServer();
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const connect = (): Promise<net.Socket> => new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const good = new RawPeer(await connect());
    assert.equal((await good.next()).message, 'EventLinkConnected');
    // Deterministic "random" garbage: small frames of junk, then a huge length.
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 20; round++) {
      const junk = new RawPeer(await connect());
      await junk.next();
      const body = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
      junk.sendRaw(rawFrame(body));
      const reply = await junk.next();
      assert.equal(reply.message, 'EventError', `round ${round}`);
      junk.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff]));
      assert.equal((await junk.next()).message, 'EventLinkDisconnected');
      await junk.closed;
    }
    good.send({ message: 'RequestAgentReady', ThisDN: '5001', ReferenceID: 77 });
    assert.deepEqual(await good.next(), { message: 'EventAgentReady', ThisDN: '5001', ReferenceID: 77 });
    assert.equal(server.sessions().length, 1);
    assert.equal(server.sessions()[0]?.transport, 'tcp');
    await server.close('maintenance');
    const bye = await good.next();
    assert.ok(bye.message === 'EventLinkDisconnected' && bye.ErrorMessage === 'maintenance');
    await good.closed;
  });
  test('close() cuts a client that stopped reading once the grace period passes on the clock', { timeout: 20000 }, async () => {
    const clock = new ManualClock();
    const { server } = makeServer({ clock, maxQueuedBytes: 256 * 1024 * 1024 });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    sock.on('error', () => undefined);
    if (server.sessions().length === 0) await new Promise<void>((r) => server.once('sessionOpen', () => r()));
    sock.pause();
    const [session] = server.sessions();
    assert.ok(session);
    // Far more than the loopback socket buffers hold, so the close cannot flush.
    const chunk = 'x'.repeat(200 * 1024);
    for (let i = 0; i < 100; i++) session.send({ message: 'EventUserEvent', ThisDN: '5001', UserData: [['blob', chunk]] });
    let closed = false;
    const closing = server.close().then(() => { closed = true; });
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(closed, false, 'still flushing to a client that does not read');
    clock.advance(1999);
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(closed, false, 'the grace period has not passed');
    const gone = new Promise<void>((r) => sock.once('close', () => r()));
    clock.advance(1);
    await closing;
    assert.equal(server.sessions().length, 0);
    sock.destroy();
    await gone;
  });
  test('listen rejects (never throws) on a port in use or an unusable TLS key', { timeout: 5000 }, async () => {
    const a = makeServer().server;
    const b = makeServer().server;
    const { port } = await a.listen({ host: '127.0.0.1', port: 0 });
    await assert.rejects(b.listen({ host: '127.0.0.1', port }), /EADDRINUSE/);
    await assert.rejects(b.listen({ host: '127.0.0.1', port: 0, tls: { key: 'not a key', cert: 'not a cert' } }));
    await a.close();
    await b.close();
  });
});
