// The whole presence path with real peers: a KW's own SIP client PUBLISHes PIDF to Kamailio 5.6,
// the sip-simple adapter receives the NOTIFY, the UcConnector maps it, and the emulated agent in
// the real T-Server (in-memory T-Lib) becomes Ready / NotReady / logged out. Push on-call status
// goes the other way: a call answered on the KW DN makes the connector PUBLISH, which a watcher
// sees, and the release withdraws it. Kamailio's timers are real, so this uses the system clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPidfPublication, parsePidfPresence } from '../../../src/presence/pidf.ts';
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../src/sip/api/sip-user-agent.ts';
import type { Notification } from '../../../src/sip/ua/subscriber.ts';
import { SipSimplePlatform } from '../../../src/uc/sip-simple/sip-simple-platform.ts';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects } from '../../../src/config/config-objects.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import { UcConnector } from '../../../src/connector/connector.ts';
import { freePort } from '../../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../../support/kamailio.ts';
import { waitFor } from '../../support/peer-process.ts';

type Ev = TlibEvent & Record<string, unknown>;

describe('UcConnector + sip-simple adapter + Kamailio + T-Server', { timeout: 60_000 }, () => {
  let kam: KamailioPeer;
  const stacks: SipStack[] = [];
  const uas: SipUserAgent[] = [];
  let platform: SipSimplePlatform | undefined;
  let server: TServer | undefined;
  let tlib: TlibClient | undefined;
  let connector: UcConnector | undefined;

  before(async () => {
    kam = await startKamailio();
  });

  after(async () => {
    connector?.stop();
    tlib?.close();
    await server?.close();
    await platform?.stop();
    for (const ua of uas) ua.dispose();
    for (const s of stacks) await s.close();
    await kam?.stop();
  });

  const proxy = (): string => `sip:127.0.0.1:${kam.port};transport=udp`;
  async function agent(user: string): Promise<SipUserAgent> {
    const stack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: await freePort() }] });
    stacks.push(stack);
    const ua = new SipUserAgent({ stack, aor: `sip:${user}@example.test`, credentials: { username: user, password: 'secret' }, outboundProxy: proxy(), transport: 'udp' });
    uas.push(ua);
    return ua;
  }

  test('PIDF published by the KW client moves the agent; on-call is published and withdrawn', async () => {
    server = new TServer({ config: createTServerConfig({ switchName: 'SW', dns: [{ name: '7001', type: 'Extension' }, { name: '7002', type: 'Extension' }], agentLogins: ['A7001'] }) });
    const o = emptyObjects();
    o.dns.push({ switch: 'SW', number: '7001', type: 'Extension', register: true, annex: {} });
    o.places.push({ name: 'P1', dns: [{ switch: 'SW', number: '7001' }] });
    o.agentLogins.push({ switch: 'SW', loginCode: 'A7001', annex: {} });
    o.persons.push({ userName: 'alice', agentLogins: [{ switch: 'SW', loginCode: 'A7001' }], defaultPlace: 'P1', annex: { uc: { contact: 'sip:alice@example.test' } } });
    o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': { 'user-auto-registration': 'true' }, 'Microsoft-OCS': { 'enable-push-oncall-status': 'true', 'oncall-status': 6500 } } });

    platform = new SipSimplePlatform({ aor: 'sip:ucc@example.test', listen: [{ protocol: 'udp', host: '127.0.0.1', port: await freePort() }], outboundProxy: proxy(), subscribeExpires: 300, publishExpires: 300 });
    tlib = new TlibClient({ target: { kind: 'memory', connect: () => server!.connectInMemory() } });
    connector = new UcConnector({ view: new ConfigIndex(o), application: 'UCC', tlib, uc: platform });
    const seen: Ev[] = [];
    const observer = server.attach((e) => seen.push(e as Ev));
    let ref = 1;
    const req = (r: Record<string, unknown>): void => observer.request({ ...r, ReferenceID: ref++ } as TlibRequest);
    req({ message: 'RequestRegisterAddress', ThisDN: '7001' });
    const agentEvents = (): string => seen.filter((e) => e.message.startsWith('EventAgent')).map((e) => `${e.message}${e.Reasons ? JSON.stringify(e.Reasons) : ''}`).join(' ');

    const ucSeen: string[] = [];
    platform.on('presence', (_kw, p) => ucSeen.push(`${p.availability}/${p.activity?.token ?? ''}/${p.note?.text ?? ''}`));
    await platform.start();
    await tlib.connect();
    connector.start();
    await waitFor('the agent logged in by auto-registration', () => seen.some((e) => e.message === 'EventAgentLogin'), 5_000, agentEvents);

    // Alice's client uses its own tuple / person ids, as real clients do. (With the ids our PIDF
    // builder defaults to, `t1`/`p1` — the ids the adapter's own publication also uses — Kamailio
    // reports a closed tuple once the adapter withdraws its publication, and the KW is logged out.)
    const aliceUa = await agent('alice');
    await aliceUa.publish(buildPidfPublication({ entity: 'sip:alice@example.test', availability: 'online', note: 'at my desk', tupleId: 'alice-pc', personId: 'alice-person' }), 'application/pidf+xml', { expires: 300 });
    await waitFor('EventAgentReady from the published presence', () => seen.some((e) => e.message === 'EventAgentReady'), 5_000, agentEvents);
    assert.deepEqual(seen.find((e) => e.message === 'EventAgentReady')?.Reasons, [['KW_UC_STATUS', 'ready'], ['KW_UC_NOTE', 'at my desk']]);

    await aliceUa.publish(buildPidfPublication({ entity: 'sip:alice@example.test', availability: 'away', tupleId: 'alice-pc', personId: 'alice-person' }), 'application/pidf+xml');
    await waitFor('EventAgentNotReady(away)', () => connector!.knowledgeWorker('alice')?.reasons['KW_UC_STATUS'] === 'away', 5_000, agentEvents);
    assert.equal(connector.knowledgeWorker('alice')?.presence?.source, 'pidf');

    // Push on-call: a watcher of Alice sees the connector's publication while a call is established.
    const watcher = await agent('watcher');
    const notes: Notification[] = [];
    await watcher.subscribe('sip:alice@example.test', { event: 'presence', accept: ['application/pidf+xml'], expires: 120, onNotify: (n) => notes.push(n) });
    await waitFor('the watcher first NOTIFY', () => notes.length >= 1, 5_000);
    const before = notes.length;
    req({ message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001' });
    const ringing = seen.find((e) => e.message === 'EventRinging');
    assert.ok(ringing);
    req({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: ringing.ConnID });
    await waitFor('a NOTIFY with the on-call presence', () => notes.slice(before).some((n) => {
      const p = parsePidfPresence(n.body, Date.now());
      return p.ok && p.value.activity?.token === 'on-the-phone';
    }), 5_000);
    assert.equal(platform.status.published, 1);

    req({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: ringing.ConnID });
    await waitFor('the publication withdrawn', () => platform!.status.published === 0, 5_000);
    await waitFor('the agent back to the state of Alice\'s own presence (away)', () => {
      const v = connector!.knowledgeWorker('alice');
      return v?.agentState === 'NotReady' && v.reasons['KW_UC_STATUS'] === 'away' && v.published === null;
    }, 5_000, () => `${agentEvents()} view=${JSON.stringify(connector!.knowledgeWorker('alice'))} uc=${ucSeen.join(' ')} notes=${notes.map((n) => n.body.toString().replace(/\s+/g, " ")).join(" ||| ")}`);

    // Offline: Alice's client removes its publication; Kamailio reports a closed tuple → logout.
    await aliceUa.publish(buildPidfPublication({ entity: 'sip:alice@example.test', availability: 'offline' }), 'application/pidf+xml');
    await waitFor('EventAgentLogout', () => seen.some((e) => e.message === 'EventAgentLogout'), 5_000, agentEvents);
  });
});
