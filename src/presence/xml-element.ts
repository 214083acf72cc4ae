/**
 * The namespace-resolved XML tree the presence codecs read. Every element and attribute carries its
 * namespace URI and local name, so codecs match on URIs, never on the prefixes a peer happened to
 * choose (`dm:person`, `pdm:person` and `person` in a default namespace are the same element).
 */

/** One attribute. `ns` is '' for unprefixed attributes (XML Namespaces 1.0 section 6.3). */
export interface XmlAttribute {
  readonly ns: string;
  readonly local: string;
  readonly value: string;
}

/** One element. `text` is its own character data (entity references decoded, CDATA included), not its children's. */
export interface XmlElement {
  readonly ns: string;
  readonly local: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  readonly text: string;
}

// The readers below run for every element of every presence body: indexed loops, because a for-of
// that is not optimized (yet) allocates an iterator result per step.

/** The value of an attribute, or undefined. Unprefixed attributes have the namespace ''. */
export function attr(el: XmlElement, local: string, ns = ''): string | undefined {
  const list = el.attributes;
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a.local === local && a.ns === ns) return a.value;
  }
  return undefined;
}

/** The first child element with this namespace and local name. */
export function child(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  const list = el.children;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (c.local === local && c.ns === ns) return c;
  }
  return undefined;
}

/** All child elements with this namespace and local name, in document order. */
export function childrenNamed(el: XmlElement, ns: string, local: string): XmlElement[] {
  const found: XmlElement[] = [];
  const list = el.children;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (c.local === local && c.ns === ns) found.push(c);
  }
  return found;
}

/**
 * All descendants (not `el` itself) with this namespace and local name, in document order.
 * Iterative, so a deep tree cannot exhaust the stack.
 */
export function descendants(el: XmlElement, ns: string, local: string): XmlElement[] {
  const found: XmlElement[] = [];
  const stack: XmlElement[] = [...el.children].reverse();
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.local === local && e.ns === ns) found.push(e);
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!);
  }
  return found;
}

/**
 * The first descendant (not `el` itself) with this namespace and local name in document order, as
 * `descendants(el, ns, local)[0]` without collecting the others. Iterative.
 */
export function firstDescendant(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  if (el.children.length === 0) return undefined;
  const stack: XmlElement[] = [];
  for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]!);
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.local === local && e.ns === ns) return e;
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!);
  }
  return undefined;
}

/** The text of an element trimmed, or undefined when the element is absent or blank. */
export function trimmedText(el: XmlElement | undefined): string | undefined {
  if (el === undefined) return undefined;
  const t = el.text.trim();
  return t === '' ? undefined : t;
}
