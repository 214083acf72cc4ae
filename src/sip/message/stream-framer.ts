/**
 * Cuts SIP messages out of a TCP or TLS byte stream (RFC 3261 section 18.3: "In the case of
 * stream-oriented transports such as TCP, the Content-Length header field indicates the size of the
 * body ... the Content-Length header field MUST be used with stream oriented transports").
 *
 * Keep-alives (RFC 5626 section 4.4.1): between messages, a double CRLF is a `ping` (the peer
 * expects a single CRLF back) and a lone CRLF is a `pong`. A lone CRLF at the very end of the data
 * received so far is reported as a `pong` at once rather than held back, so a pong is never delayed;
 * the price is that a ping whose two CRLFs arrive in separate reads is seen as two pongs.
 *
 * Bounded memory: at most `maxMessageBytes` are kept between calls (plus the chunk being pushed).
 * A header section that grows past the limit with no empty line, a Content-Length that would take
 * the message past it, a missing Content-Length, or a header section so broken that its length is
 * unknown are fatal: framing cannot resume, the transport must close the connection, and further
 * pushes return nothing until `reset()`. A bad message whose length is known is a non-fatal error
 * and framing continues with the next message.
 */
import { parseError } from '../grammar/chars.ts';
import { resolveLimits } from './limits.ts';
import { copyBody, parseHead, type HeadResult } from './parser.ts';
import type { SipLimits, SipMessage, SipParseError } from './sip-message.ts';

/** What one `push` yields, in stream order. */
export type FramerOutput =
  | { type: 'message'; message: SipMessage }
  /** `raw`: a copy of the message's head (up to 16 KiB), so that a malformed request can be answered. */
  | { type: 'error'; error: SipParseError; fatal: boolean; raw: Buffer }
  | { type: 'ping' }
  | { type: 'pong' };

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
/** Storage above this size is released once it is empty again. */
const KEEP_CAPACITY = 16 * 1024;
/** How much of a bad message's head an error carries (the headers needed for a 400 are near the top). */
const RAW_BYTES = 16 * 1024;

/** Content-Length framing with RFC 5626 keep-alives; one instance per connection. */
export class StreamFramer {
  private readonly limits: SipLimits;
  /** Bytes [start, end) of `buf` are unconsumed. `owned` is false while `buf` is the caller's chunk. */
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  private owned = false;
  /** Offset (relative to start) from which to keep searching for the empty line. */
  private scanFrom = 0;
  /** A parsed header section waiting for its body. */
  private pending: { head: HeadResult; headBytes: number; total: number } | undefined;
  private dead = false;

  constructor(limits?: Partial<SipLimits>) {
    this.limits = resolveLimits(limits);
  }

  /** Unconsumed bytes held between pushes (never more than `maxMessageBytes`). */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /** Forgets everything buffered and any fatal state (a new connection). */
  reset(): void {
    this.release();
    this.pending = undefined;
    this.dead = false;
  }

  /** Feeds the next chunk of the stream; returns the messages, keep-alives and errors it completes. */
  push(chunk: Buffer): FramerOutput[] {
    const out: FramerOutput[] = [];
    if (this.dead || chunk.length === 0) return out;
    this.append(chunk);
    const max = this.limits.maxMessageBytes;
    while (this.end > this.start) {
      const buf = this.buf;
      const s = this.start;
      const avail = this.end - s;
      if (this.pending === undefined) {
        if (buf[s] === 13) {
          if (avail < 2) break; // a lone CR: wait for what follows
          if (buf[s + 1] === 10) {
            if (avail >= 4 && buf[s + 2] === 13 && buf[s + 3] === 10) {
              out.push({ type: 'ping' });
              this.consume(4);
              continue;
            }
            if (avail === 3 && buf[s + 2] === 13) break; // maybe the start of a ping
            out.push({ type: 'pong' });
            this.consume(2);
            continue;
          }
        }
        const from = Math.max(0, this.scanFrom - 3);
        const idx = buf.subarray(s, this.end).indexOf(CRLFCRLF, from);
        if (idx < 0) {
          if (avail > max) {
            this.fatal(out, parseError('too-large', `header section longer than ${max} bytes without an empty line`));
            break;
          }
          this.scanFrom = avail;
          break;
        }
        if (idx + 4 > max) {
          this.fatal(out, parseError('too-large', `header section longer than ${max} bytes`));
          break;
        }
        const head = parseHead(buf, s, s + idx, this.limits);
        const cl = head.contentLength;
        if (cl === undefined) {
          this.fatal(out, head.ok
            ? parseError('bad-content-length', 'Content-Length is mandatory on stream transports (RFC 3261 section 18.3)', s)
            : head.error);
          break;
        }
        const total = idx + 4 + cl;
        if (total > max) {
          this.fatal(out, parseError('too-large', `message of ${total} bytes exceeds ${max} bytes`, s));
          break;
        }
        this.pending = { head, headBytes: idx + 4, total };
      }
      const p = this.pending;
      if (avail < p.total) break;
      if (p.head.ok) {
        const message = p.head.message;
        message.body = copyBody(buf, s + p.headBytes, s + p.total);
        out.push({ type: 'message', message });
      } else {
        out.push({ type: 'error', error: p.head.error, fatal: false, raw: this.copyOut(s, Math.min(p.headBytes, RAW_BYTES)) });
      }
      this.pending = undefined;
      this.consume(p.total);
    }
    this.settle();
    return out;
  }

  private consume(n: number): void {
    this.start += n;
    this.scanFrom = 0;
  }

  /** A copy of `n` bytes from `from` (the caller may reuse a borrowed chunk). */
  private copyOut(from: number, n: number): Buffer {
    return Buffer.from(this.buf.subarray(from, Math.min(this.end, from + n)));
  }

  private fatal(out: FramerOutput[], error: SipParseError): void {
    out.push({ type: 'error', error, fatal: true, raw: this.copyOut(this.start, RAW_BYTES) });
    this.dead = true;
    this.pending = undefined;
    this.release();
  }

  private release(): void {
    this.buf = EMPTY;
    this.start = 0;
    this.end = 0;
    this.owned = false;
    this.scanFrom = 0;
  }

  /** Adds a chunk; while nothing is buffered the chunk itself is used, without copying. */
  private append(chunk: Buffer): void {
    if (this.end === this.start) {
      if (this.owned && this.buf.length >= chunk.length && this.buf.length <= KEEP_CAPACITY) {
        chunk.copy(this.buf, 0);
        this.start = 0;
        this.end = chunk.length;
        return;
      }
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    const used = this.end - this.start;
    const need = used + chunk.length;
    if (!this.owned || this.end + chunk.length > this.buf.length) {
      // Grow (doubling keeps appends linear overall) or compact to the front.
      const next = this.owned && need <= this.buf.length
        ? this.buf // compact in place (Buffer#copy handles the overlap)
        : Buffer.allocUnsafe(Math.max(need, this.owned ? 2 * this.buf.length : 0, 4096));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.end = used;
      this.start = 0;
      this.owned = true;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  /** After a push: copy a borrowed remainder (the caller may reuse its chunk) and drop empty storage. */
  private settle(): void {
    const used = this.end - this.start;
    if (used === 0) {
      if (!this.owned || this.buf.length > KEEP_CAPACITY) this.release();
      else {
        this.start = 0;
        this.end = 0;
      }
      return;
    }
    if (!this.owned) {
      const next = Buffer.allocUnsafe(Math.max(used * 2, 4096));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.start = 0;
      this.end = used;
      this.owned = true;
    }
  }
}
