/**
 * The seeds' standard `[log]` options (seed 004 5.4/5.5: `verbose`, `all`, `segment`, `expire`),
 * parsed into what the pino sink needs. Pure: the loader checks each value with these parsers (so
 * `ucc check-config` names file, line and option), the sink reads the parsed settings.
 *
 * - `verbose`: all | debug | trace | interaction | standard | none. OpenUCC has four levels, so
 *   all/debug -> debug, trace/interaction -> info, standard -> warn, none -> silent.
 * - `all`: where every line goes; a comma-separated list of `stdout`, `stderr` or a file name
 *   (relative to the working directory; `.log` is appended when the name has no extension).
 * - `segment`: false, or the size (`N` or `N KB`, `N MB`) or age (`N hr`) of one log file.
 * - `expire`: false, or how many segments to keep (`N` or `N file`), or for how long (`N day`).
 */
import { type Result, ok, err } from './result.ts';
import type { LogLevel } from './logger.ts';

export const verboseValues = ['all', 'debug', 'trace', 'interaction', 'standard', 'none'] as const;
export type Verbose = (typeof verboseValues)[number];

export function levelOfVerbose(v: Verbose): LogLevel {
  switch (v) {
    case 'all':
    case 'debug':
      return 'debug';
    case 'trace':
    case 'interaction':
      return 'info';
    case 'standard':
      return 'warn';
    case 'none':
      return 'silent';
  }
}

export type LogOutput = { kind: 'stdout' } | { kind: 'stderr' } | { kind: 'file'; path: string };
export type LogSegment = { kind: 'size'; bytes: number } | { kind: 'hours'; hours: number };
export type LogExpire = { kind: 'files'; count: number } | { kind: 'days'; days: number };

/** What the `[log]` options ask of the sink. Undefined fields: not configured. */
export interface LogSettings {
  level?: LogLevel;
  outputs?: LogOutput[];
  segment?: LogSegment;
  expire?: LogExpire;
}

const MAX_OUTPUTS = 8;
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024 * 1024;
const MAX_COUNT = 10_000;

function isFalse(raw: string): boolean {
  return ['false', 'no', '0', 'off'].includes(raw.trim().toLowerCase());
}

/** `all`: `stdout`, `stderr` or file names, comma-separated. `network` (Message Server) is refused. */
export function parseLogOutputs(raw: string): Result<LogOutput[], string> {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return err('must name at least one output: stdout, stderr or a file name');
  if (items.length > MAX_OUTPUTS) return err(`must name at most ${MAX_OUTPUTS} outputs`);
  const out: LogOutput[] = [];
  for (const item of items) {
    const lower = item.toLowerCase();
    if (lower === 'stdout' || lower === 'stderr') out.push({ kind: lower });
    else if (lower === 'network' || lower === 'memory') return err(`${item}: not supported by OpenUCC (use stdout, stderr or a file name)`);
    // eslint-disable-next-line no-control-regex
    else if (item.length > 1024 || /[\u0000-\u001f]/.test(item)) return err(`${item.slice(0, 40)}: not a usable file name`);
    else out.push({ kind: 'file', path: /\.[A-Za-z0-9]{1,8}$/.test(item) ? item : `${item}.log` });
  }
  return ok(out);
}

/** `segment`: false, `N` (KB), `N KB`, `N MB` or `N hr`. Undefined: no segmentation. */
export function parseLogSegment(raw: string): Result<LogSegment | undefined, string> {
  if (isFalse(raw)) return ok(undefined);
  const m = /^\s*(\d{1,9})\s*(kb|mb|hr)?\s*$/i.exec(raw);
  if (!m) return err('must be false, a size (N, N KB, N MB) or an age (N hr)');
  const n = Number(m[1]);
  if (n < 1) return err('must be at least 1');
  const unit = (m[2] ?? 'kb').toLowerCase();
  if (unit === 'hr') return n > 24 * 366 ? err('must be at most 8784 hr') : ok({ kind: 'hours', hours: n });
  const bytes = n * (unit === 'mb' ? 1024 * 1024 : 1024);
  return bytes > MAX_SEGMENT_BYTES ? err('must be at most 64 GB') : ok({ kind: 'size', bytes });
}

/** `expire`: false, `N` or `N file` (segments kept), or `N day`. Undefined: keep every segment. */
export function parseLogExpire(raw: string): Result<LogExpire | undefined, string> {
  if (isFalse(raw)) return ok(undefined);
  const m = /^\s*(\d{1,9})\s*(files?|days?)?\s*$/i.exec(raw);
  if (!m) return err('must be false, a number of files (N, N file) or of days (N day)');
  const n = Number(m[1]);
  if (n < 1 || n > MAX_COUNT) return err(`must be between 1 and ${MAX_COUNT}`);
  return (m[2] ?? 'file').toLowerCase().startsWith('day') ? ok({ kind: 'days', days: n }) : ok({ kind: 'files', count: n });
}

/**
 * The settings from an Application's `[log]` section (option names matched case-insensitively).
 * Invalid values are left out (the loader has already reported them as errors).
 */
export function logSettingsFromSection(section: Readonly<Record<string, unknown>> | undefined): LogSettings {
  const settings: LogSettings = {};
  if (!section) return settings;
  const get = (name: string): string | undefined => {
    const key = Object.keys(section).find((k) => k.toLowerCase() === name);
    const v = key === undefined ? undefined : section[key];
    return v === undefined || v === null ? undefined : String(v);
  };
  const verbose = get('verbose')?.trim().toLowerCase();
  if (verbose !== undefined && (verboseValues as readonly string[]).includes(verbose)) settings.level = levelOfVerbose(verbose as Verbose);
  const all = get('all');
  const outputs = all === undefined ? undefined : parseLogOutputs(all);
  if (outputs?.ok) settings.outputs = outputs.value;
  const segment = get('segment');
  const s = segment === undefined ? undefined : parseLogSegment(segment);
  if (s?.ok && s.value) settings.segment = s.value;
  const expire = get('expire');
  const e = expire === undefined ? undefined : parseLogExpire(expire);
  if (e?.ok && e.value) settings.expire = e.value;
  return settings;
}

/** The `[log]` section of the configured `ucc` Application, from loaded configuration objects. */
export function logSectionOf(applications: ReadonlyArray<{ type: string; options?: Readonly<Record<string, Readonly<Record<string, unknown>>>> }>): Readonly<Record<string, unknown>> | undefined {
  const options = applications.find((a) => a.type === 'ucc')?.options;
  if (!options) return undefined;
  const key = Object.keys(options).find((k) => k.toLowerCase() === 'log');
  return key === undefined ? undefined : options[key];
}
