// OpenUCC's SIP stack against SIPp (Debian sip-tester) over UDP and TCP: a UAC and a UAS scenario
// each way, INVITE and MESSAGE, and UDP retransmission when SIPp withholds a message.
// SIPp's timing is real, so the stack runs on the system clock with RFC 3261 default timers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../src/sip/api/sip-user-agent.ts';
import type { InviteSession } from '../../../src/sip/ua/invite-session.ts';
import type { TransportProtocol } from '../../../src/sip/transaction/transaction-user.ts';
import { freePort } from '../../support/free-port.ts';
import { countMessages, startSipp, type SippRun } from '../../support/sipp.ts';
import { waitFor } from '../../support/peer-process.ts';

const sdp = 'v=0\r\no=ucc 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

for (const protocol of ['udp', 'tcp'] as const satisfies readonly TransportProtocol[]) describe(`SIP stack against SIPp (${protocol})`, () => {
  let stack: SipStack;
  let ua: SipUserAgent;
  let port: number;
  const runs: SippRun[] = [];

  before(async () => {
    port = await freePort();
    stack = await SipStack.listen({ listen: [{ protocol, host: '127.0.0.1', port }] });
    ua = new SipUserAgent({ stack, aor: 'sip:kw@127.0.0.1', transport: protocol });
  });

  after(async () => {
    for (const r of runs) await r.stop();
    ua.dispose();
    await stack.close();
  });

  async function sipp(o: Omit<Parameters<typeof startSipp>[0], 'transport' | 'localPort'>): Promise<SippRun> {
    const run = startSipp({ ...o, transport: protocol, localPort: await freePort() });
    runs.push(run);
    return run;
  }

  test('SIPp calls us (UAC → our UAS): 180, 200 with SDP, ACK, then SIPp hangs up', async () => {
    const sessions: InviteSession[] = [];
    ua.onInvite((inv) => {
      inv.ring();
      sessions.push(inv.answer(sdp));
    });
    const run = await sipp({ scenario: 'uac-invite.xml', remote: `127.0.0.1:${port}`, service: 'kw', pauseMs: 0 });
    assert.equal(await run.exitCode, 0, run.process.output());
    assert.equal(sessions.length, 1);
    assert.match(sessions[0]!.remote.body.toString(), /m=audio/);
    await waitFor('the session to end', () => sessions[0]!.state !== 'active', 2000);
    assert.equal(sessions[0]!.state, 'remote-bye');
  });

  test(`SIPp withholds its ACK: our 200 to INVITE is ${protocol === 'udp' ? 'retransmitted (timer G)' : 'sent once (reliable transport)'}`, async () => {
    ua.onInvite((inv) => {
      inv.ring();
      inv.answer(sdp);
    });
    const run = await sipp({ scenario: 'uac-invite.xml', remote: `127.0.0.1:${port}`, service: 'kw', pauseMs: 1700 });
    assert.equal(await run.exitCode, 0, run.process.output());
    const log = run.messages();
    // SIPp logs what it received; our 200s: the INVITE's (and its copies) plus the BYE's.
    const okToInvite = log.split('SIP/2.0 200 OK').slice(1).filter((m) => /CSeq:\s*1 INVITE/i.test(m.split(/\r?\n\r?\n/)[0] ?? '')).length;
    if (protocol === 'udp') assert.ok(okToInvite >= 3, `expected the 200 at 0, 500 and 1500 ms, SIPp saw ${okToInvite}`);
    else assert.equal(okToInvite, 1);
  });

  test('we call SIPp (our UAC → SIPp UAS): ringing, answer with SDP, our ACK, our BYE', async () => {
    const sippPort = await freePort();
    const run = startSipp({ scenario: 'uas-invite.xml', transport: protocol, localPort: sippPort });
    runs.push(run);
    const provisional: number[] = [];
    let session: InviteSession | undefined;
    await waitFor('SIPp to listen', async () => {
      try {
        session = await ua.invite(`sip:sipp@127.0.0.1:${sippPort};transport=${protocol}`, { body: sdp, contentType: 'application/sdp', onProvisional: (r) => provisional.push(r.status) });
        return true;
      } catch {
        return false; // SIPp not listening yet: the INVITE failed fast with 503
      }
    }, 5000);
    assert.ok(session);
    assert.ok(provisional.includes(180));
    assert.match(session.remote.body.toString(), /o=sipp/);
    const bye = await session.bye();
    assert.equal(bye.status, 200);
    assert.equal(await run.exitCode, 0, run.process.output());
  });

  test('SIPp sends us a MESSAGE (RFC 3428) and gets 200', async () => {
    const got: string[] = [];
    ua.onMessage((m) => {
      got.push(m.body.toString().trim());
      return { status: 200 };
    });
    const run = await sipp({ scenario: 'uac-message.xml', remote: `127.0.0.1:${port}`, service: 'kw' });
    assert.equal(await run.exitCode, 0, run.process.output());
    assert.deepEqual(got, ['Hello from SIPp']);
  });

  test(`SIPp withholds its answer to our MESSAGE: ${protocol === 'udp' ? 'we retransmit (timer E) and still complete' : 'no retransmission over TCP'}`, async () => {
    const sippPort = await freePort();
    const run = startSipp({ scenario: 'uas-message-withheld.xml', transport: protocol, localPort: sippPort, pauseMs: 1200 });
    runs.push(run);
    let status = 0;
    await waitFor('SIPp to answer', async () => {
      const res = await ua.message(`sip:sipp@127.0.0.1:${sippPort};transport=${protocol}`, 'hello SIPp').catch(() => undefined);
      status = res?.status ?? 0;
      return status === 200;
    }, 8000);
    assert.equal(status, 200);
    assert.equal(await run.exitCode, 0, run.process.output());
    const copies = countMessages(run.messages(), 'MESSAGE sip:');
    if (protocol === 'udp') assert.ok(copies >= 2, `expected a retransmission at 500 ms, SIPp saw ${copies} copies`);
    else assert.equal(copies, 1);
  });
});
