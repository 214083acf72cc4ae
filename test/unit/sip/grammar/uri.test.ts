import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUri, parseUri } from '../../../../src/sip/message/index.ts';
import type { SipUri } from '../../../../src/sip/message/index.ts';

describe('parseUri (RFC 3261 section 19.1)', () => {
  const good: [string, string, Partial<SipUri>][] = [
    ['host only', 'sip:example.com', { scheme: 'sip', host: 'example.com' }],
    ['user and port', 'sip:alice@192.0.2.1:5070', { user: 'alice', host: '192.0.2.1', port: 5070 }],
    ['scheme is case-insensitive and lower-cased', 'SIPS:bob@Example.COM', { scheme: 'sips', user: 'bob', host: 'Example.COM' }],
    ['password', 'sip:alice:secret@example.com', { user: 'alice', password: 'secret' }],
    ['escaped user part is unescaped', 'sip:caller%20name@example.org', { user: 'caller name' }],
    ['escaped UTF-8 user part', 'sip:%C3%A9mile@example.org', { user: '\u00e9mile' }],
    ['user part may contain ; (user-unreserved)', 'sip:user;par=u%40example.net@example.com', { user: 'user;par=u@example.net', host: 'example.com' }],
    ['IPv6 reference keeps brackets', 'sip:[2001:db8::10]:5070', { host: '[2001:db8::10]', port: 5070 }],
    ['telephone-subscriber user', 'sip:+1-212-555-1212:1234@gateway.com;user=phone', { user: '+1-212-555-1212', password: '1234', params: { user: 'phone' } }],
  ];
  for (const [name, input, expected] of good) {
    test(`accepts ${name}`, () => {
      const r = parseUri(input);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual((r.value as unknown as Record<string, unknown>)[k], v, k);
    });
  }

  test('parameter names are lower-cased; flags are null; values kept as written', () => {
    const r = parseUri('sip:proxy.example.com;LR;Transport=TCP;maddr=239.255.255.1;x=%41');
    assert.ok(r.ok);
    assert.deepEqual(r.value.params, { lr: null, transport: 'TCP', maddr: '239.255.255.1', x: '%41' });
  });

  test('URI headers after ?', () => {
    const r = parseUri('sip:alice@example.com?subject=project%20x&priority=urgent');
    assert.ok(r.ok);
    assert.deepEqual(r.value.headers, { subject: 'project%20x', priority: 'urgent' });
  });

  test('other schemes are opaque with raw', () => {
    const r = parseUri('tel:+1-201-555-0123;phone-context=example.com');
    assert.ok(r.ok);
    assert.equal(r.value.scheme, 'tel');
    assert.equal(r.value.raw, '+1-201-555-0123;phone-context=example.com');
    assert.equal(formatUri(r.value), 'tel:+1-201-555-0123;phone-context=example.com');
  });

  const bad: [string, string][] = [
    ['no scheme', 'alice@example.com'],
    ['empty', ''],
    ['space in user', 'sip:ali ce@example.com'],
    ['empty host', 'sip:alice@'],
    ['port out of range', 'sip:example.com:70000'],
    ['non-numeric port', 'sip:example.com:50a'],
    ['unterminated IPv6', 'sip:[2001:db8::1'],
    ['bad escape', 'sip:al%zzice@example.com'],
    ['garbage after host', 'sip:example.com/path'],
    ['empty parameter name', 'sip:example.com;=x'],
    ['angle bracket in opaque URI', 'tel:<+1>'],
    ['malformed URI header', 'sip:a@b?novalue'],
  ];
  for (const [name, input] of bad) {
    test(`rejects ${name} with bad-uri`, () => {
      const r = parseUri(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.kind, 'bad-uri');
    });
  }
});

describe('formatUri', () => {
  const roundTrips = [
    'sip:alice@example.com',
    'sips:alice:pw@[2001:db8::1]:5061;transport=tls;lr',
    'sip:host.example.com:5060;maddr=239.255.255.1;ttl=15?subject=hi',
    'sip:user;par=u%40example.net@example.com',
  ];
  for (const uri of roundTrips) {
    test(`parse(format(parse(x))) equals parse(x) for ${uri}`, () => {
      const a = parseUri(uri);
      assert.ok(a.ok);
      const b = parseUri(formatUri(a.value));
      assert.ok(b.ok);
      assert.deepEqual(b.value, a.value);
    });
  }

  test('escapes characters the user part cannot hold literally', () => {
    assert.equal(formatUri({ scheme: 'sip', user: 'a b@c', host: 'x', params: {}, headers: {} }), 'sip:a%20b%40c@x');
  });
});
