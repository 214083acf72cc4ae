import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword, verifyPasswordAsync, isPasswordHash } from '../../../src/config/password-hash.ts';

describe('password hashes (scrypt$N$r$p$salt$hash)', () => {
  test('a hash has the documented format and verifies only the right password', () => {
    const h = hashPassword('s3cret', { N: 1024, r: 8, p: 1 });
    assert.match(h, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.ok(isPasswordHash(h));
    assert.equal(verifyPassword('s3cret', h), true);
    assert.equal(verifyPassword('s3cret!', h), false);
    assert.ok(!h.includes('s3cret'));
  });

  test('two hashes of one password differ (fresh salt)', () => {
    assert.notEqual(hashPassword('x', { N: 1024, r: 8, p: 1 }), hashPassword('x', { N: 1024, r: 8, p: 1 }));
  });

  test('malformed or hostile hashes never verify and never allocate unbounded memory', () => {
    const good = hashPassword('x', { N: 1024, r: 8, p: 1 });
    const parts = good.split('$');
    for (const bad of ['', 'plain', 'bcrypt$x', good.replace('scrypt', 'SCRYPT'), [parts[0], '1000', ...parts.slice(2)].join('$'), [parts[0], String(1 << 30), ...parts.slice(2)].join('$'), [...parts.slice(0, 5), 'AAAA'].join('$')]) {
      assert.equal(isPasswordHash(bad), false, bad);
      assert.equal(verifyPassword('x', bad), false, bad);
    }
  });
});

describe('verifyPasswordAsync', () => {
  test('agrees with verifyPassword: right, wrong and malformed', async () => {
    const h = hashPassword('open sesame', { N: 1024, r: 8, p: 1 });
    assert.equal(await verifyPasswordAsync('open sesame', h), true);
    assert.equal(await verifyPasswordAsync('open sesamE', h), false);
    assert.equal(await verifyPasswordAsync('open sesame', 'scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), false);
    assert.equal(await verifyPasswordAsync('x', 'plain'), false);
  });
});
