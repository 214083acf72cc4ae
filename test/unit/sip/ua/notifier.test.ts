import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { Notifier } from '../../../../src/sip/ua/notifier.ts';
import type { NotifierOptions } from '../../../../src/sip/ua/notifier.ts';
import type { NotifierSubscription } from '../../../../src/sip/ua/notifier-subscription.ts';
import type { EventPackage } from '../../../../src/sip/ua/event-package.ts';
import { RequestDispatcher } from '../../../../src/sip/ua/request-dispatcher.ts';
import { parseNameAddr } from '../../../../src/sip/message/index.ts';
import type { SipRequest } from '../../../../src/sip/message/sip-message.ts';
import { MS_SIP_EXTENSION } from '../../../../src/sip/ua/ms-sip-extension.ts';
import { FakeTransactionUser, buildRequest, flush } from '../support/fake-transaction-user.ts';

const presence = (over: Partial<EventPackage> = {}): EventPackage => ({
  name: 'presence',
  contentTypes: ['application/pidf+xml'],
  defaultExpires: 600,
  currentState: (s) => ({ body: `<presence entity="${s.resource}"/>`, contentType: 'application/pidf+xml' }),
  ...over,
});

function setup(pkg: EventPackage = presence(), extra: Partial<NotifierOptions> = {}, o: { msSip?: boolean } = {}) {
  const clock = new ManualClock(0);
  const tu = new FakeTransactionUser();
  if (o.msSip) tu.capabilities.use(MS_SIP_EXTENSION);
  const dispatcher = new RequestDispatcher(tu);
  const notifier = new Notifier({ tu, dispatcher, clock, contact: 'sip:pres@10.0.0.9:5060', ...extra });
  notifier.registerPackage(pkg);
  const subs: NotifierSubscription[] = [];
  notifier.on('subscription', (s) => subs.push(s));
  return { clock, tu, notifier, subs };
}

let n = 0;
function subscribe(headers: Record<string, string> = {}): SipRequest {
  n++;
  return buildRequest('SUBSCRIBE', 'sip:alice@example.test', {
    Via: `SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKs${n}`,
    From: '<sip:watcher@example.test>;tag=w1',
    To: '<sip:alice@example.test>',
    'Call-ID': `sub-${n}`,
    CSeq: '1 SUBSCRIBE',
    Contact: '<sip:watcher@10.0.0.1:5070>',
    Event: 'presence',
    Expires: '600',
    ...headers,
  });
}

/** The in-dialog SUBSCRIBE the watcher would send next. */
function inDialog(initial: SipRequest, toTag: string, seq: number, expires: number): SipRequest {
  return buildRequest('SUBSCRIBE', 'sip:pres@10.0.0.9:5060', {
    Via: `SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKr${seq}${n}`,
    From: initial.headers.get('From')!,
    To: `${initial.headers.get('To')!};tag=${toTag}`,
    'Call-ID': initial.headers.get('Call-ID')!,
    CSeq: `${seq} SUBSCRIBE`,
    Contact: '<sip:watcher@10.0.0.1:5070>',
    Event: 'presence',
    Expires: String(expires),
  });
}

const tagOf = (v: string | undefined) => {
  const r = parseNameAddr(v ?? '');
  return r.ok ? r.value.params.tag : undefined;
};

describe('Notifier (RFC 6665 section 4.2)', () => {
  test('accepts: 200 with Expires and a To tag, then an immediate NOTIFY active with the package body', async () => {
    const s = setup();
    const txn = await s.tu.inject(subscribe());
    assert.equal(txn.status, 200);
    const res = txn.responses[0]!;
    assert.equal(res.headers.get('Expires'), '600');
    const localTag = tagOf(res.headers.get('To'));
    assert.ok(localTag);
    const notify = s.tu.last('NOTIFY').request;
    assert.equal(notify.uri, 'sip:watcher@10.0.0.1:5070');
    assert.equal(notify.headers.get('Event'), 'presence');
    assert.equal(notify.headers.get('Subscription-State'), 'active;expires=600');
    assert.equal(tagOf(notify.headers.get('From')), localTag);
    assert.equal(tagOf(notify.headers.get('To')), 'w1');
    assert.equal(notify.headers.get('Content-Type'), 'application/pidf+xml');
    assert.equal(notify.body.toString(), '<presence entity="sip:alice@example.test"/>');
    assert.equal(s.subs.length, 1);
    s.notifier.dispose();
    assert.equal(s.clock.pending, 0);
  });

  const refusals: Array<{ name: string; req: () => SipRequest; status: number; header?: [string, string] }> = [
    { name: 'unknown event package → 489 with Allow-Events', req: () => subscribe({ Event: 'dialog' }), status: 489, header: ['Allow-Events', 'presence'] },
    { name: 'no acceptable body type → 406', req: () => subscribe({ Accept: 'application/xpidf+xml' }), status: 406 },
    { name: 'expires below the minimum → 423 with Min-Expires', req: () => subscribe({ Expires: '10' }), status: 423, header: ['Min-Expires', '60'] },
  ];
  for (const r of refusals) {
    test(r.name, async () => {
      const s = setup();
      const txn = await s.tu.inject(r.req());
      assert.equal(txn.status, r.status);
      if (r.header) assert.equal(txn.responses[0]!.headers.get(r.header[0]), r.header[1]);
      assert.equal(s.tu.sent.length, 0);
    });
  }

  test('Accept with a wildcard matches', async () => {
    const s = setup();
    assert.equal((await s.tu.inject(subscribe({ Accept: 'application/*' }))).status, 200);
    s.notifier.dispose();
  });

  test('authorize rejecting → that status; pending → NOTIFY pending, activate() → NOTIFY active', async () => {
    const rej = setup(presence({ authorize: () => ({ reject: 403 }) }));
    assert.equal((await rej.tu.inject(subscribe())).status, 403);
    const s = setup(presence({ authorize: () => 'pending' }));
    await s.tu.inject(subscribe());
    assert.match(s.tu.last('NOTIFY').request.headers.get('Subscription-State')!, /^pending;expires=600$/);
    await s.tu.answerLast('NOTIFY', 200);
    void s.subs[0]!.activate();
    await flush();
    assert.match(s.tu.last('NOTIFY').request.headers.get('Subscription-State')!, /^active;expires=600$/);
    s.notifier.dispose();
  });

  test('expiry → NOTIFY terminated;reason=timeout and the subscription is gone (later refresh → 481)', async () => {
    const s = setup();
    const initial = subscribe();
    const txn = await s.tu.inject(initial);
    await s.tu.answerLast('NOTIFY', 200);
    s.clock.advance(599_999);
    assert.equal(s.tu.sent.length, 1);
    s.clock.advance(1);
    await flush();
    assert.equal(s.tu.last('NOTIFY').request.headers.get('Subscription-State'), 'terminated;reason=timeout');
    assert.equal(s.notifier.subscriptions().length, 0);
    const late = await s.tu.inject(inDialog(initial, tagOf(txn.responses[0]!.headers.get('To'))!, 2, 600));
    assert.equal(late.status, 481);
    assert.equal(s.clock.pending, 0);
  });

  test('refresh: 200 with the new Expires, a NOTIFY follows, and the expiry moves', async () => {
    const s = setup();
    const initial = subscribe();
    const txn = await s.tu.inject(initial);
    const tag = tagOf(txn.responses[0]!.headers.get('To'))!;
    await s.tu.answerLast('NOTIFY', 200);
    s.clock.advance(500_000);
    const r = await s.tu.inject(inDialog(initial, tag, 2, 300));
    assert.equal(r.status, 200);
    assert.equal(r.responses[0]!.headers.get('Expires'), '300');
    assert.equal(s.tu.last('NOTIFY').request.headers.get('Subscription-State'), 'active;expires=300');
    assert.equal(s.tu.last('NOTIFY').request.headers.get('CSeq'), '2 NOTIFY');
    await s.tu.answerLast('NOTIFY', 200);
    s.clock.advance(200_000); // past the original 600 s
    assert.equal(s.notifier.subscriptions().length, 1);
    s.clock.advance(100_000);
    await flush();
    assert.equal(s.tu.last('NOTIFY').request.headers.get('Subscription-State'), 'terminated;reason=timeout');
  });

  test('out-of-order refresh CSeq → 500', async () => {
    const s = setup();
    const initial = subscribe();
    const txn = await s.tu.inject(initial);
    const tag = tagOf(txn.responses[0]!.headers.get('To'))!;
    assert.equal((await s.tu.inject(inDialog(initial, tag, 5, 600))).status, 200);
    assert.equal((await s.tu.inject(inDialog(initial, tag, 4, 600))).status, 500);
    s.notifier.dispose();
  });

  test('unsubscribe (Expires: 0) → 200 then NOTIFY terminated', async () => {
    const s = setup();
    const ends: string[] = [];
    const initial = subscribe();
    const txn = await s.tu.inject(initial);
    s.subs[0]!.on('terminated', (r) => ends.push(r));
    await s.tu.answerLast('NOTIFY', 200);
    const r = await s.tu.inject(inDialog(initial, tagOf(txn.responses[0]!.headers.get('To'))!, 2, 0));
    assert.equal(r.status, 200);
    assert.equal(s.tu.last('NOTIFY').request.headers.get('Subscription-State'), 'terminated;reason=timeout');
    assert.deepEqual(ends, ['timeout']);
    assert.equal(s.clock.pending, 0);
  });

  test('fetch (Expires: 0 on the initial SUBSCRIBE) → 200 and one terminated NOTIFY with the state', async () => {
    const s = setup();
    const txn = await s.tu.inject(subscribe({ Expires: '0' }));
    assert.equal(txn.status, 200);
    assert.equal(s.tu.sent.length, 1);
    const notify = s.tu.last('NOTIFY').request;
    assert.equal(notify.headers.get('Subscription-State'), 'terminated;reason=timeout');
    assert.match(notify.body.toString(), /presence entity/);
  });

  test('a NOTIFY answered 481 removes the subscription (RFC 6665 section 4.2.2)', async () => {
    const s = setup();
    await s.tu.inject(subscribe());
    await s.tu.answerLast('NOTIFY', 481);
    assert.equal(s.notifier.subscriptions().length, 0);
    assert.equal(s.subs[0]!.state, 'terminated');
    assert.equal(s.clock.pending, 0);
  });

  test('with [MS-SIP] on and ms-benotify negotiated, later notifications go as BENOTIFY via sendStateless', async () => {
    const s = setup(presence(), {}, { msSip: true });
    await s.tu.inject(subscribe({ Supported: 'eventlist, ms-benotify' }));
    assert.equal(s.tu.last('NOTIFY').request.method, 'NOTIFY');
    await s.tu.answerLast('NOTIFY', 200);
    const r = await s.subs[0]!.notify({ body: '<categories/>', contentType: 'application/msrtc-event-categories+xml' });
    assert.equal(r, undefined);
    assert.equal(s.tu.stateless.length, 1);
    const be = s.tu.stateless[0]!;
    assert.equal(be.method, 'BENOTIFY');
    assert.equal(be.headers.get('Event'), 'presence');
    assert.match(be.headers.get('Subscription-State')!, /^active;expires=\d+$/);
    assert.equal(be.headers.get('CSeq'), '2 BENOTIFY');
    s.notifier.dispose();
  });

  test('ms-benotify asked but [MS-SIP] off on our stack: every notification is a NOTIFY', async () => {
    const s = setup();
    await s.tu.inject(subscribe({ Supported: 'eventlist, ms-benotify' }));
    await s.tu.answerLast('NOTIFY', 200);
    const r = s.subs[0]!.notify();
    await flush();
    assert.equal(s.tu.stateless.length, 0);
    assert.equal(s.tu.last().request.method, 'NOTIFY');
    await s.tu.answerLast('NOTIFY', 200);
    assert.equal((await r)?.status, 200);
    s.notifier.dispose();
  });

  test('terminateAll sends terminated;reason=deactivated to every watcher', async () => {
    const s = setup();
    await s.tu.inject(subscribe());
    await s.tu.inject(subscribe());
    for (const p of s.tu.pending('NOTIFY')) await s.tu.answer(p, 200);
    const all = s.notifier.terminateAll();
    await flush();
    const finals = s.tu.pending('NOTIFY');
    assert.equal(finals.length, 2);
    for (const p of finals) {
      assert.equal(p.request.headers.get('Subscription-State'), 'terminated;reason=deactivated');
      await s.tu.answer(p, 200);
    }
    await all;
    assert.equal(s.notifier.subscriptions().length, 0);
  });
});
