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

/** The lookup key of a header name: lower-case, compact form expanded. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT_FORMS.get(lower) ?? lower;
  return lower;
}

/** The name a header is written with: canonical when known, else as given. */
export function canonicalName(key: string, given: string): string {
  return CANONICAL_NAMES.get(key) ?? given;
}
