/**
 * xs:dateTime → epoch ms. PIDF timestamps carry a zone; MS-PRES `publishTime` usually does not
 * ("2026-11-21T14:05:10.120"), and is taken as UTC (protocol-notes section 1.7, unverified).
 */
const XS_DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** Parses an xs:dateTime; a value without a zone is UTC. Returns null when the text is not a valid date-time. */
export function parseXsDateTime(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  const m = XS_DATE_TIME.exec(t);
  if (m === null) return null;
  // Milliseconds beyond three digits are cut, not rounded (Date.parse accepts at most 3).
  const frac = m[7] === undefined ? '' : m[7].slice(0, 4).padEnd(4, '0');
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac}${m[8] ?? 'Z'}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** Formats epoch ms as an xs:dateTime in UTC with milliseconds (`2026-11-21T14:05:10.120Z`). */
export function formatXsDateTime(ms: number): string {
  return new Date(ms).toISOString();
}
