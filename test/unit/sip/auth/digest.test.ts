import { describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import {
  computeDigestResponse, createCredentials, formatChallenge, formatCredentials, parseAuthParams,
  parseChallenge, parseCredentials, DIGEST_MAX_HEADER_CHARS,
} from '../../../../src/sip/auth/digest.ts';
import type { DigestAlgorithm } from '../../../../src/sip/auth/digest.ts';

// RFC 7616 section 3.9.1: GET /dir/index.html, Mufasa / "Circle of Life".
const rfc = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
};

describe('RFC 7616 section 3.9.1 example', () => {
  const vectors: Array<{ algorithm: DigestAlgorithm; response: string }> = [
    { algorithm: 'MD5', response: '8ca523f5e9506fed4657c9700eebdbec' },
    { algorithm: 'SHA-256', response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1' },
  ];
  for (const v of vectors) {
    test(`MUST compute response ${v.response.slice(0, 8)}... with ${v.algorithm}`, () => {
      const r = computeDigestResponse({ ...rfc, algorithm: v.algorithm, qop: 'auth' });
      assert.equal(r, v.response);
    });

    test(`createCredentials answers the ${v.algorithm} challenge of the example exactly`, () => {
      const header = `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${v.algorithm}, nonce="${rfc.nonce}", opaque="${rfc.opaque}"`;
      const ch = parseChallenge(header);
      assert.ok(ch.ok);
      assert.deepEqual(ch.value.qop, ['auth', 'auth-int']);
      const c = createCredentials(ch.value, rfc, { method: 'GET', uri: rfc.uri }, 1, rfc.cnonce);
      assert.equal(c.response, v.response);
      assert.equal(c.nc, '00000001');
      assert.equal(c.qop, 'auth');
      assert.equal(c.opaque, rfc.opaque);
    });
  }

  test('parses the example Authorization header (SHA-256) and recomputes its response', () => {
    const h = `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="${rfc.nonce}", nc=00000001, cnonce="${rfc.cnonce}", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="${rfc.opaque}"`;
    const c = parseCredentials(h);
    assert.ok(c.ok);
    assert.equal(c.value.username, 'Mufasa');
    assert.equal(c.value.algorithm, 'SHA-256');
    assert.equal(c.value.nc, '00000001');
    const again = computeDigestResponse({ ...rfc, algorithm: 'SHA-256', qop: 'auth', nc: c.value.nc!, cnonce: c.value.cnonce! });
    assert.equal(again, c.value.response);
  });
});

describe('RFC 2617 / 2069 forms', () => {
  test('RFC 2617 section 3.5 example (MD5, qop=auth) gives 6629fae49393a05397450978507c4ef1', () => {
    const r = computeDigestResponse({
      username: 'Mufasa', password: 'Circle Of Life', realm: 'testrealm@host.com', method: 'GET',
      uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', nc: '00000001', cnonce: '0a4f113b', qop: 'auth',
    });
    assert.equal(r, '6629fae49393a05397450978507c4ef1');
  });

  test('no-qop (RFC 2069) response is H(HA1:nonce:HA2) and carries no nc/cnonce/qop', () => {
    const ch = parseChallenge('Digest realm="old", nonce="abc"');
    assert.ok(ch.ok);
    assert.deepEqual(ch.value.qop, []);
    const c = createCredentials(ch.value, { username: 'u', password: 'p' }, { method: 'REGISTER', uri: 'sip:old' }, 1, 'cn');
    assert.equal(c.qop, undefined);
    const header = formatCredentials(c);
    assert.doesNotMatch(header, /nc=|cnonce=|qop=/);
    assert.equal(c.response, computeDigestResponse({ username: 'u', password: 'p', realm: 'old', method: 'REGISTER', uri: 'sip:old', nonce: 'abc' }));
  });

  test('-sess variants hash the cnonce into HA1, so two cnonces give different responses', () => {
    const base = { ...rfc, qop: 'auth' as const };
    const a = computeDigestResponse({ ...base, algorithm: 'MD5-sess', cnonce: 'a' });
    const b = computeDigestResponse({ ...base, algorithm: 'MD5-sess', cnonce: 'b' });
    const plain = computeDigestResponse({ ...base, algorithm: 'MD5', cnonce: 'a' });
    assert.notEqual(a, b);
    assert.notEqual(a, plain);
  });

  test('auth-int hashes the body', () => {
    const base = { ...rfc, qop: 'auth-int' as const };
    assert.notEqual(computeDigestResponse({ ...base, body: 'x' }), computeDigestResponse({ ...base, body: 'y' }));
  });

  test('a stored HA1 gives the same response as the password', () => {
    const withPw = computeDigestResponse({ ...rfc, qop: 'auth' });
    const stored = createHash('md5').update(`${rfc.username}:${rfc.realm}:${rfc.password}`).digest('hex');
    const { password: _pw, ...noPw } = rfc;
    assert.equal(computeDigestResponse({ ...noPw, ha1: stored, qop: 'auth' }), withPw);
  });
});

describe('header parsing', () => {
  const table: Array<{ name: string; header: string; check: (r: ReturnType<typeof parseChallenge>) => void }> = [
    {
      name: 'commas inside quoted strings do not split parameters',
      header: 'Digest realm="a, b", nonce="n,1", qop="auth"',
      check: (r) => { assert.ok(r.ok); assert.equal(r.value.realm, 'a, b'); assert.equal(r.value.nonce, 'n,1'); },
    },
    {
      name: 'escaped quotes are unescaped',
      header: 'Digest realm="say \\"hi\\"", nonce="x"',
      check: (r) => { assert.ok(r.ok); assert.equal(r.value.realm, 'say "hi"'); },
    },
    {
      name: 'scheme and names are case-insensitive; stale=TRUE is read',
      header: 'DIGEST REALM="r", Nonce="n", STALE=TRUE, Algorithm=sha-256',
      check: (r) => { assert.ok(r.ok); assert.equal(r.value.stale, true); assert.equal(r.value.algorithm, 'SHA-256'); },
    },
    {
      name: 'Basic is not Digest',
      header: 'Basic realm="r"',
      check: (r) => { assert.ok(!r.ok); assert.equal(r.error.kind, 'not-digest'); },
    },
    {
      name: 'missing nonce is rejected',
      header: 'Digest realm="r"',
      check: (r) => { assert.ok(!r.ok); assert.equal(r.error.kind, 'missing-param'); },
    },
    {
      name: 'unterminated quote is a syntax error',
      header: 'Digest realm="r, nonce="n',
      check: (r) => { assert.ok(!r.ok); assert.equal(r.error.kind, 'syntax'); },
    },
    {
      name: 'unknown algorithm is rejected',
      header: 'Digest realm="r", nonce="n", algorithm=AKAv1-MD5',
      check: (r) => { assert.ok(!r.ok); assert.equal(r.error.kind, 'bad-param'); },
    },
    {
      name: 'oversized header is rejected before parsing',
      header: 'Digest realm="' + 'x'.repeat(DIGEST_MAX_HEADER_CHARS) + '", nonce="n"',
      check: (r) => { assert.ok(!r.ok); assert.equal(r.error.kind, 'too-long'); },
    },
    {
      name: 'too many parameters are rejected',
      header: 'Digest realm="r", nonce="n", ' + Array.from({ length: 40 }, (_, i) => `p${i}=1`).join(', '),
      check: (r) => { assert.ok(!r.ok); assert.equal(r.error.kind, 'too-long'); },
    },
  ];
  for (const row of table) test(row.name, () => row.check(parseChallenge(row.header)));

  test('challenge format → parse round trip keeps every field', () => {
    const ch = { realm: 'ex "q"', nonce: 'n1', qop: ['auth' as const], algorithm: 'SHA-256' as const, opaque: 'o', stale: true, other: {} };
    const r = parseChallenge(formatChallenge(ch));
    assert.ok(r.ok);
    assert.deepEqual(r.value, ch);
  });

  test('credentials format → parse round trip keeps every field', () => {
    const c = { username: 'al"ice', realm: 'r', nonce: 'n', uri: 'sip:r', response: 'abcdef', algorithm: 'MD5' as const, qop: 'auth' as const, nc: '0000000a', cnonce: 'c', opaque: 'o', other: {} };
    const r = parseCredentials(formatCredentials(c));
    assert.ok(r.ok);
    assert.deepEqual(r.value, c);
  });

  test('credentials with qop but no nc are rejected (RFC 7616 section 3.4)', () => {
    const r = parseCredentials('Digest username="u", realm="r", nonce="n", uri="sip:x", response="00", qop=auth, cnonce="c"');
    assert.ok(!r.ok);
    assert.equal(r.error.kind, 'missing-param');
  });

  test('parseAuthParams keeps the first of duplicate parameters and tolerates empty list items', () => {
    const r = parseAuthParams('Digest a=1,, a=2 , b="x"');
    assert.ok(r.ok);
    assert.deepEqual(r.value.params, { a: '1', b: 'x' });
  });
});
