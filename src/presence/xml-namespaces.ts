/** Namespace URIs of the presence documents (matched by URI, never by prefix). */
export const ns = Object.freeze({
  /** RFC 3863 PIDF. */
  pidf: 'urn:ietf:params:xml:ns:pidf',
  /** RFC 4479 data model (person, device, note, timestamp, deviceID). */
  dataModel: 'urn:ietf:params:xml:ns:pidf:data-model',
  /** RFC 4480 RPID. */
  rpid: 'urn:ietf:params:xml:ns:pidf:rpid',
  /** RFC 4662 RLMI. */
  rlmi: 'urn:ietf:params:xml:ns:rlmi',
  /** MS-PRES categories document (NOTIFY / BENOTIFY bodies). */
  msCategories: 'http://schemas.microsoft.com/2006/09/sip/categories',
  /** MS-PRES state category content. */
  msState: 'http://schemas.microsoft.com/2006/09/sip/state',
  /** MS-PRES note category content. */
  msNote: 'http://schemas.microsoft.com/2006/09/sip/note',
  /** MS-PRES category publication (SERVICE bodies). */
  msRichPresence: 'http://schemas.microsoft.com/2006/09/sip/rich-presence',
  /** MS-PRES batch subscribe (ad-hoc list). */
  msBatchSubscribe: 'http://schemas.microsoft.com/2006/01/sip/batch-subscribe',
  /** MS-PRES category list inside a batch subscribe. */
  msCategoryList: 'http://schemas.microsoft.com/2006/09/sip/categorylist',
  /** XML Schema instance (`xsi:type`). */
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  /** The `xml:` prefix (`xml:lang`). */
  xml: 'http://www.w3.org/XML/1998/namespace',
  /** RFC 6121 XMPP client stanzas. */
  xmppClient: 'jabber:client',
});

/**
 * The Lync docs show the Microsoft namespaces with both `http://` and `https://`; real clients send
 * `http://` (protocol-notes section 2.1). Readers accept both.
 */
export function isMsNamespace(actual: string, expected: string): boolean {
  return actual === expected || (expected.startsWith('http://') && actual === `https://${expected.slice(7)}`);
}
