import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { Subscriber } from '../../../../src/sip/ua/subscriber.ts';
import type { Notification, SubscriberOptions, SubscriberTermination } from '../../../../src/sip/ua/subscriber.ts';
import { RequestDispatcher } from '../../../../src/sip/ua/request-dispatcher.ts';
import { SUBSCRIBER_TRANSITIONS } from '../../../../src/sip/ua/subscriber-state.ts';
import type { SubscriberState } from '../../../../src/sip/ua/subscriber-state.ts';
import type { SipRequest } from '../../../../src/sip/message/sip-message.ts';
import { parseNameAddr } from '../../../../src/sip/message/index.ts';
import { InvalidStateTransitionError } from '../../../../src/lib/errors.ts';
import { FakeTransactionUser, buildRequest, flush } from '../support/fake-transaction-user.ts';
import { DigestClient } from '../../../../src/sip/auth/digest-client.ts';
import { DigestServer } from '../../../../src/sip/auth/digest-server.ts';
import { MS_SIP_EXTENSION } from '../../../../src/sip/ua/ms-sip-extension.ts';

function setup(extra: Partial<SubscriberOptions> = {}, o: { msSip?: boolean } = {}) {
  const clock = new ManualClock(0);
  const tu = new FakeTransactionUser();
  if (o.msSip) tu.capabilities.use(MS_SIP_EXTENSION);
  const dispatcher = new RequestDispatcher(tu);
  const sub = new Subscriber({
    tu, dispatcher, clock, aor: 'sip:ucc@example.test', target: 'sip:alice@example.test', event: 'presence',
    contact: 'sip:ucc@127.0.0.1:5060', expires: 600, accept: ['application/pidf+xml'], ...extra,
  });
  const states: string[] = [];
  const notes: Notification[] = [];
  const ends: SubscriberTermination[] = [];
  const retries: Array<[number, number, string]> = [];
  sub.on('stateChange', (s) => states.push(s));
  sub.on('notify', (n) => notes.push(n));
  sub.on('terminated', (t) => ends.push(t));
  sub.on('retry', (a, d, c) => retries.push([a, d, c]));
  return { clock, tu, dispatcher, sub, states, notes, ends, retries };
}

let notifySeq = 0;
/** A NOTIFY (or BENOTIFY) in the dialog of `subscribe`, as the notifier would send it. */
function notifyFor(subscribe: SipRequest, subscriptionState: string, o: { method?: string; cseq?: number; fromTag?: string; event?: string; body?: string } = {}): SipRequest {
  const to = subscribe.headers.get('To')!;
  return buildRequest(o.method ?? 'NOTIFY', 'sip:ucc@127.0.0.1:5060', {
    Via: 'SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKn' + ++notifySeq,
    From: `${to.replace(/;tag=.*/, '')};tag=${o.fromTag ?? 'srv-tag'}`,
    To: subscribe.headers.get('From')!,
    'Call-ID': subscribe.headers.get('Call-ID')!,
    CSeq: `${o.cseq ?? notifySeq} ${o.method ?? 'NOTIFY'}`,
    Event: o.event ?? 'presence',
    'Subscription-State': subscriptionState,
    Contact: '<sip:pres@10.0.0.9:5060>',
    ...(o.body !== undefined ? { 'Content-Type': 'application/pidf+xml' } : {}),
  }, o.body);
}

async function establish(s: ReturnType<typeof setup>, expires = 600) {
  void s.sub.subscribe();
  const subscribe = s.tu.last('SUBSCRIBE');
  await s.tu.answer(subscribe, 200, { headers: { Expires: String(expires), Contact: '<sip:pres@10.0.0.9:5060>' } });
  const txn = await s.tu.inject(notifyFor(subscribe.request, `active;expires=${expires}`, { cseq: 1 }));
  return { subscribe, txn };
}

describe('Subscriber: establishing (RFC 6665 section 4.1.2)', () => {
  test('initial SUBSCRIBE carries Event, Expires, Accept, Contact and a From tag', async () => {
    const s = setup();
    void s.sub.subscribe();
    const req = s.tu.last('SUBSCRIBE').request;
    assert.equal(req.uri, 'sip:alice@example.test');
    assert.equal(req.headers.get('Event'), 'presence');
    assert.equal(req.headers.get('Expires'), '600');
    assert.equal(req.headers.get('Accept'), 'application/pidf+xml');
    assert.equal(req.headers.get('Contact'), '<sip:ucc@127.0.0.1:5060>');
    assert.ok(parseNameAddr(req.headers.get('From')!).ok);
    assert.equal(s.sub.state, 'notify-wait');
    s.sub.dispose();
  });

  test('2xx then NOTIFY active: NOTIFY answered 200, state active, notify event carries the body', async () => {
    const s = setup();
    void s.sub.subscribe();
    const subscribe = s.tu.last('SUBSCRIBE');
    await s.tu.answer(subscribe, 200, { headers: { Expires: '600', Contact: '<sip:pres@10.0.0.9:5060>' } });
    assert.equal(s.sub.state, 'notify-wait');
    const txn = await s.tu.inject(notifyFor(subscribe.request, 'active;expires=600', { cseq: 1, body: '<presence/>' }));
    assert.equal(txn.status, 200);
    assert.equal(s.sub.state, 'active');
    assert.equal(s.notes.length, 1);
    assert.equal(s.notes[0]!.body.toString(), '<presence/>');
    assert.equal(s.notes[0]!.subscriptionState.expires, 600);
    s.sub.dispose();
  });

  test('a NOTIFY arriving before the SUBSCRIBE 2xx creates the dialog and is answered 200', async () => {
    const s = setup();
    void s.sub.subscribe();
    const subscribe = s.tu.last('SUBSCRIBE');
    const txn = await s.tu.inject(notifyFor(subscribe.request, 'pending;expires=600', { cseq: 1 }));
    assert.equal(txn.status, 200);
    assert.equal(s.sub.state, 'pending');
    await s.tu.answer(subscribe, 202, { headers: { Expires: '600' } });
    assert.equal(s.sub.currentDialog?.id.remoteTag, 'srv-tag');
    const txn2 = await s.tu.inject(notifyFor(subscribe.request, 'active;expires=600', { cseq: 2 }));
    assert.equal(txn2.status, 200);
    assert.equal(s.sub.state, 'active');
    s.sub.dispose();
  });

  test('NOTIFY with another Event is answered 489; without Subscription-State 400; out-of-order CSeq 500', async () => {
    const s = setup();
    const { subscribe } = await establish(s);
    assert.equal((await s.tu.inject(notifyFor(subscribe.request, 'active', { cseq: 5, event: 'dialog' }))).status, 489);
    const noState = notifyFor(subscribe.request, 'active', { cseq: 6 });
    noState.headers.delete('Subscription-State');
    assert.equal((await s.tu.inject(noState)).status, 400);
    assert.equal((await s.tu.inject(notifyFor(subscribe.request, 'active', { cseq: 7 }))).status, 200);
    assert.equal((await s.tu.inject(notifyFor(subscribe.request, 'active', { cseq: 3 }))).status, 500);
    s.sub.dispose();
  });

  test('NOTIFY from a second (forked) dialog is answered 481', async () => {
    const s = setup();
    const { subscribe } = await establish(s);
    const txn = await s.tu.inject(notifyFor(subscribe.request, 'active', { cseq: 9, fromTag: 'other' }));
    assert.equal(txn.status, 481);
    s.sub.dispose();
  });

  test('403 to the SUBSCRIBE terminates without retry', async () => {
    const s = setup();
    void s.sub.subscribe();
    await s.tu.answerLast('SUBSCRIBE', 403);
    assert.equal(s.sub.state, 'terminated');
    assert.deepEqual(s.ends, [{ cause: 'rejected', status: 403 }]);
    s.clock.advance(3_600_000);
    assert.equal(s.tu.sent.length, 1);
  });

  test('423 Interval Too Brief → re-SUBSCRIBE with Min-Expires', async () => {
    const s = setup();
    void s.sub.subscribe();
    await s.tu.answerLast('SUBSCRIBE', 423, { headers: { 'Min-Expires': '1800' } });
    s.clock.advance(0);
    await flush();
    assert.equal(s.tu.last('SUBSCRIBE').request.headers.get('Expires'), '1800');
    s.sub.dispose();
  });

  test('no NOTIFY within Timer N (32 s) after the 2xx → re-subscribe', async () => {
    const s = setup({ backoff: { baseMs: 1000 } });
    void s.sub.subscribe();
    await s.tu.answerLast('SUBSCRIBE', 200, { headers: { Expires: '600' } });
    s.clock.advance(31_999);
    assert.equal(s.sub.state, 'notify-wait');
    s.clock.advance(1);
    assert.equal(s.sub.state, 'retry-wait');
    s.clock.advance(1000);
    await flush();
    assert.equal(s.tu.sent.filter((x) => x.request.method === 'SUBSCRIBE').length, 2);
    s.sub.dispose();
  });
});

describe('Subscriber: authentication and piggybacked state', () => {
  test('407 → authorized SUBSCRIBE (CSeq 2); the dialog continues from the CSeq actually sent', async () => {
    const server = new DigestServer({ realm: 'proxy.test', clock: new ManualClock(0) });
    const s = setup({ digest: new DigestClient({ username: 'ucc', password: 'pw' }) });
    void s.sub.subscribe();
    await s.tu.answerLast('SUBSCRIBE', 407, { headers: { 'Proxy-Authenticate': server.challengeHeader() } });
    const authorized = s.tu.last('SUBSCRIBE');
    assert.equal(authorized.request.headers.get('CSeq'), '2 SUBSCRIBE');
    assert.ok(authorized.request.headers.get('Proxy-Authorization'));
    await s.tu.answer(authorized, 200, { headers: { Expires: '600', Contact: '<sip:pres@10.0.0.9:5060>' } });
    await s.tu.inject(notifyFor(authorized.request, 'active;expires=600', { cseq: 1 }));
    s.clock.advance(540_000);
    const refresh = s.tu.last('SUBSCRIBE').request;
    assert.equal(refresh.headers.get('CSeq'), '3 SUBSCRIBE');
    assert.ok(refresh.headers.get('Proxy-Authorization'), 'pre-emptive credentials on the refresh');
    s.sub.dispose();
  });

  test('[MS-SIP] a 2xx with a body and Subscription-State is the first notification', async () => {
    const s = setup();
    void s.sub.subscribe();
    await s.tu.answerLast('SUBSCRIBE', 200, {
      headers: { Expires: '600', Contact: '<sip:pres@10.0.0.9:5060>', 'Subscription-State': 'active;expires=600', 'Content-Type': 'application/msrtc-event-categories+xml' },
      body: '<categories/>',
    });
    assert.equal(s.sub.state, 'active');
    assert.equal(s.notes.length, 1);
    assert.equal(s.notes[0]!.body.toString(), '<categories/>');
    s.clock.advance(32_000);
    assert.equal(s.sub.state, 'active', 'no Timer N failure once the state arrived');
    s.sub.dispose();
  });
});

describe('Subscriber: refresh (RFC 6665 section 4.1.2.2)', () => {
  test('refreshes in-dialog at 90% of the granted expiry: same Call-ID and tags, CSeq+1, Request-URI = remote target', async () => {
    const s = setup();
    const { subscribe } = await establish(s, 600);
    const refreshes: number[] = [];
    s.sub.on('refresh', (e) => refreshes.push(e));
    s.clock.advance(539_999);
    assert.equal(s.tu.sent.length, 1);
    s.clock.advance(1);
    const r = s.tu.last('SUBSCRIBE').request;
    assert.equal(s.tu.sent.length, 2);
    assert.equal(r.headers.get('Call-ID'), subscribe.request.headers.get('Call-ID'));
    assert.equal(r.headers.get('CSeq'), '2 SUBSCRIBE');
    assert.equal(r.uri, 'sip:pres@10.0.0.9:5060');
    const to = parseNameAddr(r.headers.get('To')!);
    assert.ok(to.ok);
    assert.equal(to.value.params.tag, 'srv-tag');
    await s.tu.answerLast('SUBSCRIBE', 200, { headers: { Expires: '300' } });
    assert.deepEqual(refreshes, [300]);
    s.clock.advance(269_999);
    assert.equal(s.tu.sent.length, 2);
    s.clock.advance(1);
    assert.equal(s.tu.sent.length, 3);
    s.sub.dispose();
  });

  test('a NOTIFY with a shorter expires moves the refresh earlier', async () => {
    const s = setup();
    const { subscribe } = await establish(s, 600);
    await s.tu.inject(notifyFor(subscribe.request, 'active;expires=100', { cseq: 2 }));
    s.clock.advance(90_000);
    assert.equal(s.tu.sent.length, 2);
    s.sub.dispose();
  });

  test('481 to a refresh → a new subscription at once (new Call-ID)', async () => {
    const s = setup();
    const { subscribe } = await establish(s, 600);
    s.clock.advance(540_000);
    await s.tu.answerLast('SUBSCRIBE', 481);
    s.clock.advance(0);
    await flush();
    const again = s.tu.last('SUBSCRIBE').request;
    assert.equal(s.tu.sent.length, 3);
    assert.notEqual(again.headers.get('Call-ID'), subscribe.request.headers.get('Call-ID'));
    assert.equal(again.headers.get('CSeq'), '1 SUBSCRIBE');
    assert.deepEqual(s.retries.map((r) => r[2]), ['refresh-481']);
    s.sub.dispose();
  });
});

describe('Subscriber: terminated reasons (RFC 6665 section 4.1.3)', () => {
  const rows: Array<{ state: string; retryAt: number | null; name: string }> = [
    { name: 'deactivated → re-subscribe immediately', state: 'terminated;reason=deactivated', retryAt: 0 },
    { name: 'timeout → re-subscribe immediately', state: 'terminated;reason=timeout', retryAt: 0 },
    { name: 'probation with retry-after=30 → re-subscribe after 30 s', state: 'terminated;reason=probation;retry-after=30', retryAt: 30_000 },
    { name: 'giveup without retry-after → re-subscribe after the backoff base', state: 'terminated;reason=giveup', retryAt: 1_000 },
    { name: 'no reason → re-subscribe after the backoff base', state: 'terminated', retryAt: 1_000 },
    { name: 'deactivated with retry-after=10 → retry-after honoured', state: 'terminated;reason=deactivated;retry-after=10', retryAt: 10_000 },
    { name: 'rejected → never re-subscribe', state: 'terminated;reason=rejected', retryAt: null },
    { name: 'noresource → never re-subscribe', state: 'terminated;reason=noresource', retryAt: null },
    { name: 'invariant → never re-subscribe', state: 'terminated;reason=invariant', retryAt: null },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const s = setup({ backoff: { baseMs: 1_000 } });
      const { subscribe } = await establish(s);
      const txn = await s.tu.inject(notifyFor(subscribe.request, row.state, { cseq: 2 }));
      assert.equal(txn.status, 200);
      if (row.retryAt === null) {
        assert.equal(s.sub.state, 'terminated');
        assert.equal(s.ends[0]?.cause, 'reason');
        s.clock.advance(3_600_000);
        assert.equal(s.tu.sent.length, 1);
        assert.equal(s.clock.pending, 0);
        return;
      }
      assert.equal(s.sub.state, 'retry-wait');
      if (row.retryAt > 0) {
        s.clock.advance(row.retryAt - 1);
        assert.equal(s.tu.sent.length, 1);
      }
      s.clock.advance(row.retryAt > 0 ? 1 : 0);
      await flush();
      assert.equal(s.tu.sent.length, 2);
      assert.equal(s.sub.state, 'notify-wait');
      s.sub.dispose();
    });
  }

  test('backoff grows exponentially and is capped (503 responses)', async () => {
    const s = setup({ backoff: { baseMs: 1_000, maxMs: 4_000 } });
    void s.sub.subscribe();
    for (let i = 0; i < 5; i++) {
      await s.tu.answerLast('SUBSCRIBE', 503);
      s.clock.advance(60_000);
      await flush();
    }
    assert.deepEqual(s.retries.map((r) => r[1]), [1_000, 2_000, 4_000, 4_000, 4_000]);
    s.sub.dispose();
  });

  test('Retry-After of a 503 is honoured instead of the backoff', async () => {
    const s = setup();
    void s.sub.subscribe();
    await s.tu.answerLast('SUBSCRIBE', 503, { headers: { 'Retry-After': '120' } });
    assert.deepEqual(s.retries.map((r) => r[1]), [120_000]);
    s.sub.dispose();
  });

  test('gives up after backoff.maxAttempts failures', async () => {
    const s = setup({ backoff: { baseMs: 1_000, maxAttempts: 2 } });
    void s.sub.subscribe();
    for (let i = 0; i < 3; i++) {
      await s.tu.answerLast('SUBSCRIBE', 408);
      s.clock.advance(60_000);
      await flush();
    }
    assert.equal(s.sub.state, 'terminated');
    assert.equal(s.ends[0]?.cause, 'giveup');
    assert.equal(s.tu.sent.length, 3);
    assert.equal(s.clock.pending, 0);
  });

  test('a successful NOTIFY active resets the backoff', async () => {
    const s = setup({ backoff: { baseMs: 1_000 } });
    void s.sub.subscribe();
    await s.tu.answerLast('SUBSCRIBE', 503);
    s.clock.advance(1_000);
    await flush();
    const sub2 = s.tu.last('SUBSCRIBE');
    await s.tu.answer(sub2, 200, { headers: { Expires: '600' } });
    await s.tu.inject(notifyFor(sub2.request, 'active;expires=600', { cseq: 1 }));
    await s.tu.inject(notifyFor(sub2.request, 'terminated;reason=giveup', { cseq: 2 }));
    assert.deepEqual(s.retries.map((r) => r[1]), [1_000, 1_000]);
    s.sub.dispose();
  });
});

describe('Subscriber: BENOTIFY and unsubscribe', () => {
  test('with [MS-SIP] on the stack: ms-benotify advertised, BENOTIFY processed like NOTIFY and never answered', async () => {
    const s = setup({}, { msSip: true });
    void s.sub.subscribe();
    const subscribe = s.tu.last('SUBSCRIBE');
    assert.equal(subscribe.request.headers.get('Supported'), 'ms-benotify');
    await s.tu.answer(subscribe, 200, { headers: { Expires: '600' } });
    const txn = await s.tu.inject(notifyFor(subscribe.request, 'active;expires=600', { cseq: 1, method: 'BENOTIFY', body: '<categories/>' }));
    assert.equal(txn.responses.length, 0);
    assert.equal(s.sub.state, 'active');
    assert.equal(s.notes[0]?.request.method, 'BENOTIFY');
    // Even a bad BENOTIFY gets no response.
    const bad = await s.tu.inject(notifyFor(subscribe.request, 'active', { cseq: 2, method: 'BENOTIFY', event: 'dialog' }));
    assert.equal(bad.responses.length, 0);
    s.sub.dispose();
  });

  test('without [MS-SIP] no Supported is sent and a BENOTIFY in the dialog is refused like any other method (405)', async () => {
    const s = setup();
    const { subscribe } = await establish(s);
    assert.equal(subscribe.request.headers.get('Supported'), undefined);
    const txn = await s.tu.inject(notifyFor(subscribe.request, 'active;expires=600', { cseq: 2, method: 'BENOTIFY', body: '<categories/>' }));
    assert.equal(txn.status, 405);
    assert.equal(s.notes.length, 1, 'only the NOTIFY');
    s.sub.dispose();
  });

  test('while subscribed, NOTIFY and the Accept types are in the stack\'s Allow and Accept; withdrawn when it ends', async () => {
    const s = setup({ accept: ['application/pidf+xml', 'application/rlmi+xml'] });
    assert.deepEqual(s.tu.capabilities.allow, ['OPTIONS']);
    await establish(s);
    assert.deepEqual(s.tu.capabilities.allow, ['OPTIONS', 'NOTIFY']);
    assert.ok(s.tu.capabilities.accept.includes('application/rlmi+xml'));
    s.sub.dispose();
    assert.deepEqual(s.tu.capabilities.allow, ['OPTIONS']);
    assert.ok(!s.tu.capabilities.accept.includes('application/rlmi+xml'));
    assert.ok(s.tu.capabilities.accept.includes('application/pidf+xml'), 'the stack\'s own Accept stays');
  });

  test('unsubscribe sends in-dialog SUBSCRIBE Expires: 0, terminates on 200, still answers the final NOTIFY', async () => {
    const s = setup();
    const { subscribe } = await establish(s);
    const done = s.sub.unsubscribe();
    const un = s.tu.last('SUBSCRIBE').request;
    assert.equal(un.headers.get('Expires'), '0');
    assert.equal(un.headers.get('CSeq'), '2 SUBSCRIBE');
    await s.tu.answerLast('SUBSCRIBE', 200, { headers: { Expires: '0' } });
    await done;
    assert.equal(s.sub.state, 'terminated');
    assert.deepEqual(s.ends, [{ cause: 'unsubscribed' }]);
    const fin = await s.tu.inject(notifyFor(subscribe.request, 'terminated;reason=timeout', { cseq: 3 }));
    assert.equal(fin.status, 200);
    s.clock.advance(32_000);
    const late = await s.tu.inject(notifyFor(subscribe.request, 'terminated;reason=timeout', { cseq: 4 }));
    assert.equal(late.status, 481);
    assert.equal(s.clock.pending, 0);
  });

  test('unsubscribe while one is in flight sends no second Expires: 0; both callers hear the one outcome', async () => {
    const s = setup();
    await establish(s);
    const first = s.sub.unsubscribe();
    const second = s.sub.unsubscribe();
    const unsubscribes = (): number => s.tu.sent.filter((x) => x.request.method === 'SUBSCRIBE' && x.request.headers.get('Expires') === '0').length;
    assert.equal(unsubscribes(), 1);
    await s.tu.answerLast('SUBSCRIBE', 200, { headers: { Expires: '0' } });
    await Promise.all([first, second]);
    await s.sub.unsubscribe();
    assert.equal(unsubscribes(), 1, 'nor after it ended');
    assert.deepEqual(s.ends, [{ cause: 'unsubscribed' }]);
    s.sub.dispose();
  });

  test('dispose cancels every timer and the dialog handler', async () => {
    const s = setup();
    const { subscribe } = await establish(s);
    s.sub.dispose();
    assert.equal(s.clock.pending, 0);
    assert.equal(s.sub.state, 'terminated');
    const txn = await s.tu.inject(notifyFor(subscribe.request, 'active', { cseq: 5 }));
    assert.equal(txn.status, 481);
  });
});

describe('Subscriber state machine (every edge of SUBSCRIBER_TRANSITIONS)', () => {
  const all = Object.keys(SUBSCRIBER_TRANSITIONS) as SubscriberState[];
  test('each state lists only known states and terminated is final', () => {
    for (const s of all) for (const t of SUBSCRIBER_TRANSITIONS[s]) assert.ok(all.includes(t));
    assert.deepEqual(SUBSCRIBER_TRANSITIONS.terminated, []);
  });
  test('an illegal edge throws InvalidStateTransitionError (initial -> active)', () => {
    const s = setup();
    assert.throws(() => s.sub.transition('active', 'test'), InvalidStateTransitionError);
    s.sub.transition('notify-wait', 'test');
    s.sub.transition('active', 'test');
    assert.deepEqual(s.states, ['notify-wait', 'active']);
  });
});
