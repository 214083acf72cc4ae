// Malformed SIP traffic on real sockets: the 400 (505) goes to the packet's source, never to a host
// the Via names; it is answered on TCP too (and the connection closed once its framing is lost);
// the traffic is counted and logged once per interval.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { getVias, parseMessage } from '../../../../src/sip/message/index.ts';
import type { SipMessage } from '../../../../src/sip/message/sip-message.ts';
import { waitFor } from './helpers.ts';

async function rawUdp(): Promise<{ socket: UdpSocket; port: number; got: SipMessage[]; close: () => Promise<void> }> {
  const socket = createSocket('udp4');
  const got: SipMessage[] = [];
  socket.on('message', (d) => {
    const m = parseMessage(d);
    if (m.ok) got.push(m.value);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port, got, close: () => new Promise((r) => socket.close(() => r())) };
}

async function rawTcp(port: number): Promise<{ socket: Socket; data: () => string; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port });
  let data = '';
  let closed = false;
  socket.on('data', (d) => (data += d.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, data: () => data, closed: () => closed };
}

/** A request whose Request-URI is invalid (`<`): malformed, but its headers can address a 400. */
function badRequest(via: string, opts: { version?: string; contentLength?: string; callId?: string } = {}): Buffer {
  return Buffer.from([
    `OPTIONS sip:ucc@127.0.0.1${opts.version ? '' : '<x'} ${opts.version ?? 'SIP/2.0'}`,
    `Via: ${via}`,
    'From: <sip:raw@example.test>;tag=r1',
    'To: <sip:ucc@127.0.0.1>',
    `Call-ID: ${opts.callId ?? 'bad-1'}`,
    'CSeq: 1 OPTIONS',
    ...(opts.contentLength === undefined ? ['Content-Length: 0'] : opts.contentLength === '' ? [] : [`Content-Length: ${opts.contentLength}`]),
    '',
    '',
  ].join('\r\n'));
}

const udpListen = [{ protocol: 'udp' as const, host: '127.0.0.1', port: 0 }];
const tcpListen = [{ protocol: 'tcp' as const, host: '127.0.0.1', port: 0 }];

describe('malformed requests over UDP', { timeout: 20_000 }, () => {
  test('the 400 goes to the packet source, with rport, not to the host name in the Via', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: udpListen });
    const raw = await rawUdp();
    try {
      const port = stack.address('udp')?.port ?? 0;
      raw.socket.send(badRequest('SIP/2.0/UDP reflector-victim.invalid:5999;branch=z9hG4bKm1;rport'), port, '127.0.0.1');
      await waitFor(() => raw.got.length === 1, 'the 400 at the source');
      const r = raw.got[0];
      assert.equal(r?.kind === 'response' && r.status, 400);
      const via = r && getVias(r)[0];
      assert.equal(via?.params['received'], '127.0.0.1');
      assert.equal(via?.params['rport'], String(raw.port));
    } finally {
      await raw.close();
      await stack.close();
    }
  });

  test('without rport: the source address at the sent-by port; maddr is ignored', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: udpListen });
    const raw = await rawUdp();
    try {
      const port = stack.address('udp')?.port ?? 0;
      raw.socket.send(badRequest(`SIP/2.0/UDP victim.invalid:${raw.port};branch=z9hG4bKm2;maddr=other.invalid`), port, '127.0.0.1');
      await waitFor(() => raw.got.length === 1, 'the 400 at the source address');
      assert.equal(raw.got[0]?.kind === 'response' && raw.got[0].status, 400);
    } finally {
      await raw.close();
      await stack.close();
    }
  });

  test('another SIP version gets 505', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: udpListen });
    const raw = await rawUdp();
    try {
      const port = stack.address('udp')?.port ?? 0;
      raw.socket.send(badRequest('SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKm3;rport', { version: 'SIP/3.0' }), port, '127.0.0.1');
      await waitFor(() => raw.got.length === 1, 'the 505');
      assert.equal(raw.got[0]?.kind === 'response' && raw.got[0].status, 505);
      assert.equal(stack.malformedCounters.answered505, 1);
    } finally {
      await raw.close();
      await stack.close();
    }
  });

  test('a flood is counted and logged once per interval, with a summary', async () => {
    const clock = new ManualClock(0);
    const logger = memoryLogger();
    const stack = await SipStack.listen({ clock, logger, listen: udpListen });
    const raw = await rawUdp();
    const lines = (): Array<Record<string, unknown>> => logger.lines.filter((l) => l['msg'] === 'dropping a malformed SIP message');
    try {
      const port = stack.address('udp')?.port ?? 0;
      for (let i = 0; i < 200; i++) await new Promise<void>((r) => raw.socket.send(Buffer.from(`GARBAGE ${i}\r\n\r\n`), port, '127.0.0.1', () => r()));
      await waitFor(() => stack.malformedCounters.total === 200, 'all 200 counted');
      assert.equal(lines().length, 1, 'one line for the whole burst so far');
      assert.deepEqual({ ...stack.malformedCounters, byKind: undefined }, { total: 200, byKind: undefined, answered400: 0, answered505: 0, dropped: 200, connectionsClosed: 0 });
      assert.equal(stack.malformedCounters.byKind['bad-start-line'], 200);
      clock.advance(10_000);
      assert.equal(lines().length, 2);
      assert.equal(lines()[1]?.['suppressed'], 199);
      clock.advance(10_000);
      assert.equal(lines().length, 2, 'a quiet interval writes nothing');
    } finally {
      await raw.close();
      await stack.close();
    }
  });
});

describe('malformed requests over TCP', { timeout: 20_000 }, () => {
  test('a malformed request with a known length gets 400 and the connection stays open', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: tcpListen });
    const c = await rawTcp(stack.address('tcp')?.port ?? 0);
    try {
      c.socket.write(badRequest('SIP/2.0/TCP attacker.invalid:5060;branch=z9hG4bKt1'));
      await waitFor(() => c.data().startsWith('SIP/2.0 400 '), 'the 400 on the connection');
      c.socket.write('\r\n\r\n');
      await waitFor(() => c.data().endsWith('\r\n\r\n\r\n'), 'the pong: the connection is still open');
      assert.equal(c.closed(), false);
    } finally {
      c.socket.destroy();
      await stack.close();
    }
  });

  test('another SIP version gets 505 on TCP', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: tcpListen });
    const c = await rawTcp(stack.address('tcp')?.port ?? 0);
    try {
      c.socket.write(badRequest('SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKt2', { version: 'SIP/1.0' }));
      await waitFor(() => c.data().startsWith('SIP/2.0 505 '), 'the 505');
    } finally {
      c.socket.destroy();
      await stack.close();
    }
  });

  test('lost framing (no Content-Length): 400, then the connection is closed', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: tcpListen });
    const c = await rawTcp(stack.address('tcp')?.port ?? 0);
    try {
      c.socket.write(badRequest('SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKt3', { version: 'SIP/2.0', contentLength: '' }));
      await waitFor(() => c.closed(), 'the close');
      assert.match(c.data(), /^SIP\/2\.0 400 /);
      assert.equal(stack.malformedCounters.connectionsClosed, 1);
    } finally {
      c.socket.destroy();
      await stack.close();
    }
  });
});

describe('TCP listener limits', { timeout: 20_000 }, () => {
  const limitsOf = (s: SipStack) => (s.transports[0] as unknown as { limitCounters: { open: number; refused: number; stalled: number } }).limitCounters;

  test('connections beyond the per-address maximum are refused, logged once per interval', async () => {
    const logger = memoryLogger();
    const clock = new ManualClock(0);
    const stack = await SipStack.listen({ clock, logger, listen: [{ ...tcpListen[0]!, maxConnections: 10, maxConnectionsPerAddress: 2 }] });
    const port = stack.address('tcp')?.port ?? 0;
    const clients: Array<Awaited<ReturnType<typeof rawTcp>>> = [];
    try {
      for (let i = 0; i < 6; i++) clients.push(await rawTcp(port));
      await waitFor(() => clients.slice(2).every((c) => c.closed()), 'the refused ones closed');
      assert.equal(clients[0]?.closed(), false);
      assert.equal(clients[1]?.closed(), false);
      assert.equal(limitsOf(stack).open, 2);
      assert.equal(limitsOf(stack).refused, 4);
      const refusals = (): number => logger.lines.filter((l) => l['msg'] === 'refusing a SIP connection').length;
      assert.equal(refusals(), 1);
      clock.advance(10_000);
      assert.equal(refusals(), 2, 'the summary');
      clients[0]?.socket.destroy();
      await waitFor(() => limitsOf(stack).open === 1, 'the slot given back');
      const again = await rawTcp(port);
      clients.push(again);
      again.socket.write('\r\n\r\n');
      await waitFor(() => again.data() === '\r\n', 'a new connection is served');
    } finally {
      for (const c of clients) c.socket.destroy();
      await stack.close();
    }
  });

  test('the total maximum holds across addresses', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: [{ ...tcpListen[0]!, maxConnections: 3, maxConnectionsPerAddress: 3 }] });
    const port = stack.address('tcp')?.port ?? 0;
    const clients: Array<Awaited<ReturnType<typeof rawTcp>>> = [];
    try {
      for (let i = 0; i < 4; i++) clients.push(await rawTcp(port));
      await waitFor(() => clients[3]?.closed() === true, 'the fourth refused');
      assert.equal(limitsOf(stack).open, 3);
    } finally {
      for (const c of clients) c.socket.destroy();
      await stack.close();
    }
  });

  test('a connection stalled inside a message for 30 s is closed; complete messages keep it', async () => {
    const clock = new ManualClock(0);
    const stack = await SipStack.listen({ clock, listen: tcpListen });
    const port = stack.address('tcp')?.port ?? 0;
    const stalled = await rawTcp(port);
    const busy = await rawTcp(port);
    try {
      stalled.socket.write('OPTIONS sip:ucc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKs\r\n');
      busy.socket.write('\r\n\r\n');
      await waitFor(() => busy.data() === '\r\n' && limitsOf(stack).open === 2, 'both connections read');
      await new Promise((r) => setTimeout(r, 50)); // the partial message reached the framer
      clock.advance(29_000);
      await new Promise((r) => setImmediate(r));
      assert.equal(stalled.closed(), false);
      clock.advance(1_000);
      await waitFor(() => stalled.closed(), 'the stalled connection closed');
      assert.equal(limitsOf(stack).stalled, 1);
      assert.equal(busy.closed(), false, 'a connection between messages is not stalled');
    } finally {
      stalled.socket.destroy();
      busy.socket.destroy();
      await stack.close();
    }
  });
});
