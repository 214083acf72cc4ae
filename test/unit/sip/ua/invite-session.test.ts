// INVITE sessions between two SipUserAgents over the in-memory network (ManualClock): the
// RFC 3261 section 13-15 flows the SIPp interop tests exercise on real sockets, here with exact
// control over time and the wire.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../../src/sip/api/sip-user-agent.ts';
import { SipError } from '../../../../src/sip/api/sip-error.ts';
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
  const firstLines = (): string[] => net.sent.map((p) => p.data.toString('latin1').split('\r\n')[0]!);
  const close = async (): Promise<void> => {
    caller.dispose();
    callee.dispose();
    await sa.close();
    await sb.close();
  };
  return { clock, net, caller, callee, settle, firstLines, close };
}

const offer = 'v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const answer = 'v=0\r\no=b 1 1 IN IP4 127.0.0.2\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

describe('INVITE sessions (loopback)', () => {
  test('ring, answer, ACK, BYE: both sides see the session start and end, bodies exchanged', async () => {
    const w = await world();
    let uas: InviteSession | undefined;
    let confirmed = false;
    w.callee.onInvite((inv) => {
      inv.ring();
      uas = inv.answer(answer);
      uas.on('confirmed', () => (confirmed = true));
    });
    const provisional: number[] = [];
    const p = w.caller.invite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp', onProvisional: (r) => provisional.push(r.status) });
    await w.settle();
    const uac = await p;
    await w.settle();
    assert.deepEqual(provisional, [180]);
    assert.equal(uac.remote.body.toString(), answer);
    assert.equal(uas?.remote.body.toString(), offer);
    assert.equal(confirmed, true, 'the UAS session is confirmed by the ACK');
    assert.equal(uas?.dialog.state, 'confirmed');

    const bye = uac.bye();
    await w.settle();
    assert.equal((await bye).status, 200);
    assert.equal(uac.state, 'local-bye');
    assert.equal(uas?.state, 'remote-bye');
    assert.deepEqual(w.firstLines().filter((l) => !l.startsWith('SIP/2.0 100')), [
      'INVITE sip:kw@127.0.0.2:5060 SIP/2.0', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK',
      // In-dialog requests go to the remote target, the callee's Contact (RFC 3261 section 12.2.1.1).
      'ACK sip:kw@127.0.0.2:5060;transport=udp SIP/2.0', 'BYE sip:kw@127.0.0.2:5060;transport=udp SIP/2.0', 'SIP/2.0 200 OK',
    ]);
    await w.close();
  });

  test('a rejected INVITE rejects with SipError and the stack ACKs the non-2xx itself', async () => {
    const w = await world();
    w.callee.onInvite((inv) => inv.reject(486));
    const rejected = assert.rejects(w.caller.invite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp' }), (e: unknown) => e instanceof SipError && e.status === 486);
    await w.settle();
    await rejected;
    assert.ok(w.firstLines().includes('ACK sip:kw@127.0.0.2:5060 SIP/2.0'), 'the INVITE client transaction ACKs the 486');
    await w.close();
  });

  test('a lost ACK: the UAS retransmits its 200 at T1, 2T1... until the ACK arrives (RFC 6026 Accepted)', async () => {
    const w = await world();
    w.callee.onInvite((inv) => void inv.answer(answer));
    // Drop the first ACK on the wire; the 200 retransmission makes the caller ACK again.
    w.net.dropNext(1, (packet) => packet.data.toString('latin1').startsWith('ACK '));
    const p = w.caller.invite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp' });
    await w.settle();
    await p;
    const oks = (): number => w.firstLines().filter((l) => l === 'SIP/2.0 200 OK').length;
    assert.equal(oks(), 1);
    w.clock.advance(500);
    await w.settle();
    assert.equal(oks(), 2, 'the 200 is retransmitted after T1');
    assert.equal(w.firstLines().filter((l) => l.startsWith('ACK ')).length, 2, 'the caller ACKs the retransmitted 2xx');
    w.clock.advance(4000);
    await w.settle();
    assert.equal(oks(), 2, 'no more retransmissions once the ACK arrived');
    await w.close();
  });

  test('a re-INVITE in the session is answered 200 with our current body; an unknown in-dialog method gets 405', async () => {
    const w = await world();
    let incoming: IncomingInvite | undefined;
    w.callee.onInvite((inv) => {
      incoming = inv;
      inv.answer(answer);
    });
    const p = w.caller.invite('sip:kw@127.0.0.2:5060', { body: offer, contentType: 'application/sdp' });
    await w.settle();
    const uac = await p;
    assert.ok(incoming?.answered);
    const reinvite = (w.caller as unknown as { stack: SipStack }).stack.sendRequest(uac.dialog.createRequest('INVITE', { body: offer, contentType: 'application/sdp' }));
    await w.settle();
    const res = await reinvite;
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), answer);
    const info = uac.info('ping', 'text/plain');
    await w.settle();
    assert.equal((await info).status, 200);
    const update = (w.caller as unknown as { stack: SipStack }).stack.sendRequest(uac.dialog.createRequest('UPDATE'));
    await w.settle();
    assert.equal((await update).status, 405);
    await w.close();
  });
});
