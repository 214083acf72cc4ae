import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MS_SIP_EXTENSION, sendBenotify, supportsBenotify } from '../../../../src/sip/ua/ms-sip-extension.ts';
import { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import { FakeTransactionUser, buildRequest } from '../support/fake-transaction-user.ts';

const subscribe = (supported?: string) => buildRequest('SUBSCRIBE', 'sip:alice@example.test', {
  Via: 'SIP/2.0/TLS 10.0.0.1;branch=z9hG4bKs',
  From: '<sip:ucc@example.test>;tag=w',
  To: '<sip:alice@example.test>',
  'Call-ID': 'be1',
  CSeq: '1 SUBSCRIBE',
  Contact: '<sip:ucc@10.0.0.1:5061;transport=tls>',
  Event: 'presence',
  ...(supported ? { Supported: supported } : {}),
});

test('supportsBenotify reads the ms-benotify option tag from Supported', () => {
  assert.equal(supportsBenotify(subscribe('eventlist, ms-benotify')), true);
  assert.equal(supportsBenotify(subscribe('ms-benotify-x')), false);
  assert.equal(supportsBenotify(subscribe()), false);
});

test('sendBenotify sends statelessly (no transaction, no response awaited) with Event and Subscription-State', () => {
  const tu = new FakeTransactionUser();
  const dialog = Dialog.createUas(subscribe('ms-benotify'), 'n1');
  const req = sendBenotify(tu, dialog, {
    event: 'presence',
    subscriptionState: { state: 'active', expires: 23800 },
    body: '<categories/>',
    contentType: 'application/msrtc-event-categories+xml',
  });
  assert.equal(tu.sent.length, 0);
  assert.deepEqual(tu.stateless, [req]);
  assert.equal(req.method, 'BENOTIFY');
  assert.equal(req.uri, 'sip:ucc@10.0.0.1:5061;transport=tls');
  assert.equal(req.headers.get('Subscription-State'), 'active;expires=23800');
  assert.equal(req.headers.get('CSeq'), '1 BENOTIFY');
  assert.equal(req.headers.get('Content-Type'), 'application/msrtc-event-categories+xml');
});

test('MS_SIP_EXTENSION on a stack: BENOTIFY unanswered, taken as a notification, in Allow; ms-benotify in Supported; off again when released', () => {
  const tu = new FakeTransactionUser();
  const caps = tu.capabilities;
  assert.equal(caps.isUnanswered('BENOTIFY'), false);
  assert.equal(caps.isNotifyMethod('BENOTIFY'), false);
  const off = caps.use(MS_SIP_EXTENSION);
  assert.equal(caps.has('ms-sip'), true);
  assert.equal(caps.isUnanswered('BENOTIFY'), true);
  assert.equal(caps.isNotifyMethod('BENOTIFY'), true);
  assert.deepEqual(caps.allow, ['OPTIONS', 'BENOTIFY']);
  assert.deepEqual(caps.supported, ['ms-benotify']);
  assert.deepEqual(caps.subscribeOptionTags, ['ms-benotify']);
  assert.equal(caps.laterNotifyMethod(subscribe('eventlist, ms-benotify')), 'BENOTIFY');
  assert.equal(caps.laterNotifyMethod(subscribe()), undefined, 'only when the watcher asked');
  off();
  off();
  assert.equal(caps.has('ms-sip'), false);
  assert.equal(caps.isUnanswered('BENOTIFY'), false);
  assert.deepEqual(caps.allow, ['OPTIONS']);
  assert.deepEqual(caps.supported, []);
  assert.equal(caps.laterNotifyMethod(subscribe('ms-benotify')), undefined);
});
