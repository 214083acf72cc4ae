import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestClient } from '../../../../src/sip/auth/digest-client.ts';
import { parseCredentials } from '../../../../src/sip/auth/digest.ts';
import { createRequest, createResponse } from '../../../../src/sip/message/index.ts';

const req = () => createRequest({
  method: 'MESSAGE', uri: 'sip:bob@example.test',
  headers: { From: '<sip:alice@example.test>;tag=1', To: '<sip:bob@example.test>', 'Call-ID': 'c', CSeq: '7 MESSAGE' },
  body: 'hi',
});
const challenge = (status: 401 | 407, values: string[]) => createResponse({
  status, headers: { [status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate']: values },
});

describe('DigestClient (RFC 3261 section 22.2)', () => {
  test('407 is answered with Proxy-Authorization, CSeq+1, same body', () => {
    const c = new DigestClient({ username: 'alice', password: 'pw' }, { cnonce: () => 'cn' });
    const retry = c.authorize(req(), challenge(407, ['Digest realm="proxy", nonce="n1", qop="auth"']));
    assert.ok(retry);
    assert.equal(retry.headers.get('CSeq'), '8 MESSAGE');
    assert.equal(retry.headers.get('Authorization'), undefined);
    const cred = parseCredentials(retry.headers.get('Proxy-Authorization')!);
    assert.ok(cred.ok);
    assert.equal(cred.value.realm, 'proxy');
    assert.equal(cred.value.cnonce, 'cn');
    assert.equal(retry.body.toString(), 'hi');
  });

  test('prefers SHA-256 over MD5 when both are offered for a realm (RFC 8760)', () => {
    const c = new DigestClient({ username: 'alice', password: 'pw' });
    const retry = c.authorize(req(), challenge(401, ['Digest realm="r", nonce="a", algorithm=MD5', 'Digest realm="r", nonce="b", algorithm=SHA-256']));
    const cred = parseCredentials(retry!.headers.get('Authorization')!);
    assert.ok(cred.ok);
    assert.equal(cred.value.algorithm, 'SHA-256');
  });

  const refusals: Array<{ name: string; creds: { username: string; password: string; realm?: string }; res: ReturnType<typeof challenge>; why: string }> = [
    { name: 'challenge for another realm than configured', creds: { username: 'a', password: 'p', realm: 'mine' }, res: challenge(401, ['Digest realm="theirs", nonce="n"']), why: 'realm-mismatch' },
    { name: 'no parsable Digest challenge', creds: { username: 'a', password: 'p' }, res: challenge(401, ['Basic realm="x"']), why: 'no-challenge' },
  ];
  for (const r of refusals) {
    test(`refuses to retry: ${r.name}`, () => {
      const c = new DigestClient(r.creds);
      assert.equal(c.authorize(req(), r.res), undefined);
      assert.equal(c.lastRefusal, r.why);
    });
  }

  test('a repeat challenge for an answered realm without stale is a rejection (wrong password)', () => {
    const c = new DigestClient({ username: 'a', password: 'p' });
    const first = c.authorize(req(), challenge(401, ['Digest realm="r", nonce="n1"']))!;
    assert.equal(c.authorize(first, challenge(401, ['Digest realm="r", nonce="n2"'])), undefined);
    assert.equal(c.lastRefusal, 'rejected');
  });

  test('applyCached signs later requests with an increasing nonce-count', () => {
    const c = new DigestClient({ username: 'a', password: 'p' });
    c.authorize(req(), challenge(401, ['Digest realm="r", nonce="n1", qop="auth"']));
    const later = c.applyCached(req());
    const cred = parseCredentials(later.headers.get('Authorization')!);
    assert.ok(cred.ok);
    assert.equal(cred.value.nc, '00000002');
    c.clearCache();
    assert.equal(c.applyCached(req()).headers.get('Authorization'), undefined);
  });
});

test('a 401 to pre-emptive (cached) credentials is a fresh challenge, not a rejection', () => {
  const c = new DigestClient({ username: 'a', password: 'p' });
  c.authorize(req(), challenge(401, ['Digest realm="r", nonce="n1", qop="auth"']));
  const pre = c.applyCached(req());
  const retry = c.authorize(pre, challenge(401, ['Digest realm="r", nonce="n2", qop="auth"']));
  assert.ok(retry, String(c.lastRefusal));
  const creds = retry.headers.getAll('Authorization');
  assert.equal(creds.length, 1);
  const p = parseCredentials(creds[0]!);
  assert.ok(p.ok);
  assert.equal(p.value.nonce, 'n2');
  // ...but the answer to that challenge is a real retry: another plain 401 is a rejection.
  assert.equal(c.authorize(retry, challenge(401, ['Digest realm="r", nonce="n3", qop="auth"'])), undefined);
  assert.equal(c.lastRefusal, 'rejected');
});
