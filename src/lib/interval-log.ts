/**
 * One log line per interval for events that an attacker can repeat at line rate (malformed
 * messages, refused connections): the first event after a quiet interval is logged in full, the
 * ones after it only counted, and a summary line closes each interval that had any. A flood of
 * 92-byte datagrams thus writes two lines per interval, not one per datagram.
 */
import type { Clock, TimerHandle } from './clock.ts';
import type { Logger } from './logger.ts';

/** Default interval of the summary lines. */
export const DEFAULT_LOG_INTERVAL_MS = 10_000;

export class IntervalLog {
  private timer: TimerHandle | undefined;
  private suppressed = 0;
  private sample: Record<string, unknown> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** The message of both lines; the summary adds `suppressed` and `intervalMs`. */
    private readonly msg: string,
    private readonly intervalMs = DEFAULT_LOG_INTERVAL_MS,
    /** The summary's name for the count of events not logged one by one. */
    private readonly countField = 'suppressed',
  ) {}

  /** One event: logged now when the interval was quiet, else counted into the summary. */
  note(fields: Record<string, unknown>): void {
    if (this.timer === undefined) {
      this.logger.warn(this.msg, fields);
      this.timer = this.clock.setTimer(this.intervalMs, this.tick);
      return;
    }
    this.suppressed++;
    this.sample = fields;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    if (this.suppressed === 0) return; // quiet: the next event is logged at once again
    this.logger.warn(this.msg, { [this.countField]: this.suppressed, intervalMs: this.intervalMs, last: this.sample });
    this.suppressed = 0;
    this.sample = undefined;
    this.timer = this.clock.setTimer(this.intervalMs, this.tick);
  };

  /** Cancels the timer (the counts of an interval not yet closed are dropped). */
  close(): void {
    this.clock.cancel(this.timer);
    this.timer = undefined;
    this.suppressed = 0;
    this.sample = undefined;
  }
}
