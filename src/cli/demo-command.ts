/**
 * `ucc demo [--config FILE] [--interval SECONDS] [--to RP,RP...] [--from TRUNK] [--call-lifetime SECONDS]`:
 * everything `ucc start` runs (config/demo.yaml by default), plus a simulated customer call with
 * case data every few seconds, sent through the T-Server's T-Lib TCP port as `ucc call` does.
 * Prints `ucc ready http=… tlib=…`, then one line per call; SIGTERM or SIGINT stops it (exit 0).
 */
import { StandalonePlatform } from '../uc/standalone/standalone-platform.ts';
import { TlibClient } from '../tlib/client/tlib-client.ts';
import { DEFAULT_CALLER_APPLICATION } from './call-command.ts';
import { SystemClock } from '../lib/clock.ts';
import type { LogLevel } from '../lib/logger.ts';
import { DemoCaller } from './demo-calls.ts';
import { DEMO_CONFIG, drainAndClose, reloadLogOptions, startRoles } from './start-command.ts';

const USAGE =
  'Usage: ucc demo [--config FILE] [--interval SECONDS (default 10)] [--to RP,RP... (default 8000,8001,8003)]\n' +
  '                [--from TRUNK_DN (default trunk)] [--call-lifetime SECONDS (default 120, 0 = never)] [--log-level LEVEL] [--drain-seconds N (default 10)]\n';

/** The parsed command line. */
export interface DemoArgs {
  file: string;
  level: LogLevel;
  /** How long the graceful shutdown lets open previews finish. */
  drainMs: number;
  intervalMs: number;
  routingPoints: string[];
  trunk: string;
  callLifetimeMs: number;
}

/** Parses the `ucc demo` arguments; a string is the error to print. */
export function parseDemoArgs(args: readonly string[]): DemoArgs | 'help' | string {
  const out: DemoArgs = { file: DEMO_CONFIG, level: 'info', intervalMs: 10_000, routingPoints: ['8000', '8001', '8003'], trunk: 'trunk', callLifetimeMs: 120_000, drainMs: 10_000 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') return 'help';
    const v = args[++i];
    if (v === undefined) return `ucc demo: ${a} needs a value`;
    const seconds = Number(v);
    switch (a) {
      case '--config': out.file = v; break;
      case '--from': out.trunk = v; break;
      case '--to': {
        const rps = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
        if (rps.length === 0) return 'ucc demo: --to expects routing points, e.g. 8000,8001';
        out.routingPoints = rps;
        break;
      }
      case '--interval':
        if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 86_400) return `ucc demo: --interval expects seconds between 0.1 and 86400, got '${v}'`;
        out.intervalMs = Math.round(seconds * 1000);
        break;
      case '--call-lifetime':
        if (!Number.isFinite(seconds) || seconds < 0 || seconds > 86_400) return `ucc demo: --call-lifetime expects seconds between 0 and 86400, got '${v}'`;
        out.callLifetimeMs = Math.round(seconds * 1000);
        break;
      case '--drain-seconds':
        if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) return `ucc demo: --drain-seconds expects whole seconds between 0 and 3600, got '${v}'`;
        out.drainMs = seconds * 1000;
        break;
      case '--log-level':
        if (!['debug', 'info', 'warn', 'error'].includes(v)) return `ucc demo: unknown log level '${v}'`;
        out.level = v as LogLevel;
        break;
      default:
        return `ucc demo: unknown option '${a}'`;
    }
  }
  return out;
}

/** The password config/demo.yaml gives its Customers Application (a demo, not a secret). */
const DEMO_CUSTOMERS_PASSWORD = 'customers';

/** `tcp://host:port` from App.listen() → where a T-Lib client connects (a wildcard host → loopback). */
export function tlibTarget(address: string): { host: string; port: number } | undefined {
  const m = /^tcp:\/\/\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m) return undefined;
  const host = m[1] === '0.0.0.0' || m[1] === '' ? '127.0.0.1' : m[1] === '::' ? '::1' : (m[1] as string);
  return { host, port: Number(m[2]) };
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseDemoArgs(args);
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n${USAGE}`);
    return 2;
  }
  const started = await startRoles('ucc demo', parsed.file, parsed.level);
  if (typeof started === 'number') return started;
  const { app, logger, addresses, sink } = started;
  const onHup = (): void => void reloadLogOptions(parsed.file, sink, logger);
  process.on('SIGHUP', onHup);
  const target = tlibTarget(addresses.tlib);
  if (!target) {
    process.stderr.write(`ucc demo: cannot read the T-Lib address '${addresses.tlib}'\n`);
    await app.close();
    return 1;
  }
  // The customers reach the T-Server over TCP, like `ucc call` and any CTI client.
  // As the Customers Application of config/demo.yaml (UCC_TLIB_PASSWORD overrides its password).
  const credentials = { application: DEFAULT_CALLER_APPLICATION, password: process.env.UCC_TLIB_PASSWORD || DEMO_CUSTOMERS_PASSWORD };
  const tlib = new TlibClient({ target: { kind: 'tcp', ...target }, connectTimeoutMs: 5000, requestTimeoutMs: 5000, logger: logger.child({ role: 'demo-calls' }), credentials });
  const caller = new DemoCaller({ tlib, clock: new SystemClock(), logger: logger.child({ role: 'demo-calls' }), routingPoints: parsed.routingPoints, trunk: parsed.trunk, intervalMs: parsed.intervalMs, callLifetimeMs: parsed.callLifetimeMs });
  caller.onCall = (c) => {
    if (c.error) process.stdout.write(`demo call ${c.n + 1} to ${c.routingPoint} failed: ${c.error}\n`);
    else process.stdout.write(`demo call ${c.n + 1} ${c.connId ?? '?'} to ${c.routingPoint}\n`);
  };
  try {
    await tlib.connect();
  } catch (e) {
    process.stderr.write(`ucc demo: cannot reach the T-Server: ${(e as Error).message}\n`);
    tlib.close();
    await app.close();
    return 1;
  }
  // Demo KWs start Available, so a newcomer who logs in sees a preview without touching the menu
  // (in standalone mode a KW's own presence is otherwise unknown until they set it).
  if (app.uc instanceof StandalonePlatform) {
    for (const userName of app.connector.knowledgeWorkers()) app.uc.setPresence(userName, 'online', null);
  }
  process.stdout.write(`ucc ready http=${addresses.http} tlib=${addresses.tlib}\n`);
  process.stdout.write(`demo: log in at ${addresses.http} as alice/alice, bob/bob or carol/carol; a customer calls ${parsed.routingPoints.join(', ')} every ${parsed.intervalMs / 1000} s\n`);
  caller.start();
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  process.off('SIGHUP', onHup);
  logger.info('stopping');
  caller.stop();
  tlib.close();
  await drainAndClose(app, logger, parsed.drainMs);
  sink.close();
  return 0;
}
