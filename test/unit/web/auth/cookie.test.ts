import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cookieLimits, parseCookies, serializeCookie } from '../../../../src/web/auth/cookie.ts';

describe('cookie parser', () => {
  const cases: Array<{ rule: string; header: string | undefined; expect: Record<string, string> }> = [
    { rule: 'no header gives no cookies', header: undefined, expect: {} },
    { rule: 'pairs split on semicolons, whitespace trimmed', header: 'a=1;  b=two ; c=3', expect: { a: '1', b: 'two', c: '3' } },
    { rule: 'the first occurrence of a name wins', header: 'ucc_session=first; ucc_session=second', expect: { ucc_session: 'first' } },
    { rule: 'a quoted value is unquoted', header: 'q="abc"', expect: { q: 'abc' } },
    { rule: 'pairs without = or name are skipped', header: 'novalue; =x; ok=1', expect: { ok: '1' } },
    { rule: 'values with forbidden octets are skipped', header: 'bad=a"b; bad2=a\\b; good=x', expect: { good: 'x' } },
    { rule: 'names that are not tokens are skipped', header: 'b@d=1; g=2', expect: { g: '2' } },
  ];
  for (const c of cases) {
    test(c.rule, () => assert.deepEqual(Object.fromEntries(parseCookies(c.header)), c.expect));
  }

  test('a huge header is read only up to the bound, never thrown on', () => {
    const header = Array.from({ length: 5000 }, (_, i) => `k${i}=${'v'.repeat(10)}`).join('; ');
    const m = parseCookies(header);
    assert.ok(m.size <= cookieLimits.maxPairs);
    assert.equal(m.get('k0'), 'vvvvvvvvvv');
  });

  test('an oversized value is skipped', () => {
    assert.equal(parseCookies(`big=${'x'.repeat(cookieLimits.maxValueLength + 1)}; s=1`).get('big'), undefined);
  });
});

describe('cookie serializer', () => {
  test('writes the session attributes', () => {
    assert.equal(
      serializeCookie('ucc_session', 'abc', { httpOnly: true, sameSite: 'Strict', secure: true }),
      'ucc_session=abc; Path=/; HttpOnly; Secure; SameSite=Strict',
    );
  });
  test('Max-Age=0 deletes', () => assert.match(serializeCookie('a', '', { maxAge: 0 }), /Max-Age=0/));
  test('refuses a value a browser would not round-trip', () => assert.throws(() => serializeCookie('a', 'x;y')));
});
