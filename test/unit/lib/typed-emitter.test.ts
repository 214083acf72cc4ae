import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from '../../../src/lib/typed-emitter.ts';

interface Events {
  ping: (n: number) => void;
  listenerError: (error: unknown, event: string) => void;
}

class Emitter extends TypedEmitter<Events> {
  ping(n: number): boolean {
    return this.safeEmit('ping', n);
  }
}

describe('TypedEmitter', () => {
  test('listeners run in the order added; emit says whether anyone listened', () => {
    const e = new Emitter();
    const seen: string[] = [];
    assert.equal(e.ping(0), false);
    e.on('ping', (n) => seen.push(`a${n}`));
    e.on('ping', (n) => seen.push(`b${n}`));
    assert.equal(e.ping(1), true);
    assert.deepEqual(seen, ['a1', 'b1']);
    assert.equal(e.listenerCount('ping'), 2);
  });

  test('once runs once, and off removes a once listener before it ran', () => {
    const e = new Emitter();
    const seen: number[] = [];
    const l = (n: number): void => void seen.push(n);
    e.once('ping', l);
    e.ping(1);
    e.ping(2);
    e.once('ping', l);
    e.off('ping', l);
    e.ping(3);
    assert.deepEqual(seen, [1]);
    assert.equal(e.listenerCount('ping'), 0);
  });

  test('off removes the most recent registration of a listener added twice', () => {
    const e = new Emitter();
    const seen: string[] = [];
    const a = (): void => void seen.push('a');
    e.on('ping', a);
    e.on('ping', () => seen.push('b'));
    e.on('ping', a);
    e.off('ping', a);
    e.ping(0);
    assert.deepEqual(seen, ['a', 'b']);
  });

  test('a throwing listener is reported and the others still run; a throwing error listener is contained', () => {
    const e = new Emitter();
    const seen: string[] = [];
    e.on('ping', () => {
      throw new Error('bug');
    });
    e.on('ping', () => seen.push('second'));
    e.on('listenerError', (err, event) => seen.push(`${event}: ${(err as Error).message}`));
    e.on('listenerError', () => {
      throw new Error('worse');
    });
    assert.doesNotThrow(() => e.ping(1));
    assert.deepEqual(seen, ['ping: bug', 'second']);
  });

  test('listeners added or removed during an emit take effect from the next emit', () => {
    const e = new Emitter();
    const seen: string[] = [];
    const late = (): void => void seen.push('late');
    const b = (): void => void seen.push('b');
    e.on('ping', () => {
      seen.push('a');
      e.on('ping', late);
      e.off('ping', b);
    });
    e.on('ping', b);
    e.ping(1);
    assert.deepEqual(seen, ['a', 'b']);
    seen.length = 0;
    e.removeAllListeners();
    e.on('ping', late);
    e.ping(2);
    assert.deepEqual(seen, ['late']);
  });
});

test('a once listener runs once even when an earlier listener emits the same event again', () => {
  const e = new Emitter();
  let calls = 0;
  let nested = false;
  e.on('ping', () => {
    if (!nested) {
      nested = true;
      e.ping(2);
    }
  });
  e.once('ping', () => calls++);
  e.ping(1);
  assert.equal(calls, 1);
});
