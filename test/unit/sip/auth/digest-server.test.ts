import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { DigestServer } from '../../../../src/sip/auth/digest-server.ts';
import { createCredentials, parseChallenge, computeHa1Base } from '../../../../src/sip/auth/digest.ts';
import type { DigestAlgorithm, DigestChallenge, DigestQop } from '../../../../src/sip/auth/digest.ts';

const users: Record<string, string> = { alice: 'secret' };
const lookup = (u: string): { password: string } | undefined => (users[u] !== undefined ? { password: users[u] } : undefined);
const req = { method: 'REGISTER', uri: 'sip:example.test' };

function answer(ch: DigestChallenge, password = 'secret', nc = 1, username = 'alice') {
  return createCredentials(ch, { username, password }, req, nc, `cn${nc}`);
}

describe('DigestServer round trips (server verifies what the client makes)', () => {
  const rows: Array<{ algorithm?: DigestAlgorithm; qop?: DigestQop[] }> = [
    {}, { algorithm: 'SHA-256' }, { algorithm: 'MD5-sess' }, { algorithm: 'SHA-512-256' }, { qop: [] }, { qop: ['auth-int'] },
  ];
  for (const row of rows) {
    test(`accepts the right password (${row.algorithm ?? 'MD5'}, qop=${row.qop?.join('') ?? 'auth'}) and rejects a wrong one`, () => {
      const clock = new ManualClock(0);
      const s = new DigestServer({ realm: 'example.test', clock, ...row });
      const hdr = s.challengeHeader();
      const ch = parseChallenge(hdr);
      assert.ok(ch.ok, hdr);
      assert.deepEqual(s.verify(answer(ch.value), req, lookup), { ok: true, username: 'alice' });
      const bad = s.verify(answer(s.challenge(), 'wrong'), req, lookup);
      assert.deepEqual(bad, { ok: false, reason: 'bad-response', stale: false });
    });
  }

  test('a stored HA1 verifies like the password', () => {
    const s = new DigestServer({ realm: 'example.test', clock: new ManualClock(0) });
    const ha1 = computeHa1Base('MD5', 'alice', 'example.test', 'secret');
    const r = s.verify(answer(s.challenge()), req, () => ({ ha1 }));
    assert.equal(r.ok, true);
  });
});

describe('DigestServer nonce rules', () => {
  test('an expired nonce with a correct response is stale (retry with stale=true)', () => {
    const clock = new ManualClock(0);
    const s = new DigestServer({ realm: 'example.test', clock, nonceTtlMs: 1000 });
    const ch = s.challenge();
    clock.advance(1001);
    assert.deepEqual(s.verify(answer(ch), req, lookup), { ok: false, reason: 'stale', stale: true });
    const fresh = parseChallenge(s.challengeHeader(true));
    assert.ok(fresh.ok);
    assert.equal(fresh.value.stale, true);
    assert.equal(s.verify(answer(fresh.value), req, lookup).ok, true);
  });

  test('an expired nonce with a wrong password is bad-response, never stale', () => {
    const clock = new ManualClock(0);
    const s = new DigestServer({ realm: 'example.test', clock, nonceTtlMs: 1000 });
    const ch = s.challenge();
    clock.advance(5000);
    assert.deepEqual(s.verify(answer(ch, 'nope'), req, lookup), { ok: false, reason: 'bad-response', stale: false });
  });

  test('nc replay is rejected; a higher nc on the same nonce is accepted', () => {
    const s = new DigestServer({ realm: 'example.test', clock: new ManualClock(0) });
    const ch = s.challenge();
    assert.equal(s.verify(answer(ch, 'secret', 1), req, lookup).ok, true);
    assert.deepEqual(s.verify(answer(ch, 'secret', 1), req, lookup), { ok: false, reason: 'replay', stale: true });
    assert.equal(s.verify(answer(ch, 'secret', 2), req, lookup).ok, true);
    assert.deepEqual(s.verify(answer(ch, 'secret', 2), req, lookup), { ok: false, reason: 'replay', stale: true });
  });

  test('an RFC 2069 (no-qop) nonce is single use', () => {
    const s = new DigestServer({ realm: 'example.test', clock: new ManualClock(0), qop: [] });
    const ch = s.challenge();
    assert.equal(s.verify(answer(ch), req, lookup).ok, true);
    assert.equal(s.verify(answer(ch), req, lookup).ok, false);
  });

  test('a forged nonce or one from another secret is bad-nonce', () => {
    const clock = new ManualClock(0);
    const a = new DigestServer({ realm: 'example.test', clock, secret: Buffer.from('a') });
    const b = new DigestServer({ realm: 'example.test', clock, secret: Buffer.from('b') });
    assert.equal(a.verify(answer(b.challenge()), req, lookup).ok, false);
    const forged = { ...a.challenge(), nonce: 'lq2.abc.notamac' };
    assert.deepEqual(a.verify(answer(forged), req, lookup), { ok: false, reason: 'bad-nonce', stale: false });
  });

  test('two servers with the same secret accept each other\u2019s nonces (stateless nonces)', () => {
    const clock = new ManualClock(0);
    const a = new DigestServer({ realm: 'example.test', clock, secret: Buffer.from('k') });
    const b = new DigestServer({ realm: 'example.test', clock, secret: Buffer.from('k') });
    assert.equal(b.verify(answer(a.challenge()), req, lookup).ok, true);
  });

  const mismatches: Array<{ name: string; mutate: (c: ReturnType<typeof answer>) => void; reason: string }> = [
    { name: 'realm', mutate: (c) => { c.realm = 'other'; }, reason: 'realm' },
    { name: 'uri', mutate: (c) => { c.uri = 'sip:elsewhere'; }, reason: 'uri' },
    { name: 'opaque', mutate: (c) => { c.opaque = 'x'; }, reason: 'opaque' },
    { name: 'algorithm', mutate: (c) => { c.algorithm = 'SHA-256'; }, reason: 'algorithm' },
    { name: 'unknown user', mutate: (c) => { c.username = 'mallory'; }, reason: 'unknown-user' },
  ];
  for (const m of mismatches) {
    test(`rejects a credentials ${m.name} mismatch as ${m.reason}`, () => {
      const s = new DigestServer({ realm: 'example.test', clock: new ManualClock(0) });
      const c = answer(s.challenge());
      m.mutate(c);
      const r = s.verify(c, req, lookup);
      assert.ok(!r.ok);
      assert.equal(r.reason, m.reason);
    });
  }

  test('tracked nonces are bounded; an evicted unexpired nonce is stale rather than replayable', () => {
    const clock = new ManualClock(0);
    const s = new DigestServer({ realm: 'example.test', clock, maxTrackedNonces: 3 });
    const chs: DigestChallenge[] = [];
    for (let i = 0; i < 5; i++) {
      const ch = s.challenge();
      chs.push(ch);
      assert.equal(s.verify(answer(ch), req, lookup).ok, true);
      clock.advance(1);
    }
    assert.ok(s.trackedNonces <= 3);
    const r = s.verify(answer(chs[0]!, 'secret', 1), req, lookup);
    assert.deepEqual(r, { ok: false, reason: 'stale', stale: true });
  });
});
