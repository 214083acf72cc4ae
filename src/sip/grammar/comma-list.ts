/**
 * Splits a header value at the commas that separate list elements (RFC 3261 section 7.3.1), never
 * inside a quoted-string (with its quoted-pairs) or between `<` and `>` (a URI may contain commas).
 */

/**
 * Splits `s` into trimmed, non-empty elements. Returns undefined when a quoted-string or a `<...>`
 * is left open, which makes the header malformed.
 */
export function splitCommaList(s: string): string[] | undefined {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
    } else if (inAngle) {
      if (c === 62) inAngle = false;
    } else if (c === 34) {
      inQuote = true;
    } else if (c === 60) {
      inAngle = true;
    } else if (c === 44) {
      const part = s.slice(start, i).trim();
      if (part.length > 0) out.push(part);
      start = i + 1;
    }
  }
  if (inQuote || inAngle) return undefined;
  const last = s.slice(start).trim();
  if (last.length > 0) out.push(last);
  return out;
}
