import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { maxKwClientMessageBytes, parseKwClientMessage } from '../../../src/connector/kw-client-messages.ts';
import { KwClientSessions, type KwClientSession } from '../../../src/connector/kw-client-sessions.ts';
import type { KwServerMessage } from '../../../src/connector/kw-client-messages.ts';

describe('KW client messages', () => {
  const good: Array<[string, unknown]> = [
    ['{"type":"ping"}', { type: 'ping' }],
    ['{"type":"accept","id":"p1"}', { type: 'accept', id: 'p1' }],
    ['{"type":"reject","id":"p1","extra":true}', { type: 'reject', id: 'p1' }],
    ['{"type":"accept-external","id":"p9"}', { type: 'accept-external', id: 'p9' }],
  ];
  for (const [text, want] of good) test(`parses ${text}`, () => assert.deepEqual(parseKwClientMessage(text), { ok: true, value: want }));

  const bad: Array<[string, string]> = [
    ['{not json', 'bad-json'],
    ['[1]', 'bad-json'],
    ['null', 'bad-json'],
    ['"ping"', 'bad-json'],
    ['{"type":"launch"}', 'unknown-message'],
    ['{}', 'unknown-message'],
    ['{"type":"accept"}', 'unknown-message'],
    ['{"type":"accept","id":""}', 'unknown-message'],
    ['{"type":"accept","id":5}', 'unknown-message'],
    [`{"type":"accept","id":"${'x'.repeat(129)}"}`, 'unknown-message'],
    [`{"type":"ping","pad":"${'x'.repeat(maxKwClientMessageBytes)}"}`, 'too-large'],
  ];
  for (const [text, code] of bad) {
    test(`refuses ${text.slice(0, 40)} as ${code}`, () => {
      const r = parseKwClientMessage(text);
      assert.equal(!r.ok && r.error.code, code);
    });
  }
});

describe('KW client sessions', () => {
  const session = (reg: KwClientSessions, userName: string, sink: KwServerMessage[], alive = true): KwClientSession => ({ id: reg.newId(), userName, send: (m) => (alive ? (sink.push(m), true) : false) });

  test('sendTo reaches every session of the KW and no other; removal is idempotent and announces what remains', () => {
    const reg = new KwClientSessions();
    const a: KwServerMessage[] = [];
    const b: KwServerMessage[] = [];
    const c: KwServerMessage[] = [];
    const closes: Array<[string, number]> = [];
    reg.on('sessionClose', (s, remaining) => closes.push([s.id, remaining]));
    const ra = reg.add(session(reg, 'alice', a));
    const rb = reg.add(session(reg, 'alice', b));
    reg.add(session(reg, 'bob', c));
    reg.add(session(reg, 'alice', [], false));
    assert.equal(reg.sendTo('alice', { type: 'pong', now: 1 }), 2, 'a dead session does not count');
    assert.equal(a.length + b.length, 2);
    assert.equal(c.length, 0);
    ra();
    ra();
    assert.equal(reg.count('alice'), 2);
    rb();
    assert.deepEqual(closes.map(([, n]) => n), [2, 1]);
    assert.equal(reg.sendTo('nobody', { type: 'pong', now: 1 }), 0);
    assert.notEqual(reg.newId(), reg.newId());
  });
});
