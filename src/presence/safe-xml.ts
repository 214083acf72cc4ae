/**
 * Safe XML for presence bodies: parse untrusted PIDF / RLMI / MS-PRES documents into a
 * namespace-resolved {@link XmlElement} tree, and escape text for the bodies we build.
 *
 * One linear scan (no recursion; xml-scanner.ts) both checks and builds the tree, so that nothing
 * lenient ever sees the text (fast-xml-parser, used before, accepts mismatched tags and repeated
 * attributes, expands DOCTYPE entities when asked to, and costs twice the scan on a PIDF document):
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
import type { XmlElement } from './xml-element.ts';
import { scanXml } from './xml-scanner.ts';

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

/** Hard ceiling on the configurable depth, so code reading the tree may recurse once per level. */
const DEPTH_CEILING = 512;

/** A body as it comes off the wire (SIP bodies are Buffers) or as a string. */
export type XmlInput = string | Uint8Array;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Merges partial limits over the defaults and clamps them to sane values. */
export function resolveXmlLimits(limits?: Partial<XmlLimits>): XmlLimits {
  // Most callers pass none: no merge per body.
  if (limits === undefined) return defaultXmlLimits;
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
  return scanXml(decoded.value, l);
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
