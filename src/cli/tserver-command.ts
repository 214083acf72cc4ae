/**
 * `ucc tserver --config FILE [--app NAME] [--host HOST] [--port PORT]`: runs the T-Server alone on
 * its T-Lib TCP port. Prints one line `ucc tserver ready tlib=tcp://HOST:PORT` when listening;
 * SIGTERM or SIGINT stops it (exit 0).
 */
import { loadConfigFile } from '../config/config-loader.ts';
import { formatIssue } from '../config/config-issue.ts';
import { createLogger } from '../lib/logger.ts';
import { defaultMaskPolicy, maskingLogger } from '../lib/log-masking.ts';
import { TServer } from '../tserver/tserver.ts';
import { tserverConfigFromObjects } from '../tserver/tserver-config-binding.ts';

/** The T-Lib port when none is given. */
export const DEFAULT_TLIB_PORT = 3000;

const USAGE = 'Usage: ucc tserver --config FILE [--app NAME] [--host HOST] [--port PORT]\n';

export async function run(args: string[]): Promise<number> {
  let file: string | undefined;
  let app: string | undefined;
  let host = '127.0.0.1';
  let port = DEFAULT_TLIB_PORT;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (v === undefined || !['--config', '--app', '--host', '--port'].includes(a ?? '')) {
      process.stderr.write(USAGE);
      return 2;
    }
    i++;
    if (a === '--config') file = v;
    else if (a === '--app') app = v;
    else if (a === '--host') host = v;
    else {
      port = Number(v);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`ucc tserver: --port must be 0..65535, got '${v}'\n`);
        return 2;
      }
    }
  }
  if (!file) {
    process.stderr.write(USAGE);
    return 2;
  }
  const loaded = loadConfigFile(file, { hashPasswords: false });
  if (!loaded.ok) {
    if (loaded.error.kind === 'unreadable') process.stderr.write(`${file}: cannot read: ${loaded.error.message}\n`);
    else for (const issue of loaded.error.issues) process.stderr.write(formatIssue(issue) + '\n');
    return loaded.error.kind === 'unreadable' ? 2 : 1;
  }
  const bound = tserverConfigFromObjects(loaded.value.objects, app);
  if (!bound.ok) {
    process.stderr.write(`${file}: ${bound.error}\n`);
    return 1;
  }
  // Masked with the defaults (hide-sensitive-data on); `ucc start` reads the options (build-app.ts).
  const logger = maskingLogger(createLogger('info', { role: 'tserver' }), () => defaultMaskPolicy);
  const server = new TServer({ config: bound.value, logger });
  let address: { host: string; port: number };
  try {
    address = await server.listen({ host, port });
  } catch (e) {
    process.stderr.write(`ucc tserver: cannot listen on ${host}:${port}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`ucc tserver ready tlib=tcp://${address.host}:${address.port} switch=${bound.value.switchName} dns=${bound.value.dns.length}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  return 0;
}
