/**
 * One call's work, one step at a time: commands from the core and SIP events that touch the same
 * legs and relay session (an answer while the ringback is being set up, a hold while a transfer
 * re-bridges) run in order. A step never throws (failures are logged); the queue is bounded.
 */
import type { Logger } from '../../lib/logger.ts';

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly logger: Logger, private readonly max = 64) {}

  /** Queues `step`; false (and nothing queued) when `max` steps are already waiting. */
  run(what: string, step: () => Promise<void> | void): boolean {
    if (this.pending >= this.max) {
      this.logger.warn('call step dropped: too many pending', { what, pending: this.pending });
      return false;
    }
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        await step();
      } catch (e) {
        this.logger.error('call step failed', { what, error: e instanceof Error ? e.message : String(e) });
      } finally {
        this.pending--;
      }
    });
    return true;
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves once every step queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
