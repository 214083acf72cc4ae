// Issue 11, proven on real peers, point 2, through the whole system (buildApp: T-Server core,
// router, preview, connector, SIP switch): a KW phone that does not answer is CANCELled and the call
// re-routed to the next KW, whose phone answers; a busy phone (SIPp 486) sends the call on to the
// next KW; a caller who abandons under preview or in the queue gives EventAbandoned, and the open
// preview closes as cancelled. SIPp plays the carrier, Kamailio the registrar, baresip the KWs'
// phones; KWs accept previews with a scripted client. Signalling only (no media relay).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBaresipPhone, type BaresipPhone } from '../../support/baresip.ts';
import { freePort } from '../../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../../support/kamailio.ts';
import { waitFor } from '../../support/peer-process.ts';
import { startSipp, type SippRun } from '../../support/sipp.ts';
import { DEFAULT_DN, DnMonitor, RP, startVoiceSystem, TRUNK, type VoiceSystem } from './voice-system.ts';

const ALICE = 'sip:alice@example.test';
const AMY = 'sip:amy@example.test';
const BRUNO = '7001';

describe('voice system: no answer, busy, abandon (UDP, Kamailio, baresip, SIPp)', () => {
  let kam: KamailioPeer;
  let alice: BaresipPhone;
  let amy: BaresipPhone;
  let sys: VoiceSystem;
  let mon: DnMonitor;
  let busyPort: number;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    kam = await startKamailio();
    stops.push(() => kam.stop());
    alice = await startBaresipPhone({ user: 'alice', register: { proxyPort: kam.port }, sipTrace: true });
    stops.push(() => alice.stop());
    amy = await startBaresipPhone({ user: 'amy', register: { proxyPort: kam.port }, answerMode: 'manual', sipTrace: true });
    stops.push(() => amy.stop());
    busyPort = await freePort();
    sys = await startVoiceSystem({
      kamailioPort: kam.port,
      kws: [{ user: 'amy' }, { user: 'bruno', dn: BRUNO, contact: `sip:${BRUNO}@127.0.0.1:${busyPort}` }, { user: 'alice' }],
      tserver: { 'no-answer-timeout': 2 },
    });
    stops.push(() => sys.stop());
    mon = await DnMonitor.open(sys.tlib, [RP, DEFAULT_DN, TRUNK, ALICE, AMY, BRUNO]);
    stops.push(async () => mon.close());
  });

  after(async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  });

  function sipp(o: Omit<Parameters<typeof startSipp>[0], 'transport'>): SippRun {
    const run = startSipp({ ...o, transport: 'udp' });
    stops.push(() => run.stop());
    return run;
  }

  async function onlyReady(user: string): Promise<void> {
    for (const u of ['amy', 'bruno', 'alice']) await sys.kw(u).presence(u === user ? 'online' : 'busy');
  }

  test('no answer: amy\'s phone rings for no-answer-timeout (2 s), gets the CANCEL, and the call is re-routed to alice, whose phone answers', async () => {
    await onlyReady('amy');
    const carrier = sipp({ scenario: 'uac-invite.xml', remote: `127.0.0.1:${sys.sipPort}`, service: RP, localPort: await freePort(), pauseMs: 300 });
    const connId = await sys.kw('amy').accept(0);
    sys.kw('amy').rejectFrom(1);
    await amy.waitEvent('CALL_INCOMING');
    await mon.wait(AMY, 'EventRinging', (e) => (e as { ConnID?: string }).ConnID === connId);
    const rang = Date.now();
    await sys.kw('alice').presence('online');
    await sys.kw('alice').accept(0);
    await amy.waitEvent('CALL_CLOSED', { timeoutMs: 10_000 });
    assert.ok(Date.now() - rang >= 1500, 'amy\'s phone rang for the no-answer-timeout');
    await waitFor('the CANCEL in amy\'s SIP trace', () => /CANCEL sip:amy/.test(amy.log()), 5000);
    await mon.wait(ALICE, 'EventEstablished');
    await mon.wait(ALICE, 'EventReleased', undefined, 15_000);
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    assert.deepEqual(mon.on(AMY, connId), ['EventRinging', 'EventError', 'EventReleased']);
    assert.deepEqual(mon.on(ALICE, connId), ['EventRinging', 'EventEstablished', 'EventReleased']);
    const rp = mon.on(RP, connId);
    assert.deepEqual(rp.slice(0, 2), ['EventQueued', 'EventRouteRequest']);
    assert.ok(rp.includes('EventError'), `the RP saw the no-answer: ${rp.join(', ')}`);
    assert.equal(rp.filter((m) => m === 'EventQueued').length, 2, `the call came back to the RP once: ${rp.join(', ')}`);
    await waitFor('no legs left', () => sys.legs() === 0, 5000);
  });

  test('busy: bruno\'s phone (SIPp) answers 486, and the call goes on to alice, whose phone answers', async () => {
    await onlyReady('bruno');
    const busy = sipp({ scenario: 'switch/kw-busy.xml', localPort: busyPort });
    const carrier = sipp({ scenario: 'uac-invite.xml', remote: `127.0.0.1:${sys.sipPort}`, service: RP, localPort: await freePort(), pauseMs: 300 });
    const bruno = sys.kw('bruno');
    const aliceN = sys.kw('alice').previews().length;
    const first = bruno.previews().length;
    await bruno.preview(first);
    bruno.rejectFrom(first + 1);
    await sys.kw('alice').presence('online');
    const connId = await bruno.accept(first);
    // The phone never rang (no party at 7001): the routing point gets the EventError.
    await mon.wait(RP, 'EventError', (e) => (e as { ConnID?: string; OtherDN?: string }).ConnID === connId && (e as { OtherDN?: string }).OtherDN === BRUNO);
    assert.equal(await busy.exitCode, 0, busy.process.output());
    await sys.kw('alice').accept(aliceN);
    await mon.wait(ALICE, 'EventEstablished', (e) => (e as { ConnID?: string }).ConnID === connId);
    await mon.wait(ALICE, 'EventReleased', (e) => (e as { ConnID?: string }).ConnID === connId, 15_000);
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    const rp = mon.on(RP, connId);
    assert.equal(rp.filter((m) => m === 'EventQueued').length, 2, `the call came back to the RP once: ${rp.join(', ')}`);
    assert.deepEqual(mon.on(ALICE, connId), ['EventRinging', 'EventEstablished', 'EventReleased']);
    await waitFor('no legs left', () => sys.legs() === 0, 5000);
  });

  test('the caller abandons under preview: EventAbandoned on the RP, and alice\'s open preview closes as cancelled; with nobody Ready the call waits in default-dn\'s queue, and abandoning there gives EventAbandoned', async () => {
    await onlyReady('alice');
    const alicePreviews = sys.kw('alice').previews().length;
    const carrier = sipp({ scenario: 'switch/carrier-cancel.xml', remote: `127.0.0.1:${sys.sipPort}`, service: RP, localPort: await freePort(), pauseMs: 1500 });
    const p = await sys.kw('alice').preview(alicePreviews);
    await mon.wait(RP, 'EventAbandoned', (e) => (e as { ConnID?: string }).ConnID === p.connId);
    await waitFor('alice\'s preview to close', () => sys.kw('alice').closed(p.id) !== undefined, 5000);
    assert.equal(sys.kw('alice').closed(p.id)?.outcome, 'cancelled', JSON.stringify(sys.kw('alice').closed(p.id)));
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    assert.deepEqual(mon.on(RP, p.connId), ['EventQueued', 'EventRouteRequest', 'EventAbandoned']);

    await onlyReady('nobody');
    const known = new Set(mon.events.map((e) => (e as { ConnID?: string }).ConnID));
    const queued = sipp({ scenario: 'switch/carrier-cancel.xml', remote: `127.0.0.1:${sys.sipPort}`, service: RP, localPort: await freePort(), pauseMs: 1000 });
    const q = await mon.wait(RP, 'EventQueued', (e) => !known.has((e as { ConnID?: string }).ConnID));
    const qConn = (q as { ConnID: string }).ConnID;
    await mon.wait(DEFAULT_DN, 'EventAbandoned', (e) => (e as { ConnID?: string }).ConnID === qConn);
    assert.equal(await queued.exitCode, 0, queued.process.output());
    assert.deepEqual(mon.on(RP, qConn), ['EventQueued', 'EventRouteRequest', 'EventRouteUsed', 'EventDiverted'], 'nobody Ready: the router sent the call to default-dn');
    assert.deepEqual(mon.on(DEFAULT_DN, qConn), ['EventQueued', 'EventAbandoned'], 'queued there, then abandoned');
    assert.equal(sys.kw('alice').previews().length, alicePreviews + 1, 'nobody was offered the queued call');
    await waitFor('no legs left', () => sys.legs() === 0, 5000);
  });
});
