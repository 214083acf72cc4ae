import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { parseMessage } from '../../../../src/sip/message/index.ts';
import type { SipRequest } from '../../../../src/sip/message/sip-message.ts';
import type { MessageSource } from '../../../../src/sip/transaction/transaction-user.ts';
import type { StreamTransport } from '../../../../src/sip/transport/stream-transport.ts';
import { messageTo, waitFor } from './helpers.ts';

const tcpListen = (extra: Record<string, number> = {}) => [{ protocol: 'tcp' as const, host: '127.0.0.1', port: 0, ...extra }];
const streamOf = (s: SipStack): StreamTransport => s.transports[0] as StreamTransport;

async function rawClient(port: number): Promise<{ socket: Socket; data: () => string; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port });
  let data = '';
  let closed = false;
  socket.on('data', (d) => (data += d.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, data: () => data, closed: () => closed };
}

describe('TCP transport on 127.0.0.1', { timeout: 20_000 }, () => {
  test('connection reuse: a request, its response, the next request both ways use one connection', async () => {
    const clock = new ManualClock(0);
    const a = await SipStack.listen({ clock, listen: tcpListen() });
    const b = await SipStack.listen({ clock, listen: tcpListen() });
    try {
      const bAddr = b.address('tcp');
      assert.ok(bAddr);
      let lastSource: MessageSource | undefined;
      const handler = (_req: SipRequest, tx: { source: MessageSource; respond: (s: number) => unknown }) => {
        lastSource = tx.source;
        tx.respond(200);
      };
      a.onRequest(handler);
      b.onRequest(handler);
      assert.equal((await a.sendRequest(messageTo(a, bAddr, 'one'))).status, 200);
      assert.equal(streamOf(a).connectionList.length, 1);
      assert.equal(streamOf(b).connectionList.length, 1);
      assert.equal((await a.sendRequest(messageTo(a, bAddr, 'two', 2))).status, 200);
      // b answers back to the address the connection came from: the same connection carries it.
      const back = lastSource?.remote;
      assert.ok(back);
      assert.equal((await b.sendRequest(messageTo(b, back, 'three'))).status, 200);
      assert.equal(streamOf(a).connectionList.length, 1, 'no second connection on a');
      assert.equal(streamOf(b).connectionList.length, 1, 'no second connection on b');
      assert.equal(streamOf(a).connectionList[0]?.outbound, true);
      assert.equal(streamOf(b).connectionList[0]?.outbound, false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('the response goes back on the connection the request came in on, whatever the Via port says', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: tcpListen() });
    const c = await rawClient(stack.address('tcp')?.port ?? 0);
    try {
      c.socket.write([
        'OPTIONS sip:ucc@127.0.0.1 SIP/2.0',
        'Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcp1',
        'From: <sip:raw@example.test>;tag=r1',
        'To: <sip:ucc@127.0.0.1>',
        'Call-ID: tcp-1',
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'));
      await waitFor(() => c.data().includes('\r\n\r\n'), 'the answer');
      const res = parseMessage(c.data());
      assert.ok(res.ok && res.value.kind === 'response');
      assert.equal(res.value.status, 200);
    } finally {
      c.socket.destroy();
      await stack.close();
    }
  });

  test('RFC 5626 keep-alive: a CRLFCRLF ping is answered with a CRLF pong', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: tcpListen() });
    const c = await rawClient(stack.address('tcp')?.port ?? 0);
    try {
      c.socket.write('\r\n\r\n');
      await waitFor(() => c.data() === '\r\n', 'the pong');
    } finally {
      c.socket.destroy();
      await stack.close();
    }
  });

  test('outbound connections send CRLFCRLF pings at keepAliveIntervalMs', async () => {
    const clock = new ManualClock(0);
    let received = '';
    const peer = createServer((s) => {
      s.on('data', (d) => (received += d.toString('latin1')));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
    const port = (peer.address() as { port: number }).port;
    const stack = await SipStack.listen({ clock, listen: tcpListen({ keepAliveIntervalMs: 30_000 }) });
    try {
      // The peer never answers; we only need the connection to exist.
      void stack.sendRequest(messageTo(stack, { protocol: 'tcp', host: '127.0.0.1', port }));
      await waitFor(() => received.includes('MESSAGE'), 'the request');
      const before = received.length;
      clock.advance(29_999);
      await new Promise((r) => setImmediate(r));
      assert.equal(received.length, before);
      clock.advance(1);
      await waitFor(() => received.endsWith('\r\n\r\n') && received.length === before + 4, 'the ping');
      clock.advance(30_000);
      await waitFor(() => received.length === before + 8, 'the second ping');
    } finally {
      await stack.close();
      await new Promise<void>((r) => peer.close(() => r()));
    }
  });

  test('idle connections are closed after idleTimeoutMs', async () => {
    const clock = new ManualClock(0);
    const stack = await SipStack.listen({ clock, listen: tcpListen({ idleTimeoutMs: 60_000 }) });
    const c = await rawClient(stack.address('tcp')?.port ?? 0);
    try {
      await waitFor(() => streamOf(stack).connectionList.length === 1, 'the accepted connection');
      clock.advance(30_000);
      c.socket.write('\r\n\r\n'); // activity restarts the idle period
      await waitFor(() => c.data() === '\r\n', 'the pong');
      clock.advance(59_000);
      await new Promise((r) => setImmediate(r));
      assert.equal(c.closed(), false);
      clock.advance(1_000);
      await waitFor(() => c.closed(), 'the idle close');
      assert.equal(streamOf(stack).connectionList.length, 0);
    } finally {
      c.socket.destroy();
      await stack.close();
    }
  });

  test('a fatal framing error closes the connection with a logged reason; the stack keeps serving', async () => {
    const logger = memoryLogger();
    const stack = await SipStack.listen({ clock: new ManualClock(0), logger, listen: tcpListen() });
    const port = stack.address('tcp')?.port ?? 0;
    const bad = await rawClient(port);
    try {
      // No Content-Length on a stream: framing cannot continue.
      bad.socket.write('MESSAGE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKx\r\n\r\nhello');
      await waitFor(() => bad.closed(), 'the close');
      assert.ok(logger.lines.some((l) => l['msg'] === 'dropping a malformed SIP message' && l['closing'] === true && typeof l['reason'] === 'string'));
      const good = await rawClient(port);
      good.socket.write('\r\n\r\n');
      await waitFor(() => good.data() === '\r\n', 'the pong on a new connection');
      good.socket.destroy();
    } finally {
      bad.socket.destroy();
      await stack.close();
    }
  });

  test('a peer that drops the connection without answering fails the request with 503 at once', async () => {
    const clock = new ManualClock(0);
    const peer = createServer((s) => {
      s.on('data', () => s.destroy());
      s.on('error', () => {});
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
    const port = (peer.address() as { port: number }).port;
    const stack = await SipStack.listen({ clock, listen: tcpListen() });
    try {
      const res = await stack.sendRequest(messageTo(stack, { protocol: 'tcp', host: '127.0.0.1', port }));
      assert.equal(res.status, 503);
      assert.equal(clock.now(), 0, 'no timer was needed');
      assert.equal(stack.transactionCount.client, 0);
    } finally {
      await stack.close();
      await new Promise<void>((r) => peer.close(() => r()));
    }
  });

  test('a connection refused resolves the request with 503', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: tcpListen() });
    try {
      const res = await stack.sendRequest(messageTo(stack, { protocol: 'tcp', host: '127.0.0.1', port }));
      assert.equal(res.status, 503);
    } finally {
      await stack.close();
    }
  });
});
