/**
 * `ucc start [--config FILE]`: starts every configured role in one process. With no file it runs
 * the embedded default, config/demo.yaml (SQLite store, standalone presence). When every listener
 * is up it prints one line `ucc ready http=… tlib=…`; SIGTERM or SIGINT stops it gracefully (exit 0).
 */
import { fileURLToPath } from 'node:url';
import { buildApp, type App, type AppAddresses } from '../app/build-app.ts';
import { formatIssue } from '../config/config-issue.ts';
import { loadConfigFile } from '../config/config-loader.ts';
import { createLogger, type Logger, type LogLevel } from '../lib/logger.ts';

const USAGE = 'Usage: ucc start [--config FILE] [--log-level debug|info|warn|error]\n';
export const DEMO_CONFIG = fileURLToPath(new URL('../../config/demo.yaml', import.meta.url));

export async function run(args: string[]): Promise<number> {
  let file = DEMO_CONFIG;
  let level: LogLevel = 'info';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a === '--config' && v) file = v;
    else if (a === '--log-level' && v && ['debug', 'info', 'warn', 'error'].includes(v)) level = v as LogLevel;
    else {
      process.stderr.write(USAGE);
      return 2;
    }
    i++;
  }
  const started = await startRoles('ucc start', file, level);
  if (typeof started === 'number') return started;
  const { app, logger, addresses } = started;
  process.stdout.write(`ucc ready http=${addresses.http} tlib=${addresses.tlib}${addresses.sip.length ? ` sip=${addresses.sip.join(',')}` : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('stopping');
  await app.close();
  return 0;
}

/**
 * Loads `file`, builds every role and starts their listeners (shared by `ucc start` and
 * `ucc demo`). Returns the exit code when that fails, after printing why on stderr.
 */
export async function startRoles(command: string, file: string, level: LogLevel): Promise<{ app: App; logger: Logger; addresses: AppAddresses } | number> {
  const loaded = loadConfigFile(file);
  if (!loaded.ok) {
    if (loaded.error.kind === 'unreadable') process.stderr.write(`${file}: cannot read: ${loaded.error.message}\n`);
    else for (const issue of loaded.error.issues) process.stderr.write(formatIssue(issue) + '\n');
    return loaded.error.kind === 'unreadable' ? 2 : 1;
  }
  const logger = createLogger(level);
  for (const w of loaded.value.warnings) logger.warn(formatIssue(w));
  let app;
  try {
    app = await buildApp(loaded.value, { logger });
  } catch (e) {
    process.stderr.write(`${command}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    return { app, logger, addresses: await app.listen() };
  } catch (e) {
    process.stderr.write(`${command}: cannot listen: ${(e as Error).message}\n`);
    await app.close();
    return 1;
  }
}
