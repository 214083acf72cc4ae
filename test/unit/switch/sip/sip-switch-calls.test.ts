// The SIP switch, driven as the T-Server core drives it, over the in-memory network: inbound
// calls from trunks, offers to KW phones, the events it reports and the SIP it sends.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InviteSession } from '../../../../src/sip/ua/invite-session.ts';
import type { IncomingInvite } from '../../../../src/sip/ua/invite-server.ts';
import { SipSwitch } from '../../../../src/switch/sip/sip-switch.ts';
import { ALICE, BOB, CARRIER, SWITCH, carrierCalls, lastInbound, sdp, switchWorld, voiceConfig, type SwitchWorld } from './switch-world.ts';

const C1 = '00000000000000c1';

/** Carrier INVITE → inbound → accept as ConnID C1 on Trunk 9000. */
async function acceptedCall(w: SwitchWorld, headers: Record<string, string> = {}) {
  const call = carrierCalls(w, headers);
  await w.settle();
  const inbound = lastInbound(w);
  assert.deepEqual(w.sw.execute({ kind: 'accept', legRef: inbound.legRef, connId: C1, dn: '9000' }), []);
  await w.settle();
  return { call, inbound };
}

/** alice's phone: rings, and answers when `answer()` is called. */
function alicePhone(w: SwitchWorld) {
  const phone: { incoming?: IncomingInvite; session?: InviteSession; answer(): void } = {
    answer() {
      phone.session = phone.incoming?.answer(sdp('alice', 31000));
    },
  };
  w.alice.ua.onInvite((inv) => {
    phone.incoming = inv;
    inv.ring();
  });
  return phone;
}

describe('SIP switch: inbound calls', () => {
  test('an INVITE from a trunk: 100 at once, `inbound` with ANI, DNIS, trunk and UserData; refuse → 404', async () => {
    const w = await switchWorld();
    const call = carrierCalls(w, { 'X-Genesys-CustomerName': 'Anna Petrova', 'X-Account': '4711', 'X-Other': 'no' });
    await w.settle();
    assert.equal(w.received(CARRIER, 'SIP/2.0 100').length, 1);
    const inbound = lastInbound(w);
    assert.equal(inbound.from, '+33111');
    assert.equal(inbound.to, '8000');
    assert.equal(inbound.trunk, '9000');
    assert.equal(inbound.mediaType, 'voice');
    assert.deepEqual(inbound.userData, [['CustomerName', 'Anna Petrova'], ['Account', '4711']]);
    assert.equal(w.sw.legCount, 1);
    w.sw.execute({ kind: 'refuse', legRef: inbound.legRef, cause: 'unknownNumber' });
    await w.settle();
    assert.equal((await call.outcome).response.status, 404);
    assert.equal(w.sw.legCount, 0);
    await w.close();
  });

  test('an INVITE from an address that is no trunk gets 403; no event', async () => {
    const w = await switchWorld();
    const call = w.stranger.ua.startInvite(`sip:8000@${SWITCH.host}:${SWITCH.port}`, { body: sdp('x', 1000), contentType: 'application/sdp' });
    await w.settle();
    assert.equal((await call.outcome).response.status, 403);
    assert.deepEqual(w.events, []);
    await w.close();
  });

  test('a trunk with credentials challenges with 407 and takes the call once they are right', async () => {
    const w = await switchWorld({ config: { trunks: [{ dn: '9000', addresses: [CARRIER.host], credentials: { username: 'carrier', password: 's3cret' } }] } });
    const bare = carrierCalls(w);
    await w.settle();
    assert.equal((await bare.outcome).response.status, 407);
    const { SipUserAgent } = await import('../../../../src/sip/api/sip-user-agent.ts');
    const authed = new SipUserAgent({ stack: w.carrier.stack, aor: 'sip:+33111@carrier.test', clock: w.clock, credentials: { username: 'carrier', password: 's3cret' } });
    authed.startInvite(`sip:8000@${SWITCH.host}:${SWITCH.port}`, { body: sdp('carrier', 30000), contentType: 'application/sdp' });
    await w.settle();
    assert.equal(lastInbound(w).trunk, '9000');
    authed.dispose();
    await w.close();
  });

  test('bounded: beyond max-legs 503 with Retry-After; an oversized or missing SDP 488; nobody accepting 480', async () => {
    const w = await switchWorld({ config: { maxLegs: 1 } });
    carrierCalls(w);
    await w.settle();
    const second = carrierCalls(w);
    await w.settle();
    const r2 = (await second.outcome).response;
    assert.equal(r2.status, 503);
    assert.equal(r2.headers.get('Retry-After'), '5');
    w.clock.advance(32_000);
    await w.settle();
    assert.equal(w.sw.legCount, 0, 'the unaccepted call timed out');
    assert.equal(w.received(CARRIER, 'SIP/2.0 480').length, 1);
    const big = carrierCalls(w, {}, sdp('carrier', 30000, 'a=x:' + 'y'.repeat(5000) + '\r\n'));
    const none = w.carrier.ua.startInvite(`sip:8000@${SWITCH.host}:${SWITCH.port}`);
    await w.settle();
    assert.equal((await big.outcome).response.status, 488);
    assert.equal((await none.outcome).response.status, 488);
    assert.match((await none.outcome).response.headers.get('Warning') ?? '', /no SDP/);
    await w.close();
  });

  test('accept → 180; the caller CANCELs → `released` (cause normal)', async () => {
    const w = await switchWorld();
    const { call } = await acceptedCall(w);
    assert.equal(w.received(CARRIER, 'SIP/2.0 180').length, 1);
    call.cancel();
    await w.settle();
    assert.equal((await call.outcome).response.status, 487);
    assert.deepEqual(w.events.at(-1), { kind: 'released', connId: C1, dn: '9000', cause: 'normal' });
    assert.equal(w.sw.legCount, 0);
    await w.close();
  });

  test('a CANCEL before the core accepted: accept answers `released` at once', async () => {
    const w = await switchWorld();
    const call = carrierCalls(w);
    await w.settle();
    call.cancel();
    await w.settle();
    const inbound = lastInbound(w);
    assert.deepEqual(w.sw.execute({ kind: 'accept', legRef: inbound.legRef, connId: C1, dn: '9000' }), [{ kind: 'released', connId: C1, dn: '9000', cause: 'normal' }]);
    await w.close();
  });
});

describe('SIP switch: offers to KW phones', () => {
  test('the whole call without a relay: INVITE through the proxy, ringing, answered, the caller gets the KW\'s SDP, BYE from the KW → released', async () => {
    const w = await switchWorld();
    assert.ok(w.logger.lines.some((l) => /without a media relay: media flows end to end.*music on hold/.test(String(l.msg))), 'one clear line at start');
    const phone = alicePhone(w);
    const { call } = await acceptedCall(w);
    const r = w.sw.execute({ kind: 'offer', connId: C1, dn: 'sip:alice@example.test', from: '9000', userData: [['CustomerName', 'Anna'], ['Segment', 3], ['nested', [['a', 'b']]]], mediaType: 'voice' });
    assert.deepEqual(r, []);
    await w.settle();
    const invite = w.received(ALICE, 'INVITE')[0]!;
    assert.match(invite, /^INVITE sip:alice@example\.test SIP\/2\.0\r\n/);
    assert.match(invite, /\r\nRoute: <sip:10\.0\.0\.2:5060;lr>\r\n/);
    assert.match(invite, /\r\nFrom: <sip:\+33111@example\.test>;tag=/);
    assert.match(invite, /\r\nX-Genesys-CustomerName: Anna\r\n/);
    assert.match(invite, /\r\nX-Genesys-Segment: 3\r\n/);
    assert.doesNotMatch(invite, /Call-Info/);
    assert.match(invite, /m=audio 30000 /, 'without a relay the KW gets the caller\'s SDP');
    assert.deepEqual(w.kinds(), ['inbound', 'ringing sip:alice@example.test']);
    phone.answer();
    await w.settle();
    const outcome = await call.outcome;
    assert.ok(outcome.ok);
    assert.match(outcome.session.remote.body.toString(), /m=audio 31000 /, 'the caller gets the KW\'s SDP');
    assert.deepEqual(w.kinds(), ['inbound', 'ringing sip:alice@example.test', 'answered sip:alice@example.test']);
    void phone.session!.bye();
    await w.settle();
    assert.deepEqual(w.events.at(-1), { kind: 'released', connId: C1, dn: 'sip:alice@example.test', cause: 'normal' });
    // The core then releases the caller: BYE to the carrier.
    w.sw.execute({ kind: 'release', connId: C1, dn: '9000', cause: 'normal' });
    await w.settle();
    assert.equal(outcome.session.state, 'remote-bye');
    assert.equal(w.sw.legCount, 0);
    await w.close();
  });

  test('a DN with contact is called there, without the proxy Route; a BYE from the caller → released', async () => {
    const w = await switchWorld();
    let kw: InviteSession | undefined;
    w.bob.ua.onInvite((inv) => void (kw = inv.answer(sdp('bob', 32000))));
    const { call } = await acceptedCall(w);
    w.sw.execute({ kind: 'offer', connId: C1, dn: '7001', from: '9000', contact: `${BOB.host}:${BOB.port}`, userData: [], mediaType: 'voice' });
    await w.settle();
    const invite = w.received(BOB, 'INVITE')[0]!;
    assert.match(invite, /^INVITE sip:7001@10\.0\.0\.4:5060 SIP\/2\.0\r\n/);
    assert.doesNotMatch(invite, /\r\nRoute:/);
    const outcome = await call.outcome;
    assert.ok(outcome.ok && kw);
    void outcome.session.bye();
    await w.settle();
    assert.deepEqual(w.events.at(-1), { kind: 'released', connId: C1, dn: '9000', cause: 'normal' });
    w.sw.execute({ kind: 'end', connId: C1 });
    await w.settle();
    assert.equal(kw.state, 'remote-bye', 'end BYEs what is left');
    await w.close();
  });

  for (const [status, rang, cause] of [[486, false, 'busy'], [600, false, 'busy'], [404, false, 'notFound'], [480, true, 'noAnswer'], [480, false, 'notFound'], [603, true, 'rejected']] as const) {
    test(`the phone answers ${status}${rang ? ' after ringing' : ''} → failed ${cause}; the caller stays`, async () => {
      const w = await switchWorld();
      w.alice.ua.onInvite((inv) => {
        if (rang) inv.ring();
        inv.reject(status);
      });
      const { call } = await acceptedCall(w);
      w.sw.execute({ kind: 'offer', connId: C1, dn: 'sip:alice@example.test', from: '9000', userData: [], mediaType: 'voice' });
      await w.settle();
      const failed = w.events.at(-1);
      assert.equal(failed?.kind, 'failed');
      assert.equal(failed?.kind === 'failed' && failed.cause, cause);
      assert.match(failed?.kind === 'failed' ? failed.detail ?? '' : '', new RegExp(`^${status} `));
      assert.equal(w.sw.legCount, 1, 'only the caller is left');
      call.cancel();
      await w.settle();
      await w.close();
    });
  }

  test('no response at all (Timer B) → failed error', async () => {
    const w = await switchWorld();
    w.net.lossFilter = (p) => p.to.host === ALICE.host;
    await acceptedCall(w);
    w.sw.execute({ kind: 'offer', connId: C1, dn: 'sip:alice@example.test', from: '9000', userData: [], mediaType: 'voice' });
    await w.settle();
    for (let i = 0; i < 70; i++) {
      w.clock.advance(500);
      await w.settle();
    }
    const failed = w.events.at(-1);
    assert.equal(failed?.kind === 'failed' && failed.cause, 'error');
    await w.close();
  });

  test('release while the phone rings → CANCEL reaches it; no failed event; a second offer to another DN still works', async () => {
    const w = await switchWorld();
    const phone = alicePhone(w);
    let cancelled = false;
    const { call } = await acceptedCall(w);
    w.sw.execute({ kind: 'offer', connId: C1, dn: 'sip:alice@example.test', from: '9000', userData: [], mediaType: 'voice' });
    await w.settle();
    phone.incoming!.onCancel(() => (cancelled = true));
    w.sw.execute({ kind: 'release', connId: C1, dn: 'sip:alice@example.test', cause: 'normal' });
    await w.settle();
    assert.equal(cancelled, true);
    assert.equal(w.received(ALICE, 'CANCEL').length, 1);
    assert.deepEqual(w.kinds(), ['inbound', 'ringing sip:alice@example.test']);
    w.bob.ua.onInvite((inv) => void inv.answer(sdp('bob', 32000)));
    w.sw.execute({ kind: 'offer', connId: C1, dn: 'sip:bob@example.test', from: '9000', contact: `sip:bob@${BOB.host}:${BOB.port}`, userData: [], mediaType: 'voice' });
    await w.settle();
    assert.deepEqual(w.kinds().slice(-1), ['answered sip:bob@example.test']);
    assert.ok((await call.outcome).ok);
    await w.close();
  });

  test('UDP: a lost INVITE is retransmitted after T1 and the call goes on', async () => {
    const w = await switchWorld();
    const phone = alicePhone(w);
    await acceptedCall(w);
    w.net.dropNext(1, (p) => p.to.host === ALICE.host && p.data.toString('latin1').startsWith('INVITE'));
    w.sw.execute({ kind: 'offer', connId: C1, dn: 'sip:alice@example.test', from: '9000', userData: [], mediaType: 'voice' });
    await w.settle();
    assert.equal(phone.incoming, undefined);
    w.clock.advance(500);
    await w.settle();
    assert.ok(phone.incoming, 'the retransmission arrived');
    assert.equal(w.received(ALICE, 'INVITE').length, 2);
    phone.answer();
    await w.settle();
    assert.deepEqual(w.kinds().slice(-1), ['answered sip:alice@example.test']);
    await w.close();
  });

  test('a phone that answers without usable SDP is hung up: failed error', async () => {
    const w = await switchWorld();
    w.alice.ua.onInvite((inv) => void inv.answer('hello'));
    await acceptedCall(w);
    w.sw.execute({ kind: 'offer', connId: C1, dn: 'sip:alice@example.test', from: '9000', userData: [], mediaType: 'voice' });
    await w.settle();
    const failed = w.events.at(-1);
    assert.equal(failed?.kind === 'failed' && failed.cause, 'error');
    assert.equal(w.received(ALICE, 'BYE').length, 1);
    await w.close();
  });

  test('commands that cannot be carried out fail at once', async () => {
    const w = await switchWorld();
    assert.deepEqual(w.sw.execute({ kind: 'offer', connId: C1, dn: 'x', from: '9000', userData: [], mediaType: 'voice' }).map((e) => e.kind === 'failed' && e.detail), ['no answered or waiting party in the call to connect it with']);
    assert.deepEqual(w.sw.execute({ kind: 'offer', connId: C1, dn: 'x', from: '9000', userData: [], mediaType: 'chat' }).map((e) => e.kind === 'failed' && e.cause), ['rejected']);
    assert.deepEqual(w.sw.execute({ kind: 'hold', connId: C1, dn: 'x' }).map((e) => e.kind), ['failed']);
    assert.deepEqual(w.sw.execute({ kind: 'answer', connId: C1, dn: 'x' }).map((e) => e.kind), ['failed']);
    assert.deepEqual(w.sw.execute({ kind: 'release', connId: C1, dn: 'x', cause: 'normal' }), []);
    assert.deepEqual(w.sw.execute({ kind: 'end', connId: C1 }), []);
    await acceptedCall(w);
    assert.deepEqual(w.sw.execute({ kind: 'offer', connId: C1, dn: 'bad dn', from: '9000', contact: 'not a uri <>', userData: [], mediaType: 'voice' }).map((e) => e.kind === 'failed' && e.cause), ['notFound']);
    await w.close();
    const idle = new SipSwitch({ config: voiceConfig() });
    assert.deepEqual(idle.execute({ kind: 'hold', connId: C1, dn: 'x' }).map((e) => e.kind === 'failed' && e.detail), ['the SIP switch is not started']);
  });

  test('a listener that throws costs nothing else', async () => {
    const w = await switchWorld();
    const sw = w.sw as unknown as { listener: (e: unknown) => void };
    const original = sw.listener;
    sw.listener = (e) => {
      original(e);
      throw new Error('listener bug');
    };
    const call = carrierCalls(w);
    await w.settle();
    w.sw.execute({ kind: 'refuse', legRef: lastInbound(w).legRef, cause: 'busy' });
    await w.settle();
    assert.equal((await call.outcome).response.status, 486);
    assert.ok(w.logger.lines.some((l) => l.msg === 'switch event listener threw'));
    await w.close();
  });
});
