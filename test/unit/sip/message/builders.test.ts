import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UccError } from '../../../../src/lib/errors.ts';
import {
  createRequest, createResponse, getCSeq, getVias, parseMessage, reasonPhrase, serializeMessage,
} from '../../../../src/sip/message/index.ts';

describe('createRequest / createResponse', () => {
  test('a built request serializes and parses back', () => {
    const req = createRequest({
      method: 'SERVICE', uri: 'sip:ucc@contoso.com',
      headers: [['Via', 'SIP/2.0/TLS 192.0.2.50:5061;branch=z9hG4bK1'], ['From', '<sip:ucc@contoso.com>;tag=1'], ['To', '<sip:ucc@contoso.com>'], ['Call-ID', 'c1'], ['CSeq', '1 SERVICE'], ['Content-Type', 'application/msrtc-category-publish+xml']],
      body: '<publish/>',
    });
    const wire = serializeMessage(req).toString();
    assert.match(wire, /^SERVICE sip:ucc@contoso.com SIP\/2.0\r\n/);
    assert.match(wire, /\r\nContent-Length: 10\r\n\r\n<publish\/>$/);
    const back = parseMessage(wire);
    assert.ok(back.ok);
    assert.equal(getCSeq(back.value).method, 'SERVICE');
    assert.equal(getVias(back.value)[0]?.transport, 'TLS');
  });
  test('createResponse uses the standard reason phrase by default', () => {
    assert.equal(createResponse({ status: 481 }).reason, 'Call/Transaction Does Not Exist');
    assert.equal(createResponse({ status: 200, reason: 'Fine' }).reason, 'Fine');
    assert.equal(createResponse({ status: 202 }).body.length, 0);
  });
  const phrases: [number, string][] = [[100, 'Trying'], [180, 'Ringing'], [200, 'OK'], [202, 'Accepted'], [407, 'Proxy Authentication Required'], [489, 'Bad Event'], [503, 'Service Unavailable'], [603, 'Decline'], [499, 'Client Error'], [299, 'Success']];
  for (const [status, phrase] of phrases) test(`reasonPhrase(${status}) is ${phrase}`, () => assert.equal(reasonPhrase(status), phrase));
  const badRequests: [string, { method: string; uri: string }][] = [
    ['method with space', { method: 'NO TIFY', uri: 'sip:a@b' }],
    ['empty method', { method: '', uri: 'sip:a@b' }],
    ['URI with space', { method: 'NOTIFY', uri: 'sip:a b@c' }],
    ['URI without scheme', { method: 'NOTIFY', uri: 'a@b' }],
    ['URI with CRLF', { method: 'NOTIFY', uri: 'sip:a@b\r\nVia: x' }],
  ];
  for (const [name, init] of badRequests) {
    test(`createRequest rejects ${name}`, () => assert.throws(() => createRequest(init), UccError));
  }
  for (const status of [99, 700, 200.5, NaN]) {
    test(`createResponse rejects status ${status}`, () => assert.throws(() => createResponse({ status }), UccError));
  }
  test('createResponse rejects a reason with CRLF', () => assert.throws(() => createResponse({ status: 200, reason: 'OK\r\nVia: x' }), UccError));
});

describe('serializeMessage', () => {
  test('always writes a correct Content-Length, replacing a stale one', () => {
    const req = createRequest({ method: 'MESSAGE', uri: 'sip:a@b', headers: { 'Content-Length': '999', l: '3' }, body: Buffer.from('caf\u00e9') });
    const text = serializeMessage(req).toString('latin1');
    assert.equal(text.match(/Content-Length/g)?.length, 1);
    assert.match(text, /Content-Length: 5\r\n\r\n/);
  });
  test('writes canonical names and joins non-address list headers', () => {
    const req = createRequest({ method: 'OPTIONS', uri: 'sip:a@b', headers: [['call-id', 'x'], ['allow', 'INVITE'], ['Allow', 'ACK'], ['v', 'SIP/2.0/UDP a;branch=z9hG4bK1'], ['VIA', 'SIP/2.0/UDP b;branch=z9hG4bK2']] });
    assert.equal(serializeMessage(req).toString(), 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nAllow: INVITE, ACK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\nContent-Length: 0\r\n\r\n');
  });
  test('a response start line', () => {
    assert.match(serializeMessage(createResponse({ status: 180 })).toString(), /^SIP\/2.0 180 Ringing\r\n/);
  });
  test('a caller-made SipHeaders object is serialized through entries()', () => {
    const base = createRequest({ method: 'OPTIONS', uri: 'sip:a@b', headers: { Subject: 'x' } });
    const foreign = { ...base.headers, entries: () => [['s', 'from-entries'] as [string, string]][Symbol.iterator]() } as unknown as typeof base.headers;
    assert.match(serializeMessage({ ...base, headers: foreign }).toString(), /\r\ns: from-entries\r\n/);
  });
});
