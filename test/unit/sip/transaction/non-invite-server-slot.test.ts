// The transaction layer's non-INVITE server path end to end through a SipStack on a ManualClock:
// the abandonment guard is armed only for requests not answered while delivered, a response send
// failure ends the transaction (RFC 3261 section 17.2.4), and Completed resends the same bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { parseMessage } from '../../../../src/sip/message/index.ts';
import type { ServerTransactionHandle, TransportAddress } from '../../../../src/sip/transaction/transaction-user.ts';
import type { SendFailureSink, Transport, TransportSink } from '../../../../src/sip/transport/transport.ts';

const LOCAL: TransportAddress = { protocol: 'udp', host: '127.0.0.1', port: 5060 };
const PEER: TransportAddress = { protocol: 'udp', host: '192.0.2.9', port: 5070 };

/** A UDP transport driven by the test: `inject` hands up a datagram, `sendNow` records or fails. */
class ScriptedUdp implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly local = LOCAL;
  sink: TransportSink | undefined;
  readonly sent: Array<{ data: Buffer; to: TransportAddress }> = [];
  fail: Error | undefined;

  start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }
  send(data: Buffer, to: TransportAddress): Promise<string | undefined> {
    this.sent.push({ data, to });
    return Promise.resolve(undefined);
  }
  sendNow(data: Buffer, to: TransportAddress, failed: SendFailureSink): void {
    const e = this.fail;
    if (e) {
      queueMicrotask(() => failed.sendFailed(e));
      return;
    }
    this.sent.push({ data, to });
  }
  hasConnection(): boolean {
    return false;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  inject(text: string): void {
    const parsed = parseMessage(Buffer.from(text));
    assert.ok(parsed.ok);
    this.sink?.receive({ message: parsed.value, source: { remote: PEER, local: LOCAL } });
  }
}

const notify = (branch: string, cseq = 1): string => [
  'NOTIFY sip:ucc@127.0.0.1:5060 SIP/2.0',
  `Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bK${branch};rport`,
  'From: <sip:bob@example.test>;tag=n1',
  'To: <sip:ucc@example.test>;tag=s1',
  'Call-ID: slot-test',
  `CSeq: ${cseq} NOTIFY`,
  'Event: presence',
  'Subscription-State: active;expires=60',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

async function stack() {
  const clock = new ManualClock(0);
  const wire = new ScriptedUdp();
  const s = await SipStack.listen({ clock, transports: [wire] });
  return { clock, wire, s };
}

describe('non-INVITE server transactions in the layer', () => {
  test('answered while delivered: no abandonment timer, only the shared Timer J bucket', async () => {
    const { clock, wire, s } = await stack();
    s.onRequest((_req, tx) => tx.respond(200));
    wire.inject(notify('a1'));
    assert.equal(wire.sent.length, 1);
    assert.match(wire.sent[0]?.data.toString('latin1') ?? '', /^SIP\/2\.0 200 OK\r\n/);
    assert.deepEqual(wire.sent[0]?.to, { protocol: 'udp', host: '192.0.2.9', port: 5070 }, 'rport/received route the answer');
    assert.deepEqual(s.transactionCount, { client: 0, server: 1, completedNonInvite: 1 });
    assert.equal(clock.pending, 1);
    await s.close();
  });

  test('not answered while delivered: abandoned after 64*T1, as when the guard was armed first', async () => {
    const { clock, wire, s } = await stack();
    let held: ServerTransactionHandle | undefined;
    s.onRequest((_req, tx) => (held = tx));
    wire.inject(notify('b1'));
    assert.equal(s.transactionCount.server, 1);
    clock.advance(31_999);
    assert.equal(s.transactionCount.server, 1);
    clock.advance(1);
    assert.equal(s.transactionCount.server, 0, 'abandoned');
    held?.respond(200);
    assert.equal(wire.sent.length, 0, 'a late answer is dropped');
    await s.close();
  });

  test('answered later: the answer goes out and the guard is cancelled', async () => {
    const { clock, wire, s } = await stack();
    let held: ServerTransactionHandle | undefined;
    s.onRequest((_req, tx) => (held = tx));
    wire.inject(notify('c1'));
    clock.advance(10_000);
    held?.respond(200);
    assert.equal(wire.sent.length, 1);
    assert.deepEqual(s.transactionCount, { client: 0, server: 1, completedNonInvite: 1 });
    assert.equal(clock.pending, 1, 'only the Timer J bucket');
    await s.close();
  });

  test('a retransmission in Completed gets the same bytes; a send failure then ends Completed', async () => {
    const { wire, s } = await stack();
    let calls = 0;
    s.onRequest((_req, tx) => {
      calls++;
      tx.respond(200);
    });
    wire.inject(notify('d1'));
    wire.inject(notify('d1'));
    assert.equal(calls, 1);
    assert.equal(wire.sent.length, 2);
    assert.deepEqual(wire.sent[1]?.data, wire.sent[0]?.data);
    wire.fail = new Error('unreachable');
    wire.inject(notify('d1'));
    await new Promise((r) => setImmediate(r));
    assert.equal(s.transactionCount.completedNonInvite, 0, 'transport error: Completed → Terminated');
    await s.close();
  });

  test('a failed final response terminates the transaction (section 17.2.4): a retransmission is new', async () => {
    const { wire, s } = await stack();
    let calls = 0;
    s.onRequest((_req, tx) => {
      calls++;
      tx.respond(200);
    });
    wire.fail = new Error('unreachable');
    wire.inject(notify('e1'));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(s.transactionCount, { client: 0, server: 0, completedNonInvite: 0 });
    wire.fail = undefined;
    wire.inject(notify('e1'));
    assert.equal(calls, 2);
    assert.equal(wire.sent.length, 1);
    await s.close();
  });
});
