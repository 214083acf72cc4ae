/**
 * The little SDP (RFC 4566, offer/answer RFC 3264) the B2BUA needs: a sanity check with a size
 * bound, the stream direction (hold is `a=sendonly` / `a=inactive`, RFC 3264 section 8.4), the
 * origin line (each dialog keeps its own `o=` session and bumps the version when the SDP changes,
 * section 8), and a key of what media goes where, to tell whether a party needs a re-INVITE.
 * Everything else passes through untouched (codecs, `telephone-event` for RFC 4733 DTMF).
 */

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** Why a body is not a usable SDP, or undefined when it is. */
export function sdpProblem(body: Buffer, maxBytes: number): string | undefined {
  if (body.length === 0) return 'no SDP';
  if (body.length > maxBytes) return `SDP of ${body.length} bytes is over the limit of ${maxBytes}`;
  const text = body.toString('latin1');
  if (!/^v=0\r?\n/.test(text)) return 'SDP does not start with v=0';
  if (!/^m=/m.test(text)) return 'SDP has no media line';
  if (!/^o=/m.test(text)) return 'SDP has no origin line';
  return undefined;
}

function splitLines(sdp: string): { lines: string[]; eol: string } {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return { lines, eol };
}

const join = (lines: string[], eol: string): string => lines.join(eol) + eol;

/** The direction of the first media section (a session-level attribute applies when it has none). */
export function directionOf(sdp: string): SdpDirection {
  let session: SdpDirection = 'sendrecv';
  let inMedia = false;
  for (const line of splitLines(sdp).lines) {
    if (line.startsWith('m=')) {
      if (inMedia) break;
      inMedia = true;
      continue;
    }
    const d = line.startsWith('a=') ? line.slice(2).trim() : '';
    if (DIRECTIONS.includes(d)) {
      if (inMedia) return d as SdpDirection;
      session = d as SdpDirection;
    }
  }
  return session;
}

/** The SDP with `direction` on every media section (session-level direction lines removed). */
export function withDirection(sdp: string, direction: SdpDirection): string {
  const { lines, eol } = splitLines(sdp);
  const out: string[] = [];
  let inMedia = false;
  let placed = true;
  const close = (): void => {
    if (inMedia && !placed) out.push(`a=${direction}`);
  };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      close();
      inMedia = true;
      placed = false;
      out.push(line);
      continue;
    }
    if (line.startsWith('a=') && DIRECTIONS.includes(line.slice(2).trim())) {
      if (inMedia && !placed) {
        out.push(`a=${direction}`);
        placed = true;
      }
      continue;
    }
    out.push(line);
  }
  close();
  return join(out, eol);
}

export interface SdpOrigin {
  user: string;
  sessionId: string;
  version: bigint;
  /** `IN IP4 127.0.0.1` */
  address: string;
}

export function originOf(sdp: string): SdpOrigin | undefined {
  const m = /^o=(\S+) (\d+) (\d+) (.+?)\r?$/m.exec(sdp);
  if (!m) return undefined;
  return { user: m[1]!, sessionId: m[2]!, version: BigInt(m[3]!), address: m[4]! };
}

export function withOrigin(sdp: string, o: SdpOrigin): string {
  const { lines, eol } = splitLines(sdp);
  return join(lines.map((l) => (l.startsWith('o=') ? `o=${o.user} ${o.sessionId} ${o.version} ${o.address}` : l)), eol);
}

/** The SDP without its origin line: two SDPs equal here describe the same session. */
function withoutOrigin(sdp: string): string {
  return splitLines(sdp).lines.filter((l) => !l.startsWith('o=')).join('\n');
}

/**
 * Where the media goes: the connection addresses and media lines (ports, formats). A party whose
 * SDP changes only elsewhere (an origin, a codec parameter) does not need a new offer.
 */
export function mediaKey(sdp: string): string {
  return splitLines(sdp).lines.filter((l) => l.startsWith('c=') || l.startsWith('m=')).join('\n');
}

/**
 * Keeps one `o=` line per dialog (RFC 3264 section 8: the session id stays, the version goes up
 * by one each time the SDP changes), whatever produced the SDP (the relay, the other party).
 */
export class DialogSdp {
  private origin: SdpOrigin | undefined;
  private last: string | undefined;

  /** The SDP to send next in this dialog. */
  next(sdp: string): string {
    const theirs = originOf(sdp);
    if (!this.origin || !theirs) {
      this.origin ??= theirs;
      this.last = sdp;
      return sdp;
    }
    if (this.last !== undefined && withoutOrigin(this.last) === withoutOrigin(sdp)) return this.last;
    this.origin = { ...this.origin, version: this.origin.version + 1n };
    this.last = withOrigin(sdp, this.origin);
    return this.last;
  }

  /** The last SDP sent in the dialog. */
  get current(): string | undefined {
    return this.last;
  }
}

/**
 * The answer of a party that is not there yet: the offer's own address (the relay's) and media
 * lines, every port set to 9 (discard), sendrecv. It stands for the relay's "other side" while
 * only a player talks to the caller (ringback before a KW answers). Not `c=0.0.0.0`: rtpengine
 * takes that for a hold and would tell the caller `c=0.0.0.0` and `a=sendonly` too.
 */
export function placeholderAnswer(offer: string): string {
  const { lines, eol } = splitLines(offer);
  const address = /^c=IN (IP[46]) (\S+)/m.exec(offer);
  const out: string[] = [];
  for (const l of lines) {
    if (l.startsWith('o=')) out.push(`o=- 1 1 IN ${address?.[1] ?? 'IP4'} ${address?.[2] ?? '127.0.0.1'}`);
    else if (l.startsWith('m=')) out.push(l.replace(/^(m=\S+ )\d+/, '$19'));
    else if (l.startsWith('a=') && DIRECTIONS.includes(l.slice(2).trim())) out.push('a=sendrecv');
    else if (/^a=rtcp:/.test(l)) continue;
    else out.push(l);
  }
  return join(out, eol);
}
