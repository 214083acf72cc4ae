import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { RateLimiter } from '../../../../src/web/auth/login-rate-limiter.ts';

describe('RateLimiter', () => {
  test('allows max attempts per window, then refuses with the seconds left', () => {
    const clock = new ManualClock();
    const rl = new RateLimiter(clock, { max: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(rl.check('k'), { allowed: true });
      rl.hit('k');
    }
    clock.advance(20_500);
    assert.deepEqual(rl.check('k'), { allowed: false, retryAfterSeconds: 40 });
    clock.advance(39_500);
    assert.deepEqual(rl.check('k'), { allowed: true });
  });

  test('keys are independent and reset forgets one', () => {
    const rl = new RateLimiter(new ManualClock(), { max: 1, windowMs: 1000 });
    rl.hit('a');
    assert.equal(rl.check('a').allowed, false);
    assert.equal(rl.check('b').allowed, true);
    rl.reset('a');
    assert.equal(rl.check('a').allowed, true);
  });

  test('the number of tracked keys is bounded', () => {
    const rl = new RateLimiter(new ManualClock(), { max: 1, windowMs: 1000 }, 10);
    for (let i = 0; i < 100; i++) rl.hit(`k${i}`);
    assert.equal(rl.check('k99').allowed, false);
    assert.equal(rl.check('k0').allowed, true, 'the oldest key was evicted');
  });
});
