/**
 * Header names: compact forms (RFC 3261 section 7.3.3 and the IANA SIP parameters registry),
 * canonical capitalisation, and which headers carry comma-separated lists.
 *
 * Every header is stored under a lower-case key with compact forms expanded (`v`, `V`, `via`, `VIA`
 * all have key `via`) and written with its canonical name (`Via`, `Call-ID`, `CSeq`, `WWW-Authenticate`).
 * Names we do not know are written exactly as they arrived.
 */

/** Compact form -> key (lower-case full name). */
export const COMPACT_FORMS: ReadonlyMap<string, string> = new Map([
  ['a', 'accept-contact'],      // RFC 3841
  ['b', 'referred-by'],         // RFC 3892
  ['c', 'content-type'],
  ['d', 'request-disposition'], // RFC 3841
  ['e', 'content-encoding'],
  ['f', 'from'],
  ['i', 'call-id'],
  ['j', 'reject-contact'],      // RFC 3841
  ['k', 'supported'],
  ['l', 'content-length'],
  ['m', 'contact'],
  ['n', 'identity-info'],       // RFC 4474
  ['o', 'event'],               // RFC 6665
  ['r', 'refer-to'],            // RFC 3515
  ['s', 'subject'],
  ['t', 'to'],
  ['u', 'allow-events'],        // RFC 6665
  ['v', 'via'],
  ['x', 'session-expires'],     // RFC 4028
  ['y', 'identity'],            // RFC 8224
]);

const CANONICAL = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-ID', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Diversion',
  'Error-Info', 'Event', 'Expires', 'From', 'History-Info', 'Identity', 'Identity-Info', 'In-Reply-To',
  'Max-Forwards', 'MIME-Version', 'Min-Expires', 'Min-SE', 'Organization', 'P-Asserted-Identity',
  'P-Preferred-Identity', 'Path', 'Priority', 'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization',
  'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-Sub', 'Refer-To', 'Referred-By', 'Reject-Contact',
  'Replaces', 'Reply-To', 'Request-Disposition', 'Require', 'Retry-After', 'Route', 'RSeq', 'Security-Client',
  'Security-Server', 'Security-Verify', 'Server', 'Service-Route', 'Session-Expires', 'SIP-ETag', 'SIP-If-Match',
  'Subject', 'Subscription-State', 'Supported', 'Target-Dialog', 'Timestamp', 'To', 'Unsupported', 'User-Agent',
  'Via', 'Warning', 'WWW-Authenticate',
];

/** Key -> canonical name. */
export const CANONICAL_NAMES: ReadonlyMap<string, string> = new Map(CANONICAL.map((n) => [n.toLowerCase(), n]));

/**
 * Headers whose grammar is a comma-separated list (`1*(COMMA x)` in RFC 3261 section 25.1 and the
 * extension RFCs). The parser splits these into one value per element. It never splits the others:
 * not the credentials headers (WWW-Authenticate, Authorization, Proxy-Authenticate,
 * Proxy-Authorization, whose commas separate auth-params, section 7.3.1), not Date or Retry-After,
 * and not unknown headers, which stay verbatim.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'alert-info', 'allow', 'allow-events',
  'call-info', 'contact', 'content-encoding', 'content-language', 'diversion', 'error-info', 'history-info',
  'in-reply-to', 'p-asserted-identity', 'p-preferred-identity', 'path', 'proxy-require', 'reason',
  'record-route', 'reject-contact', 'request-disposition', 'require', 'route', 'security-client',
  'security-server', 'security-verify', 'service-route', 'supported', 'unsupported', 'via', 'warning',
]);

/**
 * List headers the serializer writes one value per line (the usual layout for address lists, and
 * what most peers expect to read); the other list headers are joined with ", " on one line.
 */
export const ONE_PER_LINE: ReadonlySet<string> = new Set(['via', 'route', 'record-route', 'contact', 'path', 'service-route', 'history-info', 'p-asserted-identity']);

/** @internal What the parser needs to know about a known header name, found with one lookup. */
export interface HeaderInfo {
  key: string;
  name: string;
  list: boolean;
  /** The header's code in `HeaderKind` (0 for headers the parser does not check). */
  kind: number;
}

/** @internal Codes of the headers the parser checks (a number switch is cheaper than string compares). */
export const HeaderKind = {
  other: 0, via: 1, from: 2, to: 3, callId: 4, cseq: 5, contentLength: 6, contact: 7, route: 8, recordRoute: 9,
} as const;

const KIND_OF: Record<string, number> = {
  'via': HeaderKind.via, 'from': HeaderKind.from, 'to': HeaderKind.to, 'call-id': HeaderKind.callId,
  'cseq': HeaderKind.cseq, 'content-length': HeaderKind.contentLength, 'contact': HeaderKind.contact,
  'route': HeaderKind.route, 'record-route': HeaderKind.recordRoute,
};

/** Lower-case name or compact form -> info, for every known header. */
const INFO: ReadonlyMap<string, HeaderInfo> = (() => {
  const m = new Map<string, HeaderInfo>();
  for (const [key, name] of CANONICAL_NAMES) m.set(key, { key, name, list: LIST_HEADERS.has(key), kind: KIND_OF[key] ?? 0 });
  for (const [c, key] of COMPACT_FORMS) {
    const info = m.get(key);
    if (info !== undefined) m.set(c, info);
  }
  return m;
})();

/**
 * @internal One step of the case-insensitive hash of a header name; the parser computes it while it
 * checks the name's characters, so known names are found without slicing or lower-casing.
 */
export const nameHashStep = (h: number, c: number): number => (Math.imul(h, 31) + (c | 0x20)) & 0x3fffffff; // stays a small integer

function hashOf(lower: string): number {
  let h = 0;
  for (let i = 0; i < lower.length; i++) h = nameHashStep(h, lower.charCodeAt(i));
  return h;
}

interface Spelled {
  spelling: string;
  info: HeaderInfo;
}

/** Hash (low bits) -> the known infos (full names and compact forms) with that hash. */
const TABLE_BITS = 10;
const BY_HASH: readonly (readonly Spelled[] | undefined)[] = (() => {
  const t: Spelled[][] = [];
  for (const [spelling, info] of INFO) (t[hashOf(spelling) & ((1 << TABLE_BITS) - 1)] ??= []).push({ spelling, info });
  return Array.from({ length: 1 << TABLE_BITS }, (_, i) => t[i]);
})();

/**
 * @internal The info of the known header named by `s[a, b)` (any case) whose hash is `hash`, or
 * undefined for an unknown name.
 */
export function knownHeader(s: string, a: number, b: number, hash: number): HeaderInfo | undefined {
  const bucket = BY_HASH[hash & ((1 << TABLE_BITS) - 1)];
  if (bucket === undefined) return undefined;
  for (let k = 0; k < bucket.length; k++) {
    const e = bucket[k] as Spelled;
    const sp = e.spelling;
    if (sp.length !== b - a) continue;
    let i = 0;
    for (; i < sp.length; i++) {
      const c = s.charCodeAt(a + i);
      if ((c >= 65 && c <= 90 ? c | 0x20 : c) !== sp.charCodeAt(i)) break;
    }
    if (i === sp.length) return e.info;
  }
  return undefined;
}

/** The usual spellings (canonical, lower-case, compact in both cases) -> info, to skip lower-casing. */
const INFO_EXACT: ReadonlyMap<string, HeaderInfo> = (() => {
  const m = new Map<string, HeaderInfo>(INFO);
  for (const info of INFO.values()) m.set(info.name, info);
  for (const [c, key] of COMPACT_FORMS) {
    const info = INFO.get(key);
    if (info !== undefined) m.set(c.toUpperCase(), info);
  }
  return m;
})();

/** @internal Info for a header name as written on the wire (any case, compact or full). */
export function headerInfo(name: string): HeaderInfo {
  const hit = INFO_EXACT.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  return INFO.get(lower) ?? { key: lower, name, list: false, kind: 0 };
}

/** The lookup key of a header name: lower-case, compact form expanded. */
export function headerKey(name: string): string {
  // Known names as callers write them ('Call-ID', 'CSeq', 'via') need no lower-casing, and their
  // key is the table's own string, which the parser's entries share.
  const known = INFO_EXACT.get(name);
  if (known !== undefined) return known.key;
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT_FORMS.get(lower) ?? lower;
  return lower;
}

/** The name a header is written with: canonical when known, else as given. */
export function canonicalName(key: string, given: string): string {
  return CANONICAL_NAMES.get(key) ?? given;
}
