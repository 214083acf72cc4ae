/**
 * `ucc status [--url URL]`: the readiness of a running instance (GET /api/v1/ready), printed as
 * one line per role and dependency. Exit 0 when ready, 1 when not ready or draining, 2 when the
 * instance cannot be reached.
 */
const USAGE = 'Usage: ucc status [--url http://127.0.0.1:8080] [--json]\n';
const TIMEOUT_MS = 5000;

interface Report {
  status: string;
  version?: string;
  roles?: Record<string, string>;
  dependencies?: Record<string, { state: string; detail?: string; type?: string; mode?: string }>;
}

export async function run(args: string[]): Promise<number> {
  let url = process.env.UCC_URL || 'http://127.0.0.1:8080';
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a === '--url' && args[i + 1]) url = args[++i]!;
    else if (a === '--json') json = true;
    else {
      process.stderr.write(USAGE);
      return 2;
    }
  }
  let report: Report;
  try {
    const res = await fetch(new URL('/api/v1/ready', url), { signal: AbortSignal.timeout(TIMEOUT_MS) });
    report = (await res.json()) as Report;
  } catch (e) {
    process.stderr.write(`ucc status: cannot reach ${url}: ${(e as Error).message}\n`);
    return 2;
  }
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(formatReport(report));
  return report.status === 'ready' ? 0 : 1;
}

export function formatReport(r: Report): string {
  const lines = [`status: ${r.status}${r.version ? ` (OpenUCC ${r.version})` : ''}`, 'roles:'];
  for (const [name, state] of Object.entries(r.roles ?? {})) lines.push(`  ${name.padEnd(14)} ${state}`);
  lines.push('dependencies:');
  for (const [name, d] of Object.entries(r.dependencies ?? {})) {
    const kind = d.type ?? d.mode;
    lines.push(`  ${name.padEnd(14)} ${d.state}${kind ? ` [${kind}]` : ''}${d.detail ? `  ${d.detail}` : ''}`);
  }
  return lines.join('\n') + '\n';
}
