/**
 * `ucc start [--config FILE]`: starts every configured role in one process. With no file it runs
 * the embedded default, config/demo.yaml (SQLite store, standalone presence). When every listener
 * is up it prints one line `ucc ready http=… tlib=…`; SIGTERM or SIGINT stops it gracefully (exit 0).
 */
import { fileURLToPath } from 'node:url';
import { buildApp, type App, type AppAddresses } from '../app/build-app.ts';
import { formatIssue } from '../config/config-issue.ts';
import { loadConfigFile } from '../config/config-loader.ts';
import type { Logger, LogLevel } from '../lib/logger.ts';
import { logSectionOf, logSettingsFromSection } from '../lib/log-options.ts';
import { PinoLogSink } from '../lib/pino-log-sink.ts';

const USAGE = 'Usage: ucc start [--config FILE] [--log-level debug|info|warn|error] [--log-format pretty|json] [--drain-seconds N]\n';
export const DEMO_CONFIG = fileURLToPath(new URL('../../config/demo.yaml', import.meta.url));

export async function run(args: string[]): Promise<number> {
  let file = DEMO_CONFIG;
  let level: LogLevel | undefined;
  let format: 'pretty' | 'json' | undefined;
  let drainSeconds = 10;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a === '--config' && v) file = v;
    else if (a === '--log-level' && v && ['debug', 'info', 'warn', 'error'].includes(v)) level = v as LogLevel;
    else if (a === '--log-format' && (v === 'pretty' || v === 'json')) format = v;
    else if (a === '--drain-seconds' && v && /^\d{1,4}$/.test(v)) drainSeconds = Number(v);
    else {
      process.stderr.write(USAGE);
      return 2;
    }
    i++;
  }
  const started = await startRoles('ucc start', file, level, format);
  if (typeof started === 'number') return started;
  const { app, logger, addresses, sink } = started;
  // SIGHUP re-reads the file's [log] options (level, outputs) without a restart.
  const onHup = (): void => void reloadLogOptions(file, sink, logger);
  process.on('SIGHUP', onHup);
  process.stdout.write(`ucc ready http=${addresses.http} tlib=${addresses.tlib}${addresses.sip.length ? ` sip=${addresses.sip.join(',')}` : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  process.off('SIGHUP', onHup);
  logger.info('stopping');
  await drainAndClose(app, logger, drainSeconds * 1000);
  sink.close();
  return 0;
}

/** The graceful shutdown (src/app/operations.ts): drain in order, then close every role. */
export async function drainAndClose(app: App, logger: Logger, previewBoundMs: number): Promise<void> {
  try {
    await app.operations.drain(previewBoundMs);
  } catch (e) {
    logger.error('drain failed; closing anyway', { error: String(e) });
  }
  await app.close();
  logger.info('drain: 4 closed');
}

/** SIGHUP: the configuration file's `[log]` options, applied to the running sink. */
export async function reloadLogOptions(file: string, sink: PinoLogSink, logger: Logger): Promise<void> {
  // Only [log] is read: passwords are not hashed again (that alone would take longer than a second).
  const loaded = loadConfigFile(file, { hashPasswords: false });
  if (!loaded.ok) {
    const why = loaded.error.kind === 'unreadable' ? [`${file}: cannot read: ${loaded.error.message}`] : loaded.error.issues.map(formatIssue);
    logger.error('SIGHUP: configuration not re-read; log options unchanged', { errors: why.slice(0, 20) });
    return;
  }
  const from = sink.level;
  await sink.apply(logSettingsFromSection(logSectionOf(loaded.value.objects.applications)));
  logger.warn('SIGHUP: log options re-read', { from, to: sink.level });
}

/**
 * Loads `file`, builds every role and starts their listeners (shared by `ucc start` and
 * `ucc demo`). Returns the exit code when that fails, after printing why on stderr.
 */
export async function startRoles(command: string, file: string, level?: LogLevel, format?: 'pretty' | 'json'): Promise<{ app: App; logger: Logger; addresses: AppAddresses; sink: PinoLogSink } | number> {
  const loaded = loadConfigFile(file);
  if (!loaded.ok) {
    if (loaded.error.kind === 'unreadable') process.stderr.write(`${file}: cannot read: ${loaded.error.message}\n`);
    else for (const issue of loaded.error.issues) process.stderr.write(formatIssue(issue) + '\n');
    return loaded.error.kind === 'unreadable' ? 2 : 1;
  }
  // `--log-level` wins over `[log] verbose` at start; SIGHUP and configuration changes apply verbose.
  const settings = logSettingsFromSection(logSectionOf(loaded.value.objects.applications));
  let sink: PinoLogSink;
  try {
    sink = await PinoLogSink.create({
      level: level ?? settings.level ?? 'info', defaultLevel: level ?? 'info', pretty: format === undefined ? 'auto' : format === 'pretty',
      ...(settings.outputs ? { outputs: settings.outputs } : {}), ...(settings.segment ? { segment: settings.segment } : {}), ...(settings.expire ? { expire: settings.expire } : {}),
    });
  } catch (e) {
    process.stderr.write(`${command}: cannot open the log output: ${(e as Error).message}\n`);
    return 1;
  }
  const logger = sink.logger();
  for (const w of loaded.value.warnings) logger.warn(formatIssue(w));
  let app;
  try {
    app = await buildApp(loaded.value, { logger, logControl: sink });
  } catch (e) {
    process.stderr.write(`${command}: ${(e as Error).message}\n`);
    sink.close();
    return 1;
  }
  try {
    return { app, logger, addresses: await app.listen(), sink };
  } catch (e) {
    process.stderr.write(`${command}: cannot listen: ${(e as Error).message}\n`);
    await app.close();
    sink.close();
    return 1;
  }
}
