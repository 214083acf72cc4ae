/**
 * Mutations for the fuzz targets, all driven by one seeded PRNG so a case reproduces from its seed
 * and index. Two families: byte-level (bit flips, byte insert/delete, splice, interesting values,
 * invalid UTF-8) and structure-aware JSON (type confusion, huge numbers, deep nesting, unknown and
 * duplicate keys, lone surrogates). Frames get length-field tweaks.
 */
export type Rand = () => number;

/** Byte sequences that are not UTF-8 (overlong, surrogate, out-of-range, lone continuation, truncated). */
const INVALID_UTF8: readonly number[][] = [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xff], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xfe, 0xfe]];
const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x22, 0x5c, 0x0a, 0x0d, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c];
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe];
const HUGE_NUMBERS = ['1e308', '-1e308', '1e309', '9007199254740993', '-9007199254740993', '2147483648', '4294967296', '-0', '0.0000001', '123456789012345678901234567890', '1E+400', '-1', '0'];
const WEIRD_STRINGS = ['', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '😀', 'a'.repeat(300), '__proto__', 'constructor', 'toString', '^', '^^', 'a^', '%00', '\\', '"', '<sip:x@y>', '0000000000000000', '006E02B3C4D5E6F7'];

/** Text of any value, even an object without a prototype (String() would throw on it). */
function textOf(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return 'x';
  }
}

export class Mutator {
  constructor(readonly rand: Rand) {}

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  chance(p: number): boolean {
    return this.rand() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }

  /** 1..n byte mutations of `input` (never in place); `others` feed splices. */
  bytes(input: Buffer, others: readonly Buffer[], rounds = 1 + this.int(4)): Buffer {
    let b: Buffer = Buffer.from(input);
    for (let r = 0; r < rounds; r++) b = this.byteOnce(b, others);
    return b;
  }

  private byteOnce(b: Buffer, others: readonly Buffer[]): Buffer {
    const at = (): number => this.int(b.length + 1);
    switch (this.int(12)) {
      case 0: { // bit flips
        if (b.length === 0) return b;
        for (let i = 1 + this.int(4); i > 0; i--) { const p = this.int(b.length); b[p] = (b[p] as number) ^ (1 << this.int(8)); }
        return b;
      }
      case 1: { // random bytes
        if (b.length === 0) return b;
        for (let i = 1 + this.int(4); i > 0; i--) b[this.int(b.length)] = this.int(256);
        return b;
      }
      case 2: { // interesting bytes
        if (b.length === 0) return b;
        for (let i = 1 + this.int(3); i > 0; i--) b[this.int(b.length)] = this.pick(INTERESTING_BYTES);
        return b;
      }
      case 3: { // delete a range
        const p = this.int(b.length);
        return Buffer.concat([b.subarray(0, p), b.subarray(p + 1 + this.int(Math.min(64, b.length - p)))]);
      }
      case 4: { // insert random bytes
        const p = at();
        const ins = Buffer.alloc(1 + this.int(16));
        for (let i = 0; i < ins.length; i++) ins[i] = this.int(256);
        return Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]);
      }
      case 5: { // insert invalid UTF-8
        const p = at();
        return Buffer.concat([b.subarray(0, p), Buffer.from(this.pick(INVALID_UTF8)), b.subarray(p)]);
      }
      case 6: { // duplicate a range (sometimes many times)
        const p = this.int(b.length);
        const piece = b.subarray(p, p + 1 + this.int(32));
        const times = this.chance(0.1) ? 100 + this.int(2000) : 1 + this.int(3);
        return Buffer.concat([b.subarray(0, p), Buffer.concat(Array<Buffer>(times).fill(piece)), b.subarray(p)]);
      }
      case 7: { // splice with another corpus entry
        const o = others.length > 0 ? this.pick(others) : b;
        const p = at();
        const q = this.int(o.length + 1);
        return Buffer.concat([b.subarray(0, p), o.subarray(q)]);
      }
      case 8: { // overwrite 4 bytes with an interesting 32-bit value
        if (b.length < 4) return b;
        const p = this.int(b.length - 3);
        b.writeUInt32BE(this.pick(INTERESTING_U32), p);
        return b;
      }
      case 9: { // truncate
        return b.subarray(0, this.int(b.length + 1));
      }
      case 10: { // replace a digit run with a huge number
        const s = b.toString('latin1');
        const m = /[0-9]+/g;
        const hits = [...s.matchAll(m)];
        if (hits.length === 0) return b;
        const h = this.pick(hits);
        return Buffer.from(s.slice(0, h.index) + this.pick(HUGE_NUMBERS) + s.slice((h.index ?? 0) + h[0].length), 'latin1');
      }
      default: { // swap two bytes
        if (b.length < 2) return b;
        const p = this.int(b.length);
        const q = this.int(b.length);
        const t = b[p] as number;
        b[p] = b[q] as number;
        b[q] = t;
        return b;
      }
    }
  }

  /** A value of a random other JSON type (type confusion), or a hostile one of the same type. */
  confused(v: unknown): unknown {
    switch (this.int(12)) {
      case 0: return null;
      case 1: return this.chance(0.5);
      case 2: return Number(this.pick(HUGE_NUMBERS));
      case 3: return this.pick(WEIRD_STRINGS);
      case 4: return [];
      case 5: return {};
      case 6: return [v];
      case 7: return { v };
      case 8: return typeof v === 'string' ? v + this.pick(WEIRD_STRINGS) : textOf(v);
      case 9: return typeof v === 'number' ? v + (this.chance(0.5) ? 1 : -1) * (1 + this.int(3)) : this.int(1000);
      case 10: return this.chance(0.5) ? 'x'.repeat(1 + this.int(70_000)) : Array.from({ length: 1 + this.int(2000) }, (_, i) => [`k${i}`, 'v']);
      default: return this.int(2) === 0 ? -this.int(100) : 1.5;
    }
  }

  /** One structure-aware mutation of a JSON value, returned as JSON text (some mutations only exist as text). */
  json(value: unknown, keyPool: readonly string[]): string {
    const root = structuredClone(value) as unknown;
    const n = 1 + this.int(3);
    let tree = root;
    for (let i = 0; i < n; i++) tree = this.jsonOnce(tree, keyPool);
    let text = JSON.stringify(tree) ?? 'null';
    if (this.chance(0.15)) text = this.jsonText(text, keyPool);
    return text;
  }

  private jsonOnce(root: unknown, keyPool: readonly string[]): unknown {
    const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
    const walk = (v: unknown, depth: number): void => {
      if (depth > 8 || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) v.forEach((x, i) => { slots.push({ parent: v, key: i }); walk(x, depth + 1); });
      else for (const k of Object.keys(v)) { slots.push({ parent: v as Record<string, unknown>, key: k }); walk((v as Record<string, unknown>)[k], depth + 1); }
    };
    walk(root, 0);
    if (slots.length === 0 || this.chance(0.03)) return this.confused(root);
    const s = this.pick(slots);
    const parent = s.parent as Record<string | number, unknown>;
    switch (this.int(6)) {
      case 0: // delete the slot
        if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
        else delete parent[s.key];
        return root;
      case 1: { // add a key (unknown, or one of the protocol's own in the wrong place)
        const target = Array.isArray(s.parent) ? s.parent : parent;
        if (Array.isArray(target)) target.push(this.confused(null));
        // defineProperty, so `__proto__` becomes an own key (as JSON.parse makes it), not the prototype.
        else Object.defineProperty(target, this.chance(0.5) ? this.pick(keyPool) : this.pick(WEIRD_STRINGS), { value: this.confused(null), enumerable: true, configurable: true, writable: true });
        return root;
      }
      case 2: { // copy another slot's value here
        const o = this.pick(slots);
        parent[s.key] = structuredClone((o.parent as Record<string | number, unknown>)[o.key]);
        return root;
      }
      default: // type confusion
        parent[s.key] = this.confused(parent[s.key]);
        return root;
    }
  }

  /** Text-only JSON mutations: deep nesting, duplicate keys, escapes, trailing garbage. */
  private jsonText(text: string, keyPool: readonly string[]): string {
    switch (this.int(6)) {
      case 0: { // deep nesting somewhere a value goes
        const depth = this.chance(0.5) ? 1000 + this.int(100_000) : 1 + this.int(64);
        const open = this.chance(0.5) ? '[' : '{"a":';
        const close = open === '[' ? ']' : '}';
        const inner = open.repeat(depth) + '1' + close.repeat(depth);
        const i = text.lastIndexOf('}');
        return i > 0 ? `${text.slice(0, i)},"${this.pick(keyPool)}":${inner}${text.slice(i)}` : inner;
      }
      case 1: { // duplicate key: the later one wins in JSON.parse
        const i = text.lastIndexOf('}');
        return i > 0 ? `${text.slice(0, i)},"${this.pick(keyPool)}":${JSON.stringify(this.confused(null))}${text.slice(i)}` : text;
      }
      case 2: return text.replace(/"([^"\\]*)"/, (_m, g: string) => `"${g}\\ud800\\u0000\\uDFFF"`);
      case 3: return text + this.pick([' ', '}', ']', ',', '{}', 'null', '\u0000']);
      case 4: return text.replace(/:/, ':' + ' '.repeat(this.int(10_000)));
      default: return text.slice(0, this.int(text.length + 1));
    }
  }
}

/** A 4-byte big-endian length prefix and the payload; `tweak` distorts the length field. */
export function frame(m: Mutator, payload: Buffer, maxFrameBytes: number, tweak: boolean): Buffer {
  const head = Buffer.alloc(4);
  let len = payload.length;
  if (tweak) {
    switch (m.int(6)) {
      case 0: len = Math.max(0, len - 1 - m.int(8)); break;
      case 1: len += 1 + m.int(8); break;
      case 2: len = 0; break;
      case 3: len = maxFrameBytes + m.int(2); break;
      case 4: len = m.pick(INTERESTING_U32); break;
      default: len = m.int(len + 1);
    }
  }
  head.writeUInt32BE(len >>> 0, 0);
  return Buffer.concat([head, payload]);
}

/** Cuts `bytes` into chunks of random sizes (mostly small, so every split point in a frame occurs). */
export function chunks(rand: Rand, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < bytes.length) {
    const n = 1 + Math.floor(rand() * (rand() < 0.3 ? 8 : rand() < 0.5 ? 256 : 65_536));
    out.push(bytes.subarray(off, off + n));
    off += n;
  }
  return out;
}
