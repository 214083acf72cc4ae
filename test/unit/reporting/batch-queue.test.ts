import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchQueue } from '../../../src/reporting/batch-queue.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';

const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));

test('the items of one turn are one batch, written in order on a later turn', async () => {
  const batches: number[][] = [];
  const q = new BatchQueue<number>('test', async (items) => void batches.push(items), memoryLogger());
  const done = Array.from({ length: 1000 }, (_, i) => q.push(i));
  assert.deepEqual(batches, [], 'nothing is written in the turn the items were queued');
  await Promise.all(done);
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0], Array.from({ length: 1000 }, (_, i) => i));
});

test('I/O already waiting (a setImmediate queued before) runs before the batch', async () => {
  const seen: string[] = [];
  const q = new BatchQueue<string>('test', async (items) => void seen.push(...items), memoryLogger());
  setImmediate(() => seen.push('io'));
  await q.push('row');
  assert.deepEqual(seen, ['io', 'row']);
});

test('maxBatch splits a backlog into batches that keep the order; items queued while a batch runs form the next', async () => {
  const batches: number[][] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const q = new BatchQueue<number>('test', async (items) => {
    batches.push(items);
    if (batches.length === 1) await gate;
  }, memoryLogger(), 3);
  for (let i = 0; i < 5; i++) void q.push(i);
  await immediate();
  await immediate();
  void q.push(5);
  release();
  await q.flush();
  assert.deepEqual(batches, [[0, 1, 2], [3, 4, 5]]);
});

test('a failed batch is logged, its items settle, and later batches still run', async () => {
  const log = memoryLogger();
  const written: number[] = [];
  const q = new BatchQueue<number>('recording rows', async (items) => {
    if (items.includes(1)) throw new Error('disk full');
    written.push(...items);
  }, log);
  await q.push(1);
  await q.push(2);
  assert.deepEqual(written, [2]);
  assert.ok(log.lines.some((l) => l.level === 'error' && String(l.msg).includes('recording rows failed')));
  assert.equal(q.length, 0);
});

test('flush waits for every item queued so far', async () => {
  const written: number[] = [];
  const q = new BatchQueue<number>('test', async (items) => {
    await immediate();
    written.push(...items);
  }, memoryLogger());
  void q.push(1);
  void q.push(2);
  await q.flush();
  assert.deepEqual(written, [1, 2]);
  await q.flush();
});
