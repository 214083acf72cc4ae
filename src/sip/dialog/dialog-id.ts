/**
 * Dialog identifier (RFC 3261 section 12): Call-ID, local tag, remote tag. The UAC's local tag is
 * its From tag; the UAS's local tag is the To tag it added.
 */
export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** A Map key for a dialog id. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

/**
 * A key that ignores the remote tag: a NOTIFY may arrive before the SUBSCRIBE's 2xx (RFC 6665
 * section 4.1.2.4), so subscriptions are first looked up by Call-ID and our tag only.
 */
export function halfDialogKey(callId: string, localTag: string): string {
  return `${callId}\u0000${localTag}`;
}
