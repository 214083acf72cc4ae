// Two SipStacks over the in-memory network with a ManualClock: whole exchanges run inside
// clock.advance(), so retransmissions and timeouts are exact and instant.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { createRequest, getVias, parseMessage } from '../../../../src/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/sip-message.ts';
import type { ServerTransactionHandle, TransportProtocol } from '../../../../src/sip/transaction/transaction-user.ts';
import { InMemoryNetwork } from '../../../../src/sip/transport/in-memory-transport.ts';
import type { InMemoryPacket } from '../../../../src/sip/transport/in-memory-transport.ts';
import type { SipExtension } from '../../../../src/sip/transaction/sip-capabilities.ts';
import { SipUserAgent } from '../../../../src/sip/api/sip-user-agent.ts';
import { MS_SIP_EXTENSION } from '../../../../src/sip/ua/ms-sip-extension.ts';

async function pair(protocol: TransportProtocol = 'udp', extra: { extensions?: SipExtension[] } = {}) {
  const clock = new ManualClock(0);
  const net = new InMemoryNetwork(clock);
  const a = await SipStack.listen({ clock, transports: [net.createTransport({ protocol, host: '127.0.0.1', port: 5060 })], ...extra });
  const b = await SipStack.listen({ clock, transports: [net.createTransport({ protocol, host: '127.0.0.2', port: 5060 })], ...extra });
  const close = async () => {
    await a.close();
    await b.close();
  };
  return { clock, net, a, b, close };
}

function request(stack: SipStack, method: string, protocol: TransportProtocol = 'udp', seq = 1): SipRequest {
  return createRequest({
    method,
    uri: `sip:bob@127.0.0.2:5060;transport=${protocol}`,
    headers: {
      From: `<sip:alice@127.0.0.1>;tag=${stack.newTag()}`,
      To: '<sip:bob@127.0.0.2>',
      'Call-ID': stack.newCallId(),
      CSeq: `${seq} ${method}`,
      Contact: `<${stack.contactUri(protocol, 'alice')}>`,
    },
    body: method === 'MESSAGE' ? 'hello' : '',
  });
}

const requestsIn = (net: InMemoryNetwork, method: string): InMemoryPacket[] =>
  net.sent.filter((p) => p.data.toString('latin1').startsWith(`${method} `));
const statusesOut = (net: InMemoryNetwork): number[] =>
  net.sent.map((p) => /^SIP\/2\.0 (\d{3})/.exec(p.data.toString('latin1'))?.[1]).filter((s) => s !== undefined).map(Number);

describe('SipStack loopback over the in-memory network', () => {
  test('MESSAGE: request reaches the TU with rport/received stamped, 200 comes back (RFC 3581)', async () => {
    const { clock, a, b, close } = await pair();
    let seen: SipRequest | undefined;
    b.onRequest((req, tx) => {
      seen = req;
      tx.respond(200);
    });
    const p = a.sendRequest(request(a, 'MESSAGE'));
    clock.advance(0);
    const res = await p;
    assert.equal(res.status, 200);
    assert.ok(seen);
    assert.equal(seen.body.toString(), 'hello');
    const via = getVias(seen)[0];
    assert.equal(via?.params['rport'], '5060');
    assert.equal(via?.params['received'], '127.0.0.1');
    assert.match(via?.params['branch'] ?? '', /^z9hG4bK/);
    assert.equal(seen.headers.get('Max-Forwards'), '70');
    assert.match(res.headers.get('To') ?? '', /;tag=/, 'the UAS adds a To tag');
    await close();
  });

  test('a request nobody handles gets 501 Not Implemented', async () => {
    const { clock, a, close } = await pair();
    const p = a.sendRequest(request(a, 'INFO'));
    clock.advance(0);
    assert.equal((await p).status, 501);
    await close();
  });

  test('built-in OPTIONS responder: 200 with Allow (what the stack handles: OPTIONS, BENOTIFY of [MS-SIP]), Accept and Supported: ms-benotify', async () => {
    const { clock, a, close } = await pair('udp', { extensions: [MS_SIP_EXTENSION] });
    const p = a.sendRequest(request(a, 'OPTIONS'));
    clock.advance(0);
    const res = await p;
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.getAll('Allow'), ['OPTIONS', 'BENOTIFY']);
    assert.deepEqual(res.headers.getAll('Accept'), ['application/sdp', 'application/pidf+xml', 'text/plain']);
    assert.equal(res.headers.get('Supported'), 'ms-benotify');
    assert.equal(res.headers.get('Server'), 'OpenUCC');
    await close();
  });

  test('one OPTIONS answer: with a UA on the stack its handlers are listed in Allow, and the answer is the stack\'s own', async () => {
    const { clock, a, b, close } = await pair('udp', { extensions: [MS_SIP_EXTENSION] });
    const ua = new SipUserAgent({ stack: b, aor: 'sip:bob@127.0.0.2', clock });
    ua.onInvite((i) => i.reject(486));
    ua.onMessage(() => ({ status: 200 }));
    const p = a.sendRequest(request(a, 'OPTIONS'));
    clock.advance(0);
    const res = await p;
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.getAll('Allow'), b.capabilities.allow);
    for (const m of ['OPTIONS', 'BENOTIFY', 'INVITE', 'ACK', 'CANCEL', 'BYE', 'MESSAGE']) assert.ok(res.headers.getAll('Allow').includes(m), m);
    assert.deepEqual(res.headers.getAll('Accept'), b.capabilities.accept);
    assert.equal(res.headers.get('Supported'), 'ms-benotify');
    assert.equal(res.headers.get('Server'), 'OpenUCC');
    ua.dispose();
    const q = a.sendRequest(request(a, 'OPTIONS'));
    clock.advance(0);
    assert.deepEqual((await q).headers.getAll('Allow'), ['OPTIONS', 'BENOTIFY'], 'a disposed UA\'s handlers are withdrawn');
    await close();
  });

  test('Timer E retransmits a lost request; the server passes it up once', async () => {
    const { clock, net, a, b, close } = await pair();
    let calls = 0;
    b.onRequest((_req, tx) => {
      calls++;
      tx.respond(200);
    });
    net.dropNext(1, (p) => p.data.toString('latin1').startsWith('MESSAGE'));
    const p = a.sendRequest(request(a, 'MESSAGE'));
    clock.advance(0);
    assert.equal(calls, 0);
    clock.advance(500);
    assert.equal((await p).status, 200);
    assert.equal(calls, 1);
    assert.equal(requestsIn(net, 'MESSAGE').length, 2);
    await close();
  });

  test('a retransmitted request gets the last response again and is not passed up (absorption)', async () => {
    const { clock, net, a, b, close } = await pair();
    let calls = 0;
    b.onRequest((_req, tx) => {
      calls++;
      tx.respond(202);
    });
    net.dropNext(1, (p) => p.data.toString('latin1').startsWith('SIP/2.0 202'));
    const p = a.sendRequest(request(a, 'MESSAGE'));
    clock.advance(0);
    clock.advance(500); // Timer E: the retransmission reaches the NIST in Completed
    assert.equal((await p).status, 202);
    assert.equal(calls, 1);
    assert.deepEqual(statusesOut(net), [202, 202]);
    await close();
  });

  test('Completed (light form): a retransmission gets the same bytes until Timer J, then is a new request', async () => {
    const { clock, net, a, b, close } = await pair();
    let calls = 0;
    b.onRequest((_req, tx) => {
      calls++;
      tx.respond(202);
    });
    const p = a.sendRequest(request(a, 'MESSAGE'));
    clock.advance(0);
    assert.equal((await p).status, 202);
    const original = requestsIn(net, 'MESSAGE')[0];
    assert.ok(original);
    assert.deepEqual(b.transactionCount, { client: 0, server: 1, completedNonInvite: 1 });
    const replay = () => net.transmit({ ...original });
    const firstAnswer = net.sent.find((x) => x.data.toString('latin1').startsWith('SIP/2.0 202'));
    replay();
    clock.advance(0);
    assert.equal(calls, 1, 'absorbed in Completed');
    const answers = net.sent.filter((x) => x.data.toString('latin1').startsWith('SIP/2.0 202'));
    assert.equal(answers.length, 2);
    assert.deepEqual(answers[1]?.data, firstAnswer?.data, 'the same response, byte for byte (same To tag)');
    assert.deepEqual(answers[1]?.to, firstAnswer?.to);
    clock.advance(31_000);
    replay();
    clock.advance(0);
    assert.equal(calls, 1, 'still Completed before 64*T1');
    clock.advance(1_000); // 64*T1 = 32 s after the answer
    assert.equal(b.transactionCount.server, 0, 'Timer J: Terminated');
    replay();
    clock.advance(0);
    assert.equal(calls, 2, 'after Timer J the same request is a new transaction');
    await close();
  });

  test('Completed transactions share bucketed Timer J timers instead of one Clock timer each', async () => {
    const { clock, a, b, close } = await pair();
    b.onRequest((_req, tx) => tx.respond(200));
    const results: Array<Promise<SipResponse>> = [];
    for (let i = 0; i < 200; i++) results.push(a.sendRequest(request(a, 'MESSAGE')));
    clock.advance(0);
    for (const r of await Promise.all(results)) assert.equal(r.status, 200);
    assert.equal(b.transactionCount.completedNonInvite, 200);
    // a: 200 client transactions in Completed, each with its Timer K; b: one shared J bucket.
    assert.equal(clock.pending, 200 + 1);
    clock.advance(32_000);
    assert.equal(b.transactionCount.server, 0);
    assert.equal(clock.pending, 0);
    await close();
  });

  test('light Completed transactions do not count against maxServerTransactions', async () => {
    const clock = new ManualClock(0);
    const net = new InMemoryNetwork(clock);
    const a = await SipStack.listen({ clock, transports: [net.createTransport({ host: '127.0.0.1', port: 5060 })] });
    const b = await SipStack.listen({ clock, maxServerTransactions: 2, transports: [net.createTransport({ host: '127.0.0.2', port: 5060 })] });
    b.onRequest((_req, tx) => tx.respond(200));
    for (let i = 0; i < 5; i++) {
      const p = a.sendRequest(request(a, 'MESSAGE'));
      clock.advance(0);
      assert.equal((await p).status, 200);
    }
    assert.equal(b.transactionCount.completedNonInvite, 5);
    await a.close();
    await b.close();
  });

  test('Timer F: no answer within 64*T1 resolves with a synthesized 408', async () => {
    const { clock, a, close } = await pair();
    const req = createRequest({
      method: 'MESSAGE',
      uri: 'sip:nobody@127.0.0.9:5060',
      headers: { From: '<sip:a@x>;tag=1', To: '<sip:nobody@x>', 'Call-ID': 'c1', CSeq: '1 MESSAGE' },
    });
    const p = a.sendRequest(req);
    clock.advance(31_999);
    let settled = false;
    void p.then(() => (settled = true));
    await Promise.resolve();
    assert.equal(settled, false);
    clock.advance(1);
    const res = await p;
    assert.equal(res.status, 408);
    assert.equal(res.headers.get('Call-ID'), 'c1');
    assert.equal(a.transactionCount.client, 0);
    await close();
  });

  test('a transport failure (connection refused) resolves with a synthesized 503', async () => {
    const { clock, a, close } = await pair('tcp');
    const req = createRequest({
      method: 'MESSAGE',
      uri: 'sip:nobody@127.0.0.9:5060;transport=tcp',
      headers: { From: '<sip:a@x>;tag=1', To: '<sip:nobody@x>', 'Call-ID': 'c2', CSeq: '1 MESSAGE' },
    });
    const p = a.sendRequest(req);
    clock.advance(0);
    assert.equal((await p).status, 503);
    await close();
  });

  test('INVITE: 180 then 200 reach the TU; the ACK for the 2xx goes to the TU and stops 2xx retransmission', async () => {
    const { clock, net, a, b, close } = await pair();
    let handle: ServerTransactionHandle | undefined;
    const methods: string[] = [];
    b.onRequest((req, tx) => {
      methods.push(req.method);
      if (req.method === 'INVITE') {
        handle = tx;
        tx.respond(180);
      }
    });
    const provisional: number[] = [];
    const invite = request(a, 'INVITE');
    const p = a.sendRequest(invite, { onProvisional: (r) => provisional.push(r.status) });
    clock.advance(0);
    assert.deepEqual(provisional, [180]);
    handle?.respond(200, { body: 'v=0\r\n', contentType: 'application/sdp' });
    clock.advance(0);
    const res = await p;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('Content-Type'), 'application/sdp');
    const ack = createRequest({
      method: 'ACK',
      uri: 'sip:bob@127.0.0.2:5060',
      headers: { From: invite.headers.get('From') ?? '', To: res.headers.get('To') ?? '', 'Call-ID': invite.headers.get('Call-ID') ?? '', CSeq: '1 ACK' },
    });
    clock.advance(400);
    a.sendAck(ack);
    clock.advance(0);
    assert.deepEqual(methods, ['INVITE', 'ACK']);
    const before = statusesOut(net).filter((s) => s === 200).length;
    clock.advance(10_000);
    assert.equal(statusesOut(net).filter((s) => s === 200).length, before, 'no 2xx retransmission after the ACK');
    await close();
  });

  test('INVITE: a 2xx retransmitted because the ACK never came reaches onAdditional2xx', async () => {
    const { clock, a, b, close } = await pair();
    b.onRequest((req, tx) => {
      if (req.method === 'INVITE') tx.respond(200);
    });
    let again = 0;
    const p = a.sendRequest(request(a, 'INVITE'), { onAdditional2xx: () => again++ });
    clock.advance(0);
    assert.equal((await p).status, 200);
    clock.advance(1_600); // b retransmits the 2xx at 500 and 1500 ms
    assert.equal(again, 2);
    await close();
  });

  test('INVITE server transaction sends 100 Trying after 200 ms when the TU is silent', async () => {
    const { clock, a, b, close } = await pair();
    b.onRequest(() => {});
    const provisional: number[] = [];
    void a.sendRequest(request(a, 'INVITE'), { onProvisional: (r) => provisional.push(r.status) });
    clock.advance(199);
    assert.deepEqual(provisional, []);
    clock.advance(1);
    assert.deepEqual(provisional, [100]);
    await close();
  });

  test('CANCEL: 200 for the CANCEL, 487 for the INVITE, ACK absorbed, TU told (RFC 3261 9.2)', async () => {
    const { clock, net, a, b, close } = await pair();
    let handle: ServerTransactionHandle | undefined;
    let cancelledSeen = false;
    const methods: string[] = [];
    b.onRequest((req, tx) => {
      methods.push(req.method);
      handle = tx;
      tx.onCancel?.(() => (cancelledSeen = true));
      tx.respond(180);
    });
    const invite = request(a, 'INVITE');
    const inviteP = a.sendRequest(invite);
    const cancelP = a.cancel(invite, 'SIP;cause=487;text="gone"');
    clock.advance(0);
    const [cancelRes, inviteRes] = await Promise.all([cancelP, inviteP]);
    assert.equal(cancelRes.status, 200);
    assert.equal(inviteRes.status, 487);
    assert.equal(handle?.cancelled, true);
    assert.equal(cancelledSeen, true);
    assert.deepEqual(methods, ['INVITE'], 'CANCEL and the ACK for 487 are handled by the stack');
    const cancelPacket = requestsIn(net, 'CANCEL')[0];
    assert.ok(cancelPacket);
    const cancel = parseMessage(cancelPacket.data);
    assert.ok(cancel.ok && cancel.value.kind === 'request');
    const invitePacket = requestsIn(net, 'INVITE')[0];
    const sentInvite = invitePacket && parseMessage(invitePacket.data);
    assert.ok(sentInvite && sentInvite.ok);
    assert.equal(getVias(cancel.value)[0]?.params['branch'], getVias(sentInvite.value)[0]?.params['branch'], 'same branch as the INVITE');
    assert.equal(cancel.value.headers.get('CSeq'), '1 CANCEL');
    assert.equal(cancel.value.headers.get('Reason'), 'SIP;cause=487;text="gone"');
    assert.equal(requestsIn(net, 'ACK').length, 1, 'the INVITE client transaction ACKed the 487');
    await close();
  });

  test('CANCEL waits for a provisional response before it is sent (RFC 3261 9.1)', async () => {
    const { clock, net, a, b, close } = await pair();
    let handle: ServerTransactionHandle | undefined;
    b.onRequest((_req, tx) => (handle = tx));
    const invite = request(a, 'INVITE');
    const inviteP = a.sendRequest(invite);
    const cancelP = a.cancel(invite);
    clock.advance(100);
    assert.equal(requestsIn(net, 'CANCEL').length, 0);
    clock.advance(100); // 100 Trying from b's server transaction
    assert.equal(requestsIn(net, 'CANCEL').length, 1);
    assert.equal((await cancelP).status, 200);
    assert.equal((await inviteP).status, 487);
    assert.equal(handle?.finalSent, true);
    await close();
  });

  test('CANCEL after the final response resolves with 481 and sends nothing', async () => {
    const { clock, net, a, b, close } = await pair();
    b.onRequest((_req, tx) => tx.respond(486));
    const invite = request(a, 'INVITE');
    const p = a.sendRequest(invite);
    clock.advance(0);
    assert.equal((await p).status, 486);
    assert.equal((await a.cancel(invite)).status, 481);
    assert.equal(requestsIn(net, 'CANCEL').length, 0);
    await close();
  });

  test('a CANCEL matching no transaction gets 481', async () => {
    const { clock, a, close } = await pair();
    const p = a.sendRequest(request(a, 'CANCEL'));
    clock.advance(0);
    assert.equal((await p).status, 481);
    await close();
  });

  test('INVITE rejected with 486: the client ACKs, the server transaction is Confirmed then gone after Timer I', async () => {
    const { clock, net, a, b, close } = await pair();
    b.onRequest((_req, tx) => tx.respond(486));
    const p = a.sendRequest(request(a, 'INVITE'));
    clock.advance(0);
    assert.equal((await p).status, 486);
    assert.equal(requestsIn(net, 'ACK').length, 1);
    assert.deepEqual(statusesOut(net), [486], 'the ACK stopped Timer G');
    assert.equal(b.transactionCount.server, 1);
    clock.advance(5_000);
    assert.equal(b.transactionCount.server, 0);
    clock.advance(27_000);
    assert.equal(a.transactionCount.client, 0, 'Timer D');
    await close();
  });

  test('Timer B: an INVITE nobody answers resolves with 408 after 64*T1, retransmitted by Timer A meanwhile', async () => {
    const { clock, net, a, close } = await pair();
    const invite = createRequest({
      method: 'INVITE',
      uri: 'sip:nobody@127.0.0.9:5060',
      headers: { From: '<sip:a@x>;tag=1', To: '<sip:nobody@x>', 'Call-ID': 'inv-timeout', CSeq: '1 INVITE' },
    });
    const p = a.sendRequest(invite);
    clock.advance(32_000);
    assert.equal((await p).status, 408);
    assert.equal(requestsIn(net, 'INVITE').length, 7, 'sent at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s');
    await close();
  });

  test('Timer G: a lost 486 is retransmitted; a lost ACK makes the client ACK the retransmission again', async () => {
    const { clock, net, a, b, close } = await pair();
    b.onRequest((_req, tx) => tx.respond(486));
    net.dropNext(1, (p) => p.data.toString('latin1').startsWith('SIP/2.0 486'));
    net.dropNext(1, (p) => p.data.toString('latin1').startsWith('ACK '));
    const p = a.sendRequest(request(a, 'INVITE'));
    clock.advance(0);
    // The 486 was lost: the client retransmits the INVITE (Timer A) and the server re-sends the 486
    // (absorption) while its Timer G also fires at 500 ms.
    clock.advance(500);
    assert.equal((await p).status, 486);
    clock.advance(1_000);
    assert.ok(requestsIn(net, 'ACK').length >= 2, 'the ACK is re-sent for a retransmitted 486');
    const g = statusesOut(net).length;
    clock.advance(10_000);
    assert.equal(statusesOut(net).length, g, 'the delivered ACK stopped Timer G');
    assert.equal(b.transactionCount.server, 0, 'Confirmed then Timer I');
    await close();
  });

  test('with [MS-SIP] on, BENOTIFY is passed up with no transaction and never answered', async () => {
    const { clock, net, a, b, close } = await pair('udp', { extensions: [MS_SIP_EXTENSION] });
    const got: string[] = [];
    b.onRequest((req, tx) => {
      got.push(req.method);
      tx.respond(200); // ignored: BENOTIFY is never answered
    });
    a.sendStateless(request(a, 'BENOTIFY'));
    clock.advance(0);
    assert.deepEqual(got, ['BENOTIFY']);
    assert.equal(net.sent.length, 1, 'no response on the wire');
    assert.equal(b.transactionCount.server, 0);
    await close();
  });

  test('without [MS-SIP], a BENOTIFY is an ordinary request: a server transaction and 501 from a bare stack', async () => {
    const { clock, net, a, b, close } = await pair();
    a.sendStateless(request(a, 'BENOTIFY'));
    clock.advance(0);
    assert.deepEqual(statusesOut(net), [501]);
    assert.equal(b.transactionCount.server, 1, 'the non-INVITE server transaction waits out Timer J');
    await close();
  });

  test('a handler that throws gets the request answered with 500', async () => {
    const { clock, a, b, close } = await pair();
    b.onRequest(() => {
      throw new Error('bug');
    });
    const p = a.sendRequest(request(a, 'MESSAGE'));
    clock.advance(0);
    assert.equal((await p).status, 500);
    await close();
  });

  test('a malformed datagram with readable Via/CSeq gets 400; garbage is dropped', async () => {
    const { clock, net, b, close } = await pair();
    const raw = net.createTransport({ host: '127.0.0.3', port: 5060 });
    const got: SipResponse[] = [];
    await raw.start({ receive: (m) => m.message.kind === 'response' && got.push(m.message), malformed: () => {} });
    const bad = [
      'MESSAGE sip:bob@127.0.0.2 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.3:5060;branch=z9hG4bKbad',
      'From: <sip:x@y>;tag=1',
      'To: <sip:bob@127.0.0.2>',
      'Call-ID: bad-1',
      'CSeq: 1 MESSAGE',
      'Content-Length: nonsense',
      '',
      '',
    ].join('\r\n');
    await raw.send(Buffer.from(bad), { protocol: 'udp', host: '127.0.0.2', port: 5060 });
    await raw.send(Buffer.from('\x00\x01garbage\r\n\r\n'), { protocol: 'udp', host: '127.0.0.2', port: 5060 });
    clock.advance(0);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.status, 400);
    assert.equal(got[0]?.headers.get('Call-ID'), 'bad-1');
    assert.equal(b.transactionCount.server, 0);
    await raw.close();
    await close();
  });

  test('over a reliable transport there are no retransmissions and D/J/K are zero', async () => {
    const { clock, net, a, b, close } = await pair('tcp');
    b.onRequest((_req, tx) => tx.respond(200));
    const p = a.sendRequest(request(a, 'MESSAGE', 'tcp'));
    clock.advance(0);
    assert.equal((await p).status, 200);
    assert.equal(a.transactionCount.client, 0, 'Timer K = 0');
    assert.equal(b.transactionCount.server, 0, 'Timer J = 0');
    clock.advance(40_000);
    assert.equal(requestsIn(net, 'MESSAGE').length, 1);
    await close();
  });

  test('overload: beyond maxServerTransactions new requests get 503 with Retry-After, statelessly', async () => {
    const clock = new ManualClock(0);
    const net = new InMemoryNetwork(clock);
    const a = await SipStack.listen({ clock, transports: [net.createTransport({ host: '127.0.0.1', port: 5060 })] });
    const b = await SipStack.listen({ clock, maxServerTransactions: 2, transports: [net.createTransport({ host: '127.0.0.2', port: 5060 })] });
    b.onRequest(() => {}); // never answers: the transactions stay
    const pending = [a.sendRequest(request(a, 'MESSAGE')), a.sendRequest(request(a, 'MESSAGE'))];
    const third = a.sendRequest(request(a, 'MESSAGE'));
    clock.advance(0);
    const res = await third;
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('Retry-After'), '5');
    assert.equal(b.transactionCount.server, 2);
    await a.close();
    await b.close();
    await Promise.all(pending);
  });

  test('close() cancels every timer and resolves pending requests with 503', async () => {
    const { clock, a, b, close } = await pair();
    b.onRequest(() => {});
    const p = a.sendRequest(request(a, 'MESSAGE'));
    clock.advance(0);
    await close();
    assert.equal((await p).status, 503);
    clock.advance(0); // let deliveries already in flight land on closed transports
    assert.equal(clock.pending, 0);
  });
});
