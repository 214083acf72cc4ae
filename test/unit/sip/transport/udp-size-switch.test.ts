// RFC 3261 section 18.1.1: requests over 1300 bytes go over TCP when the next hop would be UDP.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { createRequest } from '../../../../src/sip/message/index.ts';
import type { TransportProtocol } from '../../../../src/sip/transaction/transaction-user.ts';
import { freePort } from '../../../support/free-port.ts';

const both = (port: number) => [
  { protocol: 'udp' as const, host: '127.0.0.1', port },
  { protocol: 'tcp' as const, host: '127.0.0.1', port },
];

function message(from: SipStack, uri: string, size: number) {
  return createRequest({
    method: 'MESSAGE',
    uri,
    headers: { From: `<sip:a@example.test>;tag=${from.newTag()}`, To: '<sip:b@example.test>', 'Call-ID': from.newCallId(), CSeq: '1 MESSAGE', 'Content-Type': 'text/plain' },
    body: 'x'.repeat(size),
  });
}

describe('large requests avoid UDP (RFC 3261 18.1.1)', { timeout: 20_000 }, () => {
  test('a request over 1300 bytes goes over TCP, a small one over UDP, an explicit transport=udp stays', async () => {
    const clock = new ManualClock(0);
    const a = await SipStack.listen({ clock, listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }, { protocol: 'tcp', host: '127.0.0.1', port: 0 }] });
    const port = await freePort();
    const b = await SipStack.listen({ clock, listen: both(port) });
    try {
      const seen: TransportProtocol[] = [];
      b.onRequest((_req, tx) => {
        seen.push(tx.source.remote.protocol);
        tx.respond(200);
      });
      assert.equal((await a.sendRequest(message(a, `sip:b@127.0.0.1:${port}`, 100))).status, 200);
      assert.equal((await a.sendRequest(message(a, `sip:b@127.0.0.1:${port}`, 2000))).status, 200);
      assert.equal((await a.sendRequest(message(a, `sip:b@127.0.0.1:${port};transport=udp`, 2000))).status, 200);
      assert.deepEqual(seen, ['udp', 'tcp', 'udp']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('when the peer refuses TCP the request is retried over UDP', async () => {
    const clock = new ManualClock(0);
    const a = await SipStack.listen({ clock, listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }, { protocol: 'tcp', host: '127.0.0.1', port: 0 }] });
    const port = await freePort();
    const b = await SipStack.listen({ clock, listen: [{ protocol: 'udp', host: '127.0.0.1', port }] });
    try {
      const seen: TransportProtocol[] = [];
      b.onRequest((_req, tx) => {
        seen.push(tx.source.remote.protocol);
        tx.respond(200);
      });
      assert.equal((await a.sendRequest(message(a, `sip:b@127.0.0.1:${port}`, 2000))).status, 200);
      assert.deepEqual(seen, ['udp']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('udpMaxRequestBytes: 0 keeps UDP', async () => {
    const clock = new ManualClock(0);
    const a = await SipStack.listen({ clock, udpMaxRequestBytes: 0, listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }, { protocol: 'tcp', host: '127.0.0.1', port: 0 }] });
    const port = await freePort();
    const b = await SipStack.listen({ clock, listen: both(port) });
    try {
      const seen: TransportProtocol[] = [];
      b.onRequest((_req, tx) => {
        seen.push(tx.source.remote.protocol);
        tx.respond(200);
      });
      assert.equal((await a.sendRequest(message(a, `sip:b@127.0.0.1:${port}`, 2000))).status, 200);
      assert.deepEqual(seen, ['udp']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
