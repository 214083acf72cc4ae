/**
 * Parses a presence definition document (seed 000 L5930-6120, schema L8355-8620) with the safe XML
 * of src/presence: no DTD, no entities, bounded size and depth. Pure: text in, definition or
 * issues out.
 *
 * Rules applied (each dropped part is a warning with its line; the document is an error only when
 * it is not XML, is in another namespace, its root is not `presence`, or no state is valid):
 * - a state id is required, without whitespace, not one of {@link reservedStateIds}; the first of
 *   duplicate ids wins;
 * - a `<display>` counts only with `menuText` or `statusText`, and only in a supported language
 *   (no `language` attribute = the default entry); a state needs one counted display and one valid
 *   `<genesysAgent>`;
 * - `ready` is an xs:boolean; the mode is ignored when ready, else one of {@link genesysAgentModes};
 * - `<reason in="reasons|extensions" keyname="ReasonCode">` (the seed's own example writes
 *   `ext="true"`, read as `in="extensions"`);
 * - `<auto>` keeps at most 4 events named preview-reject / -timeout / -redirect, first of each name
 *   wins; an `onevent` that names no valid state drops the event, such a `postevent` is dropped;
 * - `<composite>` is "not yet implemented" in the seed and is ignored.
 */
import { err, ok, type Result } from '../../lib/result.ts';
import { parseSafeXml } from '../../presence/safe-xml.ts';
import { attr, childrenNamed, type XmlElement } from '../../presence/xml-element.ts';
import {
  autoEventNames,
  genesysAgentModes,
  PRESENCE_DEFINITION_NS as NS,
  reservedStateIds,
  supportedLanguages,
  type AutoEventName,
  type AutoStateDefinition,
  type CustomState,
  type DefinitionIssue,
  type GenesysAgentMode,
  type GenesysAgentReason,
  type GenesysAgentState,
  type PresenceDefinition,
  type StateIcon,
  type StateText,
  type SupportedLanguage,
} from './presence-definition.ts';

/** Documents are small; 256 KiB is far above any real one. */
export const PRESENCE_DEFINITION_MAX_BYTES = 256 * 1024;
const MAX_STATES = 256;
const MAX_AUTO_EVENTS = 4;
const MAX_TEXT = 256;
const MAX_ID = 128;

/** A parsed document and the parts it dropped. */
export interface ParsedPresenceDefinition {
  definition: PresenceDefinition;
  warnings: DefinitionIssue[];
}

/** Why a document was refused (errors), and what else was found (warnings). */
export interface InvalidPresenceDefinition {
  issues: DefinitionIssue[];
}

/** The badge of an icon: `-badge` before the extension of the last path segment (seed 000 L5990-6000). */
export function badgeIconOf(main: string): string {
  const cut = main.search(/[?#]/);
  const path = cut >= 0 ? main.slice(0, cut) : main;
  const rest = cut >= 0 ? main.slice(cut) : '';
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  const at = dot > slash ? dot : path.length;
  return `${path.slice(0, at)}-badge${path.slice(at)}${rest}`;
}

/** Line numbers of the start tags with a local name, in document order (comments and CDATA skipped). */
function startTagLines(text: string, local: string): number[] {
  const blanked = text.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, (m) => m.replace(/[^\n]/g, ' '));
  const re = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${local}(?=[\\s/>])`, 'g');
  const lines: number[] = [];
  let line = 1;
  let last = 0;
  for (let m = re.exec(blanked); m !== null; m = re.exec(blanked)) {
    for (let i = last; i < m.index; i++) if (blanked.charCodeAt(i) === 10) line++;
    last = m.index;
    lines.push(line);
  }
  return lines;
}

function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(offset, text.length); i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** All descendants with this local name in the definition namespace, in document order. */
function allNamed(root: XmlElement, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.local === local && e.ns === NS) out.push(e);
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!);
  }
  return out;
}

function text(el: XmlElement | undefined): string | undefined {
  if (el === undefined) return undefined;
  const t = el.text.trim().replace(/\s+/g, ' ');
  return t === '' ? undefined : t.slice(0, MAX_TEXT);
}

function xsBoolean(v: string | undefined): boolean | undefined {
  switch (v?.trim()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return undefined;
  }
}

/** Parses a presence definition document. */
export function parsePresenceDefinition(input: string | Uint8Array): Result<ParsedPresenceDefinition, InvalidPresenceDefinition> {
  const source = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  const parsed = parseSafeXml(input, { maxBytes: PRESENCE_DEFINITION_MAX_BYTES });
  if (!parsed.ok) {
    const off = /offset (\d+)/.exec(parsed.error.message);
    return err({ issues: [{ severity: 'error', message: `not a well-formed XML document: ${parsed.error.message}`, ...(off ? { line: lineAtOffset(source, Number(off[1])) } : {}) }] });
  }
  const root = parsed.value;
  const rootLine = startTagLines(source, root.local)[0] ?? 1;
  if (root.local !== 'presence') {
    return err({ issues: [{ severity: 'error', message: `the root element is <${root.local}>, not <presence>`, line: rootLine }] });
  }
  if (root.ns !== NS) {
    return err({ issues: [{ severity: 'error', message: `the namespace is '${root.ns}', not '${NS}'`, line: rootLine }] });
  }

  const warnings: DefinitionIssue[] = [];
  const lineOf = new Map<XmlElement, number>();
  for (const local of ['state', 'display', 'genesysAgent', 'event', 'composite']) {
    const lines = startTagLines(source, local);
    allNamed(root, local).forEach((el, i) => {
      const l = lines[i];
      if (l !== undefined) lineOf.set(el, l);
    });
  }
  const warn = (el: XmlElement, message: string): void => {
    const line = lineOf.get(el);
    warnings.push({ severity: 'warning', message, ...(line !== undefined ? { line } : {}) });
  };

  const states: CustomState[] = [];
  const ids = new Set<string>();
  const stateEls = childrenNamed(root, NS, 'state');
  for (const el of stateEls.slice(0, MAX_STATES)) {
    const s = parseState(el, warn);
    if (s === undefined) continue;
    if (ids.has(s.id)) {
      warn(el, `state '${s.id}' is defined again; the first definition is used`);
      continue;
    }
    ids.add(s.id);
    states.push(s);
  }
  if (stateEls.length > MAX_STATES) warnings.push({ severity: 'warning', message: `only the first ${MAX_STATES} states are read` });
  for (const c of childrenNamed(root, NS, 'composite')) warn(c, '<composite> is not implemented and is ignored');

  if (states.length === 0) {
    return err({ issues: [{ severity: 'error', message: 'no valid state definition', line: rootLine }, ...warnings] });
  }

  const auto: Partial<Record<AutoEventName, AutoStateDefinition>> = {};
  const autoEl = childrenNamed(root, NS, 'auto')[0];
  if (autoEl !== undefined) {
    const events = childrenNamed(autoEl, NS, 'event');
    events.forEach((ev, i) => {
      if (i >= MAX_AUTO_EVENTS) return warn(ev, `only ${MAX_AUTO_EVENTS} auto events are read`);
      const name = attr(ev, 'name')?.trim();
      if (!autoEventNames.includes(name as AutoEventName)) return warn(ev, `auto event '${name ?? ''}' is not one of ${autoEventNames.join(', ')}`);
      const key = name as AutoEventName;
      if (auto[key] !== undefined) return warn(ev, `auto event '${key}' is defined again; the first definition is used`);
      const onEvent = attr(ev, 'onevent')?.trim() ?? '';
      if (!ids.has(onEvent)) return warn(ev, `auto event '${key}': onevent '${onEvent}' names no valid state; the built-in auto-state applies`);
      const post = attr(ev, 'postevent')?.trim();
      let postEvent: string | null = null;
      if (post !== undefined && post !== '') {
        if (ids.has(post)) postEvent = post;
        else warn(ev, `auto event '${key}': postevent '${post}' names no valid state and is ignored`);
      }
      auto[key] = { onEvent, postEvent };
    });
  }
  return ok({ definition: { states, auto }, warnings });
}

function parseState(el: XmlElement, warn: (el: XmlElement, message: string) => void): CustomState | undefined {
  const id = attr(el, 'id')?.trim() ?? '';
  if (id === '' || /\s/.test(attr(el, 'id') ?? '') || id.length > MAX_ID) {
    warn(el, `a state needs an id without whitespace (got '${(attr(el, 'id') ?? '').slice(0, 40)}'); state ignored`);
    return undefined;
  }
  if ((reservedStateIds as readonly string[]).includes(id)) {
    warn(el, `state id '${id}' is reserved; state ignored`);
    return undefined;
  }
  const display: Partial<Record<SupportedLanguage | 'default', StateText>> = {};
  for (const d of childrenNamed(el, NS, 'display')) {
    const langAttr = attr(d, 'language')?.trim().toLowerCase();
    const lang = langAttr === undefined || langAttr === '' ? 'default' : langAttr;
    if (lang !== 'default' && !(supportedLanguages as readonly string[]).includes(lang)) {
      warn(d, `state '${id}': display language '${lang}' is not supported; entry ignored`);
      continue;
    }
    const menuText = text(childrenNamed(d, NS, 'menuText')[0]);
    // The narrative says "stateText" (L6030), the schema "statusText": read both.
    const statusText = text(childrenNamed(d, NS, 'statusText')[0] ?? childrenNamed(d, NS, 'stateText')[0]);
    if (menuText === undefined && statusText === undefined) {
      warn(d, `state '${id}': a display entry needs menuText or statusText; entry ignored`);
      continue;
    }
    const key = lang as SupportedLanguage | 'default';
    if (display[key] !== undefined) {
      warn(d, `state '${id}': display '${key}' is defined again; the first is used`);
      continue;
    }
    display[key] = { ...(menuText !== undefined ? { menuText } : {}), ...(statusText !== undefined ? { statusText } : {}) };
  }
  if (Object.keys(display).length === 0) {
    warn(el, `state '${id}' has no valid display entry; state ignored`);
    return undefined;
  }
  const agent: GenesysAgentState[] = [];
  for (const g of childrenNamed(el, NS, 'genesysAgent')) {
    const a = parseGenesysAgent(g, id, warn);
    if (a !== undefined) agent.push(a);
  }
  if (agent.length === 0) {
    warn(el, `state '${id}' has no valid genesysAgent; state ignored`);
    return undefined;
  }
  const iconAttr = attr(el, 'icon')?.trim();
  const icon: StateIcon | null = iconAttr ? { main: iconAttr, badge: badgeIconOf(iconAttr) } : null;
  return { id, icon, display, agent };
}

function parseGenesysAgent(g: XmlElement, id: string, warn: (el: XmlElement, message: string) => void): GenesysAgentState | undefined {
  const ready = xsBoolean(attr(g, 'ready'));
  if (ready === undefined) {
    warn(g, `state '${id}': genesysAgent needs ready="true" or "false"; ignored`);
    return undefined;
  }
  let mode: GenesysAgentMode = 'none';
  const modeAttr = attr(g, 'mode')?.trim().toLowerCase();
  if (!ready && modeAttr !== undefined && modeAttr !== '') {
    if (!(genesysAgentModes as readonly string[]).includes(modeAttr)) {
      warn(g, `state '${id}': mode '${modeAttr}' is not one of ${genesysAgentModes.join(', ')}; genesysAgent ignored`);
      return undefined;
    }
    mode = modeAttr as GenesysAgentMode;
  }
  let reason: GenesysAgentReason | null = null;
  const r = childrenNamed(g, NS, 'reason')[0];
  const value = text(r);
  if (r !== undefined && value !== undefined) {
    const inAttr = attr(r, 'in')?.trim();
    const where = inAttr === 'extensions' || (inAttr === undefined && xsBoolean(attr(r, 'ext')) === true) ? 'extensions' : 'reasons';
    if (inAttr !== undefined && inAttr !== 'reasons' && inAttr !== 'extensions') warn(g, `state '${id}': reason in='${inAttr}' is not reasons or extensions; reasons used`);
    reason = { in: where, keyName: attr(r, 'keyname')?.trim() || 'ReasonCode', value };
  }
  return { ready, mode, reason };
}
