// ServerTransactionHandleImpl.build (RFC 3261 section 8.2.6): a response copies Via, From, To,
// Call-ID and CSeq from the request, tags the To when it has none, and carries Timestamp on 100.
// A parsed request takes the header-list path; a caller-made SipHeaders the generic one: both agree.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UccError } from '../../../../src/lib/errors.ts';
import { getVias, parseMessage, serializeMessage } from '../../../../src/sip/message/index.ts';
import type { SipHeaders, SipRequest } from '../../../../src/sip/message/sip-message.ts';
import { ServerTransactionHandleImpl } from '../../../../src/sip/transaction/server-transaction-handle.ts';
import type { MessageSource } from '../../../../src/sip/transaction/transaction-user.ts';
import { headerTag } from '../../../../src/sip/ua/request-dispatcher.ts';

const SOURCE: MessageSource = { remote: { protocol: 'udp', host: '192.0.2.9', port: 5070 }, local: { protocol: 'udp', host: '127.0.0.1', port: 5060 } };

const parsed = (to: string): SipRequest => {
  const r = parseMessage(Buffer.from([
    'MESSAGE sip:ucc@127.0.0.1 SIP/2.0', 'v: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKh1;rport', 'Via: SIP/2.0/TCP proxy.test;branch=z9hG4bKh0',
    'Max-Forwards: 70', 'f: <sip:bob@example.test>;tag=b1', `t: ${to}`, 'i: handle-test', 'CSeq: 7 MESSAGE', 'Timestamp: 54.0',
    'Allow: INVITE, MESSAGE', 'Content-Type: text/plain', 'Content-Length: 2', '', 'hi',
  ].join('\r\n')));
  assert.ok(r.ok && r.value.kind === 'request');
  return r.value;
};

/** The same request behind a SipHeaders that is not the parser's header list. */
function foreignHeaders(req: SipRequest): SipRequest {
  const inner = req.headers.clone();
  const headers: SipHeaders = {
    get: (n) => inner.get(n), getAll: (n) => inner.getAll(n), has: (n) => inner.has(n), set: (n, v) => inner.set(n, v),
    append: (n, v) => inner.append(n, v), prepend: (n, v) => inner.prepend(n, v), delete: (n) => inner.delete(n),
    entries: () => inner.entries(), clone: () => inner.clone(),
  };
  return { ...req, headers };
}

describe('ServerTransactionHandleImpl.build', () => {
  const cases: Array<[string, string, number, Parameters<ServerTransactionHandleImpl['build']>[1]]> = [
    ['200 in a dialog (To tag kept)', '<sip:ucc@example.test>;tag=u1', 200, {}],
    ['200 outside a dialog (To tag added)', '<sip:ucc@example.test>', 200, { toTag: 'fixed' }],
    ['100 Trying (no tag, Timestamp copied)', '<sip:ucc@example.test>', 100, {}],
    ['486 with a reason, extra headers and a body', '<sip:ucc@example.test>', 486, { toTag: 'fixed', reason: 'Busy', headers: { 'Retry-After': '5', Warning: ['399 a "x"', '399 b "y"'] }, contentType: 'text/plain', body: 'busy' }],
  ];
  for (const [name, to, status, options] of cases) {
    test(name, () => {
      const req = parsed(to);
      const fast = new ServerTransactionHandleImpl(req, SOURCE, undefined).build(status, options);
      const generic = new ServerTransactionHandleImpl(foreignHeaders(req), SOURCE, undefined).build(status, options);
      assert.equal(serializeMessage(fast).toString('latin1'), serializeMessage(generic).toString('latin1'));
      assert.deepEqual(getVias(fast), getVias(generic));
      assert.equal(fast.headers.has('Timestamp'), status === 100);
    });
  }

  test('the response carries the stamped Via the request has now', () => {
    const req = parsed('<sip:ucc@example.test>;tag=u1');
    req.headers.set('Via', ['SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKh1;rport=5070;received=192.0.2.9', 'SIP/2.0/TCP proxy.test;branch=z9hG4bKh0']);
    const res = new ServerTransactionHandleImpl(req, SOURCE, undefined).build(200);
    assert.equal(getVias(res)[0]?.params['received'], '192.0.2.9');
    assert.deepEqual(res.headers.getAll('Via'), req.headers.getAll('Via'));
  });

  test('a To tag with CR/LF is refused as before', () => {
    const req = parsed('<sip:ucc@example.test>');
    assert.throws(() => new ServerTransactionHandleImpl(req, SOURCE, undefined).build(200, { toTag: 'x\r\nEvil: 1' }), UccError);
  });
});

describe('headerTag', () => {
  test('reads the parsed From/To; falls back to the text for caller-made headers', () => {
    const req = parsed('<sip:ucc@example.test>;tag=u1');
    assert.equal(headerTag(req, 'From'), 'b1');
    assert.equal(headerTag(req, 'To'), 'u1');
    const foreign = foreignHeaders(req);
    assert.equal(headerTag(foreign, 'To'), 'u1');
    foreign.headers.set('To', '<sip:ucc@example.test>;tag=');
    assert.equal(headerTag(foreign, 'To'), undefined, 'an empty tag is no tag');
    req.headers.set('To', '<sip:ucc@example.test>;tag=u2');
    assert.equal(headerTag(req, 'To'), 'u2', 'a changed header is read again');
  });
});
