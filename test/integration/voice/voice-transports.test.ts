// Issue 11, proven on real peers, point 4, through the whole system (buildApp on the SIP switch):
// UDP with retransmission (the carrier withholds its ACK, so our 200 is retransmitted), TCP end to
// end (carrier, switch, Kamailio, the KW's phone), and rtpengine killed in the middle of a call: the
// process survives, call control and hang-ups still work, and T-Lib sees EventReleased.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { soxToneWav } from '../../support/audio.ts';
import { startBaresipPhone, type BaresipPhone } from '../../support/baresip.ts';
import { freePort } from '../../support/free-port.ts';
import { startKamailio, type KamailioPeer } from '../../support/kamailio.ts';
import { startRtpengine, type RtpenginePeer } from '../../support/rtpengine.ts';
import { countMessages, startSipp } from '../../support/sipp.ts';
import { callIn } from './voice-caller.ts';
import { connectTlib, DnMonitor, RP, startVoiceSystem, TRUNK, type VoiceSystem } from './voice-system.ts';

const ALICE = 'sip:alice@example.test';
const TINA = 'sip:tina@example.test';
const byConn = (connId: string) => (e: unknown): boolean => (e as { ConnID?: string }).ConnID === connId;

/** Starts what a test needs and stops it all, last first, whatever happens. */
function stack(): { stops: Array<() => Promise<void>>; stopAll(): Promise<void> } {
  const stops: Array<() => Promise<void>> = [];
  return { stops, stopAll: async () => { for (const s of stops.splice(0).reverse()) await s().catch(() => {}); } };
}

describe('voice system over UDP with retransmission, and over TCP', () => {
  const s = stack();
  let kam: KamailioPeer;
  before(async () => {
    kam = await startKamailio();
    s.stops.push(() => kam.stop());
  });
  after(() => s.stopAll());

  test('UDP: the carrier (SIPp) withholds its ACK, so the system retransmits its 200 until it comes; alice\'s baresip answers; T-Lib sees the call from start to release', async () => {
    const alice: BaresipPhone = await startBaresipPhone({ user: 'alice', register: { proxyPort: kam.port }, sipTrace: true });
    s.stops.push(() => alice.stop());
    const sys: VoiceSystem = await startVoiceSystem({ kamailioPort: kam.port, kws: [{ user: 'alice' }] });
    s.stops.push(() => sys.stop());
    const mon = await DnMonitor.open(sys.tlib, [RP, TRUNK, ALICE]);
    s.stops.push(async () => mon.close());
    await sys.kw('alice').presence('online');
    // SIPp's pause comes between the 200 and its ACK (1.2 s: T1 doubling gives 2 retransmissions).
    const carrier = startSipp({ scenario: 'uac-invite.xml', remote: `127.0.0.1:${sys.sipPort}`, service: RP, transport: 'udp', localPort: await freePort(), pauseMs: 1200 });
    s.stops.push(() => carrier.stop());
    const connId = await sys.kw('alice').accept(0);
    await mon.wait(ALICE, 'EventEstablished', byConn(connId));
    await mon.wait(TRUNK, 'EventReleased', byConn(connId), 15_000);
    await mon.wait(ALICE, 'EventReleased', byConn(connId));
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    assert.ok(countMessages(carrier.messages(), 'SIP/2.0 200 OK') >= 3, `the 200 to the INVITE was retransmitted while the ACK was withheld:\n${carrier.messages()}`);
    assert.deepEqual(mon.on(ALICE, connId), ['EventRinging', 'EventEstablished', 'EventReleased']);
    assert.deepEqual(mon.on(RP, connId), ['EventQueued', 'EventRouteRequest', 'EventRouteUsed', 'EventDiverted']);
    assert.equal(sys.legs(), 0);
  });

  test('TCP: the carrier (SIPp) calls over TCP, the system reaches tina\'s baresip through Kamailio over TCP; one 200 (no retransmission); hang-up ends it', async () => {
    const tina = await startBaresipPhone({ user: 'tina', register: { proxyPort: kam.port, transport: 'tcp' }, sipTrace: true });
    s.stops.push(() => tina.stop());
    const sys = await startVoiceSystem({ kamailioPort: kam.port, kws: [{ user: 'tina' }], proxyTransport: 'tcp' });
    s.stops.push(() => sys.stop());
    const mon = await DnMonitor.open(sys.tlib, [RP, TRUNK, TINA]);
    s.stops.push(async () => mon.close());
    await sys.kw('tina').presence('online');
    const carrier = startSipp({ scenario: 'uac-invite.xml', remote: `127.0.0.1:${sys.sipPort}`, service: RP, transport: 'tcp', localPort: await freePort(), pauseMs: 500 });
    s.stops.push(() => carrier.stop());
    const connId = await sys.kw('tina').accept(0);
    await mon.wait(TINA, 'EventEstablished', byConn(connId));
    await tina.waitEvent('CALL_ESTABLISHED');
    assert.match(tina.log(), new RegExp(`INVITE sip:tina[^\\n]*\\n[\\s\\S]*?Via: SIP/2\\.0/TCP 127\\.0\\.0\\.1:${sys.sipPort};`), 'our INVITE went over TCP');
    await mon.wait(TINA, 'EventReleased', byConn(connId), 15_000);
    assert.equal(await carrier.exitCode, 0, carrier.process.output());
    assert.equal(countMessages(carrier.messages(), 'SIP/2.0 200 OK'), 2, 'one 200 for the INVITE and one for the BYE');
    await tina.waitEvent('CALL_CLOSED');
    assert.deepEqual(mon.on(TINA, connId), ['EventRinging', 'EventEstablished', 'EventReleased']);
    assert.equal(sys.legs(), 0);
  });
});

describe('voice system: rtpengine killed mid-call', () => {
  const s = stack();
  let kam: KamailioPeer;
  let rtpe: RtpenginePeer;
  let alice: BaresipPhone;
  before(async () => {
    kam = await startKamailio();
    s.stops.push(() => kam.stop());
    rtpe = await startRtpengine();
    s.stops.push(() => rtpe.stop());
    soxToneWav(join(rtpe.dir, 'music.wav'), { hz: 440, seconds: 2 });
    alice = await startBaresipPhone({ user: 'alice', register: { proxyPort: kam.port }, toneHz: 700 });
    s.stops.push(() => alice.stop());
  });
  after(() => s.stopAll());

  test('the process survives; hold and retrieve from alice\'s DN still work (without music); the caller\'s BYE ends the call: EventReleased; the T-Server still serves T-Lib; a new call still connects, with media end to end', async () => {
    const sys = await startVoiceSystem({
      kamailioPort: kam.port, kws: [{ user: 'alice' }],
      voice: [`  rtpengine: "${rtpe.ngAddress}"`, `  music: "${join(rtpe.dir, 'music.wav')}"`, '  sip-enable-moh: true'],
    });
    s.stops.push(() => sys.stop());
    const mon = await DnMonitor.open(sys.tlib, [RP, TRUNK, ALICE]);
    s.stops.push(async () => mon.close());
    const desk = await connectTlib(sys.tlib);
    s.stops.push(async () => desk.close());
    await desk.registerAddress(ALICE);
    await sys.kw('alice').presence('online');
    const mark = alice.events.length;
    const caller = await callIn(`sip:${RP}@127.0.0.1:${sys.sipPort}`, 1000);
    s.stops.push(() => caller.close());
    const connId = await sys.kw('alice').accept(0);
    await caller.answered;
    await mon.wait(ALICE, 'EventEstablished', byConn(connId));
    await caller.rtp.waitForAudio(0.5, { timeoutMs: 5000 });

    await rtpe.kill();
    await desk.request({ message: 'RequestHoldCall', ThisDN: ALICE, ConnID: connId } as never, 20_000);
    await desk.request({ message: 'RequestRetrieveCall', ThisDN: ALICE, ConnID: connId } as never, 20_000);
    await caller.hangup();
    await mon.wait(TRUNK, 'EventReleased', byConn(connId), 10_000);
    await mon.wait(ALICE, 'EventReleased', byConn(connId), 10_000);
    await alice.waitEvent('CALL_CLOSED', { since: mark, timeoutMs: 10_000 });
    assert.deepEqual(mon.on(ALICE, connId), ['EventRinging', 'EventEstablished', 'EventHeld', 'EventRetrieved', 'EventReleased']);
    assert.equal(sys.legs(), 0);
    // Still serving: a new T-Lib client registers, and the KW view is intact.
    const probe = await connectTlib(sys.tlib);
    s.stops.push(async () => probe.close());
    const reg = await probe.registerAddress(RP, { RegisterMode: 'ModeMonitor' });
    assert.equal(reg.message, 'EventRegistered');
    assert.ok(sys.app.connector.knowledgeWorker('alice'), 'the connector still serves alice');

    // A new call while the relay is dead: the switch falls back to media end to end (no relay),
    // alice answers, and the caller hears her phone's own tone straight from it.
    const again = await callIn(`sip:${RP}@127.0.0.1:${sys.sipPort}`, 1000);
    s.stops.push(() => again.close());
    const mark2 = alice.events.length;
    const second = await sys.kw('alice').accept(1);
    await again.answered;
    await mon.wait(ALICE, 'EventEstablished', byConn(second), 10_000);
    const t0 = Date.now();
    await again.rtp.waitForAudio(1, { from: t0, timeoutMs: 10_000 });
    const direct = again.rtp.heard(700, { from: t0, minSeconds: 0.75 });
    assert.ok(direct.ok, `the caller heard alice (700 Hz) end to end: ${JSON.stringify(direct)}`);
    assert.ok(![...again.rtp.sources(t0)].some((port) => port >= rtpe.portMin && port <= rtpe.portMax), 'no media from the dead relay\'s ports');
    await again.hangup();
    await mon.wait(ALICE, 'EventReleased', byConn(second), 10_000);
    await alice.waitEvent('CALL_CLOSED', { since: mark2, timeoutMs: 10_000 });
    assert.deepEqual(mon.on(RP, second), ['EventQueued', 'EventRouteRequest', 'EventRouteUsed', 'EventDiverted']);
    assert.equal(sys.legs(), 0);
  });
});
