import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createDuplexPair } from '../../../../src/lib/framed-json/in-memory-duplex-pair.ts';

const closed = (s: NodeJS.EventEmitter): Promise<void> => new Promise((r) => s.once('close', () => r()));

describe('createDuplexPair', () => {
  test('bytes written on one end arrive in order on the other, after the write call returns', async () => {
    const [a, b] = createDuplexPair();
    const got: string[] = [];
    b.on('data', (c: Buffer) => got.push(c.toString()));
    a.write('one');
    a.write('two');
    assert.deepEqual(got, [], 'delivery is deferred');
    await new Promise<void>((r) => setImmediate(r));
    assert.deepEqual(got.join(''), 'onetwo');
    a.destroy();
    await closed(b);
  });

  test('end() on one end ends the other, which then closes both', async () => {
    const [a, b] = createDuplexPair();
    a.resume(); // like a socket, an end only closes once its readable side is consumed
    b.resume();
    const ended = new Promise<void>((r) => b.once('end', () => r()));
    a.end('bye');
    await ended;
    await Promise.all([closed(a), closed(b)]);
  });

  test('destroy() on one end delivers data already sent, then ends the other', async () => {
    const [a, b] = createDuplexPair();
    const chunks: string[] = [];
    b.on('data', (c: Buffer) => chunks.push(c.toString()));
    a.write('last words');
    await new Promise<void>((r) => setImmediate(r));
    a.destroy();
    await closed(b);
    assert.equal(chunks.join(''), 'last words');
  });

  test('a reader that does not read pushes back on the writer (writableLength grows), and reading drains it', async () => {
    const [a, b] = createDuplexPair();
    b.pause();
    const block = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 20; i++) a.write(block);
    await new Promise<void>((r) => setImmediate(r));
    assert.ok(a.writableLength > 64 * 1024, `writableLength ${a.writableLength}`);
    let received = 0;
    b.on('data', (c: Buffer) => { received += c.length; });
    b.resume();
    await new Promise<void>((r) => a.once('drain', () => r()));
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(received, 20 * block.length);
    a.destroy();
    await closed(b);
  });

  test('destroying the reader releases a writer blocked on it', async () => {
    const [a, b] = createDuplexPair();
    b.pause();
    a.resume();
    a.on('error', () => undefined);
    const block = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 10; i++) a.write(block);
    await new Promise<void>((r) => setImmediate(r));
    b.destroy();
    await Promise.all([closed(a), closed(b)]);
    assert.ok(a.destroyed && b.destroyed);
  });
});
