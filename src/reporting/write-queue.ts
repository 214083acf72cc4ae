/**
 * Runs asynchronous writes one after another, in the order they were asked for, so an offer row
 * is always written before its decision and user events go out in order. A failed write is
 * logged and does not stop the ones after it.
 */
import type { Logger } from '../lib/logger.ts';

export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly logger: Logger) {}

  /** Queues `work`; the returned promise settles when it ran, and never rejects. */
  run(what: string, work: () => Promise<void>): Promise<void> {
    const next = this.tail.then(work).catch((e: unknown) => {
      this.logger.error(`reporting: ${what} failed`, { error: e instanceof Error ? e.message : String(e) });
    });
    this.tail = next;
    return next;
  }

  /** Resolves once every write queued so far has run. */
  flush(): Promise<void> {
    return this.tail;
  }
}
