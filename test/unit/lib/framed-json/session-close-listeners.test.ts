import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionCloseListeners } from '../../../../src/lib/framed-json/session-close-listeners.ts';
import { memoryLogger } from '../../../../src/lib/logger.ts';

describe('SessionCloseListeners', () => {
  test('listeners run once, with the first reason', () => {
    const c = new SessionCloseListeners(memoryLogger(), 'threw');
    const seen: string[] = [];
    c.add((r) => seen.push(r));
    c.fire('first');
    c.fire('second');
    assert.deepEqual(seen, ['first']);
    assert.equal(c.reason, 'first');
  });
  test('a throwing listener is logged and the others still run', () => {
    const log = memoryLogger();
    const c = new SessionCloseListeners(log, 'close listener threw');
    const seen: string[] = [];
    c.add(() => {
      throw new Error('boom');
    });
    c.add((r) => seen.push(r));
    c.fire('gone');
    assert.deepEqual(seen, ['gone']);
    assert.ok(log.lines.some((l) => l['msg'] === 'close listener threw' && l['level'] === 'error'));
  });
  test('a listener added after the close runs at once; a removed one never runs', () => {
    const c = new SessionCloseListeners(memoryLogger(), 'threw');
    const seen: string[] = [];
    const remove = c.add(() => seen.push('removed'));
    remove();
    c.fire('done');
    c.add((r) => seen.push(`late ${r}`));
    assert.deepEqual(seen, ['late done']);
  });
});
