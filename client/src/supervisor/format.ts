/** Small text formats of the dashboard (durations, times), pure so they are unit-tested. */

/** `m:ss`, or `h:mm:ss` from one hour; negative durations show as 0:00. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds left of a countdown, rounded up (0 once over). */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** `YYYY-MM-DD` of a local date. */
export function localDate(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The report period of two local dates, both included: from local midnight of `from` to local
 * midnight after `to`, as ISO strings. Undefined when a date is malformed.
 */
export function periodOfDates(from: string, to: string): { from: string; to: string } | undefined {
  const parse = (s: string): Date | undefined => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!m) return undefined;
    const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return Number.isNaN(d.getTime()) ? undefined : d;
  };
  const f = parse(from);
  const t = parse(to);
  if (!f || !t) return undefined;
  const end = new Date(t.getFullYear(), t.getMonth(), t.getDate() + 1);
  return { from: f.toISOString(), to: end.toISOString() };
}

/** Short ConnID for a table cell (the last 6 hex digits). */
export function shortConnId(connId: string): string {
  return connId.length > 8 ? `…${connId.slice(-6)}` : connId;
}
