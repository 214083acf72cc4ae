import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatVia, parseVia } from '../../../../src/sip/message/index.ts';
import type { Via } from '../../../../src/sip/message/index.ts';

describe('parseVia (RFC 3261 section 20.42)', () => {
  const cases: [string, string, Via][] = [
    ['typical UDP with rport flag', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776;rport',
      { protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.1', port: 5060, params: { branch: 'z9hG4bK776', rport: null } }],
    ['LWS around slashes and before params', 'SIP  /   2.0 / tcp   spindle.example.com  ;  branch = z9hG4bK9',
      { protocol: 'SIP/2.0', transport: 'TCP', host: 'spindle.example.com', params: { branch: 'z9hG4bK9' } }],
    ['IPv6 sent-by and received', 'SIP/2.0/TLS [2001:db8::9:1]:5061;branch=z9hG4bKa;received=2001:db8::9:255',
      { protocol: 'SIP/2.0', transport: 'TLS', host: '[2001:db8::9:1]', port: 5061, params: { branch: 'z9hG4bKa', received: '2001:db8::9:255' } }],
    ['MS-SIP extension params', 'SIP/2.0/TLS 192.0.2.60:5061;branch=z9hG4bK7;ms-received-port=5061;ms-received-cid=1A2B00',
      { protocol: 'SIP/2.0', transport: 'TLS', host: '192.0.2.60', port: 5061, params: { branch: 'z9hG4bK7', 'ms-received-port': '5061', 'ms-received-cid': '1A2B00' } }],
    ['lower-case protocol is upper-cased', 'sip/2.0/ws host.invalid;branch=z9hG4bKx',
      { protocol: 'SIP/2.0', transport: 'WS', host: 'host.invalid', params: { branch: 'z9hG4bKx' } }],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      const r = parseVia(input);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(r.value, expected);
    });
  }

  const bad: [string, string][] = [
    ['missing transport', 'SIP/2.0 192.0.2.1'],
    ['missing host', 'SIP/2.0/UDP ;branch=x'],
    ['no LWS before host', 'SIP/2.0/UDP'],
    ['bad port', 'SIP/2.0/UDP 192.0.2.1:99999'],
    ['junk after host', 'SIP/2.0/UDP 192.0.2.1 junk'],
    ['unterminated IPv6', 'SIP/2.0/UDP [2001:db8::1;branch=x'],
  ];
  for (const [name, input] of bad) {
    test(`rejects ${name}`, () => {
      const r = parseVia(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.kind, 'bad-header');
    });
  }

  test('parse(format(v)) equals v', () => {
    const v: Via = { protocol: 'SIP/2.0', transport: 'UDP', host: '[::1]', port: 5070, params: { branch: 'z9hG4bK1', rport: '5070', received: '::1' } };
    assert.equal(formatVia(v), 'SIP/2.0/UDP [::1]:5070;branch=z9hG4bK1;rport=5070;received=::1');
    const r = parseVia(formatVia(v));
    assert.ok(r.ok);
    assert.deepEqual(r.value, v);
  });
});
