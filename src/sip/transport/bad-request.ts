/**
 * A 400 for a message the parser rejected (a datagram, or the head of a stream message), when
 * enough of it can still be read to address a response (RFC 3261 section 8.2: the UAS SHOULD answer
 * a malformed request with 400, and section 18.2.2 needs the top Via to route it), or a 505 when
 * the request line names another SIP version (section 21.5.7). Anything less readable, any
 * ACK (never answered), and any response is dropped instead.
 *
 * The top Via of the answer carries `received` (and `rport` when asked for) of the packet's
 * source, as section 18.2.1 and RFC 3581 would have stamped it: the answer goes there, never to a
 * host name the Via names (see `sourceReplyDestination`).
 */
import { createResponse, formatVia, parseVia, splitCommaList } from '../message/index.ts';
import type { Params, SipParseError, SipResponse } from '../message/sip-message.ts';

const REQUEST_LINE = /^([A-Za-z!%*_+`'~.-]+) \S+ (SIP\/\d{1,3}\.\d{1,3})$/i;
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

/** Builds the 400 (or 505) for `raw`, or undefined when it cannot be answered. */
export function badRequestFor(raw: Buffer, error: SipParseError, source?: { host: string; port: number }): SipResponse | undefined {
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
  const parsedVia = topVia ? parseVia(topVia[1]) : undefined;
  if (!topVia || !parsedVia?.ok) return undefined;
  if (source) {
    const via = parsedVia.value;
    const params: Params = { ...via.params, received: source.host };
    if ('rport' in via.params) params['rport'] = String(source.port);
    topVia[1] = formatVia({ ...via, params });
  }
  const cseq = found.find(([n]) => n === 'CSeq');
  if (!cseq || !/^\d{1,10}\s+\S+$/.test(cseq[1])) return undefined;
  for (const h of ['From', 'To', 'Call-ID']) if (!found.some(([n]) => n === h)) return undefined;
  // Section 21.5.7: a request of another SIP version gets 505, not 400.
  const status = first[2]?.toUpperCase() === 'SIP/2.0' ? 400 : 505;
  const warning = error.message.replace(/["\\\r\n]/g, ' ').slice(0, 120);
  try {
    return createResponse({ status, headers: [...found, ['Warning', `399 ucc "${warning}"`]] });
  } catch {
    return undefined; // a value the header list refuses: drop rather than answer
  }
}
