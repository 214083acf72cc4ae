// RtpengineRelay against a real rtpengine-daemon: two fake RTP phones (Node UDP sockets sending
// PCMU tones) are bridged through it; what each one hears is decoded and its frequency checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SystemClock } from '../../../src/lib/clock.ts';
import { MediaRelayError } from '../../../src/media/media-relay.ts';
import { RtpengineRelay } from '../../../src/media/rtpengine/rtpengine-relay.ts';
import { soxToneWav } from '../../support/audio.ts';
import { RtpPhone, sdpMediaTarget } from '../../support/rtp-phone.ts';
import { startRtpengine, type RtpenginePeer } from '../../support/rtpengine.ts';

const A_HZ = 700;
const B_HZ = 1000;
const ANNOUNCEMENT_HZ = 440;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let rtpe: RtpenginePeer;
let relay: RtpengineRelay;
let seq = 0;

before(async () => {
  rtpe = await startRtpengine();
  relay = new RtpengineRelay({ address: rtpe.ngAddress, clock: new SystemClock(), timeoutMs: 500, attempts: 2 });
});

after(async () => {
  await relay?.close();
  await rtpe?.stop();
});

/** Two phones bridged through rtpengine: A offers, B answers; each sends its tone where it was told. */
async function bridge(r: RtpengineRelay, peer: RtpenginePeer = rtpe): Promise<{ session: string; a: RtpPhone; b: RtpPhone; close(): Promise<void> }> {
  const session = `bridge-${process.pid}-${++seq}`;
  const a = await RtpPhone.open({ hz: A_HZ });
  const b = await RtpPhone.open({ hz: B_HZ });
  const close = async (): Promise<void> => {
    await a.close();
    await b.close();
  };
  try {
    const sdpForB = await r.offer({ session, fromTag: 'leg-a', sdp: a.sdp() });
    const sdpForA = await r.answer({ session, fromTag: 'leg-a', toTag: 'leg-b', sdp: b.sdp() });
    for (const [sdp, phone] of [[sdpForB, a], [sdpForA, b]] as const) {
      const t = sdpMediaTarget(sdp);
      assert.equal(t.host, '127.0.0.1');
      assert.ok(t.port >= peer.portMin && t.port <= peer.portMax, `rtpengine put its own port ${t.port} in the SDP, not the phone's ${phone.port}`);
    }
    a.startSending(sdpForA);
    b.startSending(sdpForB);
    return { session, a, b, close };
  } catch (e) {
    await close();
    throw e;
  }
}

test('ping: the relay answers pong', async () => {
  assert.equal(relay.address, rtpe.ngAddress);
  await relay.ping();
});

test('offer/answer bridges two phones: each hears the other\'s tone, from rtpengine\'s ports only; delete ends it', async () => {
  const call = await bridge(relay);
  try {
    const t0 = Date.now();
    await Promise.all([call.a.waitForAudio(1.2, { from: t0 }), call.b.waitForAudio(1.2, { from: t0 })]);
    const heardByB = call.b.heard(A_HZ, { from: t0, minSeconds: 1 });
    const heardByA = call.a.heard(B_HZ, { from: t0, minSeconds: 1 });
    assert.ok(heardByB.ok, `B hears A's ${A_HZ} Hz: ${JSON.stringify(heardByB)}`);
    assert.ok(heardByA.ok, `A hears B's ${B_HZ} Hz: ${JSON.stringify(heardByA)}`);
    for (const p of [call.a, call.b]) {
      const from = [...p.sources(t0)];
      assert.ok(from.length === 1 && from[0]! >= rtpe.portMin && from[0]! <= rtpe.portMax, `media comes from rtpengine (${from.join(',')})`);
    }
    const q = await relay.query(call.session);
    assert.deepEqual(Object.keys(q['tags'] as object).sort(), ['leg-a', 'leg-b']);

    // RFC 4733 injection (the inject-DTMF flag is on by default): B receives PT 101 events for 5.
    const td = Date.now();
    await relay.playDtmf({ session: call.session, tag: 'leg-a', digit: '5', durationMs: 200 });
    await sleep(600);
    const events = call.b.received.filter((p) => p.at >= td && p.pt === 101);
    assert.ok(events.length > 0 && events.every((p) => p.payload[0] === 5), `B got ${events.length} telephone-event packets for 5`);

    await relay.delete(call.session);
    await assert.rejects(relay.query(call.session), (e: unknown) => e instanceof MediaRelayError && /Unknown call-ID/i.test(e.message));
    await relay.delete(call.session); // unknown now: not an error
  } finally {
    await call.close();
  }
});

test('play media: with the other party blocked, A hears the 440 Hz WAV alone, B never does; unblock restores B', async () => {
  const wav = join(rtpe.dir, 'announcement.wav');
  soxToneWav(wav, { hz: ANNOUNCEMENT_HZ, seconds: 1.5 });
  const call = await bridge(relay);
  try {
    await call.a.waitForAudio(0.5, { from: Date.now() });
    await relay.blockMedia({ session: call.session, tag: 'leg-b' });
    const tp = Date.now();
    const played = await relay.playMedia({ session: call.session, tag: 'leg-a', file: wav });
    assert.equal(played.durationMs, 1500);
    await sleep(1500);
    const announcement = call.a.heard(ANNOUNCEMENT_HZ, { from: tp + 200, to: tp + 1500, minSeconds: 0.75 });
    assert.ok(announcement.ok, `A hears the announcement: ${JSON.stringify(announcement)}`);
    assert.ok(!call.a.heard(B_HZ, { from: tp + 200, to: tp + 1500, minSeconds: 0.25 }).ok, 'B is blocked meanwhile');
    const b = call.b.heard(ANNOUNCEMENT_HZ, { from: tp, minSeconds: 0.25 });
    assert.ok(!b.ok, `B does not hear the announcement: ${JSON.stringify(b)}`);
    assert.ok(call.b.heard(A_HZ, { from: tp, minSeconds: 1 }).ok, 'B keeps hearing A');

    await relay.unblockMedia({ session: call.session, tag: 'leg-b' });
    const tu = Date.now();
    await call.a.waitForAudio(0.75, { from: tu });
    const back = call.a.heard(B_HZ, { from: tu, minSeconds: 0.5 });
    assert.ok(back.ok, `A hears B again after unblock: ${JSON.stringify(back)}`);
  } finally {
    await relay.delete(call.session).catch(() => {});
    await call.close();
  }
});

test('play media with repeat loops a short file until stop media', async () => {
  const wav = join(rtpe.dir, 'short.wav');
  soxToneWav(wav, { hz: ANNOUNCEMENT_HZ, seconds: 0.4 });
  const call = await bridge(relay);
  try {
    await relay.blockMedia({ session: call.session, tag: 'leg-b' });
    const tp = Date.now();
    await relay.playMedia({ session: call.session, tag: 'leg-a', file: wav, repeat: true });
    await sleep(1500);
    const looped = call.a.heard(ANNOUNCEMENT_HZ, { from: tp + 200, to: tp + 1500, minSeconds: 1 });
    assert.ok(looped.ok, `the 0.4 s file is still heard after 1.5 s: ${JSON.stringify(looped)}`);
    await relay.stopMedia({ session: call.session, tag: 'leg-a' });
    await relay.unblockMedia({ session: call.session, tag: 'leg-b' });
    const ts = Date.now();
    await sleep(800);
    assert.ok(!call.a.heard(ANNOUNCEMENT_HZ, { from: ts + 200, minSeconds: 0.25 }).ok, 'stopped');
    assert.ok(call.a.heard(B_HZ, { from: ts + 200, minSeconds: 0.25 }).ok, 'B again');
  } finally {
    await relay.delete(call.session).catch(() => {});
    await call.close();
  }
});

test('an error reply is a MediaRelayError carrying rtpengine\'s reason', async () => {
  const p = await RtpPhone.open({ hz: B_HZ });
  try {
    await assert.rejects(relay.answer({ session: 'no-such-call', fromTag: 'x', toTag: 'y', sdp: p.sdp() }), (e: unknown) => {
      assert.ok(e instanceof MediaRelayError);
      assert.equal(e.command, 'answer');
      assert.match(e.message, /^media relay answer: udp:127\.0\.0\.1:\d+ refused: Unknown call-id$/);
      return true;
    });
    await assert.rejects(relay.playMedia({ session: 'no-such-call', tag: 'x', file: '/nonexistent.wav' }), /media relay play media: .* refused: Unknown call-ID/);
  } finally {
    await p.close();
  }
});

test('the daemon killed mid-call: later commands fail with a clear timeout, nothing crashes', async () => {
  const own = await startRtpengine();
  const r = new RtpengineRelay({ address: own.ngAddress, clock: new SystemClock(), timeoutMs: 150, attempts: 2 });
  let call: Awaited<ReturnType<typeof bridge>> | undefined;
  try {
    call = await bridge(r, own);
    await call.b.waitForAudio(0.3, { from: Date.now() });
    await own.kill();
    const t = Date.now();
    await assert.rejects(r.blockMedia({ session: call.session, tag: 'leg-b' }), (e: unknown) => {
      assert.ok(e instanceof MediaRelayError);
      assert.equal(e.message, `media relay block media: no reply from ${own.ngAddress} within 300 ms (2 attempts)`);
      return true;
    });
    assert.ok(Date.now() - t < 2000, 'the wait is bounded');
    await assert.rejects(r.ping(), /media relay ping: no reply from .* within 300 ms/);
    await sleep(100); // the phones keep sending into the dead port: no error surfaces
    assert.equal(r.ng.inFlight, 0);
  } finally {
    await r.close();
    await call?.close();
    await own.stop();
  }
});
