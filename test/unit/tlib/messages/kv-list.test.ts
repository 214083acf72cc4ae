import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  kvFromObject, kvToObject, kvGet, kvGetString, kvGetAll, kvAttach, kvUpdate, kvDelete, kvEquals, checkKvList, isKvList,
  encodeFrame, decodeFrames, isConnId, formatConnId, parseConnId,
} from '../../../../src/tlib/index.ts';
import type { KvList } from '../../../../src/tlib/index.ts';

const sample: KvList = [
  ['Customer', 'Анна Каренина'],
  ['Mood', '😀👍🏽'],
  ['Segment', 3],
  ['nested', [['k', 'v'], ['k', 'v2'], ['deeper', [['日本語', 'テキスト']]]]],
  ['dup', 'first'],
  ['dup', 'second'],
  ['empty', ''],
];

describe('UserData KV lists', () => {
  test('a KV list survives a frame round trip byte for byte (Cyrillic, emoji, nested lists, duplicate keys)', () => {
    const frame = encodeFrame({ message: 'RequestAttachUserData', ThisDN: '5001', ConnID: '006e02b3c4d5e6f7', UserData: sample, ReferenceID: 9 });
    const [decoded] = decodeFrames(frame, { accept: 'request' });
    assert.ok(decoded?.ok);
    assert.ok(decoded.value.message === 'RequestAttachUserData');
    assert.ok(kvEquals(decoded.value.UserData, sample));
    const again = encodeFrame(decoded.value);
    assert.deepEqual(again, frame);
    // The UTF-8 bytes of each string are on the wire verbatim, not \u-escaped.
    assert.ok(frame.includes(Buffer.from('Анна Каренина', 'utf8')));
    assert.ok(frame.includes(Buffer.from('😀👍🏽', 'utf8')));
  });

  test('kvToObject keeps the first of duplicate keys and converts nested lists', () => {
    const o = kvToObject(sample);
    assert.equal(o['dup'], 'first');
    assert.deepEqual({ ...(o['nested'] as object) }, { k: 'v', deeper: kvToObject([['日本語', 'テキスト']]) });
    assert.deepEqual(kvGetAll(sample, 'dup'), ['first', 'second']);
  });

  test('kvFromObject and kvToObject are inverse for objects without duplicates', () => {
    const obj = { a: 'x', b: 2, c: { d: 'é' } };
    const list = kvFromObject(obj);
    assert.deepEqual(list, [['a', 'x'], ['b', 2], ['c', [['d', 'é']]]]);
    assert.deepEqual(JSON.parse(JSON.stringify(kvToObject(list))), obj);
  });

  test('a __proto__ key stays data and does not pollute prototypes', () => {
    const o = kvToObject([['__proto__', 'x'], ['a', 'b']]);
    assert.equal(Object.getPrototypeOf(o), null);
    assert.equal(o['__proto__'], 'x');
    assert.equal(({} as Record<string, unknown>)['a'], undefined);
  });

  test('get, attach, update and delete follow T-Library semantics', () => {
    assert.equal(kvGet(sample, 'Segment'), 3);
    assert.equal(kvGetString(sample, 'Segment'), undefined);
    assert.equal(kvGetString(sample, 'dup'), 'first');
    assert.equal(kvGet(undefined, 'x'), undefined);
    assert.deepEqual(kvAttach([['a', '1']], [['a', '2']]), [['a', '1'], ['a', '2']]);
    assert.deepEqual(kvUpdate([['a', '1'], ['b', '1'], ['a', '3']], [['a', '2'], ['c', '9']]), [['a', '2'], ['b', '1'], ['c', '9']]);
    assert.deepEqual(kvDelete([['a', '1'], ['b', '1'], ['a', '3']], 'a'), [['b', '1']]);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not a list', { a: 1 }, /not a list/],
    ['a pair of three', [['a', 'b', 'c']], /not a \[key, value\] pair/],
    ['a numeric key', [[1, 'b']], /key is not a string/],
    ['a boolean value', [['a', true]], /string, an integer or a nested list/],
    ['a fractional number', [['a', 1.5]], /safe integer/],
    ['a lone surrogate', [['a', 'x\uD800y']], /lone surrogate/],
    ['a nested error with its path', [['a', 'b'], ['n', [['k', null]]]], /\[1\]\[1\]\[0\]/],
  ];
  for (const [name, value, re] of bad) {
    test(`rejects ${name}`, () => {
      const p = checkKvList(value);
      assert.ok(p && re.test(p), `${String(p)} !~ ${re}`);
      assert.equal(isKvList(value), false);
    });
  }

  test('bounds nesting depth and the number of pairs', () => {
    let deep: KvList = [['leaf', 'x']];
    for (let i = 0; i < 9; i++) deep = [['n', deep]];
    assert.match(checkKvList(deep) ?? '', /deeper than 8/);
    const wide = Array.from({ length: 11 }, (_, i): [string, string] => [`k${i}`, 'v']);
    assert.match(checkKvList(wide, { maxDepth: 8, maxPairs: 10, maxKeyLength: 10, maxStringLength: 10 }) ?? '', /more than 10 pairs/);
  });
});

describe('ConnID', () => {
  test('is exactly 16 lower-case hex digits', () => {
    assert.ok(isConnId('006e02b3c4d5e6f7'));
    for (const bad of ['006E02B3C4D5E6F7', '6e02b3c4d5e6f7', '006e02b3c4d5e6f70', '006e02b3c4d5e6fz', 42, undefined]) assert.ok(!isConnId(bad), String(bad));
  });
  test('formats and parses 64-bit values', () => {
    assert.equal(formatConnId(0x6en), '000000000000006e');
    assert.equal(parseConnId('ffffffffffffffff'), 0xffff_ffff_ffff_ffffn);
    assert.throws(() => formatConnId(-1n), RangeError);
    assert.throws(() => parseConnId('nope'), RangeError);
  });
});
