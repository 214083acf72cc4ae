import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptionValue, parseRangeList, inRanges, type OptionKind } from '../../../src/config/option-value.ts';
import type { OptionValue } from '../../../src/config/config-objects.ts';

describe('parseOptionValue', () => {
  const cases: Array<[string, OptionKind, OptionValue, { ok: unknown } | { err: string }]> = [
    ['integer from a number', { type: 'integer', min: 0 }, 5, { ok: 5 }],
    ['integer from a string', { type: 'integer', min: 0 }, ' 15 ', { ok: 15 }],
    ['integer below min', { type: 'integer', min: 1 }, 0, { err: 'must be an integer >= 1' }],
    ['integer above max', { type: 'integer', max: 18500 }, 20000, { err: 'must be an integer <= 18500' }],
    ['integer not a number', { type: 'integer' }, 'ten', { err: 'must be an integer' }],
    ['integer not whole', { type: 'integer' }, 1.5, { err: 'must be an integer' }],
    ['boolean true', { type: 'boolean' }, true, { ok: true }],
    ['boolean "false"', { type: 'boolean' }, 'false', { ok: false }],
    ['boolean 1', { type: 'boolean' }, 1, { ok: true }],
    ['boolean junk', { type: 'boolean' }, 'maybe', { err: 'must be true or false' }],
    ['sip uri', { type: 'sip-uri' }, 'sip:alice@example.test', { ok: 'sip:alice@example.test' }],
    ['sips uri', { type: 'sip-uri' }, 'sips:pool01.example.test', { ok: 'sips:pool01.example.test' }],
    ['not a sip uri', { type: 'sip-uri' }, 'alice@example.test', { err: 'must be a SIP URI' }],
    ['enum ok', { type: 'enum', values: ['none', 'logout'] }, 'logout', { ok: 'logout' }],
    ['enum alias (seed 004 spells no-answer-action "not ready")', { type: 'enum', values: ['none', 'notready'], aliases: { 'not ready': 'notready' } }, 'not ready', { ok: 'notready' }],
    ['enum bad', { type: 'enum', values: ['none', 'logout'] }, 'x', { err: 'must be one of none, logout' }],
    ['untimed', { type: 'seconds-or-untimed' }, 'untimed', { ok: 'untimed' }],
    ['seconds', { type: 'seconds-or-untimed' }, '30', { ok: 30 }],
    ['negative seconds', { type: 'seconds-or-untimed' }, -1, { err: 'must be a number of seconds >= 0 or untimed' }],
  ];
  for (const [name, kind, raw, expected] of cases) {
    test(name, () => {
      const r = parseOptionValue(kind, raw);
      if ('ok' in expected) assert.deepEqual(r, { ok: true, value: expected.ok });
      else assert.deepEqual(r, { ok: false, error: expected.err });
    });
  }
});

describe('parseRangeList (seed 000 agent-status codes)', () => {
  test('single values, closed and open ranges, negative numbers', () => {
    const r = parseRangeList('18500,0-2999,18000-');
    assert.deepEqual(r, { ok: true, value: [{ from: 18500, to: 18500 }, { from: 0, to: 2999 }, { from: 18000, to: Infinity }] });
    const st = parseRangeList('-32768,0');
    assert.deepEqual(st, { ok: true, value: [{ from: -32768, to: -32768 }, { from: 0, to: 0 }] });
    assert.ok(st.ok && inRanges(st.value, 0) && !inRanges(st.value, 1));
  });
  test('rejects garbage, reversed ranges and unbounded lists', () => {
    assert.equal(parseRangeList('a-b').ok, false);
    assert.deepEqual(parseRangeList('10-5'), { ok: false, error: 'range 10-5 ends before it starts' });
    assert.equal(parseRangeList('').ok, false);
    assert.equal(parseRangeList(Array.from({ length: 300 }, (_, i) => String(i)).join(',')).ok, false);
  });
});
