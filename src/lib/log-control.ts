/**
 * What the composition root may change in the process's log sink while it runs (PinoLogSink):
 * the level (admin route, SIGHUP), the `[log]` outputs, and redaction by `hide-sensitive-data`.
 */
import type { LogSettings } from './log-options.ts';
import type { LogLevel } from './logger.ts';

export interface LogControl {
  readonly level: LogLevel;
  /** Effective on the next line of every logger already handed out. */
  setLevel(level: LogLevel): void;
  setHideSensitiveData(on: boolean): void;
  /** The `[log]` section's settings; without `verbose` the level returns to the sink's default. */
  apply(settings: LogSettings): Promise<void>;
  /** The pino-shaped logger Fastify is given. */
  fastifyLogger(): object;
}

export const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
