// The whole presence path with a real presence server: a KW's own SIP UA publishes to Kamailio,
// the sip-simple adapter receives the NOTIFY, the connector maps it, and the emulated agent in the
// T-Server (over in-memory T-Lib) changes state with the KW_UC_STATUS reason. A call to the KW's DN
// makes the connector push on-call presence through the adapter, which a watcher sees in Kamailio,
// and the push is withdrawn on release. Kamailio's timers are real: system clocks throughout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIndex } from '../../src/config/config-index.ts';
import { emptyObjects } from '../../src/config/config-objects.ts';
import { UcConnector } from '../../src/connector/connector.ts';
import { buildPidfPublication, parsePidfPresence } from '../../src/presence/pidf.ts';
import type { Availability } from '../../src/presence/presence.ts';
import { SipStack } from '../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../src/sip/api/sip-user-agent.ts';
import type { Notification } from '../../src/sip/ua/subscriber.ts';
import { TlibClient } from '../../src/tlib/client/tlib-client.ts';
import type { TlibEvent, TlibRequest } from '../../src/tlib/index.ts';
import { createTServerConfig } from '../../src/tserver/tserver-config.ts';
import { TServer } from '../../src/tserver/tserver.ts';
import { SipSimplePlatform } from '../../src/uc/sip-simple/sip-simple-platform.ts';
import { freePort } from '../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../support/kamailio.ts';
import { waitFor } from '../support/peer-process.ts';

let kam: KamailioPeer;
before(async () => {
  kam = await startKamailio();
});
after(async () => {
  await kam?.stop();
});

test('Kamailio presence drives the agent state through sip-simple and the connector; on-call is pushed back as PUBLISH', { timeout: 60_000 }, async () => {
  const proxy = `sip:127.0.0.1:${kam.port};transport=tcp`;
  const server = new TServer({ config: createTServerConfig({ switchName: 'SW', dns: [{ name: '7001', type: 'Extension' }, { name: '7002', type: 'Extension' }], agentLogins: ['A7001'] }) });
  const o = emptyObjects();
  o.dns.push({ switch: 'SW', number: '7001', type: 'Extension', register: true, annex: {} });
  o.places.push({ name: 'P1', dns: [{ switch: 'SW', number: '7001' }] });
  o.agentLogins.push({ switch: 'SW', loginCode: 'A7001', annex: {} });
  o.persons.push({ userName: 'alice', agentLogins: [{ switch: 'SW', loginCode: 'A7001' }], defaultPlace: 'P1', annex: { uc: { contact: 'sip:alice@example.test' }, 'Microsoft-OCS': { 'enable-push-oncall-status': 'true' } } });
  o.applications.push({ name: 'UCC', type: 'ucc', options: {} });
  const uc = new SipSimplePlatform({ aor: 'sip:ucc@example.test', listen: [{ protocol: 'tcp', host: '127.0.0.1', port: await freePort() }], outboundProxy: proxy, subscribeExpires: 300, publishExpires: 300 });
  const tlib = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInMemory() } });
  const connector = new UcConnector({ view: new ConfigIndex(o), application: 'UCC', tlib, uc });
  const seen: Array<TlibEvent & Record<string, unknown>> = [];
  const observer = server.attach((e) => seen.push(e as TlibEvent & Record<string, unknown>));
  let ref = 1;
  const req = (r: Record<string, unknown>): void => observer.request({ ...r, ReferenceID: ref++ } as TlibRequest);
  req({ message: 'RequestRegisterAddress', ThisDN: '7001' });

  // Alice's own client and a colleague watching her, both plain UAs on Kamailio.
  const stacks = [
    await SipStack.listen({ listen: [{ protocol: 'tcp', host: '127.0.0.1', port: await freePort() }] }),
    await SipStack.listen({ listen: [{ protocol: 'tcp', host: '127.0.0.1', port: await freePort() }] }),
  ];
  const aliceUa = new SipUserAgent({ stack: stacks[0]!, aor: 'sip:alice@example.test', outboundProxy: proxy, transport: 'tcp' });
  const watcher = new SipUserAgent({ stack: stacks[1]!, aor: 'sip:watcher@example.test', outboundProxy: proxy, transport: 'tcp' });
  const publishAs = (availability: Availability, note?: string) =>
    aliceUa.publish(buildPidfPublication({ entity: 'sip:alice@example.test', availability, note: note ?? null, tupleId: 'alice-client' }), 'application/pidf+xml', { expires: 300 });
  const notReadyWith = (status: string) => seen.some((e) => e.message === 'EventAgentNotReady' && JSON.stringify(e.Reasons ?? '').includes(`"KW_UC_STATUS","${status}"`));

  const ucSeen: string[] = [];
  uc.on('presence', (_kw, p) => ucSeen.push(p.availability));
  try {
    await uc.start();
    await tlib.connect();
    connector.start();
    await publishAs('online');
    connector.openSession('alice');
    await waitFor('EventAgentReady from the PIDF Alice published', () => seen.some((e) => e.message === 'EventAgentReady'), 10_000);
    assert.equal(connector.knowledgeWorker('alice')?.agentState, 'Ready');

    await publishAs('away', 'lunch');
    await waitFor('EventAgentNotReady with KW_UC_STATUS away', () => notReadyWith('away'), 10_000, () => JSON.stringify(seen.slice(-3)));
    assert.equal(connector.knowledgeWorker('alice')?.agentState, 'NotReady');

    await publishAs('online');
    await waitFor('Ready again', () => connector.knowledgeWorker('alice')?.agentState === 'Ready', 10_000);

    // A call to Alice's DN: the connector pushes on-call presence; a watcher sees it in Kamailio.
    const notes: Notification[] = [];
    await watcher.subscribe('sip:alice@example.test', { event: 'presence', accept: ['application/pidf+xml'], expires: 120, onNotify: (n) => notes.push(n) });
    const availabilityOf = (n: Notification) => {
      const p = parsePidfPresence(n.body, Date.now());
      return p.ok ? p.value.availability : 'unreadable';
    };
    req({ message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001' });
    const ringing = seen.find((e) => e.message === 'EventRinging');
    assert.ok(ringing);
    req({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: ringing.ConnID });
    await waitFor('the watcher to see the on-call push (do-not-disturb, oncall-status 9500)', () => notes.some((n) => availabilityOf(n) === 'do-not-disturb'), 10_000,
      () => notes.map((n) => n.body.toString()).join('\n---\n'));
    assert.equal(uc.status.published, 1);
    req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: ringing.ConnID });
    await waitFor('the push withdrawn: the watcher sees Alice online again', () => availabilityOf(notes.at(-1)!) === 'online', 10_000,
      () => notes.map((n) => n.body.toString()).join('\n---\n'));
    assert.equal(uc.status.published, 0);
    // The push came back through the adapter's own subscription (Kamailio merges it into Alice's
    // presentity) and went again: the agent must not have been made NotReady by its own call.
    await waitFor('the adapter to report Alice online after the withdrawal', () => ucSeen.at(-1) === 'online' && ucSeen.includes('do-not-disturb'), 10_000, () => ucSeen.join(','));
    const afterCall = seen.slice(seen.indexOf(ringing));
    assert.ok(!afterCall.some((e) => e.message === 'EventAgentNotReady'), JSON.stringify(afterCall.map((e) => e.message)));
    assert.equal(connector.knowledgeWorker('alice')?.agentState, 'Ready');
  } finally {
    connector.stop();
    tlib.close();
    await server.close();
    await uc.stop();
    await aliceUa.close();
    await watcher.close();
    for (const s of stacks) await s.close();
  }
});
