import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatParams, parseParams, quote, splitCommaList, unquote } from '../../../../src/sip/message/index.ts';

describe('parseParams (generic-param, RFC 3261 section 25.1)', () => {
  const cases: [string, string, Record<string, string | null>][] = [
    ['leading semicolon optional', 'tag=1928301774;lr', { tag: '1928301774', lr: null }],
    ['with leading semicolon', ';tag=1;lr', { tag: '1', lr: null }],
    ['LWS around = and ;', ' ;  tag = abc ;  lr ', { tag: 'abc', lr: null }],
    ['names lower-cased, values not', ';TAG=AbC', { tag: 'AbC' }],
    ['quoted value kept with quotes', ';+sip.instance="<urn:uuid:1;x>"', { '+sip.instance': '"<urn:uuid:1;x>"' }],
    ['quoted value with escapes', ';reason="say \\"hi\\""', { reason: '"say \\"hi\\""' }],
    ['IPv6 received value', ';received=2001:db8::9;rport=5060', { received: '2001:db8::9', rport: '5060' }],
    ['base64 value with =', ';epid=ab==', { epid: 'ab==' }],
    ['empty value', ';tag=', { tag: '' }],
    ['__proto__ is dropped, not assigned to the prototype', ';__proto__=x;a=b', { a: 'b' }],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      const r = parseParams(input);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(r.value, expected);
      assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
    });
  }

  for (const [name, input] of [['empty name', ';=x'], ['unterminated quote', ';a="x'], ['junk', ';a b']] as const) {
    test(`rejects ${name}`, () => {
      const r = parseParams(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.kind, 'bad-header');
    });
  }

  test('formatParams writes flags bare and quotes values that need it', () => {
    assert.equal(formatParams({ tag: 'x', lr: null, note: 'two words', inst: '"<urn:a>"' }), ';tag=x;lr;note="two words";inst="<urn:a>"');
  });

  test('parse(format(p)) equals p', () => {
    const p = { branch: 'z9hG4bK1', rport: null, received: '192.0.2.1' };
    const r = parseParams(formatParams(p));
    assert.ok(r.ok);
    assert.deepEqual(r.value, p);
  });
});

describe('quoted strings (RFC 3261 section 25.1 quoted-pair)', () => {
  const pairs: [string, string][] = [
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
  ];
  for (const [text, quoted] of pairs) {
    test(`quote/unquote ${quoted}`, () => {
      assert.equal(quote(text), quoted);
      assert.equal(unquote(quoted), text);
    });
  }
});

describe('splitCommaList (RFC 3261 section 7.3.1)', () => {
  const cases: [string, string, string[] | undefined][] = [
    ['simple tokens', 'INVITE, ACK ,BYE', ['INVITE', 'ACK', 'BYE']],
    ['empty elements skipped', 'a,,b, ,', ['a', 'b']],
    ['comma inside quotes', '"Doe, John" <sip:j@x>, <sip:k@y>', ['"Doe, John" <sip:j@x>', '<sip:k@y>']],
    ['comma inside <>', '<sip:a@x;p=1,2>, <sip:b@y>', ['<sip:a@x;p=1,2>', '<sip:b@y>']],
    ['escaped quote inside quotes', '"a\\", b" <sip:a@x>, c', ['"a\\", b" <sip:a@x>', 'c']],
    ['unterminated quote', '"abc, def', undefined],
    ['unterminated <', '<sip:a@b, c', undefined],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.deepEqual(splitCommaList(input), expected));
  }
});
