/** The dashboard's text formats (client/src/supervisor/format.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, localDate, periodOfDates, secondsLeft, shortConnId } from '../../../client/src/supervisor/format.ts';

test('formatDuration: m:ss, h:mm:ss from an hour, never negative', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(65_999), '1:05');
  assert.equal(formatDuration(3_600_000 + 62_000), '1:01:02');
  assert.equal(formatDuration(-5000), '0:00');
});

test('secondsLeft rounds up and stops at 0', () => {
  assert.equal(secondsLeft(10_000, 0), 10);
  assert.equal(secondsLeft(10_000, 9_001), 1);
  assert.equal(secondsLeft(10_000, 10_000), 0);
  assert.equal(secondsLeft(10_000, 12_000), 0);
});

test('periodOfDates: local midnight of the first date to local midnight after the last', () => {
  const p = periodOfDates('2026-12-01', '2026-12-07');
  assert.deepEqual(p, { from: new Date(2026, 11, 1).toISOString(), to: new Date(2026, 11, 8).toISOString() });
  assert.equal(periodOfDates('2026-12-01', 'yesterday'), undefined);
  assert.equal(periodOfDates('', '2026-12-01'), undefined);
  assert.equal(localDate(new Date(2026, 0, 5, 23, 59).getTime()), '2026-01-05');
});

test('shortConnId keeps the last six digits of a long ConnID', () => {
  assert.equal(shortConnId('00000000000000c1'), '…0000c1');
  assert.equal(shortConnId('c1'), 'c1');
});
