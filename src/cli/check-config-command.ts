/**
 * `ucc check-config FILE`: validates a configuration. Prints `FILE: ok (N persons, M DNs, ...)` and
 * exits 0; or prints every `file:line: message` and exits 1; exits 2 when FILE cannot be read.
 * Warnings (unknown option names in known sections) are printed but do not fail the check.
 */
import { loadConfigFile, objectTypeLabels } from '../config/config-loader.ts';
import { formatIssue } from '../config/config-issue.ts';
import { objectTypes } from '../config/config-objects.ts';

export async function run(args: string[]): Promise<number> {
  const file = args[0];
  if (file === undefined || file === '--help' || args.length > 1) {
    process.stderr.write('Usage: ucc check-config FILE\n');
    return 2;
  }
  const result = loadConfigFile(file, { hashPasswords: false });
  if (!result.ok) {
    if (result.error.kind === 'unreadable') {
      process.stderr.write(`${file}: cannot read: ${result.error.message}\n`);
      return 2;
    }
    for (const issue of result.error.issues) process.stdout.write(formatIssue(issue) + '\n');
    const errors = result.error.issues.filter((i) => i.severity === 'error').length;
    process.stderr.write(`${file}: ${errors} error${errors === 1 ? '' : 's'}\n`);
    return 1;
  }
  for (const w of result.value.warnings) process.stdout.write(formatIssue(w) + '\n');
  const counts = objectTypes.map((t) => {
    const n = result.value.objects[t].length;
    return `${n} ${objectTypeLabels[t][n === 1 ? 0 : 1]}`;
  });
  process.stdout.write(`${file}: ok (${counts.join(', ')})\n`);
  return 0;
}
