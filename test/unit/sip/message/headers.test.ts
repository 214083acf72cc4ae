import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UccError } from '../../../../src/lib/errors.ts';
import {
  createHeaders, createRequest, formatNameAddr, formatVia, getContacts, getContentType, getCSeq, getExpires, getFrom,
  getRoutes, getTo, getVias, getCallId, parseMessage,
} from '../../../../src/sip/message/index.ts';
import type { SipMessage } from '../../../../src/sip/message/index.ts';
import { headerKey } from '../../../../src/sip/message/compact-forms.ts';
import { request } from './helpers.ts';

const parse = (text: string): SipMessage => {
  const r = parseMessage(text);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

describe('SipHeaders', () => {
  test('get/getAll/has match case-insensitively and by compact form', () => {
    const h = createHeaders([['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'], ['v', 'SIP/2.0/UDP b;branch=z9hG4bK2'], ['X-A', '1']]);
    assert.equal(h.get('VIA'), 'SIP/2.0/UDP a;branch=z9hG4bK1');
    assert.deepEqual(h.getAll('v'), ['SIP/2.0/UDP a;branch=z9hG4bK1', 'SIP/2.0/UDP b;branch=z9hG4bK2']);
    assert.equal(h.has('x-a'), true);
    assert.equal(h.has('X-B'), false);
    assert.equal(h.get('X-B'), undefined);
  });
  test('entries() keeps wire order with canonical names; unknown names as given', () => {
    const h = createHeaders({ 'call-id': 'c1', cseq: '1 OPTIONS', 'x-Custom': ['a', 'b'] });
    assert.deepEqual([...h.entries()], [['Call-ID', 'c1'], ['CSeq', '1 OPTIONS'], ['x-Custom', 'a'], ['x-Custom', 'b']]);
  });
  test('set replaces every value in place of the first one', () => {
    const h = createHeaders([['A-H', '1'], ['B-H', '2'], ['A-H', '3'], ['C-H', '4']]);
    h.set('a-h', ['x', 'y']);
    // An unknown name is written as the caller spelled it.
    assert.deepEqual([...h.entries()], [['a-h', 'x'], ['a-h', 'y'], ['B-H', '2'], ['C-H', '4']]);
    h.set('D-H', 'new');
    assert.deepEqual([...h.entries()].at(-1), ['D-H', 'new']);
  });
  test('append adds after, prepend adds before the existing values of the header', () => {
    const h = createHeaders([['Max-Forwards', '70'], ['Via', 'v1'], ['To', 't']]);
    h.prepend('Via', 'v0');
    h.append('Via', 'v2');
    h.prepend('Record-Route', '<sip:rr>');
    assert.deepEqual([...h.entries()], [['Record-Route', '<sip:rr>'], ['Max-Forwards', '70'], ['Via', 'v0'], ['Via', 'v1'], ['To', 't'], ['Via', 'v2']]);
  });
  test('delete removes every value', () => {
    const h = createHeaders([['Via', 'a'], ['To', 't'], ['v', 'b']]);
    h.delete('VIA');
    assert.deepEqual([...h.entries()], [['To', 't']]);
  });
  test('clone is independent', () => {
    const a = createHeaders([['Subject', 'x']]);
    const b = a.clone();
    b.set('Subject', 'y');
    assert.equal(a.get('Subject'), 'x');
    assert.equal(b.get('Subject'), 'y');
  });
  const badNames = ['Bad Name', 'Colon:', '', 'Line\r\nBreak'];
  for (const name of badNames) {
    test(`an invalid header name ${JSON.stringify(name)} throws UCC_ERR_SIP_PARSE`, () => {
      assert.throws(() => createHeaders([[name, 'x']]), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_SIP_PARSE');
    });
  }
  for (const value of ['a\r\nVia: injected', 'a\nb', 'a\rb']) {
    test(`a value with CR/LF ${JSON.stringify(value)} throws (header injection)`, () => {
      const h = createHeaders();
      assert.throws(() => h.set('Subject', value), UccError);
      assert.throws(() => h.append('Subject', value), UccError);
      assert.throws(() => h.prepend('Subject', value), UccError);
    });
  }
  test('list headers parsed from the wire split on first access, everywhere', () => {
    const m = parse(request('OPTIONS', ['Allow: INVITE, ACK', 'Supported: a, b']));
    assert.equal(m.headers.get('Allow'), 'INVITE');
    assert.deepEqual([...m.headers.entries()].filter(([n]) => n === 'Supported'), [['Supported', 'a'], ['Supported', 'b']]);
  });
});

describe('headerKey', () => {
  test('known names in any case, compact forms in either case, unknown names lower-cased', () => {
    const cases: Array<[string, string]> = [
      ['Call-ID', 'call-id'], ['call-id', 'call-id'], ['CALL-ID', 'call-id'], ['i', 'call-id'], ['I', 'call-id'],
      ['CSeq', 'cseq'], ['v', 'via'], ['V', 'via'], ['Subscription-State', 'subscription-state'], ['o', 'event'],
      ['X-Bench', 'x-bench'], ['x', 'session-expires'], ['Z', 'z'],
    ];
    for (const [name, key] of cases) assert.equal(headerKey(name), key, name);
  });
});

describe('typed accessors', () => {
  test('getVias / getFrom / getTo / getCSeq / getCallId / getContacts / getRoutes on a parsed message', () => {
    const m = parse(request('INVITE', ['Contact: <sip:a@192.0.2.9;transport=tcp>;expires=30', 'Route: <sip:p1;lr>, <sip:p2;lr>', 'Record-Route: <sip:rr;lr>']));
    assert.equal(getVias(m)[0]?.host, '192.0.2.1');
    assert.equal(getFrom(m).params.tag, 'a1');
    assert.equal(getTo(m).params.tag, undefined);
    assert.deepEqual(getCSeq(m), { seq: 1, method: 'INVITE' });
    assert.equal(getCallId(m), 'test-call-id@192.0.2.1');
    assert.equal(getContacts(m)[0]?.uri.params.transport, 'tcp');
    assert.deepEqual(getRoutes(m, 'Route').map((r) => r.uri.host), ['p1', 'p2']);
    assert.deepEqual(getRoutes(m, 'Record-Route').map((r) => r.uri.host), ['rr']);
  });
  test('a hand-set comma list in one value is split by the accessors', () => {
    const m = createRequest({ method: 'OPTIONS', uri: 'sip:a@b', headers: { Via: 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2', Route: '<sip:p1;lr>, "x, y" <sip:p2;lr>' } });
    assert.deepEqual(getVias(m).map((v) => v.host), ['a', 'b']);
    assert.deepEqual(getRoutes(m, 'Route').map((r) => r.uri.host), ['p1', 'p2']);
  });
  test('absent Contact and Route give empty lists', () => {
    const m = parse(request('OPTIONS'));
    assert.deepEqual(getContacts(m), []);
    assert.deepEqual(getRoutes(m, 'Route'), []);
  });
  test('the cache follows set/append/prepend/delete', () => {
    const m = parse(request('OPTIONS'));
    assert.equal(getVias(m).length, 1);
    m.headers.prepend('Via', 'SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp');
    assert.deepEqual(getVias(m).map((v) => v.host), ['proxy.example.com', '192.0.2.1']);
    m.headers.delete('Via');
    assert.deepEqual(getVias(m), []);
    m.headers.set('To', '<sip:carol@example.com>;tag=t9');
    assert.equal(getTo(m).uri.user, 'carol');
    m.headers.set('CSeq', '9 OPTIONS');
    assert.equal(getCSeq(m).seq, 9);
    m.headers.append('Contact', '<sip:x@y>');
    assert.equal(getContacts(m).length, 1);
    m.headers.set('Route', ['<sip:r1;lr>', '<sip:r2;lr>']);
    assert.equal(getRoutes(m, 'Route').length, 2);
  });
  test('editing a returned view does not change the message or later views', () => {
    const m = parse(request('OPTIONS'));
    const from = getFrom(m);
    from.params.tag = 'changed';
    from.uri.user = 'mallory';
    getVias(m)[0]!.params.branch = 'x';
    assert.equal(getFrom(m).params.tag, 'a1');
    assert.equal(getFrom(m).uri.user, 'alice');
    assert.equal(getVias(m)[0]?.params.branch, 'z9hG4bK-test');
  });
  test('an edited view formatted and set back changes the message', () => {
    const m = parse(request('OPTIONS'));
    const to = getTo(m);
    to.params.tag = 'new-tag';
    m.headers.set('To', formatNameAddr(to));
    assert.equal(getTo(m).params.tag, 'new-tag');
    const via = getVias(m)[0]!;
    via.params.received = '198.51.100.7';
    m.headers.set('Via', formatVia(via));
    assert.equal(getVias(m)[0]?.params.received, '198.51.100.7');
  });
  test('accessors throw UCC_ERR_SIP_PARSE on a hand-built message with missing or malformed headers', () => {
    const m = createRequest({ method: 'OPTIONS', uri: 'sip:a@b', headers: { Via: 'garbage', To: '<sip:a@b' } });
    const isParse = (e: unknown): boolean => e instanceof UccError && e.code === 'UCC_ERR_SIP_PARSE';
    assert.throws(() => getVias(m), isParse);
    assert.throws(() => getTo(m), isParse);
    assert.throws(() => getFrom(m), isParse);
    assert.throws(() => getCSeq(m), isParse);
    assert.throws(() => getCallId(m), isParse);
    m.headers.set('CSeq', 'x OPTIONS');
    assert.throws(() => getCSeq(m), isParse);
  });
  const expires: [string | undefined, number | undefined][] = [
    ['3600', 3600], ['0', 0], [undefined, undefined], ['Thu, 01 Dec 1994 16:00:00 GMT', undefined], ['-5', undefined], ['99999999999', 0xffffffff],
  ];
  for (const [value, expected] of expires) {
    test(`getExpires(${JSON.stringify(value)}) is ${expected}`, () => {
      const m = createRequest({ method: 'OPTIONS', uri: 'sip:a@b', headers: value === undefined ? {} : { Expires: value } });
      assert.equal(getExpires(m), expected);
    });
  }
  const types: [string | undefined, string | undefined][] = [
    ['application/pidf+xml', 'application/pidf+xml'], ['Application/SDP ; charset=UTF-8', 'application/sdp'],
    ['multipart/related;type="application/rlmi+xml";boundary=x', 'multipart/related'], [undefined, undefined],
  ];
  for (const [value, expected] of types) {
    test(`getContentType(${JSON.stringify(value)}) is ${expected}`, () => {
      const m = createRequest({ method: 'NOTIFY', uri: 'sip:a@b', headers: value === undefined ? {} : { c: value } });
      assert.equal(getContentType(m), expected);
    });
  }
});
