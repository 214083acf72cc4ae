import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessagePipe, jsonCopy } from '../../../../src/lib/framed-json/message-pipe.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('jsonCopy', () => {
  test('copies as JSON.stringify + JSON.parse would', () => {
    const when = new Date(0);
    const input = { a: 1, b: 'x', c: [1, undefined, () => 1, NaN, { d: [true, null] }], e: undefined, f: () => 2, g: Infinity, h: when, i: { j: { k: 'deep' } } };
    assert.deepEqual(jsonCopy(input), JSON.parse(JSON.stringify(input)));
    assert.equal(jsonCopy('s'), 's');
    assert.equal(jsonCopy(-Infinity), null);
  });

  test('an own __proto__ key stays a key, as JSON keeps it, and never becomes the prototype', () => {
    const input = JSON.parse('{"message":"RequestAgentReady","__proto__":{"polluted":true}}') as object;
    const copy = jsonCopy(input) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.deepEqual(Object.keys(copy), ['message', '__proto__']);
    assert.equal(copy['polluted'], undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { polluted: true });
  });

  test('the copy shares nothing with the original', () => {
    const input = { UserData: [{ key: 'k', value: ['v'] }] };
    const copy = jsonCopy(input) as typeof input;
    input.UserData[0]!.value.push('changed');
    input.UserData.push({ key: 'more', value: [] });
    assert.deepEqual(copy, { UserData: [{ key: 'k', value: ['v'] }] });
  });
});

describe('MessagePipe', () => {
  test('delivers copies in order, on a microtask, to the attached end', async () => {
    const [a, b] = createMessagePipe();
    const got: unknown[] = [];
    b.attach({ message: (v) => got.push(v), end: () => got.push('end') });
    const msg = { message: 'X', list: [1] };
    a.post(msg);
    a.post({ message: 'Y' });
    msg.list.push(2); // after posting: the peer must not see it
    assert.deepEqual(got, []);
    await Promise.resolve();
    assert.deepEqual(got, [{ message: 'X', list: [1] }, { message: 'Y' }]);
  });

  test('values posted before the peer attaches wait for it', async () => {
    const [a, b] = createMessagePipe();
    a.post(1);
    a.post(2);
    await tick();
    const got: unknown[] = [];
    b.attach({ message: (v) => got.push(v), end: () => got.push('end') });
    await tick();
    assert.deepEqual(got, [1, 2]);
  });

  test('a close reaches the peer after everything posted before it, once', async () => {
    const [a, b] = createMessagePipe();
    const got: unknown[] = [];
    b.attach({ message: (v) => got.push(v), end: () => got.push('end') });
    a.post(1);
    a.close();
    a.close();
    assert.equal(a.post(2), false);
    assert.equal(a.closed, true);
    await tick();
    assert.deepEqual(got, [1, 'end']);
    assert.equal(b.closed, true);
    assert.equal(b.post(3), false, 'the closed peer cannot post either');
  });

  test('closing the receiving end drops what it had not delivered yet', async () => {
    const [a, b] = createMessagePipe();
    const got: unknown[] = [];
    b.attach({ message: (v) => {
      got.push(v);
      b.close();
    }, end: () => got.push('end') });
    a.post(1);
    a.post(2);
    await tick();
    assert.deepEqual(got, [1]);
    assert.equal(a.post(3), false);
  });
});
