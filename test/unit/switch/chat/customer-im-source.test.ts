// Page-mode MESSAGE sessions from customers (issue 13): grouping per (customer, routing point),
// the idle timeout on a ManualClock, answers back as MESSAGE from the routing point's address, and
// the same over two real SIP stacks on loopback.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../../src/sip/api/sip-user-agent.ts';
import { CUSTOMER_IM_TEXTS, CustomerImSource, sipCustomerImTransport, type CustomerChatEndpoint, type CustomerChatOpener, type CustomerChatRequest, type CustomerImIn, type CustomerImTransport } from '../../../../src/switch/chat/customer-im-source.ts';
import { PageModeSessions } from '../../../../src/switch/chat/page-mode-sessions.ts';
import { freePort } from '../../../support/free-port.ts';
import { waitFor } from '../../../support/peer-process.ts';

class FakeTransport implements CustomerImTransport {
  handler: ((m: CustomerImIn) => { status: number; reason?: string }) | undefined;
  readonly sent: Array<{ from: string; to: string; text: string }> = [];
  onMessage(h: (m: CustomerImIn) => { status: number; reason?: string }): () => void {
    this.handler = h;
    return () => (this.handler = undefined);
  }
  send(from: string, to: string, text: string): Promise<void> {
    this.sent.push({ from, to, text });
    return Promise.resolve();
  }
  in(from: string, to: string, text: string, contentType = 'text/plain'): number {
    assert.ok(this.handler);
    return this.handler({ from, to, body: Buffer.from(text), contentType }).status;
  }
}

/** The chat core's customer entry, in memory: keeps each chat's texts, lets a test answer as the KW or end it. */
class FakeChat implements CustomerChatOpener {
  readonly chats: Array<{ info: CustomerChatRequest; texts: string[]; left: boolean; endpoint: CustomerChatEndpoint }> = [];
  refuse = false;
  openCustomer(info: CustomerChatRequest, endpoint: (leg: { send(t: unknown): { ok: boolean }; leave(): void }) => CustomerChatEndpoint) {
    if (this.refuse) return undefined;
    const rec = { info, texts: [] as string[], left: false, endpoint: undefined as unknown as CustomerChatEndpoint };
    const leg = { send: (t: unknown) => (rec.texts.push(String(t)), { ok: true }), leave: () => (rec.left = true) };
    rec.endpoint = endpoint(leg);
    this.chats.push(rec);
    return leg;
  }
}

const RP = (to: string): string | undefined => /^<?sip:(8\d{3})@/.exec(to)?.[1];

function world(idleTimeoutMs = 60_000, maxSessions?: number) {
  const clock = new ManualClock();
  const transport = new FakeTransport();
  const chat = new FakeChat();
  const source = new CustomerImSource({ transport, chat, routingPointOf: RP, trunk: 'trunk', clock, idleTimeoutMs, ...(maxSessions ? { maxSessions } : {}) });
  source.start();
  return { clock, transport, chat, source };
}

describe('customer IM source (page-mode MESSAGE sessions)', () => {
  test('one session per (customer, routing point): later MESSAGEs continue it, another customer or routing point opens another', () => {
    const { transport, chat, source } = world();
    assert.equal(transport.in('<sip:ann@cust.test>;tag=1', '<sip:8000@ucc.test>', 'Hello'), 200);
    assert.equal(transport.in('<sip:ann@cust.test>;tag=2', '<sip:8000@ucc.test>', 'Anyone there?'), 200);
    assert.equal(transport.in('<sip:bob@cust.test>', '<sip:8000@ucc.test>', 'Hi'), 200);
    assert.equal(transport.in('<sip:ann@cust.test>', '<sip:8001@ucc.test>', 'Other desk'), 200);
    assert.equal(chat.chats.length, 3);
    assert.deepEqual(chat.chats[0]!.info, { routingPoint: '8000', trunk: 'trunk', from: 'sip:ann@cust.test', userData: [['IM_From', 'sip:ann@cust.test']] });
    assert.deepEqual(chat.chats[0]!.texts, ['Hello', 'Anyone there?']);
    assert.equal(source.size, 3);
  });

  test('answers go back as MESSAGE from the routing point address; the customer\'s own echo is not sent back', () => {
    const { transport, chat } = world();
    transport.in('<sip:ann@cust.test>', '<sip:8000@ucc.test>', 'Hello');
    chat.chats[0]!.endpoint.deliver({ from: 'customer', text: 'Hello' });
    chat.chats[0]!.endpoint.deliver({ from: 'agent', text: 'Hi Ann, how can I help?' });
    assert.deepEqual(transport.sent, [{ from: 'sip:8000@ucc.test', to: 'sip:ann@cust.test', text: 'Hi Ann, how can I help?' }]);
  });

  test('idle timeout: no message either way for the timeout closes the session (the leg leaves, the customer is told); an answer resets it', () => {
    const { clock, transport, chat, source } = world(60_000);
    transport.in('<sip:ann@cust.test>', '<sip:8000@ucc.test>', 'Hello');
    clock.advance(50_000);
    chat.chats[0]!.endpoint.deliver({ from: 'agent', text: 'One moment' });
    clock.advance(59_999);
    assert.equal(source.size, 1);
    clock.advance(1);
    assert.equal(source.size, 0);
    assert.equal(chat.chats[0]!.left, true);
    assert.equal(transport.sent.at(-1)?.text, CUSTOMER_IM_TEXTS.idle);
    transport.in('<sip:ann@cust.test>', '<sip:8000@ucc.test>', 'Back again');
    assert.equal(chat.chats.length, 2, 'a MESSAGE after the idle close opens a new chat');
  });

  test('the chat ending closes the session and tells the customer', () => {
    const { transport, chat, source } = world();
    transport.in('<sip:ann@cust.test>', '<sip:8000@ucc.test>', 'Hello');
    chat.chats[0]!.endpoint.end('released');
    assert.equal(source.size, 0);
    assert.equal(transport.sent.at(-1)?.text, CUSTOMER_IM_TEXTS.ended);
  });

  test('refusals: not a routing point 404, bad body 415/400, too many sessions 486; a chat core that refuses is told to the customer', () => {
    const { transport, chat } = world(60_000, 1);
    assert.equal(transport.in('<sip:ann@cust.test>', '<sip:alice@ucc.test>', 'x'), 404);
    assert.equal(transport.in('<sip:ann@cust.test>', '<sip:8000@ucc.test>', '<b>x</b>', 'text/html'), 415);
    assert.equal(transport.handler!({ from: '<sip:ann@cust.test>', to: '<sip:8000@ucc.test>', body: Buffer.from([0xff]), contentType: 'text/plain' }).status, 400);
    assert.equal(transport.in('<sip:ann@cust.test>', '<sip:8000@ucc.test>', 'Hello'), 200);
    assert.equal(transport.in('<sip:bob@cust.test>', '<sip:8000@ucc.test>', 'Hello'), 486);
    const w2 = world();
    w2.chat.refuse = true;
    assert.equal(w2.transport.in('<sip:ann@cust.test>', '<sip:8000@ucc.test>', 'Hello'), 200);
    assert.deepEqual(w2.transport.sent, [{ from: 'sip:8000@ucc.test', to: 'sip:ann@cust.test', text: CUSTOMER_IM_TEXTS.unavailable }]);
    assert.equal(w2.source.size, 0);
    assert.equal(chat.chats.length, 1);
  });

  test('PageModeSessions alone: find / keyOf, close, and a late idle timer after close does nothing', () => {
    const clock = new ManualClock();
    const idle: string[] = [];
    const s = new PageModeSessions({ clock, idleTimeoutMs: 1000, opened: () => undefined, message: () => undefined, idle: (id) => idle.push(id) });
    assert.equal(s.receive({ customer: 'sip:a@x', routingPoint: '8000' }, 'hi'), 'opened');
    const id = s.find({ customer: 'sip:a@x', routingPoint: '8000' });
    assert.ok(id);
    assert.deepEqual(s.keyOf(id), { customer: 'sip:a@x', routingPoint: '8000' });
    s.close(id);
    clock.advance(5000);
    assert.deepEqual(idle, []);
    assert.equal(clock.pending, 0);
  });
});

test('over real SIP stacks: a customer UA\'s MESSAGEs to sip:8000@ reach the chat, and the KW\'s answer comes back as a MESSAGE', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const edgeStack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port }] });
  const custStack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: await freePort() }] });
  const edgeUa = new SipUserAgent({ stack: edgeStack, aor: 'sip:ucc@127.0.0.1' });
  const customer = new SipUserAgent({ stack: custStack, aor: `sip:ann@127.0.0.1:${custStack.contactUri('udp').match(/:(\d+)/)?.[1] ?? ''}` });
  const received: string[] = [];
  customer.onMessage((m) => (received.push(`${m.from} ${m.body.toString()}`), { status: 200 }));
  const chat = new FakeChat();
  const source = new CustomerImSource({ transport: sipCustomerImTransport(edgeUa, edgeStack), chat, routingPointOf: RP, trunk: 'trunk', clock: new ManualClock() });
  source.start();
  try {
    await customer.message(`sip:8000@127.0.0.1:${port}`, 'Hello from SIP');
    await customer.message(`sip:8000@127.0.0.1:${port}`, 'Second line');
    assert.equal(chat.chats.length, 1);
    assert.deepEqual(chat.chats[0]!.texts, ['Hello from SIP', 'Second line']);
    chat.chats[0]!.endpoint.deliver({ from: 'agent', text: 'Hello Ann' });
    await waitFor('the answer at the customer', () => received.length === 1, 5000);
    assert.match(received[0]!, /^<sip:8000@127\.0\.0\.1>;tag=\S+ Hello Ann$/, "From is the routing point's address");
  } finally {
    source.stop();
    await customer.close();
    await edgeUa.close();
    await custStack.close();
    await edgeStack.close();
  }
});
