/**
 * Writes a SipMessage to wire bytes (RFC 3261 section 7). Header names are written canonically
 * (`Call-ID`, `CSeq`, compact forms expanded, unknown names as they came); list headers other than
 * the address lists are joined with ", " on one line. Any Content-Length header in the model is
 * dropped and a correct one for the body is written last, so the framing of what we send never
 * depends on what a caller remembered to update.
 */
import { headerKey, LIST_HEADERS, ONE_PER_LINE } from './compact-forms.ts';
import { HeaderList, type HeaderEntry } from './headers.ts';
import type { SipMessage } from './sip-message.ts';

/** List headers whose values share one line. */
const JOINED: ReadonlySet<string> = new Set([...LIST_HEADERS].filter((k) => !ONE_PER_LINE.has(k)));

/** Longest line we build by joining list values. */
const MAX_JOINED_LINE = 1000;

/**
 * A value may share a line with others only if it cannot open a quoted-string or a `<...>`: an
 * unbalanced one (kept whole by the parser) would swallow its neighbours when read back.
 */
const joinable = (v: string): boolean => v.indexOf('"') < 0 && v.indexOf('<') < 0;

function entriesOf(msg: SipMessage): readonly HeaderEntry[] {
  const h = msg.headers;
  if (h instanceof HeaderList) return h.list;
  // A caller-made SipHeaders: derive keys from names.
  const out: HeaderEntry[] = [];
  for (const [name, value] of h.entries()) out.push({ key: headerKey(name), name, value, packed: false });
  return out;
}

/** Serializes a request or response, body included. */
export function serializeMessage(msg: SipMessage): Buffer {
  let s = msg.kind === 'request'
    ? msg.method + ' ' + msg.uri + ' SIP/2.0\r\n'
    : 'SIP/2.0 ' + msg.status + ' ' + msg.reason + '\r\n';
  const list = entriesOf(msg);
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as HeaderEntry;
    if (e.key === 'content-length') continue;
    s += e.name + ': ' + e.value;
    if (JOINED.has(e.key) && joinable(e.value)) {
      // Join the following values of the same header onto this line, keeping lines short enough
      // for any peer's line limit (ours is 8 KiB by default).
      let len = e.name.length + e.value.length;
      while (i + 1 < list.length && (list[i + 1] as HeaderEntry).key === e.key && joinable((list[i + 1] as HeaderEntry).value) && len + (list[i + 1] as HeaderEntry).value.length < MAX_JOINED_LINE) {
        const v = (list[++i] as HeaderEntry).value;
        s += ', ' + v;
        len += v.length + 2;
      }
    }
    s += '\r\n';
  }
  const body = msg.body;
  s += 'Content-Length: ' + body.length + '\r\n\r\n';
  const headLen = Buffer.byteLength(s, 'utf8');
  const out = Buffer.allocUnsafe(headLen + body.length);
  // As many bytes as characters means all ASCII, where latin1 writes the same bytes faster.
  out.write(s, 0, headLen, headLen === s.length ? 'latin1' : 'utf8');
  if (body.length > 0) body.copy(out, headLen);
  return out;
}
