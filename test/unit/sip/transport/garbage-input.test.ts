// Bad input never takes the stack down: random and truncated bytes on UDP and TCP, then a valid
// request is still answered. A seeded generator keeps the run reproducible.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { messageTo, waitFor } from './helpers.ts';

/** xorshift32: deterministic bytes. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const VALID = Buffer.from([
  'MESSAGE sip:ucc@127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKfuzz;rport',
  'From: <sip:f@example.test>;tag=1',
  'To: <sip:ucc@127.0.0.1>',
  'Call-ID: fuzz',
  'CSeq: 1 MESSAGE',
  'Content-Length: 5',
  '',
  'hello',
].join('\r\n'));

/** Random bytes, or a valid message with random bytes flipped or cut short. */
function sample(next: () => number): Buffer {
  const kind = next() % 3;
  if (kind === 0) return Buffer.from(Array.from({ length: 1 + (next() % 600) }, () => next() & 0xff));
  const b = Buffer.from(VALID);
  if (kind === 1) for (let i = 0; i < 1 + (next() % 8); i++) b[next() % b.length] = next() & 0xff;
  return kind === 2 ? b.subarray(0, next() % b.length) : b;
}

describe('garbage input', { timeout: 30_000 }, () => {
  test('300 mangled datagrams, then a valid MESSAGE still gets 200', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    const callIds: string[] = [];
    stack.onRequest((req, tx) => {
      callIds.push(req.headers.get('Call-ID') ?? '');
      tx.respond(200);
    });
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      const port = stack.address('udp')?.port ?? 0;
      const next = rng(20261121);
      for (let i = 0; i < 300; i++) await new Promise<void>((r) => sock.send(sample(next), port, '127.0.0.1', () => r()));
      // The burst may overflow the socket buffer and drop datagrams (ours included), so this client
      // runs on the system clock and retransmits (Timer E) until the stack has drained it.
      const client = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
      try {
        const req = messageTo(client, { protocol: 'udp', host: '127.0.0.1', port });
        assert.equal((await client.sendRequest(req)).status, 200);
        assert.equal(callIds.filter((c) => c === req.headers.get('Call-ID')).length, 1, 'passed up once');
      } finally {
        await client.close();
      }
    } finally {
      await new Promise<void>((r) => sock.close(() => r()));
      await stack.close();
    }
  });

  test('mangled TCP streams on 30 connections, then a valid MESSAGE still gets 200', async () => {
    const stack = await SipStack.listen({ clock: new ManualClock(0), listen: [{ protocol: 'tcp', host: '127.0.0.1', port: 0 }] });
    stack.onRequest((_req, tx) => tx.respond(200));
    const port = stack.address('tcp')?.port ?? 0;
    const next = rng(7);
    for (let c = 0; c < 30; c++) {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => {});
      s.resume(); // read the 400s: a graceful close after lost framing is seen only by a reader
      await new Promise<void>((r) => s.once('connect', () => r()));
      for (let i = 0; i < 5; i++) s.write(sample(next));
      s.end();
      await new Promise<void>((r) => s.once('close', () => r()));
    }
    await waitFor(() => (stack.transports[0] as unknown as { connectionList: unknown[] }).connectionList.length === 0, 'the connections to close');
    const client = await SipStack.listen({ clock: new ManualClock(0), listen: [{ protocol: 'tcp', host: '127.0.0.1', port: 0 }] });
    try {
      assert.equal((await client.sendRequest(messageTo(client, { protocol: 'tcp', host: '127.0.0.1', port }))).status, 200);
    } finally {
      await client.close();
      await stack.close();
    }
  });
});
