/**
 * Bencode as rtpengine's ng protocol uses it: dictionaries, lists, integers and byte strings (read
 * here as UTF-8 text: SDP, tags, reasons). The decoder is bounded (depth, item count, integer
 * length) and refuses anything malformed with a BencodeError, so a garbled datagram costs one
 * exception, never a hang or a crash. (The npm `bencode` 4.0.1 decoder loops forever on a negative
 * string length such as `d0:-4:`, and its UTF-8 mode throws on every dictionary.)
 */

export type BValue = string | number | BValue[] | BDict;
export interface BDict {
  [key: string]: BValue;
}

export class BencodeError extends Error {
  override readonly name = 'BencodeError';
}

export interface DecodeLimits {
  /** Nesting depth of lists and dictionaries (an ng `query` reply is about 8 deep). */
  maxDepth?: number;
  /** Values of every kind in the whole document. */
  maxItems?: number;
}

const D = 0x64; // d
const L = 0x6c; // l
const I = 0x69; // i
const E = 0x65; // e
const COLON = 0x3a;

/** Encodes a value; `undefined` dictionary entries are left out, keys are sorted (bencode's rule). */
export function encode(value: BValue): Buffer {
  return Buffer.from(encodeText(value), 'utf8');
}

/**
 * The encoding as text, to be sent as UTF-8 (string lengths count UTF-8 bytes): one string built
 * and one buffer at the end, not a buffer per item (an ng offer is a few dozen items per call).
 */
export function encodeText(value: BValue): string {
  const parts: string[] = [];
  put(value, parts, 0);
  return parts.join('');
}

function put(v: BValue, out: string[], depth: number): void {
  if (depth > 64) throw new BencodeError('value nested too deeply');
  if (typeof v === 'string') {
    out.push(`${Buffer.byteLength(v, 'utf8')}:`, v);
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new BencodeError(`not an integer: ${v}`);
    out.push(`i${v}e`);
  } else if (Array.isArray(v)) {
    out.push('l');
    for (const x of v) put(x, out, depth + 1);
    out.push('e');
  } else if (typeof v === 'object' && v !== null) {
    out.push('d');
    for (const k of Object.keys(v).sort()) {
      const x = v[k];
      if (x === undefined) continue;
      put(k, out, depth + 1);
      put(x, out, depth + 1);
    }
    out.push('e');
  } else {
    throw new BencodeError(`cannot encode ${typeof v}`);
  }
}

/** Decodes exactly one value filling `buf`; trailing bytes are an error. */
export function decode(buf: Uint8Array, limits: DecodeLimits = {}): BValue {
  const r = new Reader(buf, limits.maxDepth ?? 16, limits.maxItems ?? 20_000);
  const v = r.value(0);
  if (r.pos !== buf.length) throw new BencodeError(`trailing bytes at offset ${r.pos}`);
  return v;
}

class Reader {
  pos = 0;
  private items = 0;

  constructor(
    private readonly buf: Uint8Array,
    private readonly maxDepth: number,
    private readonly maxItems: number,
  ) {}

  value(depth: number): BValue {
    if (++this.items > this.maxItems) throw new BencodeError(`more than ${this.maxItems} values`);
    const c = this.buf[this.pos];
    if (c === undefined) throw new BencodeError('unexpected end of data');
    if (c === I) return this.integer();
    if (c === L || c === D) {
      if (depth >= this.maxDepth) throw new BencodeError(`nested deeper than ${this.maxDepth}`);
      this.pos++;
      return c === L ? this.list(depth) : this.dict(depth);
    }
    return this.string();
  }

  private list(depth: number): BValue[] {
    const out: BValue[] = [];
    while (this.peekNotEnd()) out.push(this.value(depth + 1));
    this.pos++;
    return out;
  }

  private dict(depth: number): BDict {
    // No prototype: a `__proto__` key is just a key.
    const out = Object.create(null) as BDict;
    while (this.peekNotEnd()) {
      if (++this.items > this.maxItems) throw new BencodeError(`more than ${this.maxItems} values`);
      const key = this.string();
      out[key] = this.value(depth + 1);
    }
    this.pos++;
    return out;
  }

  private peekNotEnd(): boolean {
    const c = this.buf[this.pos];
    if (c === undefined) throw new BencodeError('unterminated list or dictionary');
    return c !== E;
  }

  private integer(): number {
    const start = ++this.pos;
    const end = this.buf.indexOf(E, start);
    if (end < 0 || end - start > 17) throw new BencodeError(`bad integer at offset ${start - 1}`);
    const text = Buffer.from(this.buf.subarray(start, end)).toString('latin1');
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) throw new BencodeError(`bad integer '${text}' at offset ${start - 1}`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new BencodeError(`integer out of range at offset ${start - 1}`);
    this.pos = end + 1;
    return n;
  }

  private string(): string {
    const start = this.pos;
    let len = 0;
    let digits = 0;
    for (;;) {
      const c = this.buf[this.pos];
      if (c === COLON && digits > 0) break;
      if (c === undefined || c < 0x30 || c > 0x39 || digits >= 9) throw new BencodeError(`bad string length at offset ${start}`);
      len = len * 10 + (c - 0x30);
      digits++;
      this.pos++;
    }
    const from = this.pos + 1;
    if (from + len > this.buf.length) throw new BencodeError(`string at offset ${start} runs past the end`);
    this.pos = from + len;
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + from, len).toString('utf8');
  }
}
