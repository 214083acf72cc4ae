import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { RegistrationClient, registrarFor } from '../../../../src/sip/ua/registration-client.ts';
import type { RegistrationClientOptions } from '../../../../src/sip/ua/registration-client.ts';
import { REGISTRATION_TRANSITIONS } from '../../../../src/sip/ua/registration-state.ts';
import type { RegistrationState } from '../../../../src/sip/ua/registration-state.ts';
import { DigestClient } from '../../../../src/sip/auth/digest-client.ts';
import { DigestServer } from '../../../../src/sip/auth/digest-server.ts';
import { parseCredentials } from '../../../../src/sip/auth/digest.ts';
import { InvalidStateTransitionError } from '../../../../src/lib/errors.ts';
import { FakeTransactionUser, flush } from '../support/fake-transaction-user.ts';

function setup(extra: Partial<RegistrationClientOptions> = {}) {
  const clock = new ManualClock(0);
  const tu = new FakeTransactionUser();
  const reg = new RegistrationClient({ tu, clock, aor: 'sip:alice@example.test', contact: 'sip:alice@127.0.0.1:5060', expires: 600, ...extra });
  const states: RegistrationState[] = [];
  reg.on('stateChange', (s) => states.push(s));
  return { clock, tu, reg, states };
}

describe('RegistrationClient (RFC 3261 section 10.2)', () => {
  test('REGISTER goes to the AoR domain with To = From = AoR, Contact;expires and Expires', async () => {
    const s = setup();
    void s.reg.register();
    const r = s.tu.last('REGISTER').request;
    assert.equal(r.uri, 'sip:example.test');
    assert.match(r.headers.get('To')!, /^<sip:alice@example\.test>$/);
    assert.match(r.headers.get('From')!, /^<sip:alice@example\.test>;tag=/);
    assert.equal(r.headers.get('Contact'), '<sip:alice@127.0.0.1:5060>;expires=600');
    assert.equal(r.headers.get('Expires'), '600');
    assert.equal(registrarFor('sips:bob@example.test:5061'), 'sips:example.test:5061');
    s.reg.dispose();
  });

  test('401 → authorized retry with CSeq+1 and the same Call-ID; server accepts it', async () => {
    const clock = new ManualClock(0);
    const server = new DigestServer({ realm: 'example.test', clock });
    const s = setup({ digest: new DigestClient({ username: 'alice', password: 'pw' }) });
    const done = s.reg.register();
    const first = s.tu.last('REGISTER');
    await s.tu.answer(first, 401, { headers: { 'WWW-Authenticate': server.challengeHeader() } });
    const second = s.tu.last('REGISTER');
    assert.notEqual(first, second);
    assert.equal(second.request.headers.get('Call-ID'), first.request.headers.get('Call-ID'));
    assert.equal(second.request.headers.get('CSeq'), '2 REGISTER');
    const creds = parseCredentials(second.request.headers.get('Authorization')!);
    assert.ok(creds.ok);
    const v = server.verify(creds.value, { method: 'REGISTER', uri: second.request.uri }, () => ({ password: 'pw' }));
    assert.deepEqual(v, { ok: true, username: 'alice' });
    await s.tu.answer(second, 200, { headers: { Contact: '<sip:alice@127.0.0.1:5060>;expires=300' } });
    const res = await done;
    assert.equal(res.status, 200);
    assert.equal(s.reg.state, 'registered');
    assert.equal(s.reg.expires, 300);
    s.reg.dispose();
  });

  test('a wrong password costs one retry: the second 401 ends in unregistered, no loop', async () => {
    const clock = new ManualClock(0);
    const server = new DigestServer({ realm: 'example.test', clock });
    const s = setup({ digest: new DigestClient({ username: 'alice', password: 'wrong' }) });
    const failed: boolean[] = [];
    s.reg.on('failed', (_r, retry) => failed.push(retry));
    const done = s.reg.register();
    await s.tu.answerLast('REGISTER', 401, { headers: { 'WWW-Authenticate': server.challengeHeader() } });
    await s.tu.answerLast('REGISTER', 401, { headers: { 'WWW-Authenticate': server.challengeHeader() } });
    assert.equal((await done).status, 401);
    assert.equal(s.tu.sent.length, 2);
    assert.equal(s.reg.state, 'unregistered');
    assert.deepEqual(failed, [false]);
    s.clock.advance(3_600_000);
    assert.equal(s.tu.sent.length, 2);
  });

  test('a stale=true challenge is followed once more; a second stale is not', async () => {
    const clock = new ManualClock(0);
    const server = new DigestServer({ realm: 'example.test', clock });
    const s = setup({ digest: new DigestClient({ username: 'alice', password: 'pw' }) });
    const done = s.reg.register();
    await s.tu.answerLast('REGISTER', 401, { headers: { 'WWW-Authenticate': server.challengeHeader() } });
    await s.tu.answerLast('REGISTER', 401, { headers: { 'WWW-Authenticate': server.challengeHeader(true) } });
    await s.tu.answerLast('REGISTER', 401, { headers: { 'WWW-Authenticate': server.challengeHeader(true) } });
    assert.equal((await done).status, 401);
    assert.equal(s.tu.sent.length, 3);
  });

  test('refreshes at 90% of the granted expiry with the same Call-ID and pre-emptive credentials', async () => {
    const clock = new ManualClock(0);
    const server = new DigestServer({ realm: 'example.test', clock });
    const s = setup({ digest: new DigestClient({ username: 'alice', password: 'pw' }) });
    void s.reg.register();
    await s.tu.answerLast('REGISTER', 401, { headers: { 'WWW-Authenticate': server.challengeHeader() } });
    await s.tu.answerLast('REGISTER', 200, { headers: { Expires: '600' } });
    const count = s.tu.sent.length;
    s.clock.advance(539_999);
    assert.equal(s.tu.sent.length, count);
    s.clock.advance(1);
    const refresh = s.tu.last('REGISTER').request;
    assert.equal(s.tu.sent.length, count + 1);
    assert.equal(refresh.headers.get('CSeq'), '3 REGISTER');
    assert.equal(refresh.headers.get('Call-ID'), s.tu.sent[0]!.request.headers.get('Call-ID'));
    const creds = parseCredentials(refresh.headers.get('Authorization')!);
    assert.ok(creds.ok);
    assert.equal(creds.value.nc, '00000002');
    assert.equal(server.verify(creds.value, { method: 'REGISTER' }, () => ({ password: 'pw' })).ok, true);
    s.reg.dispose();
  });

  test('the granted expiry comes from our Contact\'s expires parameter before the Expires header', async () => {
    const s = setup();
    void s.reg.register();
    await s.tu.answerLast('REGISTER', 200, {
      headers: { Expires: '900', Contact: ['<sip:other@10.0.0.1>;expires=50', '<sip:alice@127.0.0.1:5060>;expires=120'] },
    });
    assert.equal(s.reg.expires, 120);
    s.reg.dispose();
  });

  test('503 → retry-wait with backoff, then registers', async () => {
    const s = setup({ backoff: { baseMs: 2_000 } });
    void s.reg.register();
    await s.tu.answerLast('REGISTER', 503);
    assert.equal(s.reg.state, 'retry-wait');
    s.clock.advance(1_999);
    assert.equal(s.tu.sent.length, 1);
    s.clock.advance(1);
    await s.tu.answerLast('REGISTER', 200, { headers: { Expires: '600' } });
    assert.equal(s.reg.state, 'registered');
    assert.deepEqual(s.states, ['registering', 'retry-wait', 'registering', 'registered']);
    s.reg.dispose();
  });

  test('423 → retry with Min-Expires', async () => {
    const s = setup({ expires: 30 });
    void s.reg.register();
    await s.tu.answerLast('REGISTER', 423, { headers: { 'Min-Expires': '60' } });
    assert.equal(s.tu.last('REGISTER').request.headers.get('Expires'), '60');
    s.reg.dispose();
  });

  test('unregister sends Expires: 0 and Contact;expires=0, cancels the refresh', async () => {
    const s = setup();
    void s.reg.register();
    await s.tu.answerLast('REGISTER', 200, { headers: { Expires: '600' } });
    const done = s.reg.unregister();
    const r = s.tu.last('REGISTER').request;
    assert.equal(r.headers.get('Expires'), '0');
    assert.equal(r.headers.get('Contact'), '<sip:alice@127.0.0.1:5060>;expires=0');
    await s.tu.answerLast('REGISTER', 200);
    await done;
    assert.equal(s.reg.state, 'unregistered');
    assert.equal(s.clock.pending, 0);
  });

  test('dispose cancels the refresh timer', async () => {
    const s = setup();
    void s.reg.register();
    await s.tu.answerLast('REGISTER', 200, { headers: { Expires: '600' } });
    assert.equal(s.clock.pending, 1);
    s.reg.dispose();
    assert.equal(s.clock.pending, 0);
    await flush();
    assert.throws(() => s.reg.transition('registering', 'x'), InvalidStateTransitionError);
  });

  test('transition table: disposed is final and every target is a known state', () => {
    const all = Object.keys(REGISTRATION_TRANSITIONS) as RegistrationState[];
    for (const st of all) for (const t of REGISTRATION_TRANSITIONS[st]) assert.ok(all.includes(t));
    assert.deepEqual(REGISTRATION_TRANSITIONS.disposed, []);
  });
});
