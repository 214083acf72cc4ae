import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNameAddr, parseNameAddr } from '../../../../src/sip/message/index.ts';

describe('parseNameAddr (RFC 3261 sections 20.10, 25.1)', () => {
  const cases: [string, string, { displayName?: string; user?: string; host: string; uriParams?: Record<string, string | null>; params: Record<string, string | null> }][] = [
    ['quoted display name', '"Alice Liddell" <sip:alice@example.com>;tag=1', { displayName: 'Alice Liddell', user: 'alice', host: 'example.com', params: { tag: '1' } }],
    ['token display name', 'Bob Smith <sip:bob@example.com>', { displayName: 'Bob Smith', user: 'bob', host: 'example.com', params: {} }],
    ['no display name', '<sip:carol@example.com;transport=tcp>;expires=60', { user: 'carol', host: 'example.com', uriParams: { transport: 'tcp' }, params: { expires: '60' } }],
    ['quoted-pair escapes in display name', '"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>', { displayName: 'J Rosenberg \\"', user: 'jdrosen', host: 'example.com', params: {} }],
    ['addr-spec: params belong to the header (20.10)', 'sip:dave@example.com;tag=xyz;lr', { user: 'dave', host: 'example.com', uriParams: {}, params: { tag: 'xyz', lr: null } }],
    ['addr-spec with quoted param holding <>', 'sip:eve@example.com;+sip.instance="<urn:uuid:1>"', { user: 'eve', host: 'example.com', params: { '+sip.instance': '"<urn:uuid:1>"' } }],
    ['LWS everywhere', '  "x"   <sip:f@example.com>  ;  tag = 9 ', { displayName: 'x', user: 'f', host: 'example.com', params: { tag: '9' } }],
    ['no space between quoted name and <', '"Quoted"<sip:g@example.com>', { displayName: 'Quoted', user: 'g', host: 'example.com', params: {} }],
    ['IPv6 host', '<sip:h@[2001:db8::1]:5070>', { user: 'h', host: '[2001:db8::1]', params: {} }],
    ['UTF-8 display name', '"Zo\u00eb" <sip:zoe@example.com>', { displayName: 'Zo\u00eb', user: 'zoe', host: 'example.com', params: {} }],
  ];
  for (const [name, input, e] of cases) {
    test(name, () => {
      const r = parseNameAddr(input);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.equal(r.value.displayName, e.displayName);
      assert.equal(r.value.uri.user, e.user);
      assert.equal(r.value.uri.host, e.host);
      if (e.uriParams) assert.deepEqual(r.value.uri.params, e.uriParams);
      assert.deepEqual(r.value.params, e.params);
    });
  }

  test('Contact wildcard *', () => {
    const r = parseNameAddr(' * ');
    assert.ok(r.ok);
    assert.equal(r.value.wildcard, true);
    assert.equal(formatNameAddr(r.value), '*');
  });

  const bad: [string, string, string][] = [
    ['unterminated quote', '"Mr. J. User <sip:j.user@example.com>', 'bad-header'],
    ['missing >', '<sip:a@example.com', 'bad-header'],
    ['quoted name not followed by <', '"x" sip:a@example.com', 'bad-header'],
    ['bad URI inside <>', '<sip:a b@example.com>', 'bad-uri'],
    ['junk after params', '<sip:a@example.com>;tag=1 junk', 'bad-header'],
    ['empty', '   ', 'bad-header'],
  ];
  for (const [name, input, kind] of bad) {
    test(`rejects ${name} with ${kind}`, () => {
      const r = parseNameAddr(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.kind, kind);
    });
  }

  const roundTrips = [
    '"Alice \\"A\\"" <sip:alice@example.com;transport=tcp>;tag=1;lr',
    '<sips:bob@[2001:db8::1]:5061>;+sip.instance="<urn:uuid:1>";reg-id=1',
    'sip:carol@example.com;tag=77',
  ];
  for (const input of roundTrips) {
    test(`parse(format(parse(x))) equals parse(x): ${input}`, () => {
      const a = parseNameAddr(input);
      assert.ok(a.ok);
      const b = parseNameAddr(formatNameAddr(a.value));
      assert.ok(b.ok);
      assert.deepEqual(b.value, a.value);
    });
  }
});
