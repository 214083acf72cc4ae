/**
 * Issue 11's whole spine on real peers, through `ucc start` in process (buildApp) and Chromium:
 * Kamailio is the KWs' registrar/proxy and the presence server (`presence: { mode: sip }`),
 * rtpengine relays the media, alice's baresip is registered at Kamailio and a customer's baresip
 * calls routing point 8000 on the SIP switch through the trunk.
 *
 * alice's own PIDF (published to Kamailio) makes her Ready → the customer calls 8000 → alice
 * accepts the preview in Chromium → her baresip rings (the web client shows Ringing, and no Answer:
 * this switch has no `desktop-answer`) and she answers on the phone → the caller's 440 Hz tone is
 * in what her phone recorded, through rtpengine → her on-call presence reaches a watcher through
 * Kamailio → the customer hangs up → ACW, then Ready, and the push is withdrawn. The T-Lib events
 * of the RP and of alice's DN are asserted in order. Every peer is stopped by its PID.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { SystemClock } from '../../src/lib/clock.ts';
import type { BDict } from '../../src/media/rtpengine/bencode.ts';
import { NgClient } from '../../src/media/rtpengine/ng-client.ts';
import { buildPidfPublication, parsePidfPresence } from '../../src/presence/pidf.ts';
import { SipStack } from '../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../src/sip/api/sip-user-agent.ts';
import type { Notification } from '../../src/sip/ua/subscriber.ts';
import type { TlibEvent } from '../../src/tlib/index.ts';
import { startBaresipPhone, type BaresipPhone } from '../support/baresip.ts';
import { E2E_CUSTOMERS, E2eApp, ensureClientBuilt, kwView, openKw, waitForKw, type KwPage, launchChromium } from '../support/e2e-app.ts';
import { freePort } from '../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../support/kamailio.ts';
import { waitFor } from '../support/peer-process.ts';
import { startRtpengine, type RtpenginePeer } from '../support/rtpengine.ts';

const ALICE_DN = 'sip:alice@example.test';
const RP = '8000';
const CALLER_HZ = 440;
const ALICE_HZ = 1000;
/** The call events asserted (agent and registration events are left out of the sequences). */
const CALL_EVENTS = new Set(['EventQueued', 'EventRouteRequest', 'EventRouteUsed', 'EventDiverted', 'EventRinging', 'EventEstablished', 'EventReleased', 'EventAbandoned', 'EventPartyChanged']);

function voiceSpineYaml(o: { kamailioPort: number; presencePort: number; ngPort: number }): string {
  return `
store: { type: sqlite, path: ":memory:" }
listen: { host: 127.0.0.1, tlib: 0, http: 0 }
presence:
  mode: sip
  aor: "sip:ucc@example.test"
  proxy: "sip:127.0.0.1:${o.kamailioPort};transport=tcp"
  listen: [ { protocol: tcp, host: 127.0.0.1, port: ${o.presencePort} } ]
voice:
  listen: [ { protocol: udp, host: 127.0.0.1, port: 0 } ]
  domain: example.test
  proxy: "sip:127.0.0.1:${o.kamailioPort}"
  trunks: [ { dn: "9000", addresses: [127.0.0.1] } ]
  rtpengine: "udp:127.0.0.1:${o.ngPort}"
  caller-media: ringback
switches: [ { name: SW } ]
dns:
  - { number: "${ALICE_DN}", type: Extension, switch: SW }
  - number: "${RP}"
    type: Routing Point
    switch: SW
    annex:
      router: { target-type: kw, target: alice, selection: targeted, max-attempts: 1, no-accept-action: wait }
      TServer: { router-timeout: 0 }
      uc-connector: { display-name: Voice line }
  - { number: "9100", type: Virtual Queue, switch: SW }
  - { number: "9000", type: Trunk, switch: SW }
places: [ { name: P_alice, dns: ["${ALICE_DN}"] } ]
agentLogins: [ { loginCode: alice, switch: SW } ]
persons:
  - userName: alice
    firstName: Alice
    lastName: Test
    password: alice
    agentLogins: [alice]
    defaultPlace: P_alice
    annex:
      uc: { contact: "${ALICE_DN}" }
      Microsoft-OCS: { enable-push-oncall-status: true }
applications:
  - { name: TServer_T, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 2, router-timeout: 0, default-dn: "9100", no-answer-timeout: 0 } } }
  - { name: UCC, type: ucc, options: { uc-connector: { preview-expiration-timeout: 30000, user-auto-registration: true } } }
  - { name: Router, type: router, options: {} }
  - { name: ${E2E_CUSTOMERS.application}, type: custom-server, password: ${E2E_CUSTOMERS.password}, options: { tlib-client: { access: all } } }
`;
}

/** `message` of each call event of `connId`, in order. */
function sequence(events: readonly TlibEvent[], connId: string): string[] {
  return events.filter((e) => CALL_EVENTS.has(e.message) && (e as { ConnID?: string }).ConnID === connId).map((e) => e.message);
}

describe('voice: the whole spine on real peers, in Chromium (issue 11)', () => {
  let kam: KamailioPeer;
  let rtpe: RtpenginePeer;
  let alice: BaresipPhone;
  let customer: BaresipPhone;
  let browser: Browser;
  const stops: Array<() => Promise<unknown>> = [];

  before(async () => {
    await ensureClientBuilt();
    kam = await startKamailio();
    stops.push(() => kam.stop());
    rtpe = await startRtpengine();
    stops.push(() => rtpe.stop());
    alice = await startBaresipPhone({ user: 'alice', register: { proxyPort: kam.port }, toneHz: ALICE_HZ, answerMode: 'manual' });
    stops.push(() => alice.stop());
    customer = await startBaresipPhone({ user: 'customer', toneHz: CALLER_HZ });
    stops.push(() => customer.stop());
    browser = await launchChromium();
    stops.push(() => browser.close());
  });

  after(async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  });

  test('presence makes alice Ready; a SIP call on the RP rings her baresip after the preview; the caller\'s tone reaches her through rtpengine; on-call presence; ACW, then Ready', { timeout: 120_000 }, async () => {
    const app = await E2eApp.startYaml(voiceSpineYaml({ kamailioPort: kam.port, presencePort: await freePort(), ngPort: rtpe.ngPort }));
    stops.push(() => app.stop());
    const udp = app.sip.find((a) => a.startsWith('udp:'));
    assert.ok(udp, `the SIP switch listens on UDP: ${app.sip.join(' ')}`);
    const switchPort = Number(udp.split(':').at(-1));

    // alice's own UC client (publishes her PIDF) and a colleague watching her, both on Kamailio.
    const proxy = `sip:127.0.0.1:${kam.port};transport=tcp`;
    const ng = new NgClient({ address: rtpe.ngAddress, clock: new SystemClock() });
    stops.push(async () => ng.close());
    const stacks = [
      await SipStack.listen({ listen: [{ protocol: 'tcp', host: '127.0.0.1', port: await freePort() }] }),
      await SipStack.listen({ listen: [{ protocol: 'tcp', host: '127.0.0.1', port: await freePort() }] }),
    ];
    const aliceUc = new SipUserAgent({ stack: stacks[0]!, aor: ALICE_DN, outboundProxy: proxy, transport: 'tcp' });
    const watcher = new SipUserAgent({ stack: stacks[1]!, aor: 'sip:watcher@example.test', outboundProxy: proxy, transport: 'tcp' });
    stops.push(async () => {
      await aliceUc.close();
      await watcher.close();
      for (const s of stacks) await s.close();
    });
    const notes: Notification[] = [];
    const availabilityOf = (n: Notification): string => {
      const p = parsePidfPresence(n.body, Date.now());
      return p.ok ? p.value.availability : 'unreadable';
    };
    const notesText = (): string => notes.map((n) => availabilityOf(n)).join(', ');

    // The monitoring T-Lib client: the routing point and alice's DN.
    const rpEvents = await app.watch(RP);
    const kwEvents = await app.watch(ALICE_DN);
    const agentAt: Array<{ message: string; workMode: unknown; at: number }> = [];
    app.tlib.onDn(ALICE_DN, (e) => {
      if (e.message.startsWith('EventAgent')) agentAt.push({ message: e.message, workMode: (e as { AgentWorkMode?: unknown }).AgentWorkMode, at: Date.now() });
    });

    let kw: KwPage | undefined;
    try {
      kw = await openKw(browser, app.base, 'alice');
      const page = kw.page;
      assert.notEqual((await kwView(kw, app.base)).agentState, 'Ready', 'no presence yet: alice is not Ready');
      // 1. Her presence, published to Kamailio, makes her Ready.
      await aliceUc.publish(buildPidfPublication({ entity: ALICE_DN, availability: 'online', note: null, tupleId: 'alice-client' }), 'application/pidf+xml', { expires: 300 });
      await waitForKw(kw, app.base, 'Ready from the PIDF alice published to Kamailio', (v) => v.agentState === 'Ready');
      await watcher.subscribe(ALICE_DN, { event: 'presence', accept: ['application/pidf+xml'], expires: 120, onNotify: (n) => notes.push(n) });
      await waitFor('the watcher to see alice online', () => notes.some((n) => availabilityOf(n) === 'online'), 10_000, notesText);

      // 2. The customer calls the routing point on the switch's SIP listener.
      const mark = alice.events.length;
      await customer.dial(`sip:${RP}@127.0.0.1:${switchPort}`);
      const preview = page.getByTestId('preview-window');
      await preview.waitFor({ timeout: 30_000 });
      const connId = (await preview.getAttribute('data-conn-id')) ?? '';
      assert.ok(connId !== '', 'the preview names the call');
      const queued = rpEvents.find((e) => e.message === 'EventQueued') as (TlibEvent & { ANI?: string; DNIS?: string; ThisDN?: string }) | undefined;
      assert.ok(queued, 'EventQueued on the RP');
      assert.equal(queued.DNIS, RP);
      assert.match(String(queued.ANI), /customer/, `ANI from the caller's From: ${String(queued.ANI)}`);
      await kw.shot('v-preview');

      // 3. alice accepts the preview in Chromium; her baresip rings.
      await page.getByTestId('preview-accept').click();
      await alice.waitEvent('CALL_INCOMING', { since: mark, timeoutMs: 20_000 });
      const win = page.locator(`[data-testid="interaction-window"][data-conn-id="${connId}"]`);
      await page.locator(`[data-testid="interaction-window"][data-conn-id="${connId}"][data-state="ringing"]`).waitFor({ timeout: 20_000 });
      assert.equal(await win.getByTestId('interaction-state').textContent(), 'Ringing', 'the web client shows the phone ringing');
      assert.equal(await win.getByTestId('call-answer').count(), 0, 'no desktop answer on a switch without desktop-answer: she answers on her phone');
      assert.equal(await win.getByTestId('call-release').count(), 1);
      await kw.shot('v-ringing');

      // 4. She answers on the phone; the call is established everywhere.
      await alice.answer();
      await alice.waitEvent('CALL_ESTABLISHED', { since: mark, timeoutMs: 10_000 });
      await customer.waitEvent('CALL_ESTABLISHED', { timeoutMs: 10_000 });
      await page.locator(`[data-testid="interaction-window"][data-conn-id="${connId}"][data-state="established"]`).waitFor({ timeout: 20_000 });
      assert.equal(await win.getByTestId('interaction-state').textContent(), 'Connected');
      await kw.shot('v-talking');

      // 5. The caller's tone reaches alice's phone through rtpengine (her recording, by frequency).
      let tone = { ok: false } as ReturnType<BaresipPhone['heardTone']> | { ok: false };
      await waitFor(`alice's phone to record the caller's ${CALLER_HZ} Hz`, () => {
        try {
          tone = alice.heardTone(CALLER_HZ, { minSeconds: 1.5 });
        } catch {
          return false; // no recording yet
        }
        return tone.ok;
      }, 20_000, () => JSON.stringify(tone));
      assert.ok(!alice.heardTone(ALICE_HZ, { minSeconds: 0.5 }).ok, 'what she recorded is the caller, not her own tone');
      // rtpengine holds the one call, and relayed its RTP.
      const calls = (await ng.command({ command: 'list' }))['calls'];
      assert.ok(Array.isArray(calls) && calls.length === 1, `rtpengine holds the call: ${JSON.stringify(calls)}`);
      const q = await ng.command({ command: 'query', 'call-id': String(calls[0]) });
      const rtp = ((q['totals'] as BDict | undefined)?.['RTP'] as BDict | undefined)?.['packets'];
      assert.ok(typeof rtp === 'number' && rtp > 50, `rtpengine relayed the call's RTP: ${JSON.stringify(q['totals'])}`);

      // 6. Her on-call presence is published to Kamailio: the watcher sees it.
      await waitFor('the watcher to see the on-call push (do-not-disturb)', () => notes.some((n) => availabilityOf(n) === 'do-not-disturb'), 15_000, notesText);
      assert.equal((await kwView(kw, app.base)).agentState, 'Ready', 'her own on-call push does not make her NotReady');

      // 7. The customer hangs up: the call ends, ACW (wrap-up-time 2 s), then Ready.
      await customer.hangup();
      await alice.waitEvent('CALL_CLOSED', { since: mark, timeoutMs: 10_000 });
      await page.locator(`[data-testid="interaction-window"][data-conn-id="${connId}"][data-state="released"]`).waitFor({ timeout: 20_000 });
      const acw = (v: object): boolean => (v as { afterCallWork?: string }).afterCallWork === 'acw';
      await waitForKw(kw, app.base, 'AfterCallWork', (v) => v.agentState === 'NotReady' && acw(v), 10_000);
      await waitForKw(kw, app.base, 'Ready after wrap-up-time', (v) => v.agentState === 'Ready' && !acw(v), 15_000);
      const acwStart = agentAt.find((e) => e.message === 'EventAgentNotReady' && e.workMode === 'AfterCallWork');
      const acwEnd = agentAt.find((e) => acwStart !== undefined && e.at >= acwStart.at && e.message === 'EventAgentReady');
      assert.ok(acwStart && acwEnd, `ACW, then Ready: ${JSON.stringify(agentAt)}`);
      assert.ok(acwEnd.at - acwStart.at >= 1500, `ACW lasted wrap-up-time (2 s): ${acwEnd.at - acwStart.at} ms`);
      await waitFor('the on-call push withdrawn: the watcher sees alice online again', () => availabilityOf(notes.at(-1)!) === 'online', 15_000, notesText);
      await kw.shot('v-released');
      await waitFor('the switch to delete the call at rtpengine', async () => {
        const left = (await ng.command({ command: 'list' }))['calls'];
        return Array.isArray(left) && left.length === 0;
      }, 10_000);

      // The T-Lib events of the RP and of alice's DN, in order.
      assert.deepEqual(sequence(rpEvents, connId), ['EventQueued', 'EventRouteRequest', 'EventRouteUsed', 'EventDiverted'], `RP ${RP}: ${rpEvents.map((e) => e.message).join(', ')}`);
      assert.deepEqual(sequence(kwEvents, connId), ['EventRinging', 'EventEstablished', 'EventReleased'], `${ALICE_DN}: ${kwEvents.map((e) => e.message).join(', ')}`);
      const agent = kwEvents.map((e) => e.message).filter((m) => m.startsWith('EventAgent'));
      assert.ok(agent.includes('EventAgentReady'), `agent events at the DN: ${agent.join(', ')}`);
      assert.deepEqual(kw.errors, [], 'no page errors');
      assert.deepEqual(kw.dialogs, [], 'no dialog');
    } finally {
      await kw?.context.close().catch(() => undefined);
    }
  });
});
