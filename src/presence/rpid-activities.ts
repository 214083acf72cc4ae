/**
 * RPID activities (RFC 4480 section 3.2, `<rpid:activities>`), and how they classify onto the
 * normalized availability. https://www.rfc-editor.org/rfc/rfc4480#section-3.2
 */

/** The activity elements RFC 4480 defines (besides `<other>` and `<unknown>`). */
export const rpidActivityTokens: readonly string[] = Object.freeze([
  'appointment', 'away', 'breakfast', 'busy', 'dinner', 'holiday', 'in-transit', 'looking-for-work', 'meal',
  'meeting', 'on-the-phone', 'performance', 'permanent-absence', 'playing', 'presentation', 'shopping',
  'sleeping', 'spectator', 'steering', 'travel', 'tv', 'vacation', 'working', 'worship',
]);

/** Activities that make a reachable person busy (protocol-notes section 6; a design choice, not RFC text). */
export const busyRpidActivities: ReadonlySet<string> = new Set([
  'on-the-phone', 'busy', 'meeting', 'appointment', 'presentation', 'performance',
]);

/** Activities that make a person away (protocol-notes section 6). */
export const awayRpidActivities: ReadonlySet<string> = new Set([
  'away', 'vacation', 'holiday', 'permanent-absence', 'sleeping', 'travel', 'in-transit', 'meal', 'breakfast', 'dinner',
]);

/**
 * `<rpid:other>` texts read as Do Not Disturb / Be Right Back. RPID has no such activities; several
 * SIP clients publish them as free text, and our own PIDF builder writes `do-not-disturb` and
 * `be-right-back` so those classes survive a PIDF round trip. Compared case-insensitively.
 */
export const dndOtherTexts: ReadonlySet<string> = new Set(['do-not-disturb', 'do not disturb', 'dnd']);
export const brbOtherTexts: ReadonlySet<string> = new Set(['be-right-back', 'be right back', 'brb']);

/** True for the RFC 4480 activity element names. */
export function isRpidActivity(token: string): boolean {
  return rpidActivityTokens.includes(token);
}

/**
 * The RPID activity closest to an MS-PRES activity token (protocol-notes section 3.2), for
 * publishing a Lync-style activity to a standards server. Unknown tokens give undefined (publish
 * them as `<rpid:other>`).
 */
export function rpidActivityForToken(token: string): string | undefined {
  if (isRpidActivity(token)) return token;
  switch (token) {
    case 'in-a-meeting':
    case 'in-a-conference':
      return 'meeting';
    case 'in-presentation':
      return 'presentation';
    case 'out-of-office':
    case 'off-work':
      return 'away';
    default:
      return undefined;
  }
}
