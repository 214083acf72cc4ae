import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { clockWindowStore, FailureBackoff, type RateLimitStore } from '../../../../src/web/auth/login-rate-limiter.ts';

/** incr() as a value (the store answers synchronously). */
function incr(store: RateLimitStore, key: string, windowMs: number, max: number): { current: number; ttl: number } {
  let out: { current: number; ttl: number } | undefined;
  store.incr(key, (e, r) => {
    assert.equal(e, null);
    out = r;
  }, windowMs, max);
  return out!;
}

describe('clockWindowStore (the @fastify/rate-limit store on the Clock)', () => {
  test('counts attempts per fixed window on the injected clock, with the time left', () => {
    const clock = new ManualClock();
    const store = new (clockWindowStore(clock))();
    for (let i = 1; i <= 3; i++) assert.equal(incr(store, 'k', 60_000, 3).current, i);
    clock.advance(20_500);
    assert.deepEqual(incr(store, 'k', 60_000, 3), { current: 4, ttl: 39_500 });
    clock.advance(39_500);
    assert.deepEqual(incr(store, 'k', 60_000, 3), { current: 1, ttl: 60_000 }, 'a new window');
  });

  test('onLimit runs once per window, on the first attempt past max', () => {
    const clock = new ManualClock();
    const hits: string[] = [];
    const store = new (clockWindowStore(clock, (k) => hits.push(k)))();
    for (let i = 0; i < 6; i++) incr(store, 'ip', 1000, 2);
    assert.deepEqual(hits, ['ip']);
    clock.advance(1000);
    for (let i = 0; i < 3; i++) incr(store, 'ip', 1000, 2);
    assert.deepEqual(hits, ['ip', 'ip']);
  });

  test('keys are independent; the number of tracked keys is bounded', () => {
    const store = new (clockWindowStore(new ManualClock(), () => {}, 10))();
    incr(store, 'a', 1000, 1);
    assert.equal(incr(store, 'b', 1000, 1).current, 1);
    for (let i = 0; i < 100; i++) incr(store, `k${i}`, 1000, 1);
    assert.equal(incr(store, 'k99', 1000, 1).current, 2);
    assert.equal(incr(store, 'k0', 1000, 1).current, 1, 'the oldest key was evicted');
  });

  test('read() reports without counting', () => {
    const store = new (clockWindowStore(new ManualClock()))();
    incr(store, 'k', 1000, 5);
    let seen: { current: number; ttl: number } | undefined;
    store.read('k', (_e, r) => (seen = r), 1000);
    store.read('k', (_e, r) => (seen = r), 1000);
    assert.deepEqual(seen, { current: 1, ttl: 1000 });
  });
});

describe('FailureBackoff', () => {
  test('free failures, then a wait that doubles up to the bound; a reset clears the key', () => {
    const clock = new ManualClock();
    const b = new FailureBackoff(clock, { free: 2, baseDelayMs: 1000, maxDelayMs: 4000, forgetMs: 60_000 });
    assert.deepEqual([b.fail('k'), b.fail('k'), b.fail('k')], [0, 0, 1000]);
    assert.deepEqual(b.check('k'), { allowed: false, retryAfterSeconds: 1 });
    clock.advance(1000);
    assert.deepEqual([b.fail('k'), b.fail('k'), b.fail('k')], [2000, 4000, 4000]);
    b.reset('k');
    assert.deepEqual(b.check('k'), { allowed: true });
  });
});
