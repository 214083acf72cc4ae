/**
 * The process's log sink: pino behind the Logger port. One sink per process (`ucc start`); roles
 * log through `sink.logger()` children, Fastify through `sink.fastifyLogger()`.
 *
 * Live changes: the level (admin route, SIGHUP, a configuration change) and the outputs (`[log] all`,
 * `segment`, `expire`) change without a restart. Every port logger and Fastify child resolves its
 * pino child lazily against the sink's generation, so a change reaches loggers the roles already
 * hold on their next line (one integer compare per line).
 *
 * Masking: the roles' lines are masked by maskingLogger before they get here (keys kept, values
 * `**** (length:nn)`); pino's redaction covers what reaches pino directly (Fastify's request
 * objects: cookies, authorization) and, with `hide-sensitive-data`, the same sensitive fields.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pino, type DestinationStream, type Logger as Pino, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import pinoRoll from 'pino-roll';
import type { LogExpire, LogOutput, LogSegment, LogSettings } from './log-options.ts';
import { maskedValue } from './log-masking.ts';
import type { LogControl } from './log-control.ts';
import type { Logger, LogLevel } from './logger.ts';

export interface PinoSinkOptions {
  level: LogLevel;
  /** The level `apply` returns to when `verbose` is not set (default: `level`). */
  defaultLevel?: LogLevel;
  outputs?: LogOutput[];
  segment?: LogSegment;
  expire?: LogExpire;
  /** Human-readable lines on stdout/stderr: `auto` = when stdout is a TTY. */
  pretty?: boolean | 'auto';
  hideSensitiveData?: boolean;
}

type Writable = DestinationStream & { end?: () => void; flushSync?: () => void; flush?: (cb?: (err?: Error) => void) => void };

/** Fields masked by redaction when `hide-sensitive-data` is on (values of UserData: one level down). */
const sensitivePaths = ['UserData.*', '*.UserData.*', 'CollectedDigits', '*.CollectedDigits', 'DTMFDigits', '*.DTMFDigits', 'TreatmentParms', '*.TreatmentParms', 'text', '*.text', 'chatText', '*.chatText'];
/** Always masked: credentials in HTTP requests and fields named password. */
const alwaysPaths = ['password', '*.password', 'Password', '*.Password', 'req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'];
const ALREADY_MASKED = /^\*\*\*\* \(length:\d+\)$|^\*\*\*\*$/;

function censor(value: unknown): unknown {
  if (typeof value === 'string' && ALREADY_MASKED.test(value)) return value;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? maskedValue(value) : '****';
}

const MAX_EXPIRE_SWEEP_FILES = 10_000;

export class PinoLogSink implements LogControl {
  private root: Pino;
  private streams: Writable[] = [];
  private options: Required<Omit<PinoSinkOptions, 'segment' | 'expire' | 'defaultLevel'>> & Pick<PinoSinkOptions, 'segment' | 'expire'>;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Bumped on every change; loggers rebuild their pino child when it moved. */
  generation = 0;
  /** The level when `[log] verbose` is not set. */
  readonly defaultLevel: LogLevel;

  private constructor(options: PinoSinkOptions, streams: Writable[]) {
    this.options = { outputs: [{ kind: 'stderr' }], pretty: 'auto', hideSensitiveData: true, ...options };
    this.defaultLevel = options.defaultLevel ?? options.level;
    this.streams = streams;
    this.root = this.buildRoot();
    this.scheduleExpireSweep();
  }

  static async create(options: PinoSinkOptions): Promise<PinoLogSink> {
    const full = { outputs: [{ kind: 'stderr' } as LogOutput], pretty: 'auto' as const, ...options };
    return new PinoLogSink(options, await openStreams(full.outputs, full.pretty, options.segment, options.expire));
  }

  get level(): LogLevel {
    return this.options.level;
  }

  setLevel(level: LogLevel): void {
    if (level === this.options.level) return;
    this.options.level = level;
    this.root.level = level;
    this.generation++;
  }

  setHideSensitiveData(on: boolean): void {
    if (on === this.options.hideSensitiveData) return;
    this.options.hideSensitiveData = on;
    this.root = this.buildRoot();
    this.generation++;
  }

  /**
   * Applies `[log]` settings; outputs are reopened only when they, `segment` or `expire` changed.
   * Without `verbose` the level goes back to `defaultLevel` (`ucc start --log-level`, else info).
   */
  async apply(settings: LogSettings, defaultLevel: LogLevel = this.defaultLevel): Promise<void> {
    const outputs = settings.outputs ?? [{ kind: 'stderr' }];
    const same = JSON.stringify([outputs, settings.segment, settings.expire]) === JSON.stringify([this.options.outputs, this.options.segment, this.options.expire]);
    if (!same) {
      const next = await openStreams(outputs, this.options.pretty, settings.segment, settings.expire);
      const old = this.streams;
      this.streams = next;
      this.options = { ...this.options, outputs };
      delete this.options.segment;
      delete this.options.expire;
      if (settings.segment) this.options.segment = settings.segment;
      if (settings.expire) this.options.expire = settings.expire;
      this.root = this.buildRoot();
      this.generation++;
      closeStreams(old);
      this.scheduleExpireSweep();
    }
    this.setLevel(settings.level ?? defaultLevel);
  }

  /** A Logger-port logger with these bindings on every line. */
  logger(bindings: Record<string, unknown> = {}): Logger {
    let cached: Pino | undefined;
    let cachedGen = -1;
    const current = (): Pino => {
      if (cachedGen !== this.generation || !cached) {
        cached = Object.keys(bindings).length > 0 ? this.root.child(bindings) : this.root;
        cachedGen = this.generation;
      }
      return cached;
    };
    const write = (lvl: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>): void => {
      const l = current();
      if (!l.isLevelEnabled(lvl)) return;
      if (fields === undefined) l[lvl](msg);
      else l[lvl](fields, msg);
    };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (fields) => this.logger({ ...bindings, ...fields }),
      enabled: (lvl) => current().isLevelEnabled(lvl),
    };
  }

  /** The logger Fastify is given as `loggerInstance`: a pino-shaped facade that follows live changes. */
  fastifyLogger(): FastifyLogFacade {
    return new FastifyLogFacade(this, {}, undefined);
  }

  /** The current pino child for Fastify's facade (internal). */
  pinoChild(bindings: Record<string, unknown>, opts: object | undefined): Pino {
    return Object.keys(bindings).length === 0 && opts === undefined ? this.root : this.root.child(bindings, opts);
  }

  /** Writes out what is buffered (before exit). */
  flush(): void {
    for (const s of this.streams) {
      try {
        s.flushSync?.();
      } catch {
        // A stream not ready yet (still opening) has nothing buffered.
      }
    }
  }

  close(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.flush();
    closeStreams(this.streams);
  }

  private buildRoot(): Pino {
    const options: LoggerOptions = {
      level: this.options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: this.options.hideSensitiveData ? [...alwaysPaths, ...sensitivePaths] : alwaysPaths, censor },
    };
    const dest = this.streams.length === 1 ? this.streams[0]! : pino.multistream(this.streams.map((stream) => ({ stream, level: 'trace' as const })));
    return pino(options, dest);
  }

  /** `expire = N day`: rotated files older than N days are deleted, hourly and after each change. */
  private scheduleExpireSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    const expire = this.options.expire;
    if (expire?.kind !== 'days') return;
    const files = this.options.outputs.filter((o): o is { kind: 'file'; path: string } => o.kind === 'file').map((o) => o.path);
    const sweep = (): void => {
      for (const f of files) sweepOldFiles(f, expire.days * 24 * 3600 * 1000, Date.now());
    };
    sweep();
    this.sweepTimer = setInterval(sweep, 3600 * 1000);
    this.sweepTimer.unref();
  }
}

/** Deletes `name.N.ext` segments of `file` older than `maxAgeMs` (the newest segment is kept). */
export function sweepOldFiles(file: string, maxAgeMs: number, now: number): string[] {
  const dir = dirname(file);
  const ext = extname(file);
  const stem = basename(file, ext);
  let names: string[];
  try {
    names = readdirSync(dir).slice(0, MAX_EXPIRE_SWEEP_FILES);
  } catch {
    return [];
  }
  const segments = names.filter((n) => n.startsWith(`${stem}.`) && n.endsWith(ext) && /\.\d+$/.test(n.slice(0, n.length - ext.length)));
  const withTime = segments.map((n) => ({ path: join(dir, n), mtime: safeMtime(join(dir, n)) })).sort((a, b) => b.mtime - a.mtime);
  const deleted: string[] = [];
  for (const s of withTime.slice(1)) {
    if (now - s.mtime <= maxAgeMs) continue;
    try {
      unlinkSync(s.path);
      deleted.push(s.path);
    } catch {
      // Already gone, or not ours to delete: the next sweep tries again.
    }
  }
  return deleted;
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

async function openStreams(outputs: readonly LogOutput[], pretty: boolean | 'auto', segment: LogSegment | undefined, expire: LogExpire | undefined): Promise<Writable[]> {
  const human = pretty === 'auto' ? process.stdout.isTTY === true : pretty;
  const out: Writable[] = [];
  for (const o of outputs) {
    if (o.kind !== 'file') {
      const fd = o.kind === 'stdout' ? 1 : 2;
      out.push(human ? (pinoPretty({ destination: fd, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l' }) as unknown as Writable) : pino.destination({ dest: fd, sync: true }));
      continue;
    }
    if (!segment && expire?.kind !== 'files') {
      out.push(pino.destination({ dest: o.path, mkdir: true, sync: false }));
      continue;
    }
    const ext = extname(o.path);
    out.push((await pinoRoll({
      file: o.path.slice(0, o.path.length - ext.length),
      extension: ext,
      mkdir: true,
      ...(segment?.kind === 'size' ? { size: `${Math.max(1, Math.round(segment.bytes / 1024))}k` } : {}),
      ...(segment?.kind === 'hours' ? { frequency: segment.hours * 3600 * 1000 } : {}),
      ...(expire?.kind === 'files' ? { limit: { count: expire.count } } : {}),
    })) as Writable);
  }
  return out;
}

function closeStreams(streams: readonly Writable[]): void {
  for (const s of streams) {
    if ((s as { fd?: number }).fd === 1 || (s as { fd?: number }).fd === 2) continue;
    try {
      s.flushSync?.();
    } catch {
      // not open yet
    }
    s.end?.();
  }
}

/**
 * Fastify's `loggerInstance`: Fastify creates one child per request and logs through it. Each
 * method resolves the sink's current pino child, so level and output changes apply at once.
 */
export class FastifyLogFacade {
  private cached: Pino | undefined;
  private cachedGen = -1;

  constructor(private readonly sink: PinoLogSink, private readonly bindings: Record<string, unknown>, private readonly opts: object | undefined) {}

  private current(): Pino {
    if (this.cachedGen !== this.sink.generation || !this.cached) {
      this.cached = this.sink.pinoChild(this.bindings, this.opts);
      this.cachedGen = this.sink.generation;
    }
    return this.cached;
  }

  get level(): string {
    return this.sink.level;
  }

  set level(_l: string) {
    // The sink owns the level (admin route, SIGHUP); Fastify's per-route logLevel is not used.
  }

  child(bindings: Record<string, unknown>, opts?: object): FastifyLogFacade {
    return new FastifyLogFacade(this.sink, { ...this.bindings, ...bindings }, opts ?? this.opts);
  }

  isLevelEnabled(level: string): boolean {
    return this.current().isLevelEnabled(level);
  }

  fatal(...args: unknown[]): void {
    (this.current().fatal as (...a: unknown[]) => void)(...args);
  }
  error(...args: unknown[]): void {
    (this.current().error as (...a: unknown[]) => void)(...args);
  }
  warn(...args: unknown[]): void {
    (this.current().warn as (...a: unknown[]) => void)(...args);
  }
  info(...args: unknown[]): void {
    (this.current().info as (...a: unknown[]) => void)(...args);
  }
  debug(...args: unknown[]): void {
    (this.current().debug as (...a: unknown[]) => void)(...args);
  }
  trace(...args: unknown[]): void {
    (this.current().trace as (...a: unknown[]) => void)(...args);
  }
  silent(): void {}
}
