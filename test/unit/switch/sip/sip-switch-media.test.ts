// The SIP switch with a media relay (an in-test one that rewrites SDP like rtpengine): ringback as
// early media, the answered call bridged through the relay, hold with music, transfers that
// re-bridge, desktop answer, a phone's own re-INVITE, and a relay that stops answering.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InviteSession } from '../../../../src/sip/ua/invite-session.ts';
import type { IncomingInvite } from '../../../../src/sip/ua/invite-server.ts';
import type { OutgoingInviteHandle } from '../../../../src/sip/ua/invite-client.ts';
import { ALICE, BOB, CARRIER, FakeRelay, carrierCalls, dirOf, lastInbound, portOf, sdp, switchWorld, type SwitchWorld } from './switch-world.ts';

const M = '00000000000000a1';
const X = '00000000000000b2';
const ALICE_DN = 'sip:alice@example.test';
const BOB_DN = 'sip:bob@example.test';

interface Phone {
  incoming?: IncomingInvite;
  session?: InviteSession;
  invites: IncomingInvite[];
  reinvites: string[];
}

/** A KW phone that rings, and answers at once when `auto`. Records the re-INVITE bodies it gets. */
function phone(w: SwitchWorld, who: 'alice' | 'bob', auto: boolean, port: number): Phone {
  const p: Phone = { invites: [], reinvites: [] };
  w[who].ua.onInvite((inv) => {
    p.incoming = inv;
    p.invites.push(inv);
    inv.ring();
    if (auto) answer(p, port);
  });
  return p;
}

function answer(p: Phone, port: number): void {
  const session = p.incoming!.answer(sdp(p === undefined ? 'x' : 'kw', port));
  p.session = session;
  session.onReinvite((req, reply) => {
    const body = req.body.toString();
    p.reinvites.push(body);
    const dir = dirOf(body);
    const mine = dir === 'sendonly' ? 'recvonly' : dir === 'recvonly' ? 'sendonly' : dir ?? 'sendrecv';
    reply.accept(sdp('kw', port).replace('a=sendrecv', `a=${mine}`));
  });
}

/** The carrier's call, accepted as M, with the caller's re-INVITEs recorded and answered. */
async function callerOnHoldLine(w: SwitchWorld): Promise<{ call: OutgoingInviteHandle; reinvites: string[]; session: () => InviteSession | undefined }> {
  const call = carrierCalls(w);
  await w.settle();
  w.sw.execute({ kind: 'accept', legRef: lastInbound(w).legRef, connId: M, dn: '9000' });
  await w.settle();
  const reinvites: string[] = [];
  let session: InviteSession | undefined;
  void call.outcome.then((o) => {
    if (!o.ok) return;
    session = o.session;
    o.session.onReinvite((req, reply) => {
      const body = req.body.toString();
      reinvites.push(body);
      const dir = dirOf(body);
      reply.accept(sdp('carrier', 30000).replace('a=sendrecv', `a=${dir === 'sendonly' ? 'recvonly' : dir === 'inactive' ? 'inactive' : 'sendrecv'}`));
    });
  });
  return { call, reinvites, session: () => session };
}

async function answeredWithAlice(w: SwitchWorld) {
  const alice = phone(w, 'alice', true, 31000);
  const caller = await callerOnHoldLine(w);
  w.sw.execute({ kind: 'offer', connId: M, dn: ALICE_DN, from: '9000', userData: [], mediaType: 'voice' });
  await w.settle();
  assert.deepEqual(w.kinds().slice(-2), [`ringing ${ALICE_DN}`, `answered ${ALICE_DN}`]);
  return { alice, caller };
}

describe('SIP switch with a media relay', () => {
  test('early media: 183 with the relay\'s SDP and ringback played; the KW gets the relay\'s offer; the 200 to the caller keeps the dialog\'s origin', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { callerMedia: 'early-media', ringback: '/media/ringback.wav', rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    const alice = phone(w, 'alice', false, 31000);
    const { call } = await callerOnHoldLine(w);
    const [progress] = w.received(CARRIER, 'SIP/2.0 183');
    assert.ok(progress, '183 Session Progress');
    assert.match(progress, /c=IN IP4 192\.0\.2\.1/);
    const [offer, placeholder] = relay.log;
    assert.match(offer!, /^offer ucc-\w+ ucc-\w+-a 30000$/);
    assert.match(placeholder!, /^answer ucc-\w+ ucc-\w+-a ucc-\w+-b \d+$/);
    const session = offer!.split(' ')[1]!;
    assert.deepEqual(relay.cmds('play'), [`play ${session} ${session}-a /media/ringback.wav repeat`]);
    assert.equal(w.received(CARRIER, 'SIP/2.0 180').length, 0);

    w.sw.execute({ kind: 'offer', connId: M, dn: ALICE_DN, from: '9000', userData: [], mediaType: 'voice' });
    await w.settle();
    const invite = w.received(ALICE, 'INVITE')[0]!;
    assert.match(invite, /c=IN IP4 192\.0\.2\.1/, 'the KW gets the relay\'s address');
    assert.equal(relay.cmds('offer').length, 1, 'the offer reuses the caller\'s relay session');
    answer(alice, 31000);
    await w.settle();
    assert.deepEqual(relay.log.slice(-2), [`answer ${session} ${session}-a ${session}-b 31000`, `stop ${session} ${session}-a`]);
    const outcome = await call.outcome;
    assert.ok(outcome.ok);
    const ok200 = outcome.session.remote.body.toString();
    assert.equal(portOf(ok200), portOf(progress.slice(progress.indexOf('v=0'))), 'the same relay port as the early media');
    const o183 = /o=(\S+ \d+) (\d+)/.exec(progress)!;
    const o200 = /o=(\S+ \d+) (\d+)/.exec(ok200)!;
    assert.equal(o200[1], o183[1], 'one origin per dialog');
    assert.deepEqual(w.kinds().slice(-1), [`answered ${ALICE_DN}`]);
    w.sw.execute({ kind: 'end', connId: M });
    await w.settle();
    assert.deepEqual(relay.cmds('delete'), [`delete ${session}`]);
    assert.equal(w.sw.legCount, 0);
    await w.close();
  });

  test('caller-media answer: 200 at once with the ringback, then a re-INVITE only if the relay\'s SDP for the caller changes', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { callerMedia: 'answer', music: '/media/music.wav', rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    phone(w, 'alice', true, 31000);
    const caller = await callerOnHoldLine(w);
    const outcome = await caller.call.outcome;
    assert.ok(outcome.ok, 'answered before any KW');
    assert.equal(relay.cmds('play').length, 1);
    w.sw.execute({ kind: 'offer', connId: M, dn: ALICE_DN, from: '9000', userData: [], mediaType: 'voice' });
    await w.settle();
    assert.deepEqual(caller.reinvites, [], 'the relay kept the caller\'s port (port latching): no re-INVITE');
    assert.equal(relay.cmds('stop').length, 1);
    await w.close();
  });

  test('hold with music (sip-enable-moh): inactive to the holder, sendonly to the held party, the holder blocked and the music looped to the held party; retrieve undoes it', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { 'sip-enable-moh': true, music: '/media/music.wav', rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    const { alice, caller } = await answeredWithAlice(w);
    const session = relay.cmds('offer')[0]!.split(' ')[1]!;
    assert.deepEqual(w.sw.execute({ kind: 'hold', connId: M, dn: ALICE_DN }), []);
    await w.settle();
    assert.equal(dirOf(alice.reinvites.at(-1)!), 'inactive');
    assert.equal(dirOf(caller.reinvites.at(-1)!), 'sendonly');
    assert.deepEqual(relay.log.slice(-2), [`block ${session} ${session}-b`, `play ${session} ${session}-a /media/music.wav repeat`]);
    assert.deepEqual(w.events.at(-1), { kind: 'held', connId: M, dn: ALICE_DN });
    // Each re-INVITE in a dialog bumps its o= version, the session id stays.
    const v = (s: string): string => /o=\S+ \d+ (\d+)/.exec(s)![1]!;
    assert.ok(BigInt(v(alice.reinvites.at(-1)!)) > BigInt(v(w.received(ALICE, 'INVITE')[0]!)));

    w.sw.execute({ kind: 'retrieve', connId: M, dn: ALICE_DN });
    await w.settle();
    assert.deepEqual(relay.log.slice(-2), [`stop ${session} ${session}-a`, `unblock ${session} ${session}-b`]);
    assert.equal(dirOf(alice.reinvites.at(-1)!), 'sendrecv');
    assert.equal(dirOf(caller.reinvites.at(-1)!), 'sendrecv');
    assert.deepEqual(w.events.at(-1), { kind: 'retrieved', connId: M, dn: ALICE_DN });
    await w.close();
  });

  test('a hold re-INVITE the phone refuses → failed; nothing is played', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { 'sip-enable-moh': true, music: '/media/music.wav', rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    const { alice } = await answeredWithAlice(w);
    alice.session!.onReinvite((_req, reply) => reply.reject(488));
    w.sw.execute({ kind: 'hold', connId: M, dn: ALICE_DN });
    await w.settle();
    const e = w.events.at(-1);
    assert.equal(e?.kind, 'failed');
    assert.match(e?.kind === 'failed' ? e.detail ?? '' : '', /488/);
    assert.equal(relay.cmds('play').length, 0);
    await w.close();
  });

  test('single-step transfer: the target gets a new relay session\'s offer; on its answer the caller is re-INVITEd into it; the transferring KW is then released', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    const { alice, caller } = await answeredWithAlice(w);
    const first = relay.cmds('offer')[0]!.split(' ')[1]!;
    const bob = phone(w, 'bob', true, 32000);
    w.sw.execute({ kind: 'offer', connId: M, dn: BOB_DN, from: ALICE_DN, contact: `sip:bob@${BOB.host}:${BOB.port}`, userData: [], mediaType: 'voice' });
    await w.settle();
    const second = relay.cmds('offer')[1]!.split(' ');
    assert.notEqual(second[1], first, 'a new session');
    assert.equal(second[3], '30000', 'offered from the caller\'s SDP');
    assert.ok(bob.session);
    assert.deepEqual(w.kinds().slice(-1), [`answered ${BOB_DN}`]);
    assert.equal(caller.reinvites.length, 1, 'the caller was re-bridged');
    assert.match(caller.reinvites[0]!, /c=IN IP4 192\.0\.2\.1/);
    w.sw.execute({ kind: 'release', connId: M, dn: ALICE_DN, cause: 'normal' });
    await w.settle();
    assert.equal(alice.session!.state, 'remote-bye');
    assert.deepEqual(relay.cmds('delete'), [`delete ${first}`], 'the old session goes with its last leg');
    await w.close();
  });

  test('two-step transfer: hold, consult the dialog-reusing initiator with the target, complete (move + release) → caller and target re-bridged', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { 'sip-enable-moh': true, music: '/media/music.wav', rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    const { alice, caller } = await answeredWithAlice(w);
    w.sw.execute({ kind: 'hold', connId: M, dn: ALICE_DN });
    await w.settle();
    const heldReinvites = caller.reinvites.length;
    const bob = phone(w, 'bob', true, 32000);
    // The consultation call X: alice (its origin, no leg of its own) → bob.
    w.sw.execute({ kind: 'offer', connId: X, dn: BOB_DN, from: ALICE_DN, contact: `sip:bob@${BOB.host}:${BOB.port}`, userData: [], mediaType: 'voice' });
    await w.settle();
    assert.deepEqual(w.kinds().slice(-1), [`answered ${BOB_DN}`]);
    assert.equal(relay.cmds('offer').at(-1)!.split(' ')[3], '31000', 'bob is offered alice\'s SDP');
    assert.equal(dirOf(alice.reinvites.at(-1)!), 'sendrecv', 'alice\'s phone talks to bob now');
    assert.equal(w.received(ALICE, 'INVITE').length, 1 + alice.reinvites.length, 'no second dialog to alice (dual-dialog-enabled false)');
    // Complete: bob's leg moves to M, alice leaves both calls, X ends.
    w.sw.execute({ kind: 'move', connId: X, toConnId: M, dn: BOB_DN });
    w.sw.execute({ kind: 'release', connId: M, dn: ALICE_DN, cause: 'normal' });
    w.sw.execute({ kind: 'end', connId: X });
    await w.settle();
    assert.equal(alice.session!.state, 'remote-bye');
    assert.ok(bob.session?.state === 'active');
    assert.ok(bob.reinvites.length >= 1, 'bob re-INVITEd with the caller\'s media');
    assert.equal(relay.cmds('offer').at(-1)!.split(' ')[3], '30000', 'the last bridge is offered from the caller\'s SDP');
    assert.ok(caller.reinvites.length > heldReinvites);
    assert.equal(dirOf(caller.reinvites.at(-1)!), 'sendrecv', 'the caller is off hold, talking to bob');
    assert.equal(w.sw.legCount, 2);
    await w.close();
  });

  test('desktop answer: refused for a DN not in desktop-answer; otherwise CANCEL and a new INVITE with Call-Info answer-after=0', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { desktopAnswer: [ALICE_DN], rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    assert.equal(w.sw.capabilities.answer, true);
    const alice = phone(w, 'alice', false, 31000);
    await callerOnHoldLine(w);
    w.sw.execute({ kind: 'offer', connId: M, dn: ALICE_DN, from: '9000', userData: [], mediaType: 'voice' });
    await w.settle();
    assert.deepEqual(w.sw.execute({ kind: 'answer', connId: M, dn: 'sip:carol@example.test' }).map((e) => e.kind), ['failed']);
    w.alice.ua.onInvite((inv) => {
      alice.incoming = inv;
      if (/answer-after=0/.test(inv.request.headers.get('Call-Info') ?? '')) answer(alice, 31000);
      else inv.ring();
    });
    assert.deepEqual(w.sw.execute({ kind: 'answer', connId: M, dn: ALICE_DN }), []);
    await w.settle();
    const invites = w.received(ALICE, 'INVITE');
    assert.equal(invites.length, 2);
    assert.match(invites[1]!, /\r\nCall-Info: <sip:example\.test>;answer-after=0\r\n/);
    const header = (m: string, h: string): string => new RegExp(`\r\n${h}: ([^\r]*)`).exec(m)![1]!;
    assert.equal(header(invites[1]!, 'Call-ID'), header(invites[0]!, 'Call-ID'), 'the same call again');
    assert.equal(header(invites[1]!, 'From'), header(invites[0]!, 'From'));
    assert.equal(header(invites[1]!, 'CSeq'), '2 INVITE');
    assert.equal(w.received(ALICE, 'CANCEL').length, 1);
    assert.deepEqual(w.kinds().filter((k) => k.startsWith('ringing') || k.startsWith('answered') || k.startsWith('failed')), [`ringing ${ALICE_DN}`, `answered ${ALICE_DN}`]);
    await w.close();
  });

  test('a phone\'s own re-INVITE (its hold button) reaches the other party through the relay', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    const { alice, caller } = await answeredWithAlice(w);
    const res = alice.session!.reinvite(sdp('kw', 31000).replace('a=sendrecv', 'a=sendonly'));
    await w.settle();
    assert.equal((await res).status, 200);
    assert.equal(dirOf(caller.reinvites.at(-1)!), 'sendonly', 'the caller hears about the hold');
    assert.equal(dirOf((await res).body.toString()), 'recvonly', 'the caller\'s answer came back through the relay');
    const refresh = alice.session!.reinvite(sdp('kw', 31000).replace('a=sendrecv', 'a=sendonly'));
    await w.settle();
    assert.equal((await refresh).status, 200);
    assert.equal(caller.reinvites.length, 1, 'a refresh with nothing new stays with us');
    await w.close();
  });

  test('the relay stops answering: a hold goes on without music, a new offer carries media end to end, BYEs still end the call', async () => {
    const relay = new FakeRelay();
    const w = await switchWorld({ relay, config: { 'sip-enable-moh': true, music: '/media/music.wav', rtpengine: { host: '192.0.2.1', port: 2223, address: relay.address } } });
    const { alice } = await answeredWithAlice(w);
    relay.dead = true;
    w.sw.execute({ kind: 'hold', connId: M, dn: ALICE_DN });
    await w.settle();
    assert.deepEqual(w.events.at(-1), { kind: 'held', connId: M, dn: ALICE_DN });
    assert.ok(w.logger.lines.some((l) => l.msg === 'music on hold unavailable: the media relay failed'));
    const bob = phone(w, 'bob', false, 32000);
    w.sw.execute({ kind: 'offer', connId: M, dn: BOB_DN, from: ALICE_DN, contact: `sip:bob@${BOB.host}:${BOB.port}`, userData: [], mediaType: 'voice' });
    await w.settle();
    assert.deepEqual(w.events.at(-1), { kind: 'ringing', connId: M, dn: BOB_DN }, 'the offer goes on without the relay');
    assert.ok(w.logger.lines.some((l) => String(l.msg).startsWith('media relay failed; this call')));
    assert.doesNotMatch(bob.invites[0]!.request.body.toString(), /192\.0\.2\.1|relay/i, 'bob is offered the held party\'s own SDP, not the relay\'s');
    void alice.session!.bye();
    await w.settle();
    assert.deepEqual(w.events.at(-1), { kind: 'released', connId: M, dn: ALICE_DN, cause: 'normal' });
    w.sw.execute({ kind: 'end', connId: M });
    await w.settle();
    assert.equal(w.sw.legCount, 0);
    assert.ok(w.logger.lines.some((l) => l.msg === 'media relay delete failed'));
    await w.close();
  });
});
