/**
 * Safe XML for presence bodies: parse untrusted PIDF / RLMI / MS-PRES documents into a
 * namespace-resolved {@link XmlElement} tree, and escape text for the bodies we build.
 *
 * One linear scan (no recursion) both checks and builds the tree, so that nothing lenient ever sees
 * the text (fast-xml-parser, used before, accepts mismatched tags and repeated attributes, expands
 * DOCTYPE entities when asked to, and costs twice the scan on a PIDF document):
 *  1. bounds the size (bytes) and rejects invalid UTF-8;
 *  2. rejects any DOCTYPE or ENTITY declaration, references to undeclared named entities (no DTD
 *     means only the five predefined ones exist, XML 1.0 section 4.1 WFC "Entity Declared"),
 *     elements nested deeper than `maxDepth`, more than `maxElements` elements, mismatched tags,
 *     more than one root, malformed or repeated attributes, and the names `__proto__`,
 *     `constructor` and `prototype`;
 *  3. reads CRLF and CR as LF, decodes the five predefined entities and numeric references once,
 *     keeps CDATA literal, drops comments and processing instructions;
 *  4. resolves namespace prefixes through the `xmlns` / `xmlns:p` attributes in scope.
 * No external entity, DTD or entity expansion can happen: nothing here ever reads a DTD.
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import type { XmlAttribute, XmlElement } from './xml-element.ts';

/** Bounds applied to every XML body. */
export interface XmlLimits {
  /** Maximum body size in bytes (UTF-8). Default 64 KiB. */
  readonly maxBytes: number;
  /** Maximum element nesting depth (the root is depth 1). Default 32. */
  readonly maxDepth: number;
  /** Maximum number of elements in one document. Default 4096. */
  readonly maxElements: number;
}

/** The defaults: 64 KiB, depth 32, 4096 elements. */
export const defaultXmlLimits: XmlLimits = Object.freeze({ maxBytes: 64 * 1024, maxDepth: 32, maxElements: 4096 });

/** Hard ceiling on the configurable depth: the namespace resolution recurses once per level. */
const DEPTH_CEILING = 512;

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** A body as it comes off the wire (SIP bodies are Buffers) or as a string. */
export type XmlInput = string | Uint8Array;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Merges partial limits over the defaults and clamps them to sane values. */
export function resolveXmlLimits(limits?: Partial<XmlLimits>): XmlLimits {
  const l = { ...defaultXmlLimits, ...limits };
  return {
    maxBytes: Math.max(1, Math.floor(l.maxBytes)),
    maxDepth: Math.min(DEPTH_CEILING, Math.max(1, Math.floor(l.maxDepth))),
    maxElements: Math.max(1, Math.floor(l.maxElements)),
  };
}

/**
 * Decodes a body to a string, enforcing the byte limit and UTF-8 validity. A leading BOM is dropped.
 * Exported for the multipart and XMPP codecs, which share the same bound.
 */
export function decodeBody(input: XmlInput, maxBytes: number, what = 'body'): Result<string, PresenceCodecError> {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (bytes > maxBytes) return err(codecError('too-large', `${what} is ${bytes} bytes, over the limit of ${maxBytes}`));
  if (typeof input === 'string') return ok(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
  try {
    return ok(utf8.decode(input));
  } catch {
    return err(codecError('invalid-encoding', `${what} is not valid UTF-8`));
  }
}

/**
 * Parses an untrusted XML body into a namespace-resolved tree, or a typed error.
 * @param input the body (Buffer / Uint8Array / string)
 * @param limits overrides of {@link defaultXmlLimits}
 */
export function parseSafeXml(input: XmlInput, limits?: Partial<XmlLimits>): Result<XmlElement, PresenceCodecError> {
  const l = resolveXmlLimits(limits);
  const decoded = decodeBody(input, l.maxBytes, 'XML body');
  if (!decoded.ok) return decoded;
  const text = decoded.value;
  const scanned = scanXml(text, l);
  if (!scanned.ok) return scanned;
  try {
    return ok(toElement(scanned.value, new Map([['xml', XML_NS]])));
  } catch (e) {
    if (e instanceof XmlTreeError) return err(codecError(e.kind, e.message));
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The scan: DOCTYPE / ENTITY rejection, entity references, depth, element count, tag matching,
// and the raw element tree.

const NAME_END = /[\s/>]/;
const ATTR_NAME_END = /[\s=/>]/;
const WS = /[ \t\r\n]/;
/** XML Name (ASCII letters, digits, `_ : . -`, and any non-ASCII character; not starting with a digit, `.` or `-`). */
const XML_NAME = /^[A-Za-z_:\u0080-\uffff][\w.:\u0080-\uffff-]*$/;
const REF = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,8})|#x([0-9a-fA-F]{1,7}));/y;
const NAMED_REF = /&([A-Za-z_:][\w.:-]*);/y;

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Checks the `&…;` at `i`; returns its length or an error. */
function checkReference(text: string, i: number): Result<number, PresenceCodecError> {
  REF.lastIndex = i;
  const m = REF.exec(text);
  if (m !== null) {
    if (m[1] === undefined) {
      const cp = m[2] !== undefined ? Number.parseInt(m[2], 10) : Number.parseInt(m[3]!, 16);
      if (!isXmlChar(cp)) return err(codecError('malformed-xml', `character reference ${m[0]} is not an XML character`));
    }
    return ok(m[0].length);
  }
  NAMED_REF.lastIndex = i;
  const n = NAMED_REF.exec(text);
  if (n !== null) return err(codecError('entity-forbidden', `reference to undeclared entity ${n[0]} (entities are not supported)`));
  return err(codecError('malformed-xml', `bare '&' at offset ${i} (escape it as &amp;)`));
}

/**
 * Names refused as elements or attributes: harmless in our tree (names are values, never keys),
 * but code downstream may copy them into plain objects, and the parser used before refused them.
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Where the processing instruction whose content starts at `from` ends: the first `?>` (XML 1.0
 * section 2.6), -2 when its content leaves a quote open (a broken XML declaration, which the
 * parser used before refused too), -1 when there is none.
 */
function piEnd(text: string, from: number): number {
  const end = text.indexOf('?>', from);
  if (end < 0) return -1;
  let quote = 0;
  for (let k = from; k < end; k++) {
    const c = text.charCodeAt(k);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    }
  }
  return quote === 0 ? end : -2;
}

/** An element as the scan saw it: qualified names, raw attribute values, decoded text. */
interface RawElement {
  readonly qname: string;
  readonly attrs: Array<[string, string]>;
  readonly children: RawElement[];
  text: string;
}

/** XML 1.0 section 2.11: CRLF and lone CR are read as LF. */
const normalizeNewlines = (s: string): string => (s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s);

/**
 * Checks the document (see the file comment) and builds its element tree in the same pass: text
 * directly inside an element is concatenated (comments and processing instructions dropped,
 * references decoded, CDATA literal).
 */
function scanXml(text: string, l: XmlLimits): Result<RawElement, PresenceCodecError> {
  const stack: string[] = [];
  const open: RawElement[] = [];
  let root: RawElement | undefined;
  let elements = 0;
  let rootDone = false;
  let i = 0;
  const n = text.length;
  /** Start of the character data not yet added to the open element. */
  let textStart = 0;
  const flushText = (end: number): void => {
    const top = open[open.length - 1];
    if (top !== undefined && end > textStart) top.text += decodeReferences(normalizeNewlines(text.slice(textStart, end)));
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x3c /* < */) {
      flushText(i);
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i + 4);
        if (end < 0) return err(codecError('malformed-xml', 'unterminated comment'));
        if (text.slice(i + 4, end).includes('--')) return err(codecError('malformed-xml', "'--' inside a comment"));
        i = textStart = end + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        if (stack.length === 0) return err(codecError('malformed-xml', 'CDATA section outside the root element'));
        const end = text.indexOf(']]>', i + 9);
        if (end < 0) return err(codecError('malformed-xml', 'unterminated CDATA section'));
        // CDATA is literal: no reference decoding.
        open[open.length - 1]!.text += normalizeNewlines(text.slice(i + 9, end));
        i = textStart = end + 3;
        continue;
      }
      if (text.startsWith('<!', i)) {
        const decl = text.slice(i + 2, i + 9).toUpperCase();
        if (decl.startsWith('DOCTYPE')) return err(codecError('doctype-forbidden', 'DOCTYPE declarations are not accepted in presence bodies'));
        if (decl.startsWith('ENTITY')) return err(codecError('entity-forbidden', 'ENTITY declarations are not accepted in presence bodies'));
        return err(codecError('malformed-xml', `markup declaration '<!${decl}' is not accepted`));
      }
      if (text.startsWith('<?', i)) {
        const end = piEnd(text, i + 2);
        if (end === -2) return err(codecError('malformed-xml', 'unbalanced quotes in a processing instruction'));
        if (end < 0) return err(codecError('malformed-xml', 'unterminated processing instruction'));
        i = textStart = end + 2;
        continue;
      }
      if (text.startsWith('</', i)) {
        const end = text.indexOf('>', i + 2);
        if (end < 0) return err(codecError('malformed-xml', 'unterminated end tag'));
        const name = text.slice(i + 2, end).trimEnd();
        const openName = stack.pop();
        if (openName !== name) return err(codecError('malformed-xml', openName === undefined ? `end tag </${name}> without a start tag` : `end tag </${name}> does not match <${openName}>`));
        open.pop();
        if (stack.length === 0) rootDone = true;
        i = textStart = end + 1;
        continue;
      }
      // A start tag: the name, then `name="value"` attributes separated by whitespace, then '>' or '/>'.
      let j = i + 1;
      while (j < n && !NAME_END.test(text[j]!)) j++;
      const name = text.slice(i + 1, j);
      if (!XML_NAME.test(name)) return err(codecError('malformed-xml', `'<' at offset ${i} does not start a tag with a valid name`));
      if (RESERVED_NAMES.has(name)) return err(codecError('malformed-xml', `element name <${name}> is not accepted`));
      let selfClosing = false;
      const seen = new Set<string>();
      const attrs: Array<[string, string]> = [];
      for (;;) {
        const wsStart = j;
        while (j < n && WS.test(text[j]!)) j++;
        if (j >= n) return err(codecError('malformed-xml', `unterminated start tag <${name}>`));
        if (text[j] === '>') break;
        if (text[j] === '/') {
          if (text[j + 1] !== '>') return err(codecError('malformed-xml', `'/' not followed by '>' in <${name}>`));
          selfClosing = true;
          j++;
          break;
        }
        if (j === wsStart) return err(codecError('malformed-xml', `attributes of <${name}> must be separated by whitespace`));
        const a0 = j;
        while (j < n && !ATTR_NAME_END.test(text[j]!)) j++;
        const attrName = text.slice(a0, j);
        if (!XML_NAME.test(attrName)) return err(codecError('malformed-xml', `invalid attribute name '${attrName}' in <${name}>`));
        if (RESERVED_NAMES.has(attrName)) return err(codecError('malformed-xml', `attribute name '${attrName}' in <${name}> is not accepted`));
        if (seen.has(attrName)) return err(codecError('malformed-xml', `attribute '${attrName}' is repeated in <${name}>`));
        seen.add(attrName);
        while (j < n && WS.test(text[j]!)) j++;
        if (text[j] !== '=') return err(codecError('malformed-xml', `attribute '${attrName}' of <${name}> has no value`));
        j++;
        while (j < n && WS.test(text[j]!)) j++;
        const q = text[j];
        if (q !== '"' && q !== "'") return err(codecError('malformed-xml', `value of attribute '${attrName}' in <${name}> is not quoted`));
        const close = text.indexOf(q, j + 1);
        if (close < 0) return err(codecError('malformed-xml', `unterminated value of attribute '${attrName}' in <${name}>`));
        for (let k = j + 1; k < close; k++) {
          const v = text.charCodeAt(k);
          if (v === 0x3c) return err(codecError('malformed-xml', `'<' in the value of attribute '${attrName}' in <${name}>`));
          if (v === 0x26) {
            const r = checkReference(text, k);
            if (!r.ok) return r;
            k += r.value - 1;
          }
        }
        attrs.push([attrName, text.slice(j + 1, close)]);
        j = close + 1;
      }
      elements++;
      if (elements > l.maxElements) return err(codecError('too-many-elements', `more than ${l.maxElements} elements`));
      if (stack.length === 0 && rootDone) return err(codecError('malformed-xml', `second root element <${name}>`));
      if (stack.length + 1 > l.maxDepth) return err(codecError('too-deep', `elements nest deeper than ${l.maxDepth} levels (at <${name}>)`));
      const element: RawElement = { qname: name, attrs, children: [], text: '' };
      const parent = open[open.length - 1];
      if (parent !== undefined) parent.children.push(element);
      else root = element;
      if (selfClosing) {
        if (stack.length === 0) rootDone = true;
      } else {
        stack.push(name);
        open.push(element);
      }
      i = textStart = j + 1;
      continue;
    }
    if (c === 0x26 /* & */) {
      if (stack.length === 0) return err(codecError('malformed-xml', 'entity reference outside the root element'));
      const r = checkReference(text, i);
      if (!r.ok) return r;
      i += r.value;
      continue;
    }
    if (stack.length === 0 && c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
      return err(codecError('malformed-xml', `text outside the root element at offset ${i}`));
    }
    i++;
  }
  if (stack.length > 0) return err(codecError('malformed-xml', `unclosed element <${stack[stack.length - 1]}>`));
  if (!rootDone || root === undefined) return err(codecError('malformed-xml', 'no root element'));
  return ok(root);
}

// ---------------------------------------------------------------------------------------------
// The scanned tree → XmlElement with namespaces resolved.

class XmlTreeError extends Error {
  constructor(readonly kind: 'malformed-xml', message: string) {
    super(message);
  }
}

const REF_GLOBAL = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,8})|#x([0-9a-fA-F]{1,7}));/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five predefined entities and numeric references (already validated by the scan). */
function decodeReferences(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(REF_GLOBAL, (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) =>
    named !== undefined ? PREDEFINED[named]! : String.fromCodePoint(dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16)),
  );
}

function splitQName(q: string): [prefix: string, local: string] {
  const i = q.indexOf(':');
  return i < 0 ? ['', q] : [q.slice(0, i), q.slice(i + 1)];
}

function toElement(node: RawElement, inherited: ReadonlyMap<string, string>): XmlElement {
  const qname = node.qname;
  // XML 1.0 section 3.3.3: literal whitespace in attribute values normalizes to spaces; references survive.
  const values = node.attrs.map(([k, v]) => [k, decodeReferences(normalizeNewlines(v).replace(/[\t\n]/g, ' '))] as const);
  let scope = inherited;
  for (const [k, v] of values) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) {
      if (scope === inherited) scope = new Map(inherited);
      (scope as Map<string, string>).set(k === 'xmlns' ? '' : k.slice(6), v);
    }
  }
  const [prefix, local] = splitQName(qname);
  const ns = scope.get(prefix);
  if (ns === undefined) {
    if (prefix !== '') throw new XmlTreeError('malformed-xml', `namespace prefix '${prefix}' of <${qname}> is not declared`);
  }
  const attributes: XmlAttribute[] = [];
  for (const [k, v] of values) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) {
      attributes.push({ ns: XMLNS_NS, local: k === 'xmlns' ? 'xmlns' : k.slice(6), value: v });
      continue;
    }
    const [ap, al] = splitQName(k);
    if (ap === '') {
      attributes.push({ ns: '', local: al, value: v });
    } else {
      const ans = scope.get(ap);
      if (ans === undefined) throw new XmlTreeError('malformed-xml', `namespace prefix '${ap}' of attribute ${k} is not declared`);
      attributes.push({ ns: ans, local: al, value: v });
    }
  }
  const children = node.children.map((c) => toElement(c, scope));
  return { ns: ns ?? '', local, attributes, children, text: node.text };
}

// ---------------------------------------------------------------------------------------------
// Escaping for the bodies we build.

/** Characters XML 1.0 cannot carry at all (controls other than tab/LF/CR, lone surrogates, U+FFFE/F). */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Escapes character data: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;` (so `]]>` cannot appear).
 * Characters XML cannot represent are replaced with U+FFFD, so the output is always well-formed.
 */
export function escapeXmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value for double quotes; tab, LF and CR become references so they survive normalization. */
export function escapeXmlAttribute(s: string): string {
  return escapeXmlText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
