// What a B2BUA needs of INVITE sessions, over the in-memory network (ManualClock): CANCEL through
// the handle startInvite returns, 183 with early-media SDP, per-call From/Contact/Route, and
// re-INVITEs in both directions (RFC 3261 sections 9, 13 and 14).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../../src/sip/api/sip-user-agent.ts';
import { InMemoryNetwork } from '../../../../src/sip/transport/in-memory-transport.ts';
import type { IncomingInvite } from '../../../../src/sip/ua/invite-server.ts';
import type { InviteSession } from '../../../../src/sip/ua/invite-session.ts';
import { settle as settleClock } from '../../../support/virtual-time.ts';

async function world() {
  const clock = new ManualClock(0);
  const net = new InMemoryNetwork(clock);
  const sa = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', host: '127.0.0.1', port: 5060 })] });
  const sb = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', host: '127.0.0.2', port: 5060 })] });
  const caller = new SipUserAgent({ stack: sa, aor: 'sip:caller@127.0.0.1', clock });
  const callee = new SipUserAgent({ stack: sb, aor: 'sip:kw@127.0.0.2', clock });
  const settle = (): Promise<void> => settleClock(clock, 20);
  const wire = (): string[] => net.sent.map((p) => p.data.toString('latin1'));
  const firstLines = (): string[] => wire().map((m) => m.split('\r\n')[0]!).filter((l) => !l.startsWith('SIP/2.0 100'));
  const close = async (): Promise<void> => {
    caller.dispose();
    callee.dispose();
    await sa.close();
    await sb.close();
  };
  return { clock, net, caller, callee, settle, wire, firstLines, close };
}

const offer = 'v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const answer = 'v=0\r\no=b 1 1 IN IP4 127.0.0.2\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
const held = answer + 'a=sendonly\r\n';

async function established(w: Awaited<ReturnType<typeof world>>): Promise<{ uac: InviteSession; uas: InviteSession }> {
  let uas: InviteSession | undefined;
  w.callee.onInvite((inv) => void (uas = inv.answer(answer)));
  const p = w.caller.invite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp' });
  await w.settle();
  const uac = await p;
  await w.settle();
  assert.ok(uas);
  return { uac, uas };
}

describe('INVITE: CANCEL, early media, per-call headers', () => {
  test('cancel() while ringing: CANCEL leaves, the UAS sees it, the outcome is the 487 marked cancelled', async () => {
    const w = await world();
    let incoming: IncomingInvite | undefined;
    let uasCancelled = false;
    w.callee.onInvite((inv) => {
      incoming = inv;
      inv.onCancel(() => (uasCancelled = true));
      inv.ring();
    });
    const call = w.caller.startInvite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp' });
    await w.settle();
    call.cancel();
    await w.settle();
    const outcome = await call.outcome;
    assert.equal(outcome.ok, false);
    assert.equal(outcome.response.status, 487);
    assert.equal(!outcome.ok && outcome.cancelled, true);
    assert.equal(uasCancelled, true);
    assert.equal(incoming?.cancelled, true);
    assert.deepEqual(w.firstLines(), [
      'INVITE sip:kw@127.0.0.2:5060 SIP/2.0', 'SIP/2.0 180 Ringing', 'CANCEL sip:kw@127.0.0.2:5060 SIP/2.0',
      'SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated', 'ACK sip:kw@127.0.0.2:5060 SIP/2.0',
    ]);
    await w.close();
  });

  test('cancel() before any provisional: the CANCEL waits for one (RFC 3261 section 9.1)', async () => {
    const w = await world();
    let incoming: IncomingInvite | undefined;
    w.callee.onInvite((inv) => void (incoming = inv));
    const call = w.caller.startInvite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp' });
    call.cancel();
    await w.settle();
    assert.ok(!w.firstLines().some((l) => l.startsWith('CANCEL')), 'no CANCEL before a provisional response');
    incoming?.ring();
    await w.settle();
    assert.equal((await call.outcome).response.status, 487);
    await w.close();
  });

  test('a 200 that crosses the CANCEL is ACKed and the session is ended with BYE at once', async () => {
    const w = await world();
    let incoming: IncomingInvite | undefined;
    w.callee.onInvite((inv) => {
      incoming = inv;
      inv.ring();
    });
    const call = w.caller.startInvite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp' });
    await w.settle();
    // The UAS answers before our CANCEL reaches it: drop the CANCEL on the wire.
    w.net.dropNext(1, (p) => p.data.toString('latin1').startsWith('CANCEL'));
    call.cancel();
    const uas = incoming?.answer(answer);
    await w.settle();
    const outcome = await call.outcome;
    assert.equal(outcome.ok, false);
    assert.equal(outcome.response.status, 200);
    await w.settle();
    const lines = w.firstLines();
    assert.ok(lines.some((l) => l.startsWith('ACK ')), 'the 2xx is ACKed');
    assert.ok(lines.some((l) => l.startsWith('BYE ')), 'then BYEd');
    assert.equal(uas?.state, 'remote-bye');
    await w.close();
  });

  test('ring(183, sdp) sends early media; from, contact and routes override the UA per call', async () => {
    const w = await world();
    w.callee.onInvite((inv) => {
      inv.contact = 'sip:b2bua@127.0.0.2:5060;transport=udp';
      inv.trying();
      inv.ring(183, answer);
    });
    const provisional: Array<[number, string]> = [];
    const call = w.caller.startInvite('sip:kw@127.0.0.2:5060', {
      from: 'sip:+3312345@carrier.test', fromDisplayName: 'Customer', contact: 'sip:leg1@127.0.0.1:5060', routes: [],
      body: offer, contentType: 'application/sdp', onProvisional: (r) => provisional.push([r.status, r.body.toString()]),
    });
    await w.settle();
    assert.deepEqual(provisional, [[100, ''], [183, answer]]);
    const invite = w.wire().find((m) => m.startsWith('INVITE'))!;
    assert.match(invite, /\r\nFrom: "Customer" <sip:\+3312345@carrier\.test>;tag=/);
    assert.match(invite, /\r\nContact: <sip:leg1@127\.0\.0\.1:5060>\r\n/);
    const progress = w.wire().find((m) => m.startsWith('SIP/2.0 183'))!;
    assert.match(progress, /\r\nContact: <sip:b2bua@127\.0\.0\.2:5060;transport=udp>\r\n/);
    assert.match(progress, /\r\nContent-Type: application\/sdp\r\n/);
    call.cancel();
    await w.settle();
    await call.outcome;
    await w.close();
  });

  test('reject() carries extra headers (503 with Retry-After)', async () => {
    const w = await world();
    w.callee.onInvite((inv) => inv.reject(503, undefined, { 'Retry-After': '5' }));
    const call = w.caller.startInvite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp' });
    await w.settle();
    const outcome = await call.outcome;
    assert.equal(outcome.response.status, 503);
    assert.equal(outcome.response.headers.get('Retry-After'), '5');
    await w.close();
  });
});

describe('re-INVITE (RFC 3261 section 14)', () => {
  test('reinvite(): the far end answers with the session-refresh body, the 2xx is ACKed, bodies are updated', async () => {
    const w = await world();
    const { uac, uas } = await established(w);
    const res = uac.reinvite(offer + 'a=sendonly\r\n');
    assert.equal(uac.reinviting, true);
    await w.settle();
    assert.equal((await res).status, 200);
    assert.equal(uac.reinviting, false);
    assert.equal(uac.local.body.toString(), offer + 'a=sendonly\r\n');
    assert.equal(uas.remote.body.toString(), offer + 'a=sendonly\r\n', 'the UAS keeps the far end\'s latest offer');
    assert.equal(uac.remote.body.toString(), answer);
    const lines = w.firstLines();
    assert.deepEqual(lines.slice(-3), ['INVITE sip:kw@127.0.0.2:5060;transport=udp SIP/2.0', 'SIP/2.0 200 OK', 'ACK sip:kw@127.0.0.2:5060;transport=udp SIP/2.0']);
    assert.match(w.wire().filter((m) => m.startsWith('INVITE')).at(-1)!, /\r\nCSeq: 2 INVITE\r\n/);
    await w.close();
  });

  test('onReinvite: the handler answers later with its own body; the UAC sees it', async () => {
    const w = await world();
    const { uac, uas } = await established(w);
    let seen = '';
    uas.onReinvite((req, reply) => {
      seen = req.body.toString();
      w.clock.setTimer(100, () => reply.accept(held));
    });
    const res = uac.reinvite(offer);
    await w.settle();
    assert.equal(seen, offer);
    assert.equal(uas.reinviting, true);
    w.clock.advance(100);
    await w.settle();
    assert.equal((await res).status, 200);
    assert.equal(uac.remote.body.toString(), held);
    assert.equal(uas.local.body.toString(), held);
    await w.close();
  });

  test('a rejected re-INVITE leaves the session as it was; the stack ACKs the non-2xx', async () => {
    const w = await world();
    const { uac, uas } = await established(w);
    uas.onReinvite((_req, reply) => reply.reject(488));
    const res = uac.reinvite(offer + 'a=inactive\r\n');
    await w.settle();
    assert.equal((await res).status, 488);
    assert.equal(uac.local.body.toString(), offer);
    assert.equal(uac.state, 'active');
    await w.close();
  });

  test('glare: re-INVITEs that cross get 491 on both sides; no second one while one runs', async () => {
    const w = await world();
    const { uac, uas } = await established(w);
    const ours = uac.reinvite(offer);
    const theirs = uas.reinvite(answer);
    await assert.rejects(uac.reinvite(offer), /another INVITE transaction/);
    await w.settle();
    assert.equal((await ours).status, 491);
    assert.equal((await theirs).status, 491);
    // While the UAS answers a re-INVITE it may not start its own (section 14.1).
    let answerLater: (() => void) | undefined;
    uas.onReinvite((_req, reply) => (answerLater = () => reply.accept(answer)));
    const again = uac.reinvite(offer);
    await w.settle();
    await assert.rejects(uas.reinvite(answer), /another INVITE transaction/);
    answerLater?.();
    await w.settle();
    assert.equal((await again).status, 200);
    await w.close();
  });

  test('a BYE while a re-INVITE is being answered: the re-INVITE gets 487 and a late accept() is ignored', async () => {
    const w = await world();
    const { uac, uas } = await established(w);
    let reply: { accept(b: string): void } | undefined;
    uac.onReinvite((_req, r) => (reply = r));
    const theirs = uas.reinvite(answer);
    await w.settle();
    const bye = uas.bye();
    await w.settle();
    assert.equal((await bye).status, 200);
    assert.equal((await theirs).status, 487);
    reply?.accept(offer);
    await w.settle();
    assert.equal(uac.state, 'remote-bye');
    await w.close();
  });
});
