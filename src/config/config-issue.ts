/** A configuration problem, located in its file: what `ucc check-config` prints. */
export interface ConfigIssue {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based line. */
  line: number;
  /** Where in the document, e.g. `persons[1].annex.uc.contact`; empty for the whole file. */
  path: string;
  message: string;
}

/** `file:line: path: message`, with `warning: ` before the path for warnings. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path ? `${issue.path}: ` : '';
  const sev = issue.severity === 'warning' ? 'warning: ' : '';
  return `${issue.file}:${issue.line}: ${sev}${where}${issue.message}`;
}

/** Formats a document path: segments `['persons', 1, 'annex']` become `persons[1].annex`. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}
