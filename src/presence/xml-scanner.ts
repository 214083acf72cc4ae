/**
 * The scanner behind {@link parseSafeXml}: one linear pass over the decoded text that checks the
 * document (see safe-xml.ts) and builds the namespace-resolved {@link XmlElement} tree as it goes.
 *
 * It runs once per presence NOTIFY, so it works on character codes: no regular expression or
 * one-character string per character, no per-tag Set or Map, text and attribute values sliced once
 * and decoded only when they hold a reference or a line end. Namespace bindings live on one stack
 * (prefix, URI) popped with their element; well-known namespace URIs are replaced by the shared
 * constants so codecs compare them cheaply.
 *
 * Error precedence is that of a check-then-build parser: any well-formedness error wins, and an
 * undeclared prefix is reported (the first in document order) only when the scan found none.
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import type { XmlAttribute, XmlElement } from './xml-element.ts';
import { ns as knownNs } from './xml-namespaces.ts';

/** The bounds the scanner enforces (see XmlLimits in safe-xml.ts). */
export interface ScanLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/**
 * Declared namespace URIs equal to one of these are the constant itself, not a copy, so codecs
 * comparing an element's namespace with `ns.pidf` compare one string with itself. By length, so
 * most declarations are compared with one candidate or none.
 */
const KNOWN_NS_BY_LENGTH: ReadonlyArray<readonly string[] | undefined> = (() => {
  const byLength: string[][] = [];
  for (const u of Object.values(knownNs)) (byLength[u.length] ??= []).push(u);
  return byLength;
})();

/** The known namespace equal to `value`, else `value`. */
function internNamespace(value: string): string {
  const candidates = KNOWN_NS_BY_LENGTH[value.length];
  if (candidates !== undefined) for (const u of candidates) if (value === u) return u;
  return value;
}

/**
 * Names refused as elements or attributes: harmless in our tree (names are values, never keys),
 * but code downstream may copy them into plain objects, and the parser used before refused them.
 */
const isReserved = (name: string): boolean =>
  name.length === 9 ? name === '__proto__' || name === 'prototype' : name.length === 11 && name === 'constructor';

/** What JavaScript's `\s` matches: the end of a tag or attribute name, as for the parser before. */
export function isJsSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** XML whitespace inside tags: space, tab, CR, LF. */
const isTagSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** First character of an XML Name as accepted here: ASCII letters, `_`, `:`, and any non-ASCII code unit. */
const isNameStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80;
/** Other characters of a Name: also digits, `.` and `-`. */
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d;

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

const REF = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,8})|#x([0-9a-fA-F]{1,7}));/y;
const NAMED_REF = /&([A-Za-z_:][\w.:-]*);/y;

/** Checks the `&…;` at `i`: its length, or the error. */
function checkReference(text: string, i: number): number | PresenceCodecError {
  REF.lastIndex = i;
  const m = REF.exec(text);
  if (m !== null) {
    if (m[1] === undefined) {
      const cp = m[2] !== undefined ? Number.parseInt(m[2], 10) : Number.parseInt(m[3]!, 16);
      if (!isXmlChar(cp)) return codecError('malformed-xml', `character reference ${m[0]} is not an XML character`);
    }
    return m[0].length;
  }
  NAMED_REF.lastIndex = i;
  const named = NAMED_REF.exec(text);
  if (named !== null) return codecError('entity-forbidden', `reference to undeclared entity ${named[0]} (entities are not supported)`);
  return codecError('malformed-xml', `bare '&' at offset ${i} (escape it as &amp;)`);
}

const REF_GLOBAL = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,8})|#x([0-9a-fA-F]{1,7}));/g;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five predefined entities and numeric references (already validated by the scan). */
function decodeReferences(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(REF_GLOBAL, (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) =>
    named !== undefined ? PREDEFINED[named]! : String.fromCodePoint(dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16)),
  );
}

/** XML 1.0 section 2.11: CRLF and lone CR are read as LF. */
const normalizeNewlines = (s: string): string => (s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s);

/** Character data flags gathered while scanning, so clean text is only sliced. */
const HAS_REF = 1;
const HAS_CR = 2;
/** Attribute values: tab, LF or CR to normalize (section 3.3.3). */
const HAS_WS = 4;

function charData(text: string, start: number, end: number, flags: number): string {
  const s = text.slice(start, end);
  if (flags === 0) return s;
  return decodeReferences(normalizeNewlines(s));
}

function attributeValue(text: string, start: number, end: number, flags: number): string {
  const s = text.slice(start, end);
  if (flags === 0) return s;
  // XML 1.0 section 3.3.3: literal whitespace normalizes to spaces; references survive.
  return decodeReferences(normalizeNewlines(s).replace(/[\t\n]/g, ' '));
}

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

/** An element under construction: the XmlElement returned, with its lists still growing. */
interface Building {
  ns: string;
  local: string;
  attributes: readonly XmlAttribute[];
  children: XmlElement[];
  text: string;
}

/** Shared by every element without attributes or children (readonly in XmlElement). */
const NO_ATTRIBUTES: readonly XmlAttribute[] = Object.freeze([]);
const NO_CHILDREN = Object.freeze([]) as unknown as XmlElement[];

/** More attributes than this on one tag and repeats are found through a Set instead of a linear search. */
const LINEAR_ATTRIBUTE_CHECK = 16;

/**
 * Checks `text` (already decoded and size-bounded) and builds its tree. See the file comment and
 * safe-xml.ts for what is refused.
 */
export function scanXml(text: string, l: ScanLimits): Result<XmlElement, PresenceCodecError> {
  const n = text.length;
  /** Open elements, their qualified names (for end tags), and the binding-stack size when each opened. */
  const open: Building[] = [];
  const openNames: string[] = [];
  const openMarks: number[] = [];
  let depth = 0;
  /** In-scope namespace bindings, innermost last. */
  const bindPrefix: string[] = ['xml'];
  const bindUri: string[] = [XML_NS];
  let bindLen = 1;
  const lookup = (prefix: string): string | undefined => {
    for (let k = bindLen - 1; k >= 0; k--) if (bindPrefix[k] === prefix) return bindUri[k];
    return undefined;
  };
  /** The current start tag's attributes: name, colon position, value bounds and flags (reused). */
  const aName: string[] = [];
  const aColon: number[] = [];
  const aStart: number[] = [];
  const aEnd: number[] = [];
  const aFlags: number[] = [];
  const aValue: string[] = [];
  let root: XmlElement | undefined;
  let rootDone = false;
  let elements = 0;
  let nsError: string | undefined;
  let i = 0;
  /** Start of the character data not yet added to the open element, and what it holds. */
  let textStart = 0;
  let textFlags = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== 0x3c /* < */) {
      if (c === 0x26 /* & */) {
        if (depth === 0) return err(codecError('malformed-xml', 'entity reference outside the root element'));
        const len = checkReference(text, i);
        if (typeof len !== 'number') return err(len);
        textFlags |= HAS_REF;
        i += len;
        continue;
      }
      if (depth === 0) {
        if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return err(codecError('malformed-xml', `text outside the root element at offset ${i}`));
      } else if (c === 0x0d) {
        textFlags |= HAS_CR;
      }
      i++;
      continue;
    }
    if (depth > 0 && i > textStart) {
      const top = open[depth - 1]!;
      top.text += charData(text, textStart, i, textFlags);
    }
    textFlags = 0;
    const c1 = text.charCodeAt(i + 1);
    if (c1 === 0x21 /* ! */) {
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i + 4);
        if (end < 0) return err(codecError('malformed-xml', 'unterminated comment'));
        const dashes = text.indexOf('--', i + 4);
        if (dashes + 2 <= end) return err(codecError('malformed-xml', "'--' inside a comment"));
        i = textStart = end + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        if (depth === 0) return err(codecError('malformed-xml', 'CDATA section outside the root element'));
        const end = text.indexOf(']]>', i + 9);
        if (end < 0) return err(codecError('malformed-xml', 'unterminated CDATA section'));
        // CDATA is literal: no reference decoding.
        open[depth - 1]!.text += normalizeNewlines(text.slice(i + 9, end));
        i = textStart = end + 3;
        continue;
      }
      const decl = text.slice(i + 2, i + 9).toUpperCase();
      if (decl.startsWith('DOCTYPE')) return err(codecError('doctype-forbidden', 'DOCTYPE declarations are not accepted in presence bodies'));
      if (decl.startsWith('ENTITY')) return err(codecError('entity-forbidden', 'ENTITY declarations are not accepted in presence bodies'));
      return err(codecError('malformed-xml', `markup declaration '<!${decl}' is not accepted`));
    }
    if (c1 === 0x3f /* ? */) {
      const end = piEnd(text, i + 2);
      if (end === -2) return err(codecError('malformed-xml', 'unbalanced quotes in a processing instruction'));
      if (end < 0) return err(codecError('malformed-xml', 'unterminated processing instruction'));
      i = textStart = end + 2;
      continue;
    }
    if (c1 === 0x2f /* / */) {
      const end = text.indexOf('>', i + 2);
      if (end < 0) return err(codecError('malformed-xml', 'unterminated end tag'));
      const openName = depth > 0 ? openNames[depth - 1]! : undefined;
      // The usual case, `</name>` or `</name  >`, checked directly; anything else is compared as the
      // text up to '>' with trailing whitespace (JavaScript's) removed.
      let matched = false;
      if (openName !== undefined && i + 2 + openName.length <= end) {
        if (text.slice(i + 2, i + 2 + openName.length) === openName) {
          let k = i + 2 + openName.length;
          while (k < end && isTagSpace(text.charCodeAt(k))) k++;
          matched = k === end;
        }
      }
      if (!matched) {
        const name = text.slice(i + 2, end).trimEnd();
        if (openName !== name) return err(codecError('malformed-xml', openName === undefined ? `end tag </${name}> without a start tag` : `end tag </${name}> does not match <${openName}>`));
      }
      // Entries above `depth` are left in place: they are overwritten, never read.
      depth--;
      bindLen = openMarks[depth]!;
      if (depth === 0) rootDone = true;
      i = textStart = end + 1;
      continue;
    }

    // A start tag: the name, then `name="value"` attributes separated by whitespace, then '>' or '/>'.
    let j = i + 1;
    let colon = -1;
    let validName = j < n && isNameStart(text.charCodeAt(j));
    while (j < n) {
      const ch = text.charCodeAt(j);
      if (ch === 0x2f || ch === 0x3e || isJsSpace(ch)) break;
      if (!isNameChar(ch)) validName = false;
      else if (ch === 0x3a && colon < 0) colon = j - i - 1;
      j++;
    }
    const name = text.slice(i + 1, j);
    // A non-ASCII space ends the name before it starts: empty, so invalid.
    if (!validName || j === i + 1) return err(codecError('malformed-xml', `'<' at offset ${i} does not start a tag with a valid name`));
    if (isReserved(name)) return err(codecError('malformed-xml', `element name <${name}> is not accepted`));
    let selfClosing = false;
    let attrCount = 0;
    let seen: Set<string> | undefined;
    for (;;) {
      const wsStart = j;
      while (j < n && isTagSpace(text.charCodeAt(j))) j++;
      if (j >= n) return err(codecError('malformed-xml', `unterminated start tag <${name}>`));
      const ch = text.charCodeAt(j);
      if (ch === 0x3e /* > */) break;
      if (ch === 0x2f /* / */) {
        if (text.charCodeAt(j + 1) !== 0x3e) return err(codecError('malformed-xml', `'/' not followed by '>' in <${name}>`));
        selfClosing = true;
        j++;
        break;
      }
      if (j === wsStart) return err(codecError('malformed-xml', `attributes of <${name}> must be separated by whitespace`));
      const a0 = j;
      let aColonAt = -1;
      let validAttr = isNameStart(ch);
      while (j < n) {
        const ac = text.charCodeAt(j);
        if (ac === 0x3d || ac === 0x2f || ac === 0x3e || isJsSpace(ac)) break;
        if (!isNameChar(ac)) validAttr = false;
        else if (ac === 0x3a && aColonAt < 0) aColonAt = j - a0;
        j++;
      }
      const attrName = text.slice(a0, j);
      if (!validAttr || j === a0) return err(codecError('malformed-xml', `invalid attribute name '${attrName}' in <${name}>`));
      if (isReserved(attrName)) return err(codecError('malformed-xml', `attribute name '${attrName}' in <${name}> is not accepted`));
      let repeated = false;
      if (seen !== undefined) {
        repeated = seen.has(attrName);
      } else {
        for (let k = 0; k < attrCount; k++) if (aName[k] === attrName) repeated = true;
        if (attrCount >= LINEAR_ATTRIBUTE_CHECK) seen = new Set(aName.slice(0, attrCount));
      }
      if (repeated) return err(codecError('malformed-xml', `attribute '${attrName}' is repeated in <${name}>`));
      seen?.add(attrName);
      while (j < n && isTagSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== 0x3d /* = */) return err(codecError('malformed-xml', `attribute '${attrName}' of <${name}> has no value`));
      j++;
      while (j < n && isTagSpace(text.charCodeAt(j))) j++;
      const q = text.charCodeAt(j);
      if (q !== 0x22 && q !== 0x27) return err(codecError('malformed-xml', `value of attribute '${attrName}' in <${name}> is not quoted`));
      const close = text.indexOf(q === 0x22 ? '"' : "'", j + 1);
      if (close < 0) return err(codecError('malformed-xml', `unterminated value of attribute '${attrName}' in <${name}>`));
      let flags = 0;
      for (let k = j + 1; k < close; k++) {
        const v = text.charCodeAt(k);
        if (v > 0x3c) continue; // letters: nothing to check
        if (v === 0x3c) return err(codecError('malformed-xml', `'<' in the value of attribute '${attrName}' in <${name}>`));
        if (v === 0x26) {
          const len = checkReference(text, k);
          if (typeof len !== 'number') return err(len);
          flags |= HAS_REF;
          k += len - 1;
        } else if (v === 0x09 || v === 0x0a || v === 0x0d) {
          flags |= HAS_WS;
        }
      }
      aName[attrCount] = attrName;
      aColon[attrCount] = aColonAt;
      aStart[attrCount] = j + 1;
      aEnd[attrCount] = close;
      aFlags[attrCount] = flags;
      attrCount++;
      j = close + 1;
    }
    elements++;
    if (elements > l.maxElements) return err(codecError('too-many-elements', `more than ${l.maxElements} elements`));
    if (depth === 0 && rootDone) return err(codecError('malformed-xml', `second root element <${name}>`));
    if (depth + 1 > l.maxDepth) return err(codecError('too-deep', `elements nest deeper than ${l.maxDepth} levels (at <${name}>)`));

    // Namespaces: this tag's declarations apply to its own name and attributes, whatever their order.
    const mark = bindLen;
    for (let k = 0; k < attrCount; k++) {
      const an = aName[k]!;
      const isDecl = an.startsWith('xmlns') && (an.length === 5 || an.charCodeAt(5) === 0x3a);
      const raw = attributeValue(text, aStart[k]!, aEnd[k]!, aFlags[k]!);
      const value = isDecl ? internNamespace(raw) : raw;
      aValue[k] = value;
      if (isDecl) {
        bindPrefix[bindLen] = an.length === 5 ? '' : an.slice(6);
        bindUri[bindLen] = value;
        bindLen++;
      }
    }
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    const elementNs = lookup(prefix);
    if (elementNs === undefined && prefix !== '' && nsError === undefined) nsError = `namespace prefix '${prefix}' of <${name}> is not declared`;
    let attributes = NO_ATTRIBUTES;
    if (attrCount > 0) {
      const list: XmlAttribute[] = [];
      for (let k = 0; k < attrCount; k++) {
        const an = aName[k]!;
        const value = aValue[k]!;
        if (an.startsWith('xmlns') && (an.length === 5 || an.charCodeAt(5) === 0x3a)) {
          list.push({ ns: XMLNS_NS, local: an.length === 5 ? 'xmlns' : an.slice(6), value });
          continue;
        }
        const ac = aColon[k]!;
        if (ac <= 0) {
          // No prefix (or an empty one, `:name`): the empty namespace.
          list.push({ ns: '', local: ac < 0 ? an : an.slice(1), value });
          continue;
        }
        const ap = an.slice(0, ac);
        const ans = lookup(ap);
        if (ans === undefined && nsError === undefined) nsError = `namespace prefix '${ap}' of attribute ${an} is not declared`;
        list.push({ ns: ans ?? '', local: an.slice(ac + 1), value });
      }
      attributes = list;
    }
    const element: Building = { ns: elementNs ?? '', local: colon < 0 ? name : name.slice(colon + 1), attributes, children: NO_CHILDREN, text: '' };
    if (depth > 0) {
      const parent = open[depth - 1]!;
      if (parent.children === NO_CHILDREN) parent.children = [element];
      else parent.children.push(element);
    } else {
      root = element;
    }
    if (selfClosing) {
      bindLen = mark;
      if (depth === 0) rootDone = true;
    } else {
      open[depth] = element;
      openNames[depth] = name;
      openMarks[depth] = mark;
      depth++;
    }
    i = textStart = j + 1;
  }
  if (depth > 0) return err(codecError('malformed-xml', `unclosed element <${openNames[depth - 1]}>`));
  if (!rootDone || root === undefined) return err(codecError('malformed-xml', 'no root element'));
  if (nsError !== undefined) return err(codecError('malformed-xml', nsError));
  return ok(root);
}
