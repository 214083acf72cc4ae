// Preview invitations over IM with real peers (seed 000 F8, issue 13): the whole app (`ucc start`'s
// composition root) on a `presence: { mode: sip }` file with Kamailio as the presence server and
// proxy, and baresip registered there as the KW alice, with no web client open. A call to a
// Routing Point previews alice: the invitation arrives in baresip as a MESSAGE holding
// invite-message, the case summary, the countdown and the web client's link; baresip answers
// through its control interface (`message`), and the offer ledger records the outcome. System
// clocks: Kamailio and baresip are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/app/build-app.ts';
import { formatIssue } from '../../src/config/config-issue.ts';
import { loadConfigFile } from '../../src/config/config-loader.ts';
import { PREVIEW_IM_EXPIRED } from '../../src/connector/preview-im-text.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { buildPidfPublication } from '../../src/presence/pidf.ts';
import { OfferLedger } from '../../src/reporting/offer-ledger.ts';
import { SipStack } from '../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../src/sip/api/sip-user-agent.ts';
import { TlibClient } from '../../src/tlib/client/tlib-client.ts';
import { startBaresipPhone, type BaresipPhone } from '../support/baresip.ts';
import { freePort } from '../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../support/kamailio.ts';
import { waitFor } from '../support/peer-process.ts';

const UCC_AOR = 'sip:ucc@example.test';
const ALICE = 'sip:alice@example.test';
const INVITE = 'A customer is waiting for you';

function configYaml(kamPort: number, sipPort: number): string {
  return [
    'store: { type: sqlite, path: ":memory:" }',
    `presence: { mode: sip, aor: "${UCC_AOR}", proxy: "sip:127.0.0.1:${kamPort};transport=udp", listen: [ { protocol: udp, host: 127.0.0.1, port: ${sipPort} } ], register: true, username: ucc, password: secret }`,
    'listen: { host: 127.0.0.1, tlib: 0, http: 0, allowedOrigins: ["https://ucc.example.test"] }',
    'switches: [ { name: SW } ]',
    'dns:',
    '  - { number: "7001", type: Extension, switch: SW }',
    '  - { number: "8000", type: Routing Point, switch: SW, annex: { router: { target-type: kw, target: alice, selection: targeted, max-attempts: 1, no-accept-action: wait }, TServer: { router-timeout: 0 } } }',
    '  - { number: "8001", type: Routing Point, switch: SW, annex: { router: { target-type: kw, target: alice, selection: targeted, max-attempts: 1, no-accept-action: wait, preview-timeout: 3000 }, TServer: { router-timeout: 0 } } }',
    '  - { number: "trunk", type: Trunk, switch: SW }',
    'places: [ { name: P_alice, dns: ["7001"] } ]',
    'agentLogins: [ { loginCode: A7001, switch: SW } ]',
    `persons: [ { userName: alice, firstName: Alice, lastName: Test, password: alice, agentLogins: [A7001], defaultPlace: P_alice, annex: { uc: { contact: "${ALICE}" } } } ]`,
    'applications:',
    '  - { name: TServer_T, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 0, router-timeout: 0, no-answer-timeout: 0 } } }',
    '  - name: UCC',
    '    type: ucc',
    '    options:',
    '      uc-connector: { preview-expiration-timeout: 20000, dnd-off-timeout: 1000, user-auto-registration: true, "userdata-preview-format1": "title: Customer, value: [CustomerName]", "userdata-preview-format2": "title: Reason, value: [Reason]" }',
    `      Microsoft-OCS: { invite-message: "${INVITE}" }`,
    '  - { name: Router, type: router, options: {} }',
    '  - { name: Customers, type: custom-server, password: customers-im, options: { tlib-client: { access: all } } }',
    '',
  ].join('\n');
}

describe('preview invitations over IM to baresip through Kamailio', () => {
  let kam: KamailioPeer;
  let phone: BaresipPhone;
  let app: App;
  let dir: string;
  let customer: TlibClient;
  let aliceStack: SipStack;
  let aliceUa: SipUserAgent;

  before(async () => {
    kam = await startKamailio();
    phone = await startBaresipPhone({ user: 'alice', register: { proxyPort: kam.port }, contacts: [UCC_AOR] });
    dir = mkdtempSync(join(tmpdir(), 'ucc-im-'));
    const file = join(dir, 'ucc.yaml');
    writeFileSync(file, configYaml(kam.port, await freePort()));
    const loaded = loadConfigFile(file);
    if (!loaded.ok) throw new Error(loaded.error.kind === 'unreadable' ? loaded.error.message : loaded.error.issues.map(formatIssue).join('\n'));
    app = await buildApp(loaded.value, { logger: silentLogger });
    await app.listen();
    customer = new TlibClient({ target: { kind: 'memory', connect: () => app.tserver.connectInProcess('Customers') } });
    await customer.connect();
    // alice's own presence, published as her UC client would: online, so her agent is Ready.
    aliceStack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: await freePort() }] });
    aliceUa = new SipUserAgent({ stack: aliceStack, aor: ALICE, outboundProxy: `sip:127.0.0.1:${kam.port};transport=udp` });
    await aliceUa.publish(buildPidfPublication({ entity: ALICE, availability: 'online', note: null, tupleId: 'alice-client' }), 'application/pidf+xml', { expires: 300 });
    await waitFor('the IM path up (the connector registered at Kamailio)', () => app.uc.instantMessaging?.usable === true, 15_000);
  });

  after(async () => {
    customer?.close();
    await app?.close();
    await aliceUa?.close();
    await aliceStack?.close();
    await phone?.stop();
    await kam?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ready = () => waitFor('alice Ready', () => app.connector.knowledgeWorker('alice')?.agentState === 'Ready', 20_000, () => JSON.stringify(app.connector.knowledgeWorker('alice')));
  const call = async (rp: string): Promise<string> => {
    const reply = await customer.request({ message: 'RequestMakeCall', ThisDN: 'trunk', OtherDN: rp, UserData: [['CustomerName', 'Ada <Lovelace>'], ['Reason', 'Billing & refunds']] });
    const connId = (reply as { ConnID?: string }).ConnID;
    assert.ok(connId);
    return connId;
  };
  const invitationFor = async (since: number): Promise<string> => {
    await waitFor('the invitation in baresip', () => phone.messagesReceived().length > since, 15_000, () => phone.log().slice(-1500));
    const m = phone.messagesReceived()[since]!;
    assert.equal(m.from, UCC_AOR);
    return m.text;
  };
  const outcome = async (connId: string): Promise<string | undefined> => (await new OfferLedger(app.store.db).offers({ connId }))[0]?.outcome;
  const waitOutcome = (connId: string, want: string) => waitFor(`ledger outcome ${want}`, async () => (await outcome(connId)) === want, 15_000);

  test('the invitation holds invite-message, the case summary, the countdown and the link; "accept" by reply routes the call to alice', { timeout: 90_000 }, async () => {
    await ready();
    assert.equal(app.routing.sessions.count('alice'), 0, 'alice has no web client open');
    const since = phone.messagesReceived().length;
    const connId = await call('8000');
    const text = await invitationFor(since);
    const lines = text.split('\n');
    assert.equal(lines[0], INVITE);
    assert.ok(lines.includes('Customer: Ada <Lovelace>'), text);
    assert.ok(lines.includes('Reason: Billing & refunds'), text);
    assert.match(text, /^Answer within (19|20) s: reply 1 or accept to take it, 2 or reject to decline\.$/m);
    assert.ok(lines.includes('Web client: https://ucc.example.test'), text);
    await phone.message('accept');
    await waitOutcome(connId, 'accepted');
    await waitFor('the call routed to alice\'s DN', () => app.tserver.core.callsOn('7001').includes(connId), 10_000);
    await customer.request({ message: 'RequestReleaseCall', ThisDN: 'trunk', ConnID: connId });
  });

  test('"2" by reply rejects: rejected in the ledger and alice in the preview-reject auto-state', { timeout: 90_000 }, async () => {
    await ready();
    const since = phone.messagesReceived().length;
    const connId = await call('8000');
    await invitationFor(since);
    await phone.message('2');
    await waitOutcome(connId, 'rejected');
    await waitFor('alice NotReady (preview-reject)', () => app.connector.knowledgeWorker('alice')?.agentState === 'NotReady', 10_000);
  });

  test('the countdown expires: timeout in the ledger, and alice is told the offer expired', { timeout: 90_000 }, async () => {
    await ready();
    const since = phone.messagesReceived().length;
    const connId = await call('8001');
    const text = await invitationFor(since);
    assert.match(text, /^Answer within 3 s:/m);
    await waitOutcome(connId, 'timeout');
    await waitFor('the expiry IM in baresip', () => phone.messagesReceived().slice(since + 1).some((m) => m.text === PREVIEW_IM_EXPIRED), 10_000, () => JSON.stringify(phone.messagesReceived().slice(since)));
  });
});
