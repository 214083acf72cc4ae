// RtpengineRelay builds the ng dicts of the verified recipes (offer/answer with replace and flags,
// play/stop/block/unblock media, delete, ping) and checks what the switch hands it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { MediaRelayError } from '../../../src/media/media-relay.ts';
import type { BDict } from '../../../src/media/rtpengine/bencode.ts';
import { RtpengineRelay, type RtpengineRelayOptions } from '../../../src/media/rtpengine/rtpengine-relay.ts';
import { FakeNgPeer } from '../../support/fake-ng-peer.ts';

const SDP_A = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const SDP_R = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 24950 RTP/AVP 0\r\n';

function setup(options: Partial<RtpengineRelayOptions> = {}, reply: (r: BDict) => BDict | undefined = () => ({ result: 'ok' })): { peer: FakeNgPeer; relay: RtpengineRelay; clock: ManualClock } {
  const peer = new FakeNgPeer();
  peer.autoReply = reply;
  const clock = new ManualClock(0);
  const relay = new RtpengineRelay({ address: 'udp:127.0.0.1:2223', clock, transport: peer.factory, ...options });
  return { peer, relay, clock };
}
const plain = (d: BDict | undefined): unknown => JSON.parse(JSON.stringify(d));

test('offer and answer: the port session is the call-id, tags are from/to, rtpengine takes origin and session connection', async () => {
  const { peer, relay } = setup({}, () => ({ result: 'ok', sdp: SDP_R }));
  assert.equal(relay.address, 'udp:127.0.0.1:2223');
  assert.equal(await relay.offer({ session: 'bridge-1', fromTag: 'leg-a', sdp: SDP_A }), SDP_R);
  assert.equal(await relay.answer({ session: 'bridge-1', fromTag: 'leg-a', toTag: 'leg-b', sdp: SDP_A }), SDP_R);
  assert.deepEqual(plain(peer.sent[0]?.dict), { command: 'offer', 'call-id': 'bridge-1', 'from-tag': 'leg-a', sdp: SDP_A, replace: ['origin', 'session-connection'], flags: ['inject-DTMF'] });
  assert.deepEqual(plain(peer.sent[1]?.dict), { command: 'answer', 'call-id': 'bridge-1', 'from-tag': 'leg-a', 'to-tag': 'leg-b', sdp: SDP_A, replace: ['origin', 'session-connection'], flags: ['inject-DTMF'] });
});

test('flags: [] sends no flags list', async () => {
  const { peer, relay } = setup({ flags: [] }, () => ({ result: 'ok', sdp: SDP_R }));
  await relay.offer({ session: 's', fromTag: 'a', sdp: SDP_A });
  assert.equal(peer.sent[0]?.dict['flags'], undefined);
});

test('a reply without SDP is an error of that command', async () => {
  const { relay } = setup();
  await assert.rejects(relay.offer({ session: 's', fromTag: 'a', sdp: SDP_A }), (e: unknown) => e instanceof MediaRelayError && e.command === 'offer' && /holds no SDP/.test(e.message));
});

test('play, stop, block, unblock media select the party by from-tag; repeat asks for many plays', async () => {
  const { peer, relay } = setup({ repeatTimes: 50 }, (r): BDict => (r['command'] === 'play media' ? { result: 'ok', duration: 2000 } : { result: 'ok' }));
  assert.deepEqual(await relay.playMedia({ session: 's', tag: 'a', file: '/srv/moh.wav' }), { durationMs: 2000 });
  assert.deepEqual(await relay.playMedia({ session: 's', tag: 'a', file: '/srv/moh.wav', repeat: true }), {});
  await relay.stopMedia({ session: 's', tag: 'a' });
  await relay.blockMedia({ session: 's', tag: 'b' });
  await relay.unblockMedia({ session: 's', tag: 'b' });
  await relay.playDtmf({ session: 's', tag: 'a', digit: '#' });
  await relay.delete('s');
  assert.deepEqual(peer.sent.map((s) => plain(s.dict)), [
    { command: 'play media', 'call-id': 's', 'from-tag': 'a', file: '/srv/moh.wav' },
    { command: 'play media', 'call-id': 's', 'from-tag': 'a', file: '/srv/moh.wav', 'repeat-times': 50 },
    { command: 'stop media', 'call-id': 's', 'from-tag': 'a' },
    { command: 'block media', 'call-id': 's', 'from-tag': 'b' },
    { command: 'unblock media', 'call-id': 's', 'from-tag': 'b' },
    { command: 'play DTMF', 'call-id': 's', 'from-tag': 'a', code: '#', duration: 250 },
    { command: 'delete', 'call-id': 's' },
  ]);
});

test('ping wants pong', async () => {
  await setup({}, () => ({ result: 'pong' })).relay.ping();
  await assert.rejects(setup({}, () => ({ result: 'ok' })).relay.ping(), /instead of 'pong'/);
});

test('bad input from the switch is refused before anything is sent', async () => {
  const { peer, relay } = setup();
  await assert.rejects(relay.offer({ session: '', fromTag: 'a', sdp: SDP_A }), /media relay offer: session must be 1 to 256 characters/);
  await assert.rejects(relay.offer({ session: 's', fromTag: 'a b', sdp: SDP_A }), /fromTag must be/);
  await assert.rejects(relay.answer({ session: 's', fromTag: 'a', toTag: 'x'.repeat(257), sdp: SDP_A }), /toTag must be/);
  await assert.rejects(relay.offer({ session: 's', fromTag: 'a', sdp: 'hello' }), /the SDP must start with 'v=0'/);
  await assert.rejects(relay.playMedia({ session: 's', tag: 'a', file: '' }), /media relay play media: the file must be a path/);
  await assert.rejects(relay.playDtmf({ session: 's', tag: 'a', digit: '12' }), /is not one DTMF digit/);
  assert.equal(peer.sent.length, 0);
});

test('close closes the socket and later commands fail clearly', async () => {
  const { peer, relay } = setup();
  await relay.close();
  assert.equal(peer.closed, true);
  await assert.rejects(relay.delete('s'), /media relay delete: the ng client for udp:127.0.0.1:2223 is closed/);
});
