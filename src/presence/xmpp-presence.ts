/**
 * XMPP presence stanzas (RFC 6121 section 4.7): `<presence [type]><show/><status/><priority/></presence>`
 * ↔ the normalized Presence. The XMPP adapter frames stanzas out of the stream; this codec reads
 * and writes one stanza. https://www.rfc-editor.org/rfc/rfc6121#section-4.7
 *
 * XMPP has four `show` values, so the mapping is lossy (table in docs/presence.md):
 * none/chat → online, away → away, xa → away, dnd → do-not-disturb, type=unavailable → offline.
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { msPresCodeForAvailability } from './availability.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import type { Availability, Presence } from './presence.ts';
import { escapeXmlAttribute, escapeXmlText, parseSafeXml } from './safe-xml.ts';
import type { XmlInput, XmlLimits } from './safe-xml.ts';
import { attr, trimmedText } from './xml-element.ts';
import { ns } from './xml-namespaces.ts';
import { parseXsDateTime } from './xs-date-time.ts';

/** RFC 6121 presence types; absent means "available". */
export type XmppPresenceType = 'available' | 'unavailable' | 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed' | 'probe' | 'error';

/** RFC 6121 section 4.7.2.1 `show` values. */
export type XmppShow = 'away' | 'chat' | 'dnd' | 'xa';

/** One presence stanza. */
export interface XmppPresenceStanza {
  readonly from: string | null;
  readonly to: string | null;
  readonly type: XmppPresenceType;
  readonly show: XmppShow | null;
  /** `status` elements with their `xml:lang`. */
  readonly statuses: readonly { readonly text: string; readonly lang: string | null }[];
  /** -128..127; 0 when absent. */
  readonly priority: number;
  /** XEP-0203 `delay@stamp` (epoch ms). */
  readonly delayedAt: number | null;
}

const TYPES: readonly string[] = ['unavailable', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'probe', 'error'];
const SHOWS: readonly string[] = ['away', 'chat', 'dnd', 'xa'];
const STANZA_NAMESPACES: readonly string[] = ['', ns.xmppClient, 'jabber:server'];
const DELAY_NS = 'urn:xmpp:delay';

/** Parses one presence stanza (default namespace `jabber:client`, `jabber:server` or none). */
export function parseXmppPresence(input: XmlInput, limits?: Partial<XmlLimits>): Result<XmppPresenceStanza, PresenceCodecError> {
  const parsed = parseSafeXml(input, limits);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (root.local !== 'presence' || !STANZA_NAMESPACES.includes(root.ns)) {
    return err(codecError('unexpected-document', `expected an XMPP <presence> stanza, got <${root.local}> in '${root.ns}'`));
  }
  const typeText = attr(root, 'type');
  if (typeText !== undefined && !TYPES.includes(typeText)) return err(codecError('invalid-value', `presence type '${typeText}' is not defined by RFC 6121`));
  const own = (local: string) => root.children.filter((c) => c.local === local && c.ns === root.ns);
  const showText = trimmedText(own('show')[0]);
  if (showText !== undefined && !SHOWS.includes(showText)) return err(codecError('invalid-value', `show '${showText}' is not away, chat, dnd or xa`));
  const priorityText = trimmedText(own('priority')[0]);
  let priority = 0;
  if (priorityText !== undefined) {
    priority = Number(priorityText);
    if (!Number.isInteger(priority) || priority < -128 || priority > 127) return err(codecError('invalid-value', `priority '${priorityText}' is not an integer in -128..127`));
  }
  const delay = root.children.find((c) => c.local === 'delay' && c.ns === DELAY_NS);
  return ok({
    from: attr(root, 'from') ?? null,
    to: attr(root, 'to') ?? null,
    type: (typeText ?? 'available') as XmppPresenceType,
    show: (showText ?? null) as XmppShow | null,
    statuses: own('status').map((s) => ({ text: s.text.trim(), lang: attr(s, 'lang', ns.xml) ?? null })).filter((s) => s.text !== ''),
    priority,
    delayedAt: delay === undefined ? null : parseXsDateTime(attr(delay, 'stamp')),
  });
}

/** Bare JID (`user@domain`) of a full JID (`user@domain/resource`). */
export function bareJid(jid: string): string {
  const slash = jid.indexOf('/');
  return slash < 0 ? jid : jid.slice(0, slash);
}

/**
 * The normalized Presence of an availability stanza, or null for subscription and error stanzas
 * (they say nothing about availability). `uri` is `xmpp:` + the bare JID of `from`.
 */
export function presenceFromXmpp(stanza: XmppPresenceStanza, observedAt: number, options: { readonly lang?: string } = {}): Presence | null {
  if (stanza.type !== 'available' && stanza.type !== 'unavailable') return null;
  const availability: Availability = stanza.type === 'unavailable' ? 'offline'
    : stanza.show === 'dnd' ? 'do-not-disturb'
    : stanza.show === 'away' || stanza.show === 'xa' ? 'away'
    : 'online';
  const status = stanza.statuses.find((s) => options.lang !== undefined && s.lang === options.lang) ?? stanza.statuses[0];
  return {
    uri: stanza.from === null ? '' : `xmpp:${bareJid(stanza.from)}`,
    availability,
    availabilityCode: msPresCodeForAvailability(availability),
    activity: stanza.show === null || stanza.type === 'unavailable' ? null : { token: stanza.show, text: null },
    note: status === undefined ? null : { text: status.text, kind: 'other', lang: status.lang },
    device: null,
    source: 'xmpp',
    version: { publishedAt: stanza.delayedAt, sequence: null, instance: stanza.from },
    observedAt,
    basic: availability === 'offline' ? 'closed' : 'open',
    lastActive: null,
  };
}

/** The `show` value we send for a normalized availability (undefined = no `show`; offline sends type=unavailable). */
export function xmppShowForAvailability(availability: Availability): XmppShow | undefined {
  switch (availability) {
    case 'online': return undefined;
    case 'online-idle': case 'be-right-back': case 'away': return 'away';
    case 'busy': case 'busy-idle': case 'do-not-disturb': return 'dnd';
    case 'offline': case 'unknown': return undefined;
  }
}

/** What to send in a presence stanza. */
export interface XmppPresencePublication {
  readonly availability: Availability;
  readonly note?: string | null;
  readonly to?: string | null;
  readonly from?: string | null;
  readonly priority?: number;
}

/** Builds a presence stanza (`jabber:client`); notes are escaped. */
export function buildXmppPresence(pub: XmppPresencePublication): string {
  let attrs = ` xmlns="${ns.xmppClient}"`;
  if (pub.from) attrs += ` from="${escapeXmlAttribute(pub.from)}"`;
  if (pub.to) attrs += ` to="${escapeXmlAttribute(pub.to)}"`;
  if (pub.availability === 'offline') attrs += ' type="unavailable"';
  const show = xmppShowForAvailability(pub.availability);
  let inner = show === undefined ? '' : `<show>${show}</show>`;
  if (pub.note) inner += `<status>${escapeXmlText(pub.note)}</status>`;
  if (pub.priority !== undefined && pub.availability !== 'offline') inner += `<priority>${Math.max(-128, Math.min(127, Math.trunc(pub.priority)))}</priority>`;
  return inner === '' ? `<presence${attrs}/>` : `<presence${attrs}>${inner}</presence>`;
}
