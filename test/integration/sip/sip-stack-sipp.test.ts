// SipStack transactions against SIPp 3.6 (an independent SIP implementation) over UDP and TCP:
// requests both ways, INVITE/ACK/BYE, and the retransmission timers SIPp forces by withholding
// its answer or its ACK. SIPp's timers are real, so the stack uses the system clock here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import { createRequest, formatUri, getContacts } from '../../../src/sip/message/index.ts';
import type { TransportProtocol } from '../../../src/sip/transaction/transaction-user.ts';
import { freePort } from '../../support/free-port.ts';
import { countMessages, startSipp } from '../../support/sipp.ts';

/**
 * Resolves once SIPp has bound its port. Reads /proc/net (Linux) rather than probing with a bind of
 * our own, which could take the port from SIPp while it starts.
 */
async function sippListening(port: number, protocol: TransportProtocol): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const bound = (): boolean => readFileSync(`/proc/net/${protocol}`, 'utf8').split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    // local_address is column 1; TCP must be in LISTEN (state 0A).
    return cols[1]?.endsWith(hex) === true && (protocol === 'udp' || cols[3] === '0A');
  });
  for (let i = 0; i < 200 && !bound(); i++) await new Promise((r) => setTimeout(r, 25)); // another process starting
  if (!bound()) throw new Error(`SIPp did not bind ${protocol} ${port}`);
}

async function stackOn(protocol: TransportProtocol): Promise<SipStack> {
  return SipStack.listen({ listen: [{ protocol, host: '127.0.0.1', port: await freePort() }] });
}

for (const protocol of ['udp', 'tcp'] as const) {
  describe(`SipStack against SIPp (${protocol})`, { timeout: 60_000 }, () => {
    test('SIPp sends MESSAGE, the stack answers 200', async () => {
      const stack = await stackOn(protocol);
      const run = startSipp({ scenario: 'uac-message.xml', localPort: await freePort(), transport: protocol, remote: `127.0.0.1:${stack.address(protocol)?.port}`, service: 'ucc' });
      try {
        let body = '';
        stack.onRequest((req, tx) => {
          body = req.body.toString();
          tx.respond(200);
        });
        assert.equal(await run.exitCode, 0, run.messages());
        assert.match(body, /Hello from SIPp/);
      } finally {
        await run.stop();
        await stack.close();
      }
    });

    test('SIPp calls with a withheld ACK: 180, 200 (retransmitted over UDP until the ACK), BYE', async () => {
      const stack = await stackOn(protocol);
      const run = startSipp({
        scenario: 'uac-invite.xml', localPort: await freePort(), transport: protocol, remote: `127.0.0.1:${stack.address(protocol)?.port}`, service: 'ucc',
        pauseMs: 1700,
      });
      try {
        const seen: string[] = [];
        stack.onRequest((req, tx) => {
          seen.push(req.method);
          if (req.method === 'INVITE') {
            tx.respond(180);
            tx.respond(200, { headers: { Contact: `<${stack.contactUri(protocol)}>` }, contentType: 'application/sdp', body: 'v=0\r\no=ucc 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n' });
          } else if (req.method === 'BYE') tx.respond(200);
        });
        assert.equal(await run.exitCode, 0, run.messages());
        assert.deepEqual(seen, ['INVITE', 'ACK', 'BYE']);
        const log = run.messages();
        // The 200 for INVITE goes at 0, then (UDP only) at 500 and 1500 ms, before the ACK at 1700;
        // one more 200 answers the BYE.
        const ok200 = countMessages(log, 'SIP/2.0 200');
        if (protocol === 'udp') assert.ok(ok200 >= 4, `the 200 was retransmitted (${ok200} seen)`);
        else assert.equal(ok200, 2, 'no retransmission over TCP');
      } finally {
        await run.stop();
        await stack.close();
      }
    });

    test('the stack calls SIPp: INVITE, 180, 200, ACK, BYE', async () => {
      const stack = await stackOn(protocol);
      const sippPort = await freePort();
      const run = startSipp({ scenario: 'uas-invite.xml', localPort: sippPort, transport: protocol });
      try {
        await sippListening(sippPort, protocol);
        const uri = `sip:sipp@127.0.0.1:${sippPort};transport=${protocol}`;
        const from = `<sip:ucc@127.0.0.1>;tag=${stack.newTag()}`;
        const callId = stack.newCallId();
        const invite = createRequest({
          method: 'INVITE', uri,
          headers: { From: from, To: `<${uri}>`, 'Call-ID': callId, CSeq: '1 INVITE', Contact: `<${stack.contactUri(protocol)}>`, 'Content-Type': 'application/sdp' },
          body: 'v=0\r\no=ucc 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n',
        });
        const provisional: number[] = [];
        const res = await stack.sendRequest(invite, { onProvisional: (r) => provisional.push(r.status) });
        assert.deepEqual(provisional, [180]);
        assert.ok(res);
        assert.equal(res.status, 200);
        const target = formatUri(getContacts(res)[0]!.uri);
        const seq = Number((res.headers.get('CSeq') ?? '').split(' ')[0]);
        const dialogHeaders = { From: from, To: res.headers.get('To') ?? '', 'Call-ID': callId };
        stack.sendAck(createRequest({ method: 'ACK', uri: target, headers: { ...dialogHeaders, CSeq: `${seq} ACK` } }));
        const bye = await stack.sendRequest(createRequest({ method: 'BYE', uri: target, headers: { ...dialogHeaders, CSeq: `${seq + 1} BYE` } }));
        assert.equal(bye.status, 200);
        assert.equal(await run.exitCode, 0, run.messages());
      } finally {
        await run.stop();
        await stack.close();
      }
    });

    test('SIPp withholds its answer to MESSAGE: Timer E retransmits over UDP, not over TCP', async () => {
      const stack = await stackOn(protocol);
      const sippPort = await freePort();
      const run = startSipp({ scenario: 'uas-message-withheld.xml', localPort: sippPort, transport: protocol, pauseMs: 1700 });
      try {
        const uri = `sip:sipp@127.0.0.1:${sippPort};transport=${protocol}`;
        await sippListening(sippPort, protocol);
        const res = await stack.sendRequest(createRequest({
          method: 'MESSAGE', uri,
          headers: { From: `<sip:ucc@127.0.0.1>;tag=${stack.newTag()}`, To: `<${uri}>`, 'Call-ID': stack.newCallId(), CSeq: '1 MESSAGE', 'Content-Type': 'text/plain' },
          body: 'hello SIPp',
        }));
        assert.equal(res.status, 200);
        assert.equal(await run.exitCode, 0, run.messages());
        const received = countMessages(run.messages(), 'MESSAGE sip:');
        if (protocol === 'udp') assert.ok(received >= 3, `MESSAGE at 0, 500, 1500 ms; SIPp saw ${received}`);
        else assert.equal(received, 1);
      } finally {
        await run.stop();
        await stack.close();
      }
    });
  });
}
