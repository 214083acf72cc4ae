import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageClient, MESSAGE_MAX_BODY_BYTES } from '../../../../src/sip/ua/message-client.ts';
import { MessageServer } from '../../../../src/sip/ua/message-server.ts';
import type { IncomingMessage, MessageVerdict } from '../../../../src/sip/ua/message-server.ts';
import { RequestDispatcher } from '../../../../src/sip/ua/request-dispatcher.ts';
import { DigestClient } from '../../../../src/sip/auth/digest-client.ts';
import { DigestServer } from '../../../../src/sip/auth/digest-server.ts';
import { parseCredentials } from '../../../../src/sip/auth/digest.ts';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { UccError } from '../../../../src/lib/errors.ts';
import { FakeTransactionUser, buildRequest } from '../support/fake-transaction-user.ts';
import { MS_SIP_EXTENSION } from '../../../../src/sip/ua/ms-sip-extension.ts';

const message = (body = 'hello', extra: Record<string, string> = {}) => buildRequest('MESSAGE', 'sip:ucc@example.test', {
  Via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKm1',
  From: '<sip:alice@example.test>;tag=a',
  To: '<sip:ucc@example.test>',
  'Call-ID': 'm1',
  CSeq: '1 MESSAGE',
  'Content-Type': 'text/plain',
  ...extra,
}, body);

describe('MESSAGE out (RFC 3428)', () => {
  test('sends an out-of-dialog MESSAGE with the body and text/plain, no Contact', async () => {
    const tu = new FakeTransactionUser();
    const mc = new MessageClient({ tu, aor: 'sip:ucc@example.test' });
    const p = mc.send({ to: 'sip:alice@example.test', body: 'Hi Alice' });
    const r = tu.last('MESSAGE').request;
    assert.equal(r.uri, 'sip:alice@example.test');
    assert.equal(r.body.toString(), 'Hi Alice');
    assert.equal(r.headers.get('Content-Type'), 'text/plain;charset=UTF-8');
    assert.equal(r.headers.get('Contact'), undefined);
    await tu.answerLast('MESSAGE', 202);
    assert.equal((await p).status, 202);
  });

  test('answers a 407 from the proxy once and returns the final response', async () => {
    const tu = new FakeTransactionUser();
    const server = new DigestServer({ realm: 'proxy.test', clock: new ManualClock(0) });
    const mc = new MessageClient({ tu, aor: 'sip:ucc@example.test', digest: new DigestClient({ username: 'ucc', password: 'pw' }) });
    const p = mc.send({ to: 'sip:alice@example.test', body: 'x' });
    await tu.answerLast('MESSAGE', 407, { headers: { 'Proxy-Authenticate': server.challengeHeader() } });
    const retry = tu.last('MESSAGE').request;
    const c = parseCredentials(retry.headers.get('Proxy-Authorization')!);
    assert.ok(c.ok);
    assert.equal(server.verify(c.value, { method: 'MESSAGE', uri: retry.uri, body: retry.body }, () => ({ password: 'pw' })).ok, true);
    await tu.answerLast('MESSAGE', 200);
    assert.equal((await p).status, 200);
  });

  test('a body over the pager-mode limit is refused before sending', async () => {
    const tu = new FakeTransactionUser();
    const mc = new MessageClient({ tu, aor: 'sip:ucc@example.test' });
    await assert.rejects(mc.send({ to: 'sip:a@b', body: 'x'.repeat(MESSAGE_MAX_BODY_BYTES + 1) }), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_SIP_TOO_LARGE');
    assert.equal(tu.sent.length, 0);
  });
});

describe('MESSAGE in (RFC 3428 section 7)', () => {
  const rows: Array<{ name: string; handler: (m: IncomingMessage) => MessageVerdict | Promise<MessageVerdict>; status: number }> = [
    { name: 'handler answers 200', handler: () => ({ status: 200 }), status: 200 },
    { name: 'handler answers 202 asynchronously', handler: async () => ({ status: 202 }), status: 202 },
    { name: 'handler refuses with 415', handler: () => ({ status: 415 }), status: 415 },
    { name: 'handler throws → 500', handler: () => { throw new Error('boom'); }, status: 500 },
    { name: 'handler rejects → 500', handler: () => Promise.reject(new Error('boom')), status: 500 },
    { name: 'handler returns a nonsense status → 500', handler: () => ({ status: 99 }), status: 500 },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const tu = new FakeTransactionUser();
      const seen: string[] = [];
      new MessageServer(new RequestDispatcher(tu), (m) => { seen.push(m.body.toString()); return row.handler(m); });
      const txn = await tu.inject(message('hello'));
      assert.equal(txn.status, row.status);
      assert.equal(txn.responses.length, 1);
      assert.deepEqual(seen, ['hello']);
    });
  }

  test('after dispose, MESSAGE gets 405 with Allow', async () => {
    const tu = new FakeTransactionUser();
    const server = new MessageServer(new RequestDispatcher(tu), () => ({ status: 200 }));
    server.dispose();
    const txn = await tu.inject(message());
    assert.equal(txn.status, 405);
    assert.match(txn.responses[0]!.headers.get('Allow')!, /OPTIONS/);
  });
});

describe('RequestDispatcher', () => {
  const options = () => buildRequest('OPTIONS', 'sip:ucc@example.test', {
    Via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKo', From: '<sip:a@b>;tag=1', To: '<sip:ucc@example.test>', 'Call-ID': 'o', CSeq: '1 OPTIONS',
  });

  test('OPTIONS is answered 200 with Allow, Accept and Supported (ms-benotify when [MS-SIP] is on)', async () => {
    const tu = new FakeTransactionUser();
    tu.capabilities.use(MS_SIP_EXTENSION);
    const d = new RequestDispatcher(tu);
    d.onMethod('MESSAGE', () => undefined);
    const txn = await tu.inject(options());
    assert.equal(txn.status, 200);
    assert.equal(txn.responses[0]!.headers.get('Allow'), 'OPTIONS, BENOTIFY, MESSAGE');
    assert.equal(txn.responses[0]!.headers.get('Accept'), 'application/sdp, application/pidf+xml, text/plain');
    assert.equal(txn.responses[0]!.headers.get('Supported'), 'ms-benotify');
  });

  test('OPTIONS without extensions: Allow lists only what is registered, no Supported; a removed handler leaves Allow', async () => {
    const tu = new FakeTransactionUser();
    const d = RequestDispatcher.of(tu);
    assert.equal(RequestDispatcher.of(tu), d, 'one dispatcher per stack');
    const off = d.onMethod('MESSAGE', () => undefined);
    const txn = await tu.inject(options());
    assert.equal(txn.responses[0]!.headers.get('Allow'), 'OPTIONS, MESSAGE');
    assert.equal(txn.responses[0]!.headers.get('Supported'), undefined);
    off();
    assert.equal((await tu.inject(options())).responses[0]!.headers.get('Allow'), 'OPTIONS');
  });

  test('in-dialog request for an unknown dialog → 481; unknown BENOTIFY ([MS-SIP] on) and ACK get no response', async () => {
    const tu = new FakeTransactionUser();
    tu.capabilities.use(MS_SIP_EXTENSION);
    new RequestDispatcher(tu);
    const base = { Via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx', From: '<sip:a@b>;tag=1', To: '<sip:ucc@example.test>;tag=nope', 'Call-ID': 'x' };
    assert.equal((await tu.inject(buildRequest('BYE', 'sip:ucc@h', { ...base, CSeq: '2 BYE' }))).status, 481);
    assert.equal((await tu.inject(buildRequest('BENOTIFY', 'sip:ucc@h', { ...base, CSeq: '3 BENOTIFY' }))).responses.length, 0);
    assert.equal((await tu.inject(buildRequest('ACK', 'sip:ucc@h', { ...base, CSeq: '2 ACK' }))).responses.length, 0);
  });

  test('an out-of-dialog BENOTIFY nobody handles is dropped silently ([MS-SIP] on)', async () => {
    const tu = new FakeTransactionUser();
    tu.capabilities.use(MS_SIP_EXTENSION);
    new RequestDispatcher(tu);
    const txn = await tu.inject(buildRequest('BENOTIFY', 'sip:ucc@h', {
      Via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb', From: '<sip:a@b>;tag=1', To: '<sip:ucc@h>', 'Call-ID': 'b', CSeq: '1 BENOTIFY',
    }));
    assert.equal(txn.responses.length, 0);
  });

  test('an unknown out-of-dialog method → 405 with Allow', async () => {
    const tu = new FakeTransactionUser();
    new RequestDispatcher(tu);
    const txn = await tu.inject(buildRequest('INFO', 'sip:ucc@h', {
      Via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKi', From: '<sip:a@b>;tag=1', To: '<sip:ucc@h>', 'Call-ID': 'i', CSeq: '1 INFO',
    }));
    assert.equal(txn.status, 405);
    assert.equal(txn.responses[0]!.headers.get('Allow'), 'OPTIONS');
  });
});
