import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  getContacts, getContentType, getCSeq, getFrom, getRoutes, getTo, getVias, parseMessage, serializeMessage, StreamFramer,
} from '../../../../src/sip/message/index.ts';
import type { SipMessage } from '../../../../src/sip/message/index.ts';
import { fixture } from './helpers.ts';

interface Vector { file: string; expect: string; method?: string; status?: number; bodyBytes?: number; contentType?: string }
const { vectors } = JSON.parse(readFileSync(new URL('../../../fixtures/sip/vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

const parsed = (name: string): SipMessage => {
  const r = parseMessage(fixture(name));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

describe('wire vectors (test/fixtures/sip/vectors.json)', () => {
  for (const v of vectors) {
    test(`${v.file}: ${v.expect}`, () => {
      const r = parseMessage(fixture(v.file));
      if (v.expect !== 'ok') {
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.error.kind, v.expect, r.error.message);
        return;
      }
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const m = r.value;
      if (v.method !== undefined) assert.ok(m.kind === 'request' && m.method === v.method);
      if (v.status !== undefined) assert.ok(m.kind === 'response' && m.status === v.status);
      if (v.bodyBytes !== undefined) assert.equal(m.body.length, v.bodyBytes);
      if (v.contentType !== undefined) assert.equal(getContentType(m), v.contentType);
      // Round trip: parse(serialize(parse(x))) equals parse(x).
      const again = parseMessage(serializeMessage(m));
      assert.ok(again.ok, again.ok ? '' : again.error.message);
      // Content-Length is rewritten (and written last) by the serializer.
      const noLength = (x: SipMessage): [string, string][] => [...x.headers.entries()].filter(([n]) => n !== 'Content-Length');
      assert.deepEqual(noLength(again.value), noLength(m));
      assert.equal(again.value.headers.get('Content-Length'), String(m.body.length));
      assert.deepEqual(again.value.body, m.body);
      assert.deepEqual(getVias(again.value), getVias(m));
      assert.deepEqual(getFrom(again.value), getFrom(m));
      assert.deepEqual(getTo(again.value), getTo(m));
      assert.deepEqual(getContacts(again.value), getContacts(m));
      // And the serialized bytes frame on a stream.
      const out = new StreamFramer().push(serializeMessage(m));
      assert.deepEqual(out.map((o) => o.type), ['message']);
    });
  }
});

describe('fixture details', () => {
  test('the tortuous INVITE (RFC 4475 3.1.1.1 style)', () => {
    const m = parsed('torture-tortuous-invite.sip');
    assert.deepEqual(getVias(m).map((v) => [v.transport, v.host, v.params.branch]), [
      ['UDP', '192.0.2.2', '390skdjuw'], ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'], ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    assert.equal(getTo(m).params.tag, '1918181833n');
    assert.equal(getFrom(m).displayName, 'J Rosenberg \\"');
    assert.equal(getFrom(m).params.tag, '98asjd8');
    assert.deepEqual(getCSeq(m), { seq: 9, method: 'INVITE' });
    assert.equal(m.headers.get('Max-Forwards'), '0068');
    assert.equal(m.headers.get('Subject'), '');
    assert.equal(m.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(m.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    const c = getContacts(m)[0];
    assert.equal(c?.displayName, 'Quoted string ""');
    assert.deepEqual(c?.params, { newparam: 'newvalue', secondparam: null, q: '0.33' });
    assert.deepEqual(getRoutes(m, 'Route')[0]?.uri.params, { lr: null, unknownwith: 'value', 'unknown-no-value': null });
  });
  test('escaped URIs', () => {
    const m = parsed('torture-escaped-uris.sip');
    assert.ok(m.kind === 'request' && m.uri === 'sip:user;par=u%40example.net@example.com');
    assert.equal(getFrom(m).uri.user, 'caller name');
    assert.equal(getTo(m).uri.user, 'j_user');
    assert.deepEqual(m.headers.getAll('Accept'), ['application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag']);
  });
  test('IPv6 response', () => {
    const m = parsed('torture-ipv6-response.sip');
    assert.equal(getVias(m)[0]?.params.received, '2001:db8::9:255');
    assert.equal(getTo(m).uri.host, '[2001:db8::10]');
    assert.equal(getTo(m).uri.port, 5070);
  });
  test('SERVICE passes with its headers', () => {
    const m = parsed('service.sip');
    assert.equal(getCSeq(m).method, 'SERVICE');
    assert.deepEqual(m.headers.getAll('Supported'), ['ms-benotify', 'ms-dialog-route-set-update']);
    assert.equal(m.headers.get('Proxy-Require'), 'ms-benotify');
    assert.equal(getFrom(m).params.epid, '01010101');
    const c = getContacts(m)[0];
    assert.equal(c?.uri.params['ms-opaque'], 'd3470f2e1d');
    assert.equal(c?.params.proxy, 'replace');
    assert.equal(c?.params['+sip.instance'], '"<urn:uuid:11111111-2222-3333-4444-555555555555>"');
    assert.match(m.body.toString(), /^<publish xmlns=/);
  });
  test('BENOTIFY passes with its headers', () => {
    const m = parsed('benotify-ms-pres.sip');
    assert.equal(getCSeq(m).method, 'BENOTIFY');
    assert.equal(m.headers.get('Event'), 'presence');
    assert.ok([...m.headers.entries()].some(([n, v]) => n === 'Subscription-State' && v === 'active;expires=30000'));
    assert.ok([...m.headers.entries()].some(([n, v]) => n === 'ms-diagnostics-public' && v === '2000;reason="Success"'));
    // Authentication-Info is not a list header: its commas separate auth params.
    assert.equal(m.headers.getAll('Authentication-Info').length, 1);
    assert.equal(getVias(m)[0]?.params['ms-received-cid'], '1A2B00');
    assert.match(m.body.toString(), /<availability>6500<\/availability>/);
  });
  test('NOTIFY carries the 700-byte PIDF body byte for byte', () => {
    const m = parsed('notify-pidf.sip');
    assert.deepEqual(m.body, fixture('pidf-700.xml'));
    assert.equal(m.headers.get('Subscription-State'), 'active;expires=3540');
  });
  test('REGISTER', () => {
    const m = parsed('register.sip');
    assert.equal(m.headers.getAll('Allow').length, 10);
    assert.equal(getContacts(m)[0]?.params['reg-id'], '1');
  });
});
