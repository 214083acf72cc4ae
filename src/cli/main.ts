/**
 * `ucc` command dispatch. Each command lives in its own file and is loaded only when used, so
 * `ucc --help` stays fast and one role's dependencies never load for another.
 */
import { readFileSync } from 'node:fs';

export interface CommandModule {
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

const commands: Record<string, CommandEntry> = {
  start: { summary: 'start every configured role (embedded default with no --config)', load: () => import('./start-command.ts') },
  'check-config': { summary: 'validate a configuration file (prints file:line errors)', load: () => import('./check-config-command.ts') },
  tserver: { summary: 'run the T-Server alone on its T-Lib TCP port (--config FILE [--port N])', load: () => import('./tserver-command.ts') },
  call: { summary: 'place an inbound customer call on a routing point (--to RP [--userdata k=v ...])', load: () => import('./call-command.ts') },
  status: { summary: 'readiness of a running instance: each role and dependency (--url URL [--json])', load: () => import('./status-command.ts') },
  demo: { summary: 'ucc start on config/demo.yaml plus a simulated customer call every few seconds (--interval S)', load: () => import('./demo-command.ts') },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'OpenUCC: the open-source UC Connector.',
    '',
    'Usage: ucc <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --help     show this help',
    '  --version  print the version',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(help());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = commands[first];
  if (!entry) {
    process.stderr.write(`ucc: unknown command '${first}'. Run 'ucc --help'.\n`);
    return 2;
  }
  const mod = await entry.load();
  return mod.run(rest);
}
