import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from '../../../../src/sip/message/index.ts';
import { DEFAULT_ACCEPT, SipCapabilities } from '../../../../src/sip/transaction/sip-capabilities.ts';
import type { SipExtension } from '../../../../src/sip/transaction/sip-capabilities.ts';
import { FakeServerTransaction } from '../support/fake-transaction-user.ts';

const options = () => createRequest({
  method: 'OPTIONS', uri: 'sip:ucc@h',
  headers: { Via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKo', From: '<sip:a@b>;tag=1', To: '<sip:ucc@h>', 'Call-ID': 'o', CSeq: '1 OPTIONS' },
});

describe('SipCapabilities', () => {
  test('a new stack: Allow OPTIONS, the default Accept, no Supported; ACK is the only unanswered method', () => {
    const c = new SipCapabilities();
    assert.deepEqual(c.allow, ['OPTIONS']);
    assert.deepEqual(c.accept, [...DEFAULT_ACCEPT]);
    assert.deepEqual(c.supported, []);
    assert.equal(c.isUnanswered('ACK'), true);
    for (const m of ['BENOTIFY', 'NOTIFY', 'OPTIONS', 'INVITE']) assert.equal(c.isUnanswered(m), false, m);
    assert.equal(c.isNotifyMethod('NOTIFY'), true);
    assert.equal(c.isNotifyMethod('notify'), true);
    assert.equal(c.isNotifyMethod('BENOTIFY'), false);
  });

  test('declarations are counted: a method stays while one declarer holds it; order is first declared; withdraw is idempotent', () => {
    const c = new SipCapabilities({ allow: ['INFO'], accept: ['text/plain'], supported: ['timer'] });
    const a = c.declare({ methods: ['message'], accept: ['application/pidf+xml'] });
    const b = c.declare({ methods: ['MESSAGE', 'SUBSCRIBE'] });
    assert.deepEqual(c.allow, ['OPTIONS', 'INFO', 'MESSAGE', 'SUBSCRIBE']);
    assert.deepEqual(c.accept, ['text/plain', 'application/pidf+xml']);
    a();
    a();
    assert.deepEqual(c.allow, ['OPTIONS', 'INFO', 'MESSAGE', 'SUBSCRIBE'], 'MESSAGE is still held by b');
    assert.deepEqual(c.accept, ['text/plain']);
    b();
    assert.deepEqual(c.allow, ['OPTIONS', 'INFO']);
    assert.deepEqual(c.supported, ['timer']);
  });

  test('OPTIONS declared explicitly is listed once', () => {
    const c = new SipCapabilities({ allow: ['INVITE', 'OPTIONS'] });
    assert.deepEqual(c.allow, ['INVITE', 'OPTIONS']);
  });

  test('an extension: its methods, tags and rules while on; used twice, it stays on until released twice', () => {
    const ext: SipExtension = {
      name: 'x-ext', methods: ['XNOTIFY'], supported: ['x-tag'], unansweredMethods: ['xnotify'],
      notifications: { methods: ['XNOTIFY'], optionTags: ['x-tag'], laterMethod: () => 'XNOTIFY' },
    };
    const c = new SipCapabilities();
    const one = c.use(ext);
    const two = c.use(ext);
    assert.equal(c.has('x-ext'), true);
    assert.equal(c.isUnanswered('XNOTIFY'), true);
    assert.equal(c.isNotifyMethod('XNOTIFY'), true);
    assert.deepEqual(c.subscribeOptionTags, ['x-tag']);
    assert.equal(c.laterNotifyMethod(options()), 'XNOTIFY');
    one();
    assert.equal(c.isUnanswered('XNOTIFY'), true, 'still held by the second use');
    assert.deepEqual(c.allow, ['OPTIONS', 'XNOTIFY']);
    two();
    assert.equal(c.has('x-ext'), false);
    assert.equal(c.isUnanswered('XNOTIFY'), false);
    assert.equal(c.isNotifyMethod('XNOTIFY'), false);
    assert.deepEqual(c.subscribeOptionTags, []);
    assert.equal(c.laterNotifyMethod(options()), undefined);
    assert.deepEqual(c.allow, ['OPTIONS']);
    assert.deepEqual(c.supported, []);
  });

  test('answerOptions: 200 with Allow, Accept, Server and Supported as registered at that moment', () => {
    const c = new SipCapabilities({ server: 'OpenUCC', supported: ['ms-benotify'] });
    c.declare({ methods: ['MESSAGE'] });
    const txn = new FakeServerTransaction(options());
    c.answerOptions(txn);
    const res = txn.responses[0]!;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('Allow'), 'OPTIONS, MESSAGE');
    assert.equal(res.headers.get('Accept'), DEFAULT_ACCEPT.join(', '));
    assert.equal(res.headers.get('Server'), 'OpenUCC');
    assert.equal(res.headers.get('Supported'), 'ms-benotify');
    const bare = new FakeServerTransaction(options());
    new SipCapabilities({ accept: [] }).answerOptions(bare);
    assert.equal(bare.responses[0]!.headers.get('Accept'), undefined, 'no Accept when nothing is accepted');
    assert.equal(bare.responses[0]!.headers.get('Server'), undefined);
    assert.equal(bare.responses[0]!.headers.get('Supported'), undefined);
  });
});
