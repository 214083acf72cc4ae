import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';

test('ManualClock fires timers in due order and only when advanced past them', () => {
  const c = new ManualClock(0);
  const fired: string[] = [];
  c.setTimer(20, () => fired.push('b'));
  c.setTimer(10, () => fired.push('a'));
  const h = c.setTimer(15, () => fired.push('cancelled'));
  c.cancel(h);
  c.advance(9);
  assert.deepEqual(fired, []);
  c.advance(11);
  assert.deepEqual(fired, ['a', 'b']);
  assert.equal(c.now(), 20);
});

test('ManualClock runs timers scheduled by a firing timer within the same advance', () => {
  const c = new ManualClock(0);
  const at: number[] = [];
  c.setTimer(5, () => {
    at.push(c.now());
    c.setTimer(5, () => at.push(c.now()));
  });
  c.advance(100);
  assert.deepEqual(at, [5, 10]);
  assert.equal(c.pending, 0);
});
