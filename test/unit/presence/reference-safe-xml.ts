/**
 * The safe-XML parser as it was before xml-scanner.ts (regular expressions, a raw tree, then a
 * recursive namespace pass), kept as the oracle the scanner must agree with: same tree or same
 * error, kind and message, for every input (safe-xml-oracle.test.ts).
 */
import { err, ok } from '../../../src/lib/result.ts';
import type { Result } from '../../../src/lib/result.ts';
import { codecError } from '../../../src/presence/presence-codec-error.ts';
import type { PresenceCodecError } from '../../../src/presence/presence-codec-error.ts';
import { decodeBody, resolveXmlLimits } from '../../../src/presence/safe-xml.ts';
import type { XmlInput, XmlLimits } from '../../../src/presence/safe-xml.ts';
import type { XmlAttribute, XmlElement } from '../../../src/presence/xml-element.ts';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** The old parseSafeXml. */
export function referenceParseSafeXml(input: XmlInput, limits?: Partial<XmlLimits>): Result<XmlElement, PresenceCodecError> {
  const l = resolveXmlLimits(limits);
  const decoded = decodeBody(input, l.maxBytes, 'XML body');
  if (!decoded.ok) return decoded;
  const scanned = scanXml(decoded.value, l);
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
