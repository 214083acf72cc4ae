// Two SipUserAgents on two real SipStacks over the in-memory network with a ManualClock: the UA
// layer (digest, dialogs, subscriptions, MESSAGE, BENOTIFY) over serialized bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { SipStack } from '../../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../../src/sip/api/sip-user-agent.ts';
import { SipError } from '../../../../src/sip/api/sip-error.ts';
import { DigestServer } from '../../../../src/sip/auth/digest-server.ts';
import { parseCredentials } from '../../../../src/sip/auth/digest.ts';
import { InMemoryNetwork } from '../../../../src/sip/transport/in-memory-transport.ts';
import type { EventPackage } from '../../../../src/sip/ua/event-package.ts';
import type { NotifierSubscription } from '../../../../src/sip/ua/notifier-subscription.ts';
import type { Notification } from '../../../../src/sip/ua/subscriber.ts';
import { MS_SIP_EXTENSION } from '../../../../src/sip/ua/ms-sip-extension.ts';
import { settle as settleClock } from '../../../support/virtual-time.ts';

async function world(msSip = false) {
  const clock = new ManualClock(0);
  const net = new InMemoryNetwork(clock);
  const extensions = msSip ? [MS_SIP_EXTENSION] : [];
  const sa = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', host: '127.0.0.1', port: 5060 })], extensions });
  const sb = await SipStack.listen({ clock, transports: [net.createTransport({ protocol: 'udp', host: '127.0.0.2', port: 5060 })], extensions });
  /** Runs the network and the promise continuations until quiet. */
  const settle = (): Promise<void> => settleClock(clock, 20);
  const close = async () => {
    await sa.close();
    await sb.close();
  };
  return { clock, net, sa, sb, settle, close };
}

const wire = (net: InMemoryNetwork) => net.sent.map((p) => p.data.toString('latin1').split('\r\n')[0]!);

describe('SipUserAgent over two SipStacks (loopback)', () => {
  test('REGISTER with digest: 401 → authorized retry → 200, and the server verifies the credentials', async () => {
    const w = await world();
    const server = new DigestServer({ realm: 'example.test', clock: w.clock });
    let verified = false;
    w.sb.onRequest((req, tx) => {
      if (req.method !== 'REGISTER') return void tx.respond(405);
      const h = req.headers.get('Authorization');
      const c = h ? parseCredentials(h) : undefined;
      if (!c || !c.ok) return void tx.respond(401, { headers: { 'WWW-Authenticate': server.challengeHeader() } });
      const v = server.verify(c.value, { method: 'REGISTER', uri: req.uri }, () => ({ password: 'secret' }));
      if (!v.ok) return void tx.respond(401, { headers: { 'WWW-Authenticate': server.challengeHeader(v.stale) } });
      verified = true;
      tx.respond(200, { headers: { Contact: `${req.headers.get('Contact')!}`, Expires: '600' } });
    });
    const ua = new SipUserAgent({
      stack: w.sa, aor: 'sip:alice@example.test', registrar: 'sip:127.0.0.2:5060', credentials: { username: 'alice', password: 'secret' }, clock: w.clock,
    });
    const p = ua.register({ expires: 600 });
    await w.settle();
    const reg = await p;
    assert.equal(reg.state, 'registered');
    assert.equal(verified, true);
    assert.deepEqual(wire(w.net).filter((l) => l.startsWith('SIP/2.0')), ['SIP/2.0 401 Unauthorized', 'SIP/2.0 200 OK']);
    ua.dispose();
    await w.close();
  });

  test('a wrong password rejects register() with SipError 401 after exactly one retry', async () => {
    const w = await world();
    const server = new DigestServer({ realm: 'example.test', clock: w.clock });
    w.sb.onRequest((req, tx) => {
      const h = req.headers.get('Authorization');
      const c = h ? parseCredentials(h) : undefined;
      if (c?.ok && server.verify(c.value, { method: req.method }, () => ({ password: 'secret' })).ok) return void tx.respond(200);
      tx.respond(401, { headers: { 'WWW-Authenticate': server.challengeHeader() } });
    });
    const ua = new SipUserAgent({ stack: w.sa, aor: 'sip:alice@example.test', registrar: 'sip:127.0.0.2:5060', credentials: { username: 'alice', password: 'nope' }, clock: w.clock });
    const p = ua.register();
    const caught = p.catch((e: unknown) => e);
    await w.settle();
    const e = await caught;
    assert.ok(e instanceof SipError);
    assert.equal(e.status, 401);
    assert.equal(wire(w.net).filter((l) => l.startsWith('REGISTER')).length, 2);
    ua.dispose();
    await w.close();
  });

  test('SUBSCRIBE/NOTIFY between our subscriber and our notifier, a state change, then unsubscribe', async () => {
    const w = await world();
    let state = 'open';
    const pkg: EventPackage = {
      name: 'presence', contentTypes: ['application/pidf+xml'], defaultExpires: 600,
      currentState: () => ({ body: `<presence><basic>${state}</basic></presence>`, contentType: 'application/pidf+xml' }),
    };
    const bob = new SipUserAgent({ stack: w.sb, aor: 'sip:bob@127.0.0.2', clock: w.clock });
    const watchers: NotifierSubscription[] = [];
    bob.onSubscribe(pkg).on('subscription', (s) => watchers.push(s));
    const alice = new SipUserAgent({ stack: w.sa, aor: 'sip:alice@127.0.0.1', clock: w.clock });
    const notes: Notification[] = [];
    const p = alice.subscribe('sip:bob@127.0.0.2:5060', { event: 'presence', accept: ['application/pidf+xml'], expires: 600, onNotify: (n) => notes.push(n) });
    await w.settle();
    const sub = await p;
    assert.equal(sub.state, 'active');
    assert.equal(notes.length, 1);
    assert.match(notes[0]!.body.toString(), /open/);
    assert.equal(watchers.length, 1);

    state = 'closed';
    void watchers[0]!.notify();
    await w.settle();
    assert.equal(notes.length, 2);
    assert.match(notes[1]!.body.toString(), /closed/);

    // Refresh at 90 %: in-dialog SUBSCRIBE, the notifier answers and re-notifies.
    w.clock.advance(540_000);
    await w.settle();
    assert.equal(notes.length, 3);
    assert.equal(sub.state, 'active');

    const done = sub.unsubscribe();
    await w.settle();
    await done;
    assert.equal(sub.state, 'terminated');
    assert.equal(watchers[0]!.state, 'terminated');
    assert.equal(notes.at(-1)!.subscriptionState.state, 'terminated');
    alice.dispose();
    bob.dispose();
    await w.close();
  });

  test('BENOTIFY ([MS-SIP] on both stacks): negotiated via Supported, sent after the first NOTIFY, never answered on the wire', async () => {
    const w = await world(true);
    const pkg: EventPackage = { name: 'presence', contentTypes: ['application/msrtc-event-categories+xml'], defaultExpires: 600 };
    const bob = new SipUserAgent({ stack: w.sb, aor: 'sip:bob@127.0.0.2', clock: w.clock });
    const watchers: NotifierSubscription[] = [];
    bob.onSubscribe(pkg).on('subscription', (s) => watchers.push(s));
    const alice = new SipUserAgent({ stack: w.sa, aor: 'sip:alice@127.0.0.1', clock: w.clock });
    const notes: Notification[] = [];
    const p = alice.subscribe('sip:bob@127.0.0.2:5060', { event: 'presence', onNotify: (n) => notes.push(n) });
    await w.settle();
    await p;
    void watchers[0]!.notify({ body: '<categories/>', contentType: 'application/msrtc-event-categories+xml' });
    await w.settle();
    assert.deepEqual(notes.map((n) => n.request.method), ['NOTIFY', 'BENOTIFY']);
    const lines = wire(w.net);
    const i = lines.findIndex((l) => l.startsWith('BENOTIFY '));
    assert.ok(i >= 0);
    assert.deepEqual(lines.slice(i + 1), [], 'nothing (no response) after the BENOTIFY');
    alice.dispose();
    bob.dispose();
    await w.close();
  });

  test('MESSAGE both ways: handler verdicts reach the sender; a refusal rejects with SipError', async () => {
    const w = await world();
    const alice = new SipUserAgent({ stack: w.sa, aor: 'sip:alice@127.0.0.1', clock: w.clock });
    const bob = new SipUserAgent({ stack: w.sb, aor: 'sip:bob@127.0.0.2', clock: w.clock });
    const got: string[] = [];
    bob.onMessage((m) => { got.push(m.body.toString()); return { status: m.body.toString() === 'spam' ? 488 : 200 }; });
    alice.onMessage(() => ({ status: 202 }));
    const p1 = alice.message('sip:bob@127.0.0.2:5060', 'hello bob');
    await w.settle();
    assert.equal((await p1).status, 200);
    const p2 = bob.message('sip:alice@127.0.0.1:5060', 'hi alice');
    await w.settle();
    assert.equal((await p2).status, 202);
    const p3 = alice.message('sip:bob@127.0.0.2:5060', 'spam').catch((e: unknown) => e);
    await w.settle();
    const e = await p3;
    assert.ok(e instanceof SipError);
    assert.equal(e.status, 488);
    assert.deepEqual(got, ['hello bob', 'spam']);
    alice.dispose();
    bob.dispose();
    await w.close();
  });

  test('PUBLISH with refresh and removal against a minimal ETag server', async () => {
    const w = await world();
    let n = 0;
    const seen: Array<{ ifMatch: string | undefined; body: number; expires: string | undefined }> = [];
    w.sb.onRequest((req, tx) => {
      seen.push({ ifMatch: req.headers.get('SIP-If-Match'), body: req.body.length, expires: req.headers.get('Expires') });
      tx.respond(200, { headers: { 'SIP-ETag': `e${++n}`, Expires: req.headers.get('Expires') ?? '60' } });
    });
    const alice = new SipUserAgent({ stack: w.sa, aor: 'sip:alice@127.0.0.2:5060', clock: w.clock });
    const p = alice.publish('<presence/>', 'application/pidf+xml', { expires: 60 });
    await w.settle();
    const pub = await p;
    assert.equal(pub.etag, 'e1');
    w.clock.advance(54_000);
    await w.settle();
    assert.equal(pub.etag, 'e2');
    const r = alice.unpublish();
    await w.settle();
    await r;
    assert.deepEqual(seen, [
      { ifMatch: undefined, body: 11, expires: '60' },
      { ifMatch: 'e1', body: 0, expires: '60' },
      { ifMatch: 'e2', body: 0, expires: '0' },
    ]);
    alice.dispose();
    await w.close();
  });
});
