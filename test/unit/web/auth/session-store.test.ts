import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/lib/clock.ts';
import { MemorySessionStore } from '../../../../src/web/auth/session-store.ts';

describe('MemorySessionStore', () => {
  test('ids and CSRF tokens are random and distinct', () => {
    const s = new MemorySessionStore({ clock: new ManualClock() });
    const a = s.create('alice');
    const b = s.create('alice');
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.csrfToken, a.id);
    assert.match(a.id, /^[A-Za-z0-9_-]{43}$/);
  });

  test('a session expires after the idle timeout on the clock', () => {
    const clock = new ManualClock();
    const s = new MemorySessionStore({ clock, idleTimeoutMs: 1000, maxLifetimeMs: 10_000 });
    const a = s.create('alice');
    clock.advance(999);
    assert.equal(s.get(a.id)?.userName, 'alice');
    clock.advance(999); // idle counts from the last use
    assert.ok(s.get(a.id));
    clock.advance(1000);
    assert.equal(s.get(a.id), undefined);
    assert.equal(s.size, 0);
  });

  test('a session used all the time still ends at its absolute lifetime', () => {
    const clock = new ManualClock();
    const s = new MemorySessionStore({ clock, idleTimeoutMs: 1000, maxLifetimeMs: 3000 });
    const a = s.create('alice');
    for (let i = 0; i < 5; i++) {
      clock.advance(500);
      assert.ok(s.get(a.id), `alive at ${(i + 1) * 500} ms`);
    }
    clock.advance(500);
    assert.equal(s.get(a.id), undefined);
  });

  test('the least recently used session is dropped beyond maxSessions', () => {
    const clock = new ManualClock();
    const s = new MemorySessionStore({ clock, maxSessions: 2 });
    const a = s.create('a');
    const b = s.create('b');
    s.get(a.id); // a is now more recent than b
    const c = s.create('c');
    assert.equal(s.size, 2);
    assert.equal(s.get(b.id), undefined);
    assert.ok(s.get(a.id));
    assert.ok(s.get(c.id));
  });

  test('deleteUser ends every session of that user only', () => {
    const s = new MemorySessionStore({ clock: new ManualClock() });
    s.create('alice');
    s.create('alice');
    const b = s.create('bob');
    assert.equal(s.deleteUser('alice'), 2);
    assert.equal(s.size, 1);
    assert.ok(s.get(b.id));
  });
});

describe('MemorySessionStore.list', () => {
  test('lists live sessions only, with the credential tag given at creation', () => {
    const clock = new ManualClock();
    const s = new MemorySessionStore({ clock, idleTimeoutMs: 1000 });
    s.create('old', 't0');
    clock.advance(600);
    s.create('new', 't1');
    clock.advance(500);
    assert.deepEqual(s.list().map((x) => [x.userName, x.credentialTag]), [['new', 't1']]);
  });
});
