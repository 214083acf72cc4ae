/**
 * presence/: pure codecs and the normalized Presence model (ARCHITECTURE.md). No I/O, no clock,
 * no logger: callers pass `observedAt`. docs/presence.md describes the model, codecs and limits.
 */
export * from './presence.ts';
export * from './presence-codec-error.ts';
export * from './availability.ts';
export * from './rpid-activities.ts';
export * from './note-policy.ts';
export { defaultXmlLimits, escapeXmlAttribute, escapeXmlText, parseSafeXml, resolveXmlLimits } from './safe-xml.ts';
export type { XmlInput, XmlLimits } from './safe-xml.ts';
export type { XmlAttribute, XmlElement } from './xml-element.ts';
export { ns as presenceNamespaces } from './xml-namespaces.ts';
export { formatXsDateTime, parseXsDateTime } from './xs-date-time.ts';
export * from './pidf.ts';
export * from './multipart.ts';
export * from './rlmi.ts';
export * from './resource-list-notification.ts';
export * from './ms-pres-categories.ts';
export * from './ms-pres-category-publish.ts';
export * from './ms-pres-fault.ts';
export * from './ms-pres-batch-subscribe.ts';
export * from './xmpp-presence.ts';
