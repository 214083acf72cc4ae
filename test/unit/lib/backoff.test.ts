import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, backoffExhausted, MAX_BACKOFF_MS } from '../../../src/lib/backoff.ts';

describe('backoffDelay', () => {
  test('defaults: 1 s doubling, capped at 5 min', () => {
    assert.deepEqual([1, 2, 3, 4, 9, 10, 50].map((n) => backoffDelay(n)), [1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000]);
  });

  test('attempt 0 or below waits like attempt 1', () => {
    assert.equal(backoffDelay(0, { baseMs: 700 }), 700);
    assert.equal(backoffDelay(-3, { baseMs: 700 }), 700);
  });

  const rows: Array<[number, number]> = [[1, 100], [2, 200], [3, 400], [4, 800], [5, 1000], [12, 1000]];
  for (const [attempt, delay] of rows) {
    test(`baseMs 100, maxMs 1000: attempt ${attempt} waits ${delay} ms`, () => assert.equal(backoffDelay(attempt, { baseMs: 100, maxMs: 1000 }), delay));
  }

  test('another factor grows by that factor and rounds to whole ms', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 10_000, factor: 1.5 })), [100, 150, 225, 338]);
    assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, { baseMs: 500, maxMs: 30_000, factor: 3 })), [500, 1_500, 4_500]);
  });

  test('T-Lib reconnect policy semantics: min(maxDelayMs, round(initialDelayMs × factor^(n-1)))', () => {
    const policy = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2 };
    for (const n of [1, 2, 5, 6, 7, 50, 2000]) {
      const expected = Math.min(policy.maxDelayMs, Math.round(policy.initialDelayMs * policy.factor ** Math.max(0, n - 1)));
      assert.equal(backoffDelay(n, { baseMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, factor: policy.factor }), expected);
    }
  });

  test('huge attempts and an unbounded maxMs stay a finite delay a timer can wait', () => {
    assert.equal(backoffDelay(5_000), 300_000);
    assert.equal(backoffDelay(5_000, { maxMs: Infinity }), MAX_BACKOFF_MS);
    assert.equal(backoffDelay(5_000, { baseMs: 0 }), 0);
    assert.equal(backoffDelay(5_000, { maxMs: Infinity, jitter: 0.5 }, () => 0.999), MAX_BACKOFF_MS);
  });

  test('jitter spreads ±fraction around the delay with the injected random', () => {
    const o = { baseMs: 1_000, jitter: 0.2 };
    assert.equal(backoffDelay(1, o, () => 0), 800);
    assert.equal(backoffDelay(1, o, () => 0.5), 1_000);
    assert.equal(backoffDelay(2, o, () => 0.999_999), 2_400);
  });
});

describe('backoffExhausted', () => {
  test('never by default; after maxAttempts when set', () => {
    assert.equal(backoffExhausted(1_000_000), false);
    assert.equal(backoffExhausted(2, { maxAttempts: 2 }), false);
    assert.equal(backoffExhausted(3, { maxAttempts: 2 }), true);
  });
});
