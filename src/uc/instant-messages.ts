/**
 * The instant-message capability of a UC platform (issue 13): the connector sends short text IMs
 * to a knowledge worker's UC address and receives the KW's IMs back, routed by sender. The preview
 * invitations over IM (seed 000 flow F8, src/connector/preview-im.ts) are built on it.
 *
 * - `sip-simple`: page-mode SIP MESSAGE (RFC 3428) through the platform's proxy; IMs to the
 *   connector's own address come back the same way (register the AoR so the proxy can find us).
 * - `ms-pres`: none (Lync / Skype for Business only takes IM inside an INVITE session;
 *   docs/uc-adapters.md, "Instant messages").
 * - `standalone`: none (there is no UC platform to carry them).
 *
 * Texts are bounded ({@link IM_MAX_TEXT_BYTES}) and plain (`text/plain`, UTF-8): they are shown
 * as text by UC clients and never carry markup of ours.
 */

/** The largest IM body sent or accepted, in UTF-8 bytes (under RFC 3428's 1300 bytes over UDP). */
export const IM_MAX_TEXT_BYTES = 1024;

/** One IM a KW sent to the connector. */
export interface UcIncomingIm {
  /** The sender's UC address as {@link imAddressKey} spells it (`sip:alice@example.test`). */
  readonly from: string;
  /** The text: valid UTF-8, control characters other than tab and newline removed, CRLF as LF. */
  readonly text: string;
}

/** Takes the IMs of one sender. */
export type UcImHandler = (im: UcIncomingIm) => void;

/** The IM side of a UC platform adapter (see the file comment). */
export interface UcInstantMessaging {
  /** The connector's own address: From of the IMs it sends, To of the replies. */
  readonly address: string;
  /** True while IMs can be sent (the adapter is started and, when it registers, registered). */
  readonly usable: boolean;
  /**
   * Sends `text` (text/plain, at most IM_MAX_TEXT_BYTES) to a UC address. Resolves when the
   * platform accepted it (2xx); rejects with UccError UCC_ERR_UC_IM otherwise (too long, refused,
   * not started, no answer).
   */
  send(to: string, text: string): Promise<void>;
  /**
   * Routes the IMs of `sender` to `handler`. The newest handler of a sender gets its IMs; its
   * remover gives them back to the one before (a chat over IM, then the preview invitations again).
   */
  onMessageFrom(sender: string, handler: UcImHandler): () => void;
  /**
   * MESSAGEs to addresses other than {@link address} (customers writing to a routing point,
   * docs/chat.md "Customers over SIP"), and answers sent from such an address. `sip-simple` only.
   */
  readonly otherRecipients?: {
    onMessage(handler: (m: { from: string; to: string; body: Uint8Array; contentType: string | undefined }) => { status: number; reason?: string }): () => void;
    send(from: string, to: string, text: string): Promise<void>;
  };
}

/**
 * The key a UC address is matched by: scheme, user and host, lower-cased, without display name,
 * port or parameters (`"Alice" <sip:Alice@Example.test:5060;transport=tcp>` → `sip:alice@example.test`).
 * Undefined when `address` holds no user@host.
 */
export function imAddressKey(address: string): string | undefined {
  const m = /(sips?):([^@\s<>;:"]{1,128})@([^\s<>;:?"/]{1,255})/i.exec(address);
  if (!m) return undefined;
  return `sip:${m[2]!.toLowerCase()}@${m[3]!.toLowerCase()}`;
}

/** Why an incoming IM body is refused, with the SIP status to answer. */
export interface ImRefusal {
  readonly status: 400 | 413 | 415;
  readonly reason: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads an incoming IM body: `text/plain` (charset UTF-8 or none), at most IM_MAX_TEXT_BYTES,
 * valid UTF-8. Control characters other than tab and newline are removed (CRLF and CR become LF).
 */
export function readImText(body: Uint8Array, contentType: string | undefined): { ok: true; text: string } | { ok: false; refusal: ImRefusal } {
  const type = (contentType ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
  if (type !== 'text/plain') return { ok: false, refusal: { status: 415, reason: 'Unsupported Media Type' } };
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') return { ok: false, refusal: { status: 415, reason: 'Unsupported Charset' } };
  if (body.length > IM_MAX_TEXT_BYTES) return { ok: false, refusal: { status: 413, reason: 'Message Too Long' } };
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    return { ok: false, refusal: { status: 400, reason: 'Invalid UTF-8' } };
  }
  return { ok: true, text: plainImText(text) };
}

/** Text made safe to carry and show: CRLF / CR as LF, other control characters (and DEL) removed. */
export function plainImText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** The UTF-8 size of `text`. */
export function imTextBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
