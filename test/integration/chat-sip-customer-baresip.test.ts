// A SIP customer chats with a KW in her UC client, with real peers (issue 13): the whole app on a
// `presence: { mode: sip }` file, Kamailio as proxy and registrar, the KW alice as baresip
// registered there with no web client, and the customer bob as the project's own SIP UA
// (registered at Kamailio so the answers reach him). bob's MESSAGE to the Routing Point's address
// opens a chat; alice gets the preview invitation by IM and accepts with "1"; bob's next line
// arrives in baresip and alice's reply comes back to bob as MESSAGE; the transcript holds both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/app/build-app.ts';
import { formatIssue } from '../../src/config/config-issue.ts';
import { loadConfigFile } from '../../src/config/config-loader.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { buildPidfPublication } from '../../src/presence/pidf.ts';
import { ChatTranscripts } from '../../src/reporting/chat-transcripts.ts';
import { SipStack } from '../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../src/sip/api/sip-user-agent.ts';
import { startBaresipPhone, type BaresipPhone } from '../support/baresip.ts';
import { freePort } from '../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../support/kamailio.ts';
import { waitFor } from '../support/peer-process.ts';

const UCC_AOR = 'sip:ucc@example.test';
const ALICE = 'sip:alice@example.test';
const BOB = 'sip:bob@example.test';

function configYaml(kamPort: number, sipPort: number): string {
  return [
    'store: { type: sqlite, path: ":memory:" }',
    `presence: { mode: sip, aor: "${UCC_AOR}", proxy: "sip:127.0.0.1:${kamPort};transport=udp", listen: [ { protocol: udp, host: 127.0.0.1, port: ${sipPort} } ], register: true, username: ucc, password: secret }`,
    'listen: { host: 127.0.0.1, tlib: 0, http: 0 }',
    'switches: [ { name: SW } ]',
    'dns:',
    '  - { number: "7001", type: Extension, switch: SW }',
    '  - { number: "8000", type: Routing Point, switch: SW, annex: { chat: { trunk: chat }, router: { target-type: kw, target: alice, selection: targeted, max-attempts: 1, no-accept-action: wait }, TServer: { router-timeout: 0 } } }',
    '  - { number: "chat", type: Trunk, switch: SW }',
    'places: [ { name: P_alice, dns: ["7001"] } ]',
    'agentLogins: [ { loginCode: A7001, switch: SW } ]',
    `persons: [ { userName: alice, firstName: Alice, lastName: Test, password: alice, agentLogins: [A7001], defaultPlace: P_alice, annex: { uc: { contact: "${ALICE}" } } } ]`,
    'applications:',
    '  - { name: TServer_T, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 0, router-timeout: 0, no-answer-timeout: 0 } } }',
    '  - name: UCC',
    '    type: ucc',
    '    options:',
    '      uc-connector: { preview-expiration-timeout: 20000, dnd-off-timeout: 1000, user-auto-registration: true }',
    '      Microsoft-OCS: { invite-message: "A customer is waiting" }',
    '  - { name: Router, type: router, options: {} }',
    '',
  ].join('\n');
}

describe('a SIP customer chats with a KW in her UC client (baresip through Kamailio)', () => {
  let kam: KamailioPeer;
  let phone: BaresipPhone;
  let app: App;
  let dir: string;
  let sipPort: number;
  const stacks: SipStack[] = [];
  const uas: SipUserAgent[] = [];
  const bobGot: Array<{ from: string; text: string }> = [];
  let bob: SipUserAgent;

  before(async () => {
    kam = await startKamailio();
    phone = await startBaresipPhone({ user: 'alice', register: { proxyPort: kam.port }, contacts: [UCC_AOR] });
    dir = mkdtempSync(join(tmpdir(), 'ucc-chat-sip-'));
    const file = join(dir, 'ucc.yaml');
    sipPort = await freePort();
    writeFileSync(file, configYaml(kam.port, sipPort));
    const loaded = loadConfigFile(file);
    if (!loaded.ok) throw new Error(loaded.error.kind === 'unreadable' ? loaded.error.message : loaded.error.issues.map(formatIssue).join('\n'));
    app = await buildApp(loaded.value, { logger: silentLogger });
    await app.listen();
    // alice's presence as her UC client publishes it: online, so her agent is Ready.
    const aliceStack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: await freePort() }] });
    stacks.push(aliceStack);
    const aliceUa = new SipUserAgent({ stack: aliceStack, aor: ALICE, outboundProxy: `sip:127.0.0.1:${kam.port};transport=udp` });
    uas.push(aliceUa);
    await aliceUa.publish(buildPidfPublication({ entity: ALICE, availability: 'online', note: null, tupleId: 'alice-client' }), 'application/pidf+xml', { expires: 300 });
    // bob registers at Kamailio (answers reach him through it) and writes to the connector directly.
    const bobStack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: await freePort() }] });
    stacks.push(bobStack);
    bob = new SipUserAgent({ stack: bobStack, aor: BOB, registrar: `sip:127.0.0.1:${kam.port};transport=udp`, credentials: { username: 'bob', password: kam.password } });
    uas.push(bob);
    bob.onMessage((m) => {
      bobGot.push({ from: m.from, text: new TextDecoder().decode(m.body) });
      return { status: 200 };
    });
    await bob.register();
    await waitFor('the IM path up (the connector registered at Kamailio)', () => app.uc.instantMessaging?.usable === true, 15_000);
  });

  after(async () => {
    await app?.close();
    for (const ua of uas) await ua.close();
    for (const s of stacks) await s.close();
    await phone?.stop();
    await kam?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('MESSAGE to the Routing Point → preview by IM → "1" → lines both ways → transcript', { timeout: 120_000 }, async () => {
    await waitFor('alice Ready', () => app.connector.knowledgeWorker('alice')?.agentState === 'Ready', 20_000);
    assert.equal(app.routing.sessions.count('alice'), 0, 'alice has no web client open');
    const rp = `sip:8000@127.0.0.1:${sipPort}`;
    const res = await bob.message(rp, 'Hello, I need help with my bill');
    assert.equal(res.status, 200);
    await waitFor('the preview invitation in baresip', () => phone.messagesReceived().some((m) => m.text.startsWith('A customer is waiting')), 20_000, () => JSON.stringify(phone.messagesReceived()));
    const since = phone.messagesReceived().length;
    await phone.message('1');
    await waitFor('the chat opened in baresip', () => phone.messagesReceived().slice(since).some((m) => m.text.startsWith('Chat from')), 20_000, () => JSON.stringify(phone.messagesReceived().slice(since)));
    const connId = app.tserver.core.callsOn('7001')[0];
    assert.ok(connId, 'the chat is on alice\'s DN');
    assert.ok(phone.messagesReceived().slice(since).some((m) => m.text === 'Customer: Hello, I need help with my bill'), 'the first line is in the history sent');
    assert.equal((await bob.message(rp, 'It is invoice 42')).status, 200);
    await waitFor('bob\'s line in baresip', () => phone.messagesReceived().some((m) => m.text === 'Customer: It is invoice 42'), 15_000, () => JSON.stringify(phone.messagesReceived().slice(since)));
    await phone.message('Let me look at invoice 42');
    await waitFor('alice\'s answer at bob', () => bobGot.some((m) => m.text === 'Let me look at invoice 42'), 15_000, () => JSON.stringify(bobGot));
    assert.match(bobGot.find((m) => m.text === 'Let me look at invoice 42')!.from, /sip:8000@127\.0\.0\.1/);
    const transcripts = new ChatTranscripts(app.store.db);
    await waitFor('the transcript', async () => (await transcripts.transcript(connId)).some((e) => e.kind === 'message' && e.text === 'Let me look at invoice 42'), 10_000);
    const messages = (await transcripts.transcript(connId)).filter((e) => e.kind === 'message').map((e) => [e.from, e.text]);
    assert.deepEqual(messages, [['customer', 'Hello, I need help with my bill'], ['customer', 'It is invoice 42'], ['agent', 'Let me look at invoice 42']]);
  });
});
