import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { getVias, parseMessage } from '../../../../src/sip/message/index.ts';
import type { SipMessage } from '../../../../src/sip/message/sip-message.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import { UdpTransport } from '../../../../src/sip/transport/udp-transport.ts';
import { messageTo, waitFor } from './helpers.ts';

async function rawUdp(): Promise<{ socket: Socket; port: number; got: SipMessage[]; close: () => Promise<void> }> {
  const socket = createSocket('udp4');
  const got: SipMessage[] = [];
  socket.on('message', (d) => {
    const m = parseMessage(d);
    if (m.ok) got.push(m.value);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port, got, close: () => new Promise((r) => socket.close(() => r())) };
}

const rawRequest = (via: string, callId: string): Buffer =>
  Buffer.from([
    'OPTIONS sip:ucc@127.0.0.1 SIP/2.0',
    `Via: ${via}`,
    'From: <sip:raw@example.test>;tag=r1',
    'To: <sip:ucc@127.0.0.1>',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'));

describe('UDP transport on 127.0.0.1', { timeout: 20_000 }, () => {
  test('two stacks exchange MESSAGE/200 over real UDP sockets on ephemeral ports', async () => {
    const clock = new ManualClock(0);
    const a = await SipStack.listen({ clock, listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    const b = await SipStack.listen({ clock, listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    try {
      const bAddr = b.address('udp');
      assert.ok(bAddr && bAddr.port > 0, 'the bound port is reported');
      let body = '';
      b.onRequest((req, tx) => {
        body = req.body.toString();
        tx.respond(200);
      });
      const res = await a.sendRequest(messageTo(a, bAddr, 'over udp'));
      assert.equal(res.status, 200);
      assert.equal(body, 'over udp');
      assert.match(a.contactUri('udp'), new RegExp(`^sip:ucc@127\\.0\\.0\\.1:${a.address('udp')?.port};transport=udp$`));
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('IPv6: MESSAGE/200 over [::1] with bracketed Via sent-by and received', async () => {
    const clock = new ManualClock(0);
    const a = await SipStack.listen({ clock, listen: [{ protocol: 'udp', host: '::1', port: 0 }] });
    const b = await SipStack.listen({ clock, listen: [{ protocol: 'udp', host: '::1', port: 0 }] });
    try {
      let via = '';
      b.onRequest((req, tx) => {
        via = req.headers.getAll('Via')[0] ?? '';
        tx.respond(200);
      });
      const to = b.address('udp');
      assert.ok(to);
      assert.equal((await a.sendRequest(messageTo(a, to))).status, 200);
      assert.match(via, new RegExp(`^SIP/2\\.0/UDP \\[::1\\]:${a.address('udp')?.port};`));
      assert.match(a.contactUri('udp'), /^sip:ucc@\[::1\]:\d+;transport=udp$/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('RFC 3581: a request with rport is answered to the source port, with received and rport filled', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    const raw = await rawUdp();
    try {
      const port = stack.address('udp')?.port ?? 0;
      // The Via claims port 9 (discard): only rport routing can bring the answer back.
      raw.socket.send(rawRequest('SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKrport1;rport', 'rport-1'), port, '127.0.0.1');
      await waitFor(() => raw.got.length > 0, 'the OPTIONS answer');
      const res = raw.got[0];
      assert.ok(res && res.kind === 'response');
      assert.equal(res.status, 200);
      const via = getVias(res)[0];
      assert.equal(via?.params['rport'], String(raw.port));
      assert.equal(via?.params['received'], '127.0.0.1');
    } finally {
      await raw.close();
      await stack.close();
    }
  });

  test('RFC 3261 18.2.1: a sent-by with a host name gets received=, and the answer goes to received:port', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    const raw = await rawUdp();
    try {
      const port = stack.address('udp')?.port ?? 0;
      raw.socket.send(rawRequest(`SIP/2.0/UDP client.invalid:${raw.port};branch=z9hG4bKrecv1`, 'recv-1'), port, '127.0.0.1');
      await waitFor(() => raw.got.length > 0, 'the OPTIONS answer');
      const via = raw.got[0] && getVias(raw.got[0])[0];
      assert.equal(via?.params['received'], '127.0.0.1');
      assert.equal('rport' in (via?.params ?? {}), false, 'no rport when the client did not ask');
    } finally {
      await raw.close();
      await stack.close();
    }
  });

  test('a malformed datagram is logged and dropped; the stack keeps serving', async () => {
    const logger = memoryLogger();
    const stack = await SipStack.listen({ clock: new ManualClock(0), logger, listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    const raw = await rawUdp();
    try {
      const port = stack.address('udp')?.port ?? 0;
      raw.socket.send(Buffer.from('NOT SIP AT ALL\r\n\r\n'), port, '127.0.0.1');
      await waitFor(() => logger.lines.some((l) => l['msg'] === 'dropping a malformed SIP message'), 'the log line');
      raw.socket.send(rawRequest(`SIP/2.0/UDP 127.0.0.1:${raw.port};branch=z9hG4bKafter`, 'after-1'), port, '127.0.0.1');
      await waitFor(() => raw.got.length > 0, 'the OPTIONS answer');
      assert.equal(raw.got.length, 1);
    } finally {
      await raw.close();
      await stack.close();
    }
  });

  test('listening on a port in use rejects with UCC_ERR_SIP_TRANSPORT', async () => {
    const a = await SipStack.listen({ clock: new ManualClock(0), listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    try {
      const port = a.address('udp')?.port ?? 0;
      await assert.rejects(
        SipStack.listen({ clock: new ManualClock(0), listen: [{ protocol: 'udp', host: '127.0.0.1', port }] }),
        (e: unknown) => (e as { code?: string }).code === 'UCC_ERR_SIP_TRANSPORT',
      );
    } finally {
      await a.close();
    }
  });
});

describe('UdpTransport destination lookup', { timeout: 20_000 }, () => {
  test('a destination given as a name still resolves through DNS (IP literals skip the lookup tick)', async () => {
    const { UdpTransport } = await import('../../../../src/sip/transport/udp-transport.ts');
    const t = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await t.start({ receive: () => {}, malformed: () => {} });
    const peer = await rawUdp();
    try {
      const seen: string[] = [];
      peer.socket.on('message', (d) => seen.push(d.toString()));
      await t.send(Buffer.from('by-literal'), { protocol: 'udp', host: '127.0.0.1', port: peer.port });
      await t.send(Buffer.from('by-name'), { protocol: 'udp', host: 'localhost', port: peer.port });
      await waitFor(() => seen.length >= 2, 'both datagrams');
      assert.deepEqual(seen.sort(), ['by-literal', 'by-name']);
      await assert.rejects(t.send(Buffer.from('x'), { protocol: 'udp', host: 'no-such-host.invalid', port: peer.port }), /UDP send to no-such-host\.invalid/);
    } finally {
      await peer.close();
      await t.close();
    }
  });

  test('sendNow sends a datagram without a Promise; before start it throws at once', async () => {
    const peer = await rawUdp();
    const t = new UdpTransport({ host: '127.0.0.1', port: 0 });
    const to = { protocol: 'udp' as const, host: '127.0.0.1', port: peer.port };
    const failures: unknown[] = [];
    const sink = { sendFailed: (e: unknown) => failures.push(e) };
    assert.throws(() => t.sendNow(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKn1', 'now-0'), to, sink), UccError);
    await t.start({ receive: () => {}, malformed: () => {} });
    try {
      t.sendNow(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKn2', 'now-1'), to, sink);
      await waitFor(() => peer.got.length === 1, 'the datagram');
      assert.equal(peer.got[0]?.headers.get('Call-ID'), 'now-1');
      assert.deepEqual(failures, []);
    } finally {
      await peer.close();
      await t.close();
    }
  });

  test('datagrams handed over in one turn leave at its end, in order; a bad destination fails alone, later', async () => {
    const peer = await rawUdp();
    const t = new UdpTransport({ host: '127.0.0.1', port: 0 });
    const to = { protocol: 'udp' as const, host: '127.0.0.1', port: peer.port };
    const failures: unknown[] = [];
    const sink = { sendFailed: (e: unknown) => failures.push(e) };
    await t.start({ receive: () => {}, malformed: () => {} });
    try {
      const sent = t.send(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKb1', 'turn-1'), to);
      t.sendNow(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKb2', 'turn-2'), { ...to, port: 70_000 }, sink);
      t.sendNow(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKb3', 'turn-3'), to, sink);
      assert.deepEqual(failures, [], 'nothing is sent, and nothing fails, during the calls');
      await sent;
      await waitFor(() => peer.got.length === 2 && failures.length === 1, 'the two good datagrams and the failure');
      assert.deepEqual(peer.got.map((m) => m.headers.get('Call-ID')), ['turn-1', 'turn-3']);
      const failure: unknown = failures[0];
      assert.ok(failure instanceof UccError && failure.code === 'UCC_ERR_SIP_TRANSPORT');
      assert.match(failure.message, /70000/);
    } finally {
      await peer.close();
      await t.close();
    }
  });

  test('a datagram handed over in the turn of a close still leaves; after the close sending throws', async () => {
    const peer = await rawUdp();
    const t = new UdpTransport({ host: '127.0.0.1', port: 0 });
    await t.start({ receive: () => {}, malformed: () => {} });
    const failures: unknown[] = [];
    const to = { protocol: 'udp' as const, host: '127.0.0.1', port: peer.port };
    const sent = t.send(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKc0', 'closing-0'), to);
    t.sendNow(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKc1', 'closing-1'), to, { sendFailed: (e) => failures.push(e) });
    await t.close();
    await sent;
    await waitFor(() => peer.got.length === 2, 'both datagrams');
    assert.deepEqual(peer.got.map((m) => m.headers.get('Call-ID')), ['closing-0', 'closing-1']);
    assert.deepEqual(failures, []);
    assert.throws(() => t.sendNow(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKc2', 'closing-2'), to, { sendFailed: () => {} }), UccError);
    await peer.close();
  });

  test('a sender whose failure handler throws does not cost the other datagrams of the batch', async () => {
    const peer = await rawUdp();
    const logger = memoryLogger();
    const t = new UdpTransport({ host: '127.0.0.1', port: 0, logger });
    await t.start({ receive: () => {}, malformed: () => {} });
    try {
      const to = { protocol: 'udp' as const, host: '127.0.0.1', port: peer.port };
      t.sendNow(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKd1', 'bad'), { ...to, port: 70_000 }, { sendFailed: () => { throw new Error('handler bug'); } });
      t.sendNow(rawRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKd2', 'good'), to, { sendFailed: () => {} });
      await waitFor(() => peer.got.length === 1, 'the good datagram');
      assert.equal(peer.got[0]?.headers.get('Call-ID'), 'good');
      assert.ok(logger.lines.some((l) => l['msg'] === 'UDP send outcome handler threw'));
    } finally {
      await peer.close();
      await t.close();
    }
  });
});
