import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { identifyKw } from '../../../../src/web/auth/web-auth.ts';
import { windowTitle } from '../../../../src/web/routes/session-routes.ts';
import { harness, PASSWORD, persons, type Harness } from '../web-harness.ts';
import { hashPassword } from '../../../../src/config/password-hash.ts';

describe('session routes', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  test('login with the Person password sets an HttpOnly SameSite=Strict session cookie and returns names, title and CSRF token', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 'alice', password: PASSWORD } });
    assert.equal(r.statusCode, 200);
    const setCookie = String(r.headers['set-cookie']);
    assert.match(setCookie, /^ucc_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const body = r.json() as Record<string, unknown>;
    assert.equal(body['userName'], 'alice');
    assert.equal(body['windowTitle'], 'Alice Liddell - OpenUCC');
    assert.equal(typeof body['csrfToken'], 'string');
    assert.equal((body['options'] as Record<string, unknown>)['enable-logout-menu'], true);
  });

  test('a wrong password, an unknown user and a Person without a hash all get the same 401', async () => {
    for (const payload of [{ userName: 'alice', password: 'nope' }, { userName: 'mallory', password: PASSWORD }, { userName: 'nohash', password: '' }]) {
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload, remoteAddress: '198.51.100.7' });
      assert.equal(r.statusCode, 401, JSON.stringify(payload));
      assert.deepEqual(r.json(), { error: 'invalid user name or password' });
      assert.equal(r.headers['set-cookie'], undefined);
    }
  });

  test('a body that is not JSON is refused (415) before any password check', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'text/plain' }, payload: 'userName=alice' });
    assert.equal(r.statusCode, 415);
  });

  test('a malformed login body is a 400, not a crash', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 42 } });
    assert.equal(r.statusCode, 400);
  });

  test('GET /api/v1/session without a cookie is 401; with one it names the KW', async () => {
    assert.equal((await h.app.inject({ url: '/api/v1/session' })).statusCode, 401);
    const { cookie, csrf } = await h.login('alice');
    const r = await h.app.inject({ url: '/api/v1/session', headers: { cookie } });
    assert.equal(r.statusCode, 200);
    assert.equal((r.json() as { userName: string }).userName, 'alice');
    assert.equal((r.json() as { csrfToken: string }).csrfToken, csrf);
  });

  test('a forged or unknown session id is 401', async () => {
    const r = await h.app.inject({ url: '/api/v1/session', headers: { cookie: 'ucc_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    assert.equal(r.statusCode, 401);
  });

  test('logout needs the CSRF token (403 without), then ends the session and clears the cookie', async () => {
    const { cookie, csrf } = await h.login('alice');
    const forged = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
    assert.equal(forged.statusCode, 403);
    const wrong = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'x-csrf-token': csrf + 'x' } });
    assert.equal(wrong.statusCode, 403);
    assert.equal((await h.app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode, 200, 'still logged in after refused logouts');
    const r = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(r.statusCode, 204);
    // @fastify/cookie's clearCookie: an empty value that expired in 1970, with the session's attributes.
    const cleared = String(r.headers['set-cookie']);
    assert.match(cleared, /^ucc_session=; /);
    assert.match(cleared, /; Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
    assert.match(cleared, /; Path=\/;/);
    assert.match(cleared, /; HttpOnly; SameSite=Strict$/);
    assert.equal((await h.app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode, 401);
  });

  test('logout emits sessionEnded (the KW socket closes its connections on it)', async () => {
    const { cookie, csrf } = await h.login('bob');
    const ended: string[] = [];
    h.auth.on('sessionEnded', (s) => ended.push(`${s.userName}:${s.reason}`));
    await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    assert.deepEqual(ended, ['bob:logout']);
  });

  test('the session expires on the clock (idle 8 h by default)', async () => {
    const { cookie } = await h.login('alice');
    h.clock.advance(8 * 3600_000);
    assert.equal((await h.app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode, 401);
  });

  test('the public client config needs no session', async () => {
    const r = await h.app.inject({ url: '/api/v1/client-config' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { 'help-login-url': 'help/login.html', locale: 'fr' });
  });

});

describe('login rate limit', () => {
  test('nobody locks a user out: failures from other addresses never refuse the right password from the user\'s own', async () => {
    const h = await harness();
    try {
      // Before: five failures per user name in five minutes refused everyone, the right password too.
      for (let i = 0; i < 12; i++) {
        const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 'alice', password: 'bad' }, remoteAddress: `203.0.113.${i % 3}` });
        assert.notEqual(r.statusCode, 200);
      }
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 'alice', password: PASSWORD }, remoteAddress: '203.0.113.99' });
      assert.equal(r.statusCode, 200);
    } finally {
      await h.close();
    }
  });

  test('per (user name, address): after 5 failures each attempt waits a delay that doubles; a lockout is logged', async () => {
    const h = await harness();
    try {
      const attempt = (password: string) => h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 'alice', password }, remoteAddress: '203.0.113.5' });
      for (let i = 0; i < 5; i++) assert.equal((await attempt('bad')).statusCode, 401);
      assert.equal(h.logs.filter((l) => l['event'] === 'login-lockout').length, 0, 'free failures are no lockout');
      for (const waitS of [1, 2, 4, 8]) {
        assert.equal((await attempt('bad')).statusCode, 401);
        const refused = await attempt(PASSWORD);
        assert.equal(refused.statusCode, 429, `wait ${waitS} s`);
        assert.equal(refused.headers['retry-after'], String(waitS));
        h.clock.advance(waitS * 1000);
      }
      const lockouts = h.logs.filter((l) => l['event'] === 'login-lockout');
      assert.equal(lockouts.length, 4);
      assert.deepEqual([lockouts[0]!['level'], lockouts[0]!['ip'], lockouts[0]!['userName'], lockouts[3]!['waitSeconds']], ['warn', '203.0.113.5', 'alice', 8]);
      assert.equal((await attempt(PASSWORD)).statusCode, 200, 'after the wait the right password works and clears the pair');
      assert.equal((await attempt('bad')).statusCode, 401);
      assert.equal((await attempt('bad')).statusCode, 401, 'the pair starts afresh');
    } finally {
      await h.close();
    }
  });

  test('per user name: a success clears the count, so a KW who mistyped is not locked out later', async () => {
    const h = await harness();
    try {
      for (let i = 0; i < 4; i++) await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 'bob', password: 'bad' } });
      await h.login('bob', '192.0.2.50');
      for (let i = 0; i < 4; i++) await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 'bob', password: 'bad' }, remoteAddress: '192.0.2.51' });
      assert.ok((await h.login('bob', '192.0.2.52')).cookie);
    } finally {
      await h.close();
    }
  });

  test('per IP: spraying many user names from one address is 429 after 20 attempts', async () => {
    const h = await harness();
    try {
      for (let i = 0; i < 20; i++) {
        const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: `user${i}`, password: 'x' }, remoteAddress: '198.51.100.1' });
        assert.equal(r.statusCode, 401);
      }
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 'alice', password: PASSWORD }, remoteAddress: '198.51.100.1' });
      assert.equal(r.statusCode, 429);
      assert.ok(Number(r.headers['retry-after']) > 0);
      // Another address is not affected.
      assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { userName: 'alice', password: PASSWORD }, remoteAddress: '198.51.100.2' })).statusCode, 200);
    } finally {
      await h.close();
    }
  });
});

describe('identifyKw', () => {
  test('returns the session user name on any route (a probe route stands in for the KW socket), undefined without one', async () => {
    const h = await harness({ extraRoutes: [(app) => app.get('/probe', async (request) => ({ kw: identifyKw(request) ?? null }))] });
    try {
      const { cookie } = await h.login('bob');
      assert.deepEqual((await h.app.inject({ url: '/probe', headers: { cookie } })).json(), { kw: 'bob' });
      assert.deepEqual((await h.app.inject({ url: '/probe' })).json(), { kw: null });
      assert.deepEqual((await h.app.inject({ url: '/probe', headers: { cookie: 'ucc_session=forged' } })).json(), { kw: null });
    } finally {
      await h.close();
    }
  });
});

describe('window title (seed 000 L415-422)', () => {
  const cases: Array<[string, string | undefined, string | undefined, string]> = [
    ['alice', 'Alice', 'Liddell', 'Alice Liddell - OpenUCC'],
    ['alice', 'Alice', '', 'Alice - OpenUCC'],
    ['LyncKW9', '', '', 'LyncKW9 - OpenUCC'],
    ['LyncKW9', undefined, undefined, 'LyncKW9 - OpenUCC'],
    ['x', '  ', ' Doe ', 'Doe - OpenUCC'],
  ];
  for (const [u, f, l, want] of cases) test(`${u} / ${String(f)} / ${String(l)} → ${want}`, () => assert.equal(windowTitle(u, f, l), want));
});

describe('session revocation on configuration change', () => {
  test('a changed password or a deleted Person ends the sessions (sessionEnded revoked); others stay', async () => {
    const h = await harness();
    const saved = { ...persons };
    try {
      const alice = await h.login('alice');
      const bob = await h.login('bob');
      const ended: string[] = [];
      h.auth.on('sessionEnded', (s) => ended.push(`${s.userName}:${s.reason}`));
      assert.equal(h.auth.revokeStaleSessions(), 0, 'nothing changed');
      persons['alice'] = { ...persons['alice']!, passwordHash: hashPassword('new password', { N: 1024, r: 8, p: 1 }) };
      assert.equal(h.auth.revokeStaleSessions(), 1);
      assert.equal((await h.app.inject({ url: '/api/v1/session', headers: { cookie: alice.cookie } })).statusCode, 401);
      assert.equal((await h.app.inject({ url: '/api/v1/session', headers: { cookie: bob.cookie } })).statusCode, 200);
      delete persons['bob'];
      assert.equal(h.auth.revokeStaleSessions(), 1);
      assert.equal((await h.app.inject({ url: '/api/v1/session', headers: { cookie: bob.cookie } })).statusCode, 401);
      assert.deepEqual(ended, ['alice:revoked', 'bob:revoked']);
    } finally {
      Object.assign(persons, saved);
      await h.close();
    }
  });
});
