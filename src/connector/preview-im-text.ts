/**
 * The texts of a preview invitation over IM (seed 000 flow F8, issue 13), and the reading of the
 * KW's answer. Pure: the preview IM service (preview-im.ts) sends and receives them.
 *
 * The invitation holds `invite-message`, the case summary (the Preview window's
 * `userdata-preview-format<n>` fields, `title: value` per line), the countdown and a link to the
 * web client, then how to answer. UserData is carried as plain text (IMs are text/plain), one
 * field per line: a value's own line breaks are flattened so it cannot forge a line of ours.
 */
import type { KvList } from '../lib/kv-list.ts';
import { IM_MAX_TEXT_BYTES, imTextBytes } from '../uc/instant-messages.ts';

/** What an invitation shows. */
export interface PreviewImInvitation {
  /** `[Microsoft-OCS] invite-message`. */
  readonly inviteMessage: string;
  /** `userdata-preview-format<n>` values, in option order. */
  readonly formats: readonly string[];
  readonly userData: KvList;
  /** The media (`voice`, `chat`) and the Routing Point the interaction waits on. */
  readonly mediaType: string;
  readonly routingPoint: string;
  /** Milliseconds left to answer. */
  readonly remainingMs: number;
  /** The web client's address; omitted when none is known. */
  readonly link?: string | undefined;
}

/** A KW's answer to an invitation. */
export type PreviewImAnswer = 'accept' | 'reject';

const FORMAT = /^\s*title\s*:\s*(.*?)\s*,\s*value\s*:\s*\[([^\]]{1,256})\]\s*$/i;
const MAX_TITLE = 256;
const MAX_VALUE = 256;

/** The case summary: one `title: value` per format whose key the UserData carries (as the Preview window). */
export function previewSummaryLines(formats: readonly string[], userData: KvList): string[] {
  const lines: string[] = [];
  for (const f of formats) {
    if (f.length > 1024) continue;
    const m = FORMAT.exec(f);
    if (!m) continue;
    const key = m[2]!.trim();
    const pair = userData.find(([k]) => k === key);
    if (!pair) continue;
    const v = pair[1];
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    lines.push(`${oneLine(m[1]!, MAX_TITLE)}: ${oneLine(String(v), MAX_VALUE)}`);
  }
  return lines;
}

/** Seconds shown for `ms` left (rounded up: 14.2 s left reads 15 s). */
export function countdownSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** The invitation text, within IM_MAX_TEXT_BYTES (summary lines are dropped from the end to fit). */
export function previewInvitationText(inv: PreviewImInvitation): string {
  const head = [oneLine(inv.inviteMessage, 300), `New ${oneLine(inv.mediaType, 16)} interaction on ${oneLine(inv.routingPoint, 64)}.`];
  const tail = [`Answer within ${countdownSeconds(inv.remainingMs)} s: reply 1 or accept to take it, 2 or reject to decline.`];
  if (inv.link) tail.push(`Web client: ${oneLine(inv.link, 200)}`);
  const summary = previewSummaryLines(inv.formats, inv.userData);
  for (;;) {
    const text = [...head, ...summary, ...tail].join('\n');
    if (imTextBytes(text) <= IM_MAX_TEXT_BYTES || summary.length === 0) return text;
    summary.pop();
  }
}

/** The IM sent when the countdown ran out. */
export const PREVIEW_IM_EXPIRED = 'The offer has expired.';
/** The IM sent for a reply that is no answer. */
export const PREVIEW_IM_HELP = 'Reply 1 or accept to take the offer, 2 or reject to decline it.';
/** The IM sent for an answer when no offer is open. */
export const PREVIEW_IM_NONE_OPEN = 'No offer is open for you now.';

/** "1" / "accept" or "2" / "reject", case-insensitive, trimmed; anything else is no answer. */
export function parsePreviewImAnswer(text: string): PreviewImAnswer | undefined {
  const t = text.trim().toLowerCase();
  if (t === '1' || t === 'accept') return 'accept';
  if (t === '2' || t === 'reject') return 'reject';
  return undefined;
}

/** One line of at most `max` characters: line breaks and other controls as spaces. */
function oneLine(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
