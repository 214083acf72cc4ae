// The incoming IM verdicts (RFC 3428 MESSAGE to the connector's address) and the text rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../../src/lib/logger.ts';
import { imAddressKey, IM_MAX_TEXT_BYTES, plainImText, readImText } from '../../../../src/uc/instant-messages.ts';
import { ImInbox } from '../../../../src/uc/shared/im-inbox.ts';

const msg = (from: string, text: string | Buffer, contentType: string | undefined = 'text/plain;charset=UTF-8', to = '<sip:ucc@example.test>') => ({
  from, to, body: typeof text === 'string' ? Buffer.from(text) : text, contentType,
});

test('imAddressKey keeps scheme, user and host, lower-cased, without name, port or parameters', () => {
  assert.equal(imAddressKey('"Alice" <sip:Alice@Example.TEST:5060;transport=tcp>;tag=1'), 'sip:alice@example.test');
  assert.equal(imAddressKey('sips:bob@example.test'), 'sip:bob@example.test');
  assert.equal(imAddressKey('<sip:example.test>'), undefined);
  assert.equal(imAddressKey('nothing'), undefined);
});

test('an IM from a sender with a handler is answered 200 and handed over as plain text', () => {
  const inbox = new ImInbox('sip:ucc@example.test', silentLogger);
  const got: Array<{ from: string; text: string }> = [];
  inbox.onMessageFrom('sip:alice@example.test', (im) => got.push(im));
  assert.equal(inbox.receive(msg('<sip:alice@example.test>;tag=x', ' Accept\r\n\u0007')).status, 200);
  assert.deepEqual(got, [{ from: 'sip:alice@example.test', text: ' Accept\n' }]);
});

test('refusals: another recipient 404, unknown sender 480, non-text 415, too long 413, invalid UTF-8 400', () => {
  const inbox = new ImInbox('sip:ucc@example.test', silentLogger);
  const got: string[] = [];
  const remove = inbox.onMessageFrom('sip:alice@example.test', (im) => got.push(im.text));
  assert.equal(inbox.receive(msg('<sip:alice@example.test>', 'x', undefined, '<sip:bob@example.test>')).status, 404);
  assert.equal(inbox.receive(msg('<sip:mallory@example.test>', 'x')).status, 480);
  assert.equal(inbox.receive(msg('<sip:alice@example.test>', '<b>x</b>', 'text/html')).status, 415);
  assert.equal(inbox.receive(msg('<sip:alice@example.test>', 'x', 'text/plain;charset=ISO-8859-1')).status, 415);
  assert.equal(inbox.receive(msg('<sip:alice@example.test>', 'x'.repeat(IM_MAX_TEXT_BYTES + 1))).status, 413);
  assert.equal(inbox.receive(msg('<sip:alice@example.test>', Buffer.from([0x31, 0xff, 0xfe]))).status, 400);
  assert.deepEqual(got, []);
  remove();
  assert.equal(inbox.receive(msg('<sip:alice@example.test>', 'x')).status, 480);
});

test('a handler that throws still gets the IM answered 200', () => {
  const inbox = new ImInbox('sip:ucc@example.test', silentLogger);
  inbox.onMessageFrom('sip:alice@example.test', () => {
    throw new Error('boom');
  });
  assert.equal(inbox.receive(msg('<sip:alice@example.test>', '1')).status, 200);
});

test('readImText: a body without Content-Type is text/plain; plainImText removes control characters', () => {
  assert.deepEqual(readImText(Buffer.from('2'), undefined), { ok: true, text: '2' });
  assert.equal(plainImText('a\u0000b\u001bc\td\re'), 'abc\td\ne');
});

test('handlers of one sender stack: the newest takes the IMs, removing it gives them back', () => {
  const inbox = new ImInbox('sip:ucc@example.test', silentLogger);
  const got: string[] = [];
  inbox.onMessageFrom('sip:alice@example.test', (im) => got.push(`a:${im.text}`));
  const remove = inbox.onMessageFrom('sip:alice@example.test', (im) => got.push(`b:${im.text}`));
  const say = (t: string) => inbox.receive({ from: 'sip:alice@example.test', to: 'sip:ucc@example.test', body: Buffer.from(t), contentType: 'text/plain' });
  say('1');
  remove();
  say('2');
  assert.deepEqual(got, ['b:1', 'a:2']);
});

test('MESSAGEs to other addresses go to the other-recipients handler when set, else 404', () => {
  const inbox = new ImInbox('sip:ucc@example.test', silentLogger);
  const m = { from: 'sip:bob@example.test', to: 'sip:5000@example.test', body: Buffer.from('hi'), contentType: 'text/plain' };
  assert.equal(inbox.receive(m).status, 404);
  const tos: string[] = [];
  const off = inbox.onOtherRecipient((x) => (tos.push(x.to), { status: 202 }));
  assert.equal(inbox.receive(m).status, 202);
  off();
  assert.equal(inbox.receive(m).status, 404);
  assert.deepEqual(tos, ['sip:5000@example.test']);
});
