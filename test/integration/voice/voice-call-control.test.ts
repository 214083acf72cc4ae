// Issue 11, proven on real peers, point 3, through the whole system (buildApp on the SIP switch
// with rtpengine): hold and retrieve asked over T-Lib from the KW's DN (as the web client does),
// with the music on hold heard by the held caller, checked by its frequency; single-step and
// two-step transfers to bob's phone, which rings, answers and hears the caller's tone.
// Tones: caller 1000 Hz, alice 700 Hz, bob 1400 Hz, music 440 Hz.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasTone, readWav, soxToneWav } from '../../support/audio.ts';
import { startBaresipPhone, type BaresipPhone } from '../../support/baresip.ts';
import { startKamailio, type KamailioPeer } from '../../support/kamailio.ts';
import { startRtpengine, type RtpenginePeer } from '../../support/rtpengine.ts';
import type { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import { callIn, type VoiceCaller } from './voice-caller.ts';
import { connectTlib, DnMonitor, RP, startVoiceSystem, TRUNK, type VoiceSystem } from './voice-system.ts';

const ALICE = 'sip:alice@example.test';
const BOB = 'sip:bob@example.test';
const CALLER_HZ = 1000;
const ALICE_HZ = 700;
const BOB_HZ = 1400;
const MUSIC_HZ = 440;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a baresip phone received in the recordings it started after `before` (one per stream restart), taken together. */
function heardSince(phone: BaresipPhone, before: Set<string>, hz: number, minSeconds: number): ReturnType<typeof hasTone> {
  const files = readdirSync(phone.recDir).filter((f) => f.endsWith('-dec.wav') && !before.has(f)).sort();
  const parts = files.map((f) => readWav(join(phone.recDir, f)));
  const all = new Float64Array(parts.reduce((n, p) => n + p.samples.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p.samples, at);
    at += p.samples.length;
  }
  return hasTone(all, hz, { rate: parts[0]?.rate ?? 8000, minSeconds });
}

const recordings = (phone: BaresipPhone): Set<string> => new Set(readdirSync(phone.recDir));

describe('voice system with rtpengine: hold with music, single- and two-step transfer', () => {
  let kam: KamailioPeer;
  let rtpe: RtpenginePeer;
  let alice: BaresipPhone;
  let bob: BaresipPhone;
  let sys: VoiceSystem;
  let mon: DnMonitor;
  /** alice's desktop: a T-Lib client on her DN, as the web client's call control is. */
  let desk: TlibClient;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    kam = await startKamailio();
    stops.push(() => kam.stop());
    rtpe = await startRtpengine();
    stops.push(() => rtpe.stop());
    soxToneWav(join(rtpe.dir, 'music.wav'), { hz: MUSIC_HZ, seconds: 2 });
    soxToneWav(join(rtpe.dir, 'ringback.wav'), { hz: 600, seconds: 2 });
    alice = await startBaresipPhone({ user: 'alice', register: { proxyPort: kam.port }, toneHz: ALICE_HZ });
    stops.push(() => alice.stop());
    bob = await startBaresipPhone({ user: 'bob', register: { proxyPort: kam.port }, toneHz: BOB_HZ });
    stops.push(() => bob.stop());
    sys = await startVoiceSystem({
      kamailioPort: kam.port,
      kws: [{ user: 'alice' }, { user: 'bob' }],
      voice: [
        `  rtpengine: "${rtpe.ngAddress}"`,
        `  ringback: "${join(rtpe.dir, 'ringback.wav')}"`,
        `  music: "${join(rtpe.dir, 'music.wav')}"`,
        '  caller-media: ringback',
        '  sip-enable-moh: true',
      ],
    });
    stops.push(() => sys.stop());
    mon = await DnMonitor.open(sys.tlib, [RP, TRUNK, ALICE, BOB]);
    stops.push(async () => mon.close());
    desk = await connectTlib(sys.tlib);
    await desk.registerAddress(ALICE);
    stops.push(async () => desk.close());
    await sys.kw('alice').presence('online');
    await sys.kw('bob').presence('busy');
  });

  after(async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  });

  /** A customer calls the routing point; alice accepts the preview and her phone answers. */
  async function callToAlice(): Promise<{ caller: VoiceCaller; connId: string }> {
    const caller = await callIn(`sip:${RP}@127.0.0.1:${sys.sipPort}`, CALLER_HZ);
    stops.push(() => caller.close());
    const n = sys.kw('alice').previews().length;
    const connId = await sys.kw('alice').accept(n);
    await caller.answered;
    await mon.wait(ALICE, 'EventEstablished', (e) => (e as { ConnID?: string }).ConnID === connId);
    return { caller, connId };
  }

  test('hold and retrieve from alice\'s DN: the held caller hears the music (440 Hz) from rtpengine, then alice again; alice hears the caller', async () => {
    const aliceRecs = recordings(alice);
    const { caller, connId } = await callToAlice();
    const t0 = Date.now();
    await sleep(1500);
    await desk.request({ message: 'RequestHoldCall', ThisDN: ALICE, ConnID: connId } as never);
    const t1 = Date.now();
    await sleep(2000);
    const t2 = Date.now();
    await desk.request({ message: 'RequestRetrieveCall', ThisDN: ALICE, ConnID: connId } as never);
    const t3 = Date.now();
    await sleep(1500);
    const t4 = Date.now();
    await caller.hangup();
    await mon.wait(ALICE, 'EventReleased', (e) => (e as { ConnID?: string }).ConnID === connId);

    const talk = caller.rtp.heard(ALICE_HZ, { from: t0, to: t1, minSeconds: 1 });
    assert.ok(talk.ok, `the caller heard alice (${ALICE_HZ} Hz): ${JSON.stringify(talk)}`);
    const moh = caller.rtp.heard(MUSIC_HZ, { from: t1, to: t2, minSeconds: 1.25 });
    assert.ok(moh.ok, `the held caller heard the music (${MUSIC_HZ} Hz): ${JSON.stringify(moh)}`);
    assert.ok(!caller.rtp.heard(ALICE_HZ, { from: t1 + 300, to: t2, minSeconds: 0.25 }).ok, 'alice was not heard while she held the call');
    const back = caller.rtp.heard(ALICE_HZ, { from: t3, to: t4, minSeconds: 1 });
    assert.ok(back.ok, `the caller heard alice again after the retrieve: ${JSON.stringify(back)}`);
    // baresip 1.0 stops recording when the relay's stream restarts (hold): its first stretch counts.
    const heard = heardSince(alice, aliceRecs, CALLER_HZ, 1);
    assert.ok(heard.ok, `alice heard the caller (${CALLER_HZ} Hz) through rtpengine: ${JSON.stringify(heard)}`);
    assert.deepEqual(mon.on(ALICE, connId), ['EventRinging', 'EventEstablished', 'EventHeld', 'EventRetrieved', 'EventReleased']);
    assert.equal(sys.legs(), 0);
  });

  test('single-step transfer from alice to bob: bob\'s phone rings (EventRinging), answers and hears the caller (1000 Hz); the caller hears bob', async () => {
    const bobRecs = recordings(bob);
    const bobMark = bob.events.length;
    const { caller, connId } = await callToAlice();
    await sleep(500);
    await desk.request({ message: 'RequestSingleStepTransfer', ThisDN: ALICE, ConnID: connId, OtherDN: BOB } as never);
    await bob.waitEvent('CALL_ESTABLISHED', { since: bobMark, timeoutMs: 10_000 });
    await mon.wait(BOB, 'EventEstablished', (e) => (e as { ConnID?: string }).ConnID === connId);
    await mon.wait(ALICE, 'EventReleased', (e) => (e as { ConnID?: string }).ConnID === connId);
    const t0 = Date.now();
    await sleep(2000);
    const t1 = Date.now();
    await caller.hangup();
    await mon.wait(BOB, 'EventReleased', (e) => (e as { ConnID?: string }).ConnID === connId);
    await bob.waitEvent('CALL_CLOSED', { since: bobMark });

    const heard = heardSince(bob, bobRecs, CALLER_HZ, 1.25);
    assert.ok(heard.ok, `bob heard the caller (${CALLER_HZ} Hz): ${JSON.stringify(heard)}`);
    const callerHeard = caller.rtp.heard(BOB_HZ, { from: t0, to: t1, minSeconds: 1.25 });
    assert.ok(callerHeard.ok, `the caller heard bob (${BOB_HZ} Hz): ${JSON.stringify(callerHeard)}`);
    assert.deepEqual(mon.on(BOB, connId), ['EventRinging', 'EventEstablished', 'EventReleased']);
    assert.equal(mon.on(ALICE, connId).at(-1), 'EventReleased');
    assert.equal(sys.legs(), 0);
  });

  test('two-step transfer from alice to bob: the consultation call rings bob, who answers; the held caller hears music; on completion bob hears the caller', async () => {
    const bobRecs = recordings(bob);
    const bobMark = bob.events.length;
    const { caller, connId } = await callToAlice();
    await sleep(500);
    const dialing = await desk.request({ message: 'RequestInitiateTransfer', ThisDN: ALICE, ConnID: connId, OtherDN: BOB } as never);
    const consult = (dialing as { ConnID?: string }).ConnID;
    assert.ok(consult && consult !== connId, `a consultation call: ${JSON.stringify(dialing)}`);
    const h0 = Date.now();
    await bob.waitEvent('CALL_ESTABLISHED', { since: bobMark, timeoutMs: 10_000 });
    await mon.wait(BOB, 'EventEstablished', (e) => (e as { ConnID?: string }).ConnID === consult);
    await sleep(1500); // alice talks to bob; the caller waits on hold
    const h1 = Date.now();
    await desk.request({ message: 'RequestCompleteTransfer', ThisDN: ALICE, ConnID: connId, TransferConnID: consult } as never);
    await mon.wait(ALICE, 'EventReleased', (e) => (e as { ConnID?: string }).ConnID === connId);
    const t0 = Date.now();
    await sleep(2000);
    const t1 = Date.now();
    await caller.hangup();
    await mon.wait(BOB, 'EventReleased', (e) => (e as { ConnID?: string }).ConnID === connId);
    await bob.waitEvent('CALL_CLOSED', { since: bobMark });

    const moh = caller.rtp.heard(MUSIC_HZ, { from: h0, to: h1, minSeconds: 1 });
    assert.ok(moh.ok, `the caller heard the music during the consultation: ${JSON.stringify(moh)}`);
    const heard = heardSince(bob, bobRecs, CALLER_HZ, 1.25);
    assert.ok(heard.ok, `bob heard the caller (${CALLER_HZ} Hz) after the completion: ${JSON.stringify(heard)}`);
    const callerHeard = caller.rtp.heard(BOB_HZ, { from: t0, to: t1, minSeconds: 1.25 });
    assert.ok(callerHeard.ok, `the caller heard bob (${BOB_HZ} Hz): ${JSON.stringify(callerHeard)}`);
    assert.deepEqual(mon.on(BOB, consult).slice(0, 2), ['EventRinging', 'EventEstablished'], 'the consultation call rang bob, who answered');
    assert.deepEqual(mon.on(ALICE, consult).slice(0, 2), ['EventDialing', 'EventEstablished'], 'alice dialled bob on the consultation call');
    assert.ok(mon.on(ALICE, connId).includes('EventHeld'), 'the main call was held at alice for the consultation');
    assert.equal(mon.on(BOB, connId).at(-1), 'EventReleased');
    assert.equal(sys.legs(), 0);
  });
});
