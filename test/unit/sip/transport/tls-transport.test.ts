import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import type { MessageSource } from '../../../../src/sip/transaction/transaction-user.ts';
import { makeCerts, messageTo, waitFor } from './helpers.ts';
import type { TestCerts } from './helpers.ts';

let certs: TestCerts;
before(() => {
  certs = makeCerts();
});
after(() => certs.remove());

const tls = (cert: 'A' | 'B', extra: { caFile?: string; requestClientCert?: boolean; rejectUnauthorized?: boolean } = {}) => [{
  protocol: 'tls' as const,
  host: '127.0.0.1',
  port: 0,
  tls: { certFile: cert === 'A' ? certs.certA : certs.certB, keyFile: cert === 'A' ? certs.keyA : certs.keyB, ...extra },
}];

describe('TLS transport on 127.0.0.1', { timeout: 20_000 }, () => {
  test('MESSAGE/200 over TLS with the server certificate verified against the CA file', async () => {
    const server = await SipStack.listen({ clock: new ManualClock(0), listen: tls('A') });
    const client = await SipStack.listen({ clock: new ManualClock(0), listen: tls('B', { caFile: certs.certA }) });
    try {
      server.onRequest((_req, tx) => tx.respond(200));
      const addr = server.address('tls');
      assert.ok(addr);
      const res = await client.sendRequest(messageTo(client, addr));
      assert.equal(res.status, 200);
      assert.match(client.contactUri('tls'), /;transport=tls$/);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('a server certificate that does not chain to the CA fails the request with 503', async () => {
    const server = await SipStack.listen({ clock: new ManualClock(0), listen: tls('A') });
    const client = await SipStack.listen({ clock: new ManualClock(0), listen: tls('B', { caFile: certs.certB }) });
    try {
      server.onRequest((_req, tx) => tx.respond(200));
      const addr = server.address('tls');
      assert.ok(addr);
      assert.equal((await client.sendRequest(messageTo(client, addr))).status, 503);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('mutual TLS: the client certificate is seen by the server as MessageSource.peerCertificate', async () => {
    // Server trusts certificate A as CA; the client presents A (self-signed, so it chains to itself).
    const server = await SipStack.listen({ clock: new ManualClock(0), listen: tls('A', { caFile: certs.certA, requestClientCert: true }) });
    const client = await SipStack.listen({ clock: new ManualClock(0), listen: tls('A', { caFile: certs.certA }) });
    try {
      let source: MessageSource | undefined;
      server.onRequest((_req, tx) => {
        source = tx.source;
        tx.respond(200);
      });
      const addr = server.address('tls');
      assert.ok(addr);
      assert.equal((await client.sendRequest(messageTo(client, addr))).status, 200);
      assert.equal(source?.peerCertificate?.subject, 'ucc-a.test');
      assert.deepEqual(source?.peerCertificate?.altNames, ['127.0.0.1', 'localhost']);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('mutual TLS: a client certificate not signed by the configured CA is rejected', async () => {
    const logger = memoryLogger();
    const clientClock = new ManualClock(0);
    const server = await SipStack.listen({ clock: new ManualClock(0), logger, listen: tls('A', { caFile: certs.certA, requestClientCert: true }) });
    const client = await SipStack.listen({ clock: clientClock, listen: tls('B', { caFile: certs.certA }) });
    try {
      let reached = false;
      server.onRequest((_req, tx) => {
        reached = true;
        tx.respond(200);
      });
      const addr = server.address('tls');
      assert.ok(addr);
      const pending = client.sendRequest(messageTo(client, addr));
      await waitFor(() => logger.lines.some((l) => l['msg'] === 'TLS handshake with a client failed'), 'the server log line');
      // With TLS 1.3 the client learns of the rejection only after its side of the handshake is
      // done, so its request may already be written; the failed connection still ends it with 503
      // at once, without waiting for Timer F (the client clock never moves).
      const res = await pending;
      assert.equal(res.status, 503);
      assert.equal(clientClock.now(), 0);
      assert.equal(reached, false);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('missing certificate files reject start() with UCC_ERR_SIP_TRANSPORT naming the file', async () => {
    await assert.rejects(
      SipStack.listen({ listen: [{ protocol: 'tls', host: '127.0.0.1', port: 0, tls: { certFile: '/nonexistent/c.pem', keyFile: '/nonexistent/k.pem' } }] }),
      (e: unknown) => (e as { code?: string }).code === 'UCC_ERR_SIP_TRANSPORT' && /c\.pem/.test((e as Error).message),
    );
  });
});
