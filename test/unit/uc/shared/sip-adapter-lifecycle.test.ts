// The lifecycle the SIP UC adapters share, on a fake transaction user and a ManualClock: stack
// ownership and extensions, registration retried with backoff, the connection state, and kept
// subscriptions re-created after a backoff when they end for good.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { silentLogger } from '../../../../src/lib/logger.ts';
import type { SipExtension } from '../../../../src/sip/transaction/sip-capabilities.ts';
import { RequestDispatcher } from '../../../../src/sip/ua/request-dispatcher.ts';
import { Subscriber } from '../../../../src/sip/ua/subscriber.ts';
import type { Notification } from '../../../../src/sip/ua/subscriber.ts';
import { SipAdapterLifecycle } from '../../../../src/uc/shared/sip-adapter-lifecycle.ts';
import type { KeptSubscription, SipAdapterLifecycleOptions } from '../../../../src/uc/shared/sip-adapter-lifecycle.ts';
import type { UcConnectionState } from '../../../../src/uc/uc-platform.ts';
import { FakeTransactionUser } from '../../sip/support/fake-transaction-user.ts';

const ext: SipExtension = { name: 'x-test', methods: ['XTEST'], supported: ['x-test'] };

function world(o: Partial<SipAdapterLifecycleOptions> = {}) {
  const clock = new ManualClock(0);
  const tu = new FakeTransactionUser();
  const states: Array<[UcConnectionState, string | undefined]> = [];
  let registers = 0;
  const life = new SipAdapterLifecycle({
    stack: tu, registers: false, register: async () => void registers++, subscriptionNoun: 'subscriptions',
    backoff: { baseMs: 1_000, maxMs: 4_000 }, clock, logger: silentLogger, setState: (s, d) => states.push([s, d]), ...o,
  });
  return { clock, tu, life, states, registrations: () => registers };
}

/** A Subscriber on the fake stack, kept by `life` through `k`; returns what the hooks saw. */
function keepOne(w: ReturnType<typeof world>, k: KeptSubscription) {
  const seen = { notes: [] as Notification[], reopened: 0 };
  const open = (): Subscriber => {
    const sub = new Subscriber({ tu: w.tu, dispatcher: RequestDispatcher.of(w.tu), clock: w.clock, aor: 'sip:ucc@x', target: 'sip:alice@x', event: 'presence', contact: 'sip:ucc@127.0.0.1' });
    w.life.attach(k, sub, {
      isCurrent: () => true, onNotify: (n) => seen.notes.push(n), reopen: () => { seen.reopened++; open(); },
      endedMessage: 'ended', logFields: {},
    });
    void sub.subscribe();
    return sub;
  };
  return { seen, first: open() };
}

describe('SipAdapterLifecycle', () => {
  test('start: connecting, the given stack with the extensions on, build once; stop: extensions off, stopped', async () => {
    const w = world({ extensions: [ext] });
    let built = 0;
    assert.equal(await w.life.start((stack) => { built++; assert.equal(stack, w.tu); }), true);
    assert.equal(await w.life.start(() => built++), false, 'already started');
    assert.equal(built, 1);
    assert.equal(w.life.started, true);
    assert.equal(w.life.stack, w.tu);
    assert.equal(w.tu.capabilities.has('x-test'), true);
    assert.deepEqual(w.states, [['connecting', undefined]]);
    w.life.beginStop();
    assert.equal(w.life.started, false);
    await w.life.finishStop();
    assert.equal(w.tu.capabilities.has('x-test'), false);
    assert.equal(w.life.stack, undefined);
    assert.deepEqual(w.states.at(-1), ['stopped', undefined]);
  });

  test('without a stack it listens on its own and closes that stack at stop', async () => {
    const w = world({ stack: undefined, listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }] });
    await w.life.start(() => undefined);
    const own = w.life.stack;
    assert.ok(own && own !== w.tu);
    assert.ok(own.contactUri('udp').startsWith('sip:ucc@127.0.0.1:'));
    w.life.beginStop();
    await w.life.finishStop();
    assert.equal(w.life.stack, undefined);
  });

  test('a registration refused for good: disconnected with the reason, retried after 1 s, 2 s, 4 s, 4 s; a success resets the backoff', async () => {
    const w = world({ registers: true });
    await w.life.start(() => undefined);
    w.life.updateState();
    assert.deepEqual(w.states.at(-1), ['connecting', undefined]);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      w.life.registrationFailed('REGISTER 403', false);
      assert.deepEqual(w.states.at(-1), ['disconnected', 'REGISTER 403']);
      const before = w.registrations();
      let waited = 0;
      while (w.registrations() === before) {
        w.clock.advance(500);
        waited += 500;
      }
      waits.push(waited);
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 4_000]);
    w.life.registrationSucceeded();
    w.life.updateState();
    assert.equal(w.life.registered, true);
    assert.equal(w.life.registerFailure, undefined);
    assert.deepEqual(w.states.at(-1), ['connected', undefined]);
    w.life.registrationFailed('REGISTER 403', false);
    w.clock.advance(1_000);
    assert.equal(w.registrations(), 5, 'back to the first delay');
    w.life.registrationFailed('REGISTER 503', true);
    w.clock.advance(10_000);
    assert.equal(w.registrations(), 5, 'the UA retries itself: no second retry here');
    w.life.connectionLost('OPTIONS 408');
    assert.deepEqual(w.states.at(-1), ['disconnected', 'OPTIONS 408']);
    w.life.beginStop();
    w.life.registrationFailed('REGISTER 403', false);
    assert.equal(w.clock.pending, 0, 'nothing is retried once stopping');
    await w.life.finishStop();
  });

  test('no retry is scheduled after stop began', async () => {
    const w = world({ registers: true });
    await w.life.start(() => undefined);
    w.life.registrationFailed('REGISTER 403', false);
    w.life.beginStop();
    w.clock.advance(60_000);
    assert.equal(w.registrations(), 0);
    await w.life.finishStop();
  });

  test('kept subscriptions: degraded with "n of m" while one fails, connected once it recovers; a forgotten one stops counting', async () => {
    const w = world();
    await w.life.start(() => undefined);
    const a = w.life.keep();
    const b = w.life.keep();
    w.life.updateState();
    assert.deepEqual(w.states.at(-1), ['connected', undefined]);
    a.failing = true;
    w.life.updateState();
    assert.deepEqual(w.states.at(-1), ['degraded', '1 of 2 subscriptions failing']);
    w.life.recovered(a);
    assert.deepEqual(w.states.at(-1), ['connected', undefined]);
    b.failing = true;
    w.life.forget(b);
    w.life.updateState();
    assert.deepEqual(w.states.at(-1), ['connected', undefined]);
    assert.equal(w.life.subscriptions.size, 1);
    w.life.beginStop();
    await w.life.finishStop();
  });

  test('a subscription refused for good (403) is re-created after the backoff; notifications reach the hook', async () => {
    const w = world();
    await w.life.start(() => undefined);
    const k = w.life.keep();
    const { seen, first } = keepOne(w, k);
    await w.tu.answerLast('SUBSCRIBE', 403);
    assert.equal(first.state, 'terminated');
    assert.equal(k.subscriber, undefined);
    assert.equal(k.failing, true);
    assert.deepEqual(w.states.at(-1), ['degraded', '1 of 1 subscriptions failing']);
    w.clock.advance(999);
    assert.equal(seen.reopened, 0);
    w.clock.advance(1);
    assert.equal(seen.reopened, 1);
    assert.ok(k.subscriber && k.subscriber !== first);
    await w.tu.answerLast('SUBSCRIBE', 403);
    w.clock.advance(1_999);
    assert.equal(seen.reopened, 1, 'the second wait is 2 s');
    w.clock.advance(1);
    assert.equal(seen.reopened, 2);
    w.life.beginStop();
    k.take()?.dispose();
    await w.life.finishStop();
  });

  test('a Subscriber taken away (unsubscribed, disposed) or replaced is not re-created', async () => {
    const w = world();
    await w.life.start(() => undefined);
    const k = w.life.keep();
    const { seen, first } = keepOne(w, k);
    assert.equal(k.take(), first);
    await w.tu.answerLast('SUBSCRIBE', 403);
    w.clock.advance(60_000);
    assert.equal(seen.reopened, 0);
    assert.equal(k.failing, false);
    const again = keepOne(w, k);
    again.first.dispose();
    w.clock.advance(60_000);
    assert.equal(again.seen.reopened, 0);
    w.life.beginStop();
    await w.life.finishStop();
  });
});
