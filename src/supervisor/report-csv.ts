/**
 * The supervisor report as CSV (RFC 4180: comma-separated, CRLF line ends, a field holding a comma,
 * a quote or a line break is quoted with its quotes doubled). Text cells that a spreadsheet would
 * read as a formula (starting with = + - @, or a tab / carriage return that some strip before
 * that test) get a leading apostrophe, so an AgentID or routing point named `=HYPERLINK(...)` is
 * shown, never evaluated (OWASP "CSV injection"). Numbers are written as numbers.
 */
import { reportOutcomes, type OutcomeRow } from './dashboard-types.ts';

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Lines of cells → CSV text, each line ended by CRLF. */
export function csvText(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return rows.map((r) => r.map(csvCell).join(',') + '\r\n').join('');
}

/** The report rows as CSV, by KW (`agent`) or by routing point, for the period [from, to). */
export function reportCsv(by: 'agent' | 'routing-point', rows: readonly OutcomeRow[], from: number, to: number): string {
  const head = by === 'agent' ? ['agent_id', 'user_name'] : ['routing_point'];
  const lines: Array<Array<string | number | null>> = [
    [...head, 'period_from', 'period_to', 'offered', ...reportOutcomes, 'pending', 'mean_decision_ms'],
  ];
  const iso = (t: number): string => new Date(t).toISOString();
  for (const r of rows) {
    lines.push([
      r.key,
      ...(by === 'agent' ? [r.userName ?? ''] : []),
      iso(from),
      iso(to),
      r.offered,
      ...reportOutcomes.map((o) => r.counts[o]),
      r.counts.pending,
      r.meanDecisionMs,
    ]);
  }
  return csvText(lines);
}
