import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { ExpiryWheel } from '../../../../src/sip/transaction/expiry-wheel.ts';

function wheel(granularity = 100, start = 0) {
  const clock = new ManualClock(start);
  const expired: string[] = [];
  const w = new ExpiryWheel<string>(clock, granularity, (s) => expired.push(s));
  return { clock, expired, w };
}

describe('ExpiryWheel', () => {
  test('an item never expires before its time; at most one bucket later', () => {
    const { clock, expired, w } = wheel(100, 50);
    w.add(1000, 'a'); // due 1050 → bucket end 1100
    clock.advance(999);
    assert.deepEqual(expired, []);
    clock.advance(1); // 1050: due, but its bucket ends at 1100
    assert.deepEqual(expired, []);
    clock.advance(50);
    assert.deepEqual(expired, ['a']);
    assert.equal(w.size, 0);
  });

  test('an item due exactly on a bucket boundary expires exactly then', () => {
    const { clock, expired, w } = wheel(100, 0);
    w.add(32_000, 'j');
    clock.advance(31_999);
    assert.deepEqual(expired, []);
    clock.advance(1);
    assert.deepEqual(expired, ['j']);
  });

  test('items in the same bucket share one Clock timer and expire in insertion order', () => {
    const { clock, expired, w } = wheel(100, 1);
    for (let i = 0; i < 50; i++) {
      w.add(32_000, `x${i}`); // due 32 001 … 32 050: one bucket, ending at 32 100
      clock.advance(1);
    }
    assert.equal(w.bucketCount, 1);
    assert.equal(clock.pending, 1);
    assert.equal(w.size, 50);
    clock.advance(32_100);
    assert.equal(expired.length, 50);
    assert.equal(expired[0], 'x0');
    assert.equal(expired[49], 'x49');
  });

  test('items in different buckets expire bucket by bucket', () => {
    const { clock, expired, w } = wheel(100, 0);
    w.add(300, 'late');
    w.add(100, 'early');
    assert.equal(w.bucketCount, 2);
    clock.advance(100);
    assert.deepEqual(expired, ['early']);
    clock.advance(200);
    assert.deepEqual(expired, ['early', 'late']);
  });

  test('clear() cancels every Clock timer and expires nothing', () => {
    const { clock, expired, w } = wheel();
    w.add(100, 'a');
    w.add(5000, 'b');
    w.clear();
    assert.equal(clock.pending, 0);
    assert.equal(w.size, 0);
    clock.advance(10_000);
    assert.deepEqual(expired, []);
  });

  test('a non-positive granularity is refused', () => {
    const clock = new ManualClock(0);
    assert.throws(() => new ExpiryWheel(clock, 0, () => {}), RangeError);
  });
});
