/**
 * Runs asynchronous writes in batches, one batch after another, in the order the items were
 * queued. A batch starts on a later turn of the event loop (setImmediate), so a burst of items
 * queued in one turn — the 1,000 `taken` decisions of a broadcast — becomes one batch, and the
 * writes never hold up I/O that is already waiting (the winner's result on its way to the router).
 * A failed batch is logged and does not stop the ones after it.
 */
import type { Logger } from '../lib/logger.ts';

/** Writes one batch; items come in the order they were queued. */
export type BatchWriter<T> = (items: T[]) => Promise<void>;

export class BatchQueue<T> {
  private pending: Array<{ item: T; done: () => void }> = [];
  private running: Promise<void> | undefined;
  private idle: Promise<void> = Promise.resolve();

  /** `maxBatch` bounds one batch (a larger backlog is written as several, in order). */
  constructor(
    private readonly what: string,
    private readonly writer: BatchWriter<T>,
    private readonly logger: Logger,
    private readonly maxBatch = 2000,
  ) {}

  /** Queues `item`; the returned promise settles once its batch was written, and never rejects. */
  push(item: T): Promise<void> {
    const written = new Promise<void>((resolve) => this.pending.push({ item, done: resolve }));
    if (!this.running) {
      this.running = this.drain();
      this.idle = this.running;
    }
    return written;
  }

  /** Resolves once every item queued so far has been written. */
  flush(): Promise<void> {
    return this.idle;
  }

  /** Items waiting for their batch. */
  get length(): number {
    return this.pending.length;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      // Yield first: the rest of this turn's items join the batch, and waiting I/O goes ahead.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.writer(batch.map((b) => b.item));
      } catch (e) {
        this.logger.error(`reporting: ${this.what} failed`, { error: e instanceof Error ? e.message : String(e), items: batch.length });
      }
      for (const b of batch) b.done();
    }
    this.running = undefined;
  }
}
