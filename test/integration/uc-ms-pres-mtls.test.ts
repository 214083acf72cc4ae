// The ms-pres adapter as a trusted application over mutual TLS (protocol-notes section 1.1 mode B).
// The Debian SIPp has no TLS, so the Front End is our own SipStack with a TLS listener that
// requires a client certificate (test/support/fake-ms-front-end.ts), over real sockets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Presence } from '../../src/presence/presence.ts';
import { SipStack } from '../../src/sip/api/sip-stack.ts';
import { MsPresPlatform } from '../../src/uc/ms-pres/ms-pres-platform.ts';
import type { UcKnowledgeWorker } from '../../src/uc/uc-platform.ts';
import { categoriesBody, FakeFrontEnd } from '../support/fake-ms-front-end.ts';
import { freePort } from '../support/free-port.ts';
import { makeSelfSignedCert } from '../support/self-signed-cert.ts';
import { waitFor } from '../support/peer-process.ts';

const alice: UcKnowledgeWorker = { userName: 'alice', contact: 'sip:alice@contoso.com' };
const onCall: Presence = {
  uri: alice.contact, availability: 'busy', availabilityCode: 6500, activity: { token: 'on-the-phone', text: null }, note: null, device: null,
  source: 'ms-pres', version: { publishedAt: null, sequence: null, instance: null }, observedAt: 0, basic: null, lastActive: null,
};

describe('MsPresPlatform over mutual TLS (in-process Front End)', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  const cert = (name: string) => {
    const d = mkdtempSync(join(tmpdir(), `ucc-mtls-${name}-`));
    dirs.push(d);
    return makeSelfSignedCert(d);
  };
  let fe: { certFile: string; keyFile: string };
  let trusted: { certFile: string; keyFile: string };
  let stranger: { certFile: string; keyFile: string };
  let feStack: SipStack;
  let front: FakeFrontEnd;
  let port: number;

  before(async () => {
    fe = cert('fe');
    trusted = cert('ucc');
    stranger = cert('stranger');
    port = await freePort();
    // The pool trusts only the trusted application's certificate and asks every client for one.
    feStack = await SipStack.listen({ listen: [{ protocol: 'tls', host: '127.0.0.1', port, tls: { ...fe, caFile: trusted.certFile, requestClientCert: true } }] });
    front = new FakeFrontEnd(feStack, `sip:fe01@127.0.0.1:${port};transport=tls`);
    front.firstNotification = (users) => (users.includes(alice.contact) ? categoriesBody(alice.contact, 3500) : undefined);
  });

  after(async () => {
    await feStack?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const adapter = async (clientCert: { certFile: string; keyFile: string }) => new MsPresPlatform({
    registrarUri: `sip:127.0.0.1:${port};transport=tls`, contact: 'sip:ucc@contoso.com', keepAliveIntervalMs: 0, batchDelayMs: 0,
    listen: [{ protocol: 'tls', host: '127.0.0.1', port: await freePort(), tls: { ...clientCert, caFile: fe.certFile } }],
    backoff: { baseMs: 60_000 },
  });

  test('the trusted certificate is presented: REGISTER, batch SUBSCRIBE, BENOTIFY, NOTIFY and SERVICE work', async () => {
    const platform = await adapter(trusted);
    try {
      const seen: Presence[] = [];
      platform.on('presence', (_kw, p) => seen.push(p));
      await platform.start();
      assert.equal(platform.connectionState, 'connected');
      const reg = front.received.find((r) => r.request.method === 'REGISTER')!;
      assert.equal(reg.source.remote.protocol, 'tls');
      assert.ok(reg.source.peerCertificate, 'the Front End saw our client certificate');
      assert.match(reg.source.peerCertificate.subject, /127\.0\.0\.1/);

      platform.subscribe(alice);
      await waitFor('the piggybacked first notification', () => seen.length >= 1, 5_000);
      assert.equal(seen[0]!.availability, 'online');
      front.benotify(categoriesBody(alice.contact, 6500, { token: 'on-the-phone', publishTime: '2026-11-21T14:05:00.000' }));
      await waitFor('the BENOTIFY presence', () => seen.length >= 2, 5_000);
      assert.equal(seen[1]!.activity?.token, 'on-the-phone');
      const res = await front.notify(categoriesBody(alice.contact, 9500, { publishTime: '2026-11-21T14:06:00.000' }));
      assert.equal(res.status, 200);
      assert.equal(seen.at(-1)!.availability, 'do-not-disturb');

      await platform.publish(alice, onCall);
      const svc = front.requests('SERVICE').at(-1)!;
      assert.match(svc.body.toString(), /<availability>6500<\/availability>/);
    } finally {
      await platform.stop();
    }
    assert.equal(front.live.length, 0, 'the batch subscription was ended');
  });

  test('a certificate the pool does not trust: the TLS handshake fails and the adapter reports disconnected', async () => {
    const before = front.requests('REGISTER').length;
    const platform = await adapter(stranger);
    try {
      await platform.start();
      assert.equal(platform.connectionState, 'disconnected');
      assert.match(platform.connectionDetail ?? '', /^REGISTER (503|408)$/);
      assert.equal(front.requests('REGISTER').length, before, 'nothing reached the Front End');
    } finally {
      await platform.stop();
    }
    assert.equal(platform.connectionState, 'stopped');
  });
});
