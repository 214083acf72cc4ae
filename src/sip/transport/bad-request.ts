/**
 * A 400 for a datagram the parser rejected, when enough of it can still be read to address a
 * response (RFC 3261 section 8.2: the UAS SHOULD answer a malformed request with 400, and section
 * 18.2.2 needs the top Via to route it). Anything less readable, any ACK (never answered), and any
 * response is dropped instead.
 */
import { createResponse, parseVia, splitCommaList } from '../message/index.ts';
import type { SipParseError, SipResponse } from '../message/sip-message.ts';

const REQUEST_LINE = /^([A-Za-z!%*_+`'~.-]+) \S+ SIP\/2\.0$/;
const WANTED: Record<string, string> = {
  via: 'Via', v: 'Via', from: 'From', f: 'From', to: 'To', t: 'To', 'call-id': 'Call-ID', i: 'Call-ID', cseq: 'CSeq',
};
/** Only the first few KB matter: the mandatory headers are near the top. */
const SCAN_BYTES = 16 * 1024;

/** Control characters other than HTAB cannot be echoed into a header. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/** Builds the 400 for `raw`, or undefined when the datagram cannot be answered. */
export function badRequestFor(raw: Buffer, error: SipParseError): SipResponse | undefined {
  const text = raw.subarray(0, SCAN_BYTES).toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const lines = (headEnd >= 0 ? text.slice(0, headEnd) : text).split(/\r?\n/);
  const first = REQUEST_LINE.exec(lines[0] ?? '');
  if (!first || first[1]?.toUpperCase() === 'ACK') return undefined;
  const found: Array<[string, string]> = [];
  for (const line of lines.slice(1, 200)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = WANTED[line.slice(0, colon).trim().toLowerCase()];
    if (!name) continue;
    const value = line.slice(colon + 1).trim();
    if (value.length === 0 || hasControl(value)) return undefined;
    if (name === 'Via') {
      const parts = splitCommaList(value);
      if (!parts) return undefined;
      for (const v of parts) found.push([name, v.trim()]);
    } else found.push([name, value]);
  }
  const topVia = found.find(([n]) => n === 'Via');
  if (!topVia || !parseVia(topVia[1]).ok) return undefined;
  const cseq = found.find(([n]) => n === 'CSeq');
  if (!cseq || !/^\d{1,10}\s+\S+$/.test(cseq[1])) return undefined;
  for (const h of ['From', 'To', 'Call-ID']) if (!found.some(([n]) => n === h)) return undefined;
  const warning = error.message.replace(/["\\\r\n]/g, ' ').slice(0, 120);
  try {
    return createResponse({ status: 400, headers: [...found, ['Warning', `399 ucc "${warning}"`]] });
  } catch {
    return undefined; // a value the header list refuses: drop rather than answer
  }
}
