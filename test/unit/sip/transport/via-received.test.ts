import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest, getVias, parseMessage, parseVia, serializeMessage } from '../../../../src/sip/message/index.ts';
import type { Via } from '../../../../src/sip/message/sip-message.ts';
import type { MessageSource } from '../../../../src/sip/transaction/transaction-user.ts';
import { responseDestination, stampReceived } from '../../../../src/sip/transport/via-received.ts';
import { requestDestination } from '../../../../src/sip/transport/transport-layer.ts';
import { badRequestFor } from '../../../../src/sip/transport/bad-request.ts';

const source = (host: string, port: number): MessageSource => ({
  remote: { protocol: 'udp', host, port },
  local: { protocol: 'udp', host: '127.0.0.1', port: 5060 },
});

const withVia = (via: string, route?: string, uri = 'sip:bob@example.test') =>
  createRequest({
    method: 'OPTIONS',
    uri,
    headers: [
      ['Via', via],
      ['Via', 'SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKsecond'],
      ...(route ? [['Route', route] as [string, string]] : []),
      ['From', '<sip:a@x>;tag=1'],
      ['To', '<sip:b@x>'],
      ['Call-ID', 'c'],
      ['CSeq', '1 OPTIONS'],
    ],
  });

const via = (s: string): Via => {
  const r = parseVia(s);
  assert.ok(r.ok);
  return r.value;
};

describe('stampReceived (RFC 3261 18.2.1, RFC 3581 section 4)', () => {
  const cases: Array<{ name: string; via: string; from: [string, number]; received?: string; rport?: string | null | undefined }> = [
    { name: 'same IP, no rport: untouched', via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1', from: ['192.0.2.1', 5060] },
    { name: 'different IP: MUST add received', via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1', from: ['198.51.100.7', 5060], received: '198.51.100.7' },
    { name: 'domain name in sent-by: MUST add received', via: 'SIP/2.0/UDP pc.example.test;branch=z9hG4bK1', from: ['192.0.2.1', 5060], received: '192.0.2.1' },
    { name: 'empty rport: MUST fill the source port and add received even for the same IP', via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport', from: ['192.0.2.1', 40123], received: '192.0.2.1', rport: '40123' },
    { name: 'rport behind NAT: both filled', via: 'SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bK1', from: ['203.0.113.9', 1024], received: '203.0.113.9', rport: '1024' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const req = withVia(c.via);
      const changed = stampReceived(req, source(...c.from));
      const top = getVias(req)[0];
      assert.equal(changed, c.received !== undefined);
      assert.equal(top?.params['received'], c.received);
      if (c.rport !== undefined) assert.equal(top?.params['rport'], c.rport);
      assert.equal(req.headers.getAll('Via')[1], 'SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKsecond', 'lower Vias untouched');
    });
  }
});

describe('stampReceived keeps the parsed Via view in step with the header text', () => {
  const wire = (topVia: string): string => [
    'NOTIFY sip:ucc@192.0.2.1 SIP/2.0', `v: ${topVia}`, 'Via: SIP/2.0/TCP proxy.test;branch=z9hG4bKlower', 'From: <sip:a@x>;tag=1',
    'To: <sip:b@x>;tag=2', 'Call-ID: c', 'CSeq: 3 NOTIFY', 'Content-Length: 0', '', '',
  ].join('\r\n');
  const cases: Array<[string, string, [string, number]]> = [
    ['rport, upper-case names and a compact header name', 'SIP/2.0/udp 10.0.0.5:5060 ;Branch=z9hG4bKx1;RPORT', ['203.0.113.9', 1024]],
    ['an existing received is replaced in place', 'SIP/2.0/UDP pc.test;received=10.1.1.1;branch=z9hG4bKx2', ['192.0.2.4', 5060]],
    ['IPv6 source', 'SIP/2.0/UDP [2001:db8::5]:5060;branch=z9hG4bKx3;rport', ['2001:db8::9', 5062]],
  ];
  for (const [name, topVia, from] of cases) {
    test(name, () => {
      const parsed = parseMessage(Buffer.from(wire(topVia)));
      assert.ok(parsed.ok && parsed.value.kind === 'request');
      const req = parsed.value;
      assert.equal(stampReceived(req, source(...from)), true);
      const reparsed = req.headers.getAll('Via').map((v) => via(v));
      assert.deepEqual(getVias(req), reparsed, 'the cached view is what the new text parses to');
      assert.equal(reparsed[0]?.params['received'], from[0]);
      assert.equal(req.headers.getAll('Via')[1], 'SIP/2.0/TCP proxy.test;branch=z9hG4bKlower');
      const again = parseMessage(serializeMessage(req));
      assert.ok(again.ok);
      assert.deepEqual(getVias(again.value), reparsed, 'and what goes on the wire');
    });
  }
});

describe('responseDestination (RFC 3261 18.2.2, RFC 3581)', () => {
  const cases: Array<[string, string, string, number]> = [
    ['sent-by without received', 'SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1', '192.0.2.1', 5070],
    ['default port 5060', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', '192.0.2.1', 5060],
    ['received with the sent-by port', 'SIP/2.0/UDP pc.test:5070;branch=z9hG4bK1;received=192.0.2.9', '192.0.2.9', 5070],
    ['received with rport', 'SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9;rport=1024', '203.0.113.9', 1024],
    ['maddr', 'SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK1;maddr=239.255.255.1', '239.255.255.1', 5062],
    ['TLS default port 5061', 'SIP/2.0/TLS pc.test;branch=z9hG4bK1;received=192.0.2.3', '192.0.2.3', 5061],
    ['rport without a value keeps the sent-by port', 'SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1;received=203.0.113.9;rport', '203.0.113.9', 5070],
    ['rport of six digits is ignored', 'SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1;received=203.0.113.9;rport=123456', '203.0.113.9', 5070],
    ['rport that is not a number is ignored', 'SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1;received=203.0.113.9;rport=12a', '203.0.113.9', 5070],
    ['rport of five digits is used', 'SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1;received=203.0.113.9;rport=65000', '203.0.113.9', 65000],
  ];
  for (const [name, v, host, port] of cases) {
    test(name, () => {
      const d = responseDestination(via(v), 'udp');
      assert.equal(d.host, host);
      assert.equal(d.port, port);
    });
  }
});

describe('requestDestination (next hop)', () => {
  const cases: Array<[string, string, string | undefined, string, string, number]> = [
    ['Request-URI, UDP default', 'sip:bob@192.0.2.1', undefined, 'udp', '192.0.2.1', 5060],
    ['transport=tcp', 'sip:bob@192.0.2.1:5070;transport=tcp', undefined, 'tcp', '192.0.2.1', 5070],
    ['sips: means TLS on 5061', 'sips:bob@192.0.2.1', undefined, 'tls', '192.0.2.1', 5061],
    ['first Route wins (loose routing)', 'sip:bob@192.0.2.1', '<sip:198.51.100.1:5080;lr;transport=tls>', 'tls', '198.51.100.1', 5080],
    ['maddr overrides the host', 'sip:bob@example.test;maddr=192.0.2.7', undefined, 'udp', '192.0.2.7', 5060],
  ];
  for (const [name, uri, route, protocol, host, port] of cases) {
    test(name, () => {
      const r = requestDestination(withVia('SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1', route, uri));
      assert.ok(r.ok);
      assert.deepEqual(r.value, { protocol, host, port });
    });
  }

  test('a tel: URI has no route', () => {
    const r = requestDestination(withVia('SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1', undefined, 'tel:+15551234'));
    assert.equal(r.ok, false);
  });

  test('an unsupported transport is refused', () => {
    const r = requestDestination(withVia('SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1', undefined, 'sip:b@1.2.3.4;transport=sctp'));
    assert.equal(r.ok, false);
  });
});

describe('badRequestFor (400 for a malformed datagram)', () => {
  const head = [
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb1',
    'From: <sip:a@x>;tag=1',
    'To: <sip:b@x>',
    'Call-ID: bad',
    'CSeq: 4 MESSAGE',
  ];
  const error = { kind: 'bad-content-length' as const, message: 'Content-Length is "x"' };

  test('answers a request whose Via, From, To, Call-ID and CSeq are readable', () => {
    const r = badRequestFor(Buffer.from(['MESSAGE sip:b@x SIP/2.0', ...head, 'Content-Length: x', '', ''].join('\r\n')), error);
    assert.equal(r?.status, 400);
    assert.equal(r?.headers.get('CSeq'), '4 MESSAGE');
    assert.match(r?.headers.get('Warning') ?? '', /^399 ucc "Content-Length is {2}x "$/);
  });

  test('never answers an ACK', () => {
    assert.equal(badRequestFor(Buffer.from(['ACK sip:b@x SIP/2.0', ...head, '', ''].join('\r\n')), error), undefined);
  });

  test('never answers a response', () => {
    assert.equal(badRequestFor(Buffer.from(['SIP/2.0 200 OK', ...head, '', ''].join('\r\n')), error), undefined);
  });

  test('drops a request without a readable Via', () => {
    const noVia = head.slice(1);
    assert.equal(badRequestFor(Buffer.from(['MESSAGE sip:b@x SIP/2.0', 'Via: garbage', ...noVia, '', ''].join('\r\n')), error), undefined);
  });
});
