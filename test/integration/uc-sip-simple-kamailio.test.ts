// The sip-simple UC adapter against a real Kamailio 5.6 presence server, over UDP, TCP and TLS:
// a plain SipUserAgent publishes a KW's presence and the adapter emits the matching Presence; the
// adapter's own publication (push on-call) is seen by a watcher, and its removal too.
// Kamailio's timers are real, so this uses the system clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPidfPublication, parsePidfPresence } from '../../src/presence/pidf.ts';
import type { Presence } from '../../src/presence/presence.ts';
import { SipStack } from '../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../src/sip/api/sip-user-agent.ts';
import type { TransportProtocol } from '../../src/sip/transaction/transaction-user.ts';
import type { Notification } from '../../src/sip/ua/subscriber.ts';
import { SipSimplePlatform } from '../../src/uc/sip-simple/sip-simple-platform.ts';
import type { UcKnowledgeWorker } from '../../src/uc/uc-platform.ts';
import { freePort } from '../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../support/kamailio.ts';
import { makeSelfSignedCert } from '../support/self-signed-cert.ts';
import { waitFor } from '../support/peer-process.ts';

const alice: UcKnowledgeWorker = { userName: 'alice', contact: 'sip:alice@example.test' };
const bob: UcKnowledgeWorker = { userName: 'bob', contact: 'sip:bob@example.test' };

const onCall: Presence = {
  uri: bob.contact, availability: 'busy', availabilityCode: 6500, activity: { token: 'on-the-phone', text: null },
  note: { text: 'On a contact-centre call', kind: 'other', lang: null }, device: null, source: 'pidf',
  version: { publishedAt: null, sequence: null, instance: null }, observedAt: 0, basic: 'open', lastActive: null,
};

for (const protocol of ['udp', 'tcp', 'tls'] as TransportProtocol[]) describe(`SipSimplePlatform against Kamailio (${protocol})`, { timeout: 60_000 }, () => {
  let kam: KamailioPeer;
  let certDir: string | undefined;
  let ours: { certFile: string; keyFile: string } | undefined;
  const stacks: SipStack[] = [];
  const uas: SipUserAgent[] = [];
  let platform: SipSimplePlatform | undefined;

  before(async () => {
    kam = await startKamailio({ tls: protocol === 'tls' });
    if (protocol === 'tls') {
      certDir = mkdtempSync(join(tmpdir(), 'ucc-tls-'));
      ours = makeSelfSignedCert(certDir);
    }
  });

  after(async () => {
    await platform?.stop();
    for (const ua of uas) ua.dispose();
    for (const s of stacks) await s.close();
    await kam?.stop();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  const proxy = () => `sip:127.0.0.1:${protocol === 'tls' ? kam.tlsPort : kam.port};transport=${protocol}`;
  async function listenOptions() {
    const tls = protocol === 'tls' && ours && kam.certFile ? { tls: { ...ours, caFile: kam.certFile } } : {};
    return { protocol, host: '127.0.0.1', port: await freePort(), ...tls };
  }
  async function agent(user: string): Promise<SipUserAgent> {
    const stack = await SipStack.listen({ listen: [await listenOptions()] });
    stacks.push(stack);
    const ua = new SipUserAgent({ stack, aor: `sip:${user}@example.test`, credentials: { username: user, password: 'secret' }, outboundProxy: proxy(), transport: protocol });
    uas.push(ua);
    return ua;
  }

  test('REGISTERs with digest, subscribes a KW, and emits the Presence a client PUBLISHes; the adapter publish is seen by a watcher', async () => {
    platform = new SipSimplePlatform({
      aor: 'sip:ucc@example.test', listen: [await listenOptions()], outboundProxy: proxy(), register: true, registrar: 'sip:example.test',
      credentials: { username: 'ucc', password: 'secret' }, registerExpires: 300, subscribeExpires: 300, publishExpires: 300,
    });
    const seen: Presence[] = [];
    platform.on('presence', (kw, p) => {
      if (kw.userName === 'alice') seen.push(p);
    });
    await platform.start();
    assert.equal(platform.status.registered, true);
    platform.subscribe(alice);
    await waitFor('the first NOTIFY (no state yet: unknown)', () => seen.length >= 1, 5_000);
    assert.equal(seen[0]!.availability, 'unknown');
    assert.equal(platform.connectionState, 'connected');

    // A client (Alice's own UA) publishes "on the phone": the adapter reports it.
    const aliceUa = await agent('alice');
    await aliceUa.publish(buildPidfPublication({ entity: alice.contact, availability: 'busy', activity: { token: 'on-the-phone', text: null }, note: 'In a call' }), 'application/pidf+xml', { expires: 300 });
    await waitFor('the published presence to reach the adapter', () => seen.some((p) => p.availability === 'busy'), 5_000);
    const busy = seen.find((p) => p.availability === 'busy')!;
    assert.equal(busy.activity?.token, 'on-the-phone');
    assert.equal(busy.note?.text, 'In a call');
    assert.equal(busy.uri, alice.contact);
    assert.equal(busy.source, 'pidf');

    await aliceUa.publish(buildPidfPublication({ entity: alice.contact, availability: 'away' }), 'application/pidf+xml');
    await waitFor('the modified presence', () => seen.at(-1)?.availability === 'away', 5_000);

    // The adapter pushes on-call presence for Bob; a watcher of Bob sees it, then its removal.
    const watcher = await agent('watcher');
    const notes: Notification[] = [];
    await watcher.subscribe(bob.contact, { event: 'presence', accept: ['application/pidf+xml'], expires: 120, onNotify: (n) => notes.push(n) });
    await waitFor('the watcher first NOTIFY', () => notes.length >= 1, 5_000);
    await platform.publish(bob, onCall);
    await waitFor('a NOTIFY with the pushed presence', () => notes.some((n) => n.body.length > 0), 5_000);
    const pushed = parsePidfPresence(notes.find((n) => n.body.length > 0)!.body, Date.now());
    assert.ok(pushed.ok);
    assert.equal(pushed.value.availability, 'busy');
    assert.equal(pushed.value.activity?.token, 'on-the-phone');
    assert.equal(pushed.value.note?.text, 'On a contact-centre call');
    assert.equal(platform.status.published, 1);

    const before = notes.length;
    await platform.publish(bob, null);
    await waitFor('a NOTIFY after the removal', () => notes.length > before, 5_000);
    // With no publication left, Kamailio (presence_xml) notifies a closed tuple: Bob is offline again.
    const restored = parsePidfPresence(notes.at(-1)!.body, Date.now());
    assert.ok(restored.ok);
    assert.equal(restored.value.availability, 'offline');
    assert.equal(restored.value.activity, null);

    platform.unsubscribe(alice);
    await platform.stop();
    assert.equal(platform.connectionState, 'stopped');
    platform = undefined;
  });
});
