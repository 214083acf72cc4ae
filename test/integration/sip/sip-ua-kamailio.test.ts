// The SIP UA layer against a real Kamailio 5.6 (registrar with digest, presence server, proxy),
// over UDP, TCP and TLS with real SipStacks. Kamailio's timers are real, so this uses the system clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../src/sip/api/sip-user-agent.ts';
import { SipError } from '../../../src/sip/api/sip-error.ts';
import type { Notification } from '../../../src/sip/ua/subscriber.ts';
import { freePort } from '../../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../../support/kamailio.ts';
import { makeSelfSignedCert } from '../../support/self-signed-cert.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../support/peer-process.ts';
import type { TransportProtocol } from '../../../src/sip/transaction/transaction-user.ts';

const pidf = (entity: string, basic: 'open' | 'closed', note: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${entity}">` +
  `<tuple id="t1"><status><basic>${basic}</basic></status><note>${note}</note></tuple></presence>`;

for (const protocol of ['udp', 'tcp', 'tls'] as TransportProtocol[]) describe(`SipUserAgent against Kamailio (${protocol})`, () => {
  let kam: KamailioPeer;
  const stacks: SipStack[] = [];
  const uas: SipUserAgent[] = [];

  // Over TLS our listener serves its own throwaway certificate and trusts only Kamailio's.
  let certDir: string | undefined;
  let ours: { certFile: string; keyFile: string } | undefined;

  before(async () => {
    kam = await startKamailio({ tls: protocol === 'tls' });
    if (protocol === 'tls') {
      certDir = mkdtempSync(join(tmpdir(), 'ucc-tls-'));
      ours = makeSelfSignedCert(certDir);
    }
  });

  after(async () => {
    for (const ua of uas) ua.dispose();
    for (const s of stacks) await s.close();
    await kam?.stop();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  async function agent(user: string, password = 'secret'): Promise<SipUserAgent> {
    const port = await freePort();
    const tls = protocol === 'tls' && ours && kam.certFile ? { tls: { ...ours, caFile: kam.certFile } } : {};
    const stack = await SipStack.listen({ listen: [{ protocol, host: '127.0.0.1', port, ...tls }] });
    stacks.push(stack);
    const ua = new SipUserAgent({
      stack, aor: `sip:${user}@example.test`, credentials: { username: user, password },
      outboundProxy: `sip:127.0.0.1:${protocol === 'tls' ? kam.tlsPort : kam.port};transport=${protocol}`, registrar: 'sip:example.test', transport: protocol,
    });
    uas.push(ua);
    return ua;
  }

  test('REGISTER with digest succeeds; a wrong password is refused after one retry', async () => {
    const alice = await agent('alice');
    const reg = await alice.register({ expires: 300 });
    assert.equal(reg.state, 'registered');
    assert.ok(reg.expires > 0 && reg.expires <= 300);

    const mallory = await agent('mallory', 'wrong');
    await assert.rejects(mallory.register(), (e: unknown) => e instanceof SipError && e.status === 401);
  });

  test('SUBSCRIBE → NOTIFY; PUBLISH (initial, refresh, modify, remove) → NOTIFYs with PIDF; unsubscribe', async () => {
    const watcher = await agent('watcher');
    const bob = await agent('bob');
    const notes: Notification[] = [];
    const sub = await watcher.subscribe('sip:bob@example.test', {
      event: 'presence', accept: ['application/pidf+xml'], expires: 120, onNotify: (n) => notes.push(n),
    });
    await waitFor('the first NOTIFY', () => notes.length >= 1, 5_000);
    assert.equal(sub.state, 'active');

    const pub = await bob.publish(pidf('sip:bob@example.test', 'open', 'first'), 'application/pidf+xml', { expires: 120 });
    const etag1 = pub.etag;
    assert.ok(etag1);
    await waitFor('a NOTIFY with the published PIDF', () => notes.some((n) => /first/.test(n.body.toString())), 5_000);

    await pub.refresh();
    assert.ok(pub.etag && pub.etag !== etag1, 'refresh returns a new SIP-ETag');

    await bob.publish(pidf('sip:bob@example.test', 'closed', 'second'), 'application/pidf+xml');
    await waitFor('a NOTIFY with the modified PIDF', () => notes.some((n) => /second/.test(n.body.toString())), 5_000);

    const before = notes.length;
    await bob.unpublish();
    await waitFor('a NOTIFY after the removal', () => notes.length > before, 5_000);

    await sub.unsubscribe();
    assert.equal(sub.state, 'terminated');
  });

  test('MESSAGE relayed by Kamailio to a registered UA, and its verdict comes back', async () => {
    const carol = await agent('carol');
    const dave = await agent('dave');
    await dave.register({ expires: 300 });
    const got: string[] = [];
    dave.onMessage((m) => {
      got.push(m.body.toString());
      return { status: 200 };
    });
    const res = await carol.message('sip:dave@example.test', 'hello dave');
    assert.equal(res.status, 200);
    assert.deepEqual(got, ['hello dave']);
  });
});
