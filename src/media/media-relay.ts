/**
 * The media relay port: what the SIP switch asks of the relay in the media path (rtpengine over its
 * ng protocol in src/media/rtpengine; none at all when no relay is configured, and then media flows
 * end to end and music on hold is not available).
 *
 * A relay session joins two *parties* of one bridge, each named by a tag the switch chooses (for a
 * B2BUA these are its own leg tags, not the SIP dialogs' tags). `session` names the bridge; a
 * re-bridge (transfer) is a new session.
 */

/** One party's SDP going in, and the SDP the relay rewrote for the other party. */
export interface RelayOffer {
  session: string;
  /** The party whose SDP this is. */
  fromTag: string;
  sdp: string;
}

export interface RelayAnswer extends RelayOffer {
  /** The party that answers (its SDP is `sdp`). */
  toTag: string;
}

/** A relay refused or did not answer; the message says which command and why. */
export class MediaRelayError extends Error {
  constructor(readonly command: string, message: string) {
    super(`media relay ${command}: ${message}`);
    this.name = 'MediaRelayError';
  }
}

export interface MediaRelay {
  /** Where it is, for logs and the readiness check (for example `udp:127.0.0.1:2223`). */
  readonly address: string;
  /** `fromTag`'s offer; resolves with the SDP to send to the other party. */
  offer(o: RelayOffer): Promise<string>;
  /** `toTag`'s answer to `fromTag`; resolves with the SDP to send back to `fromTag`. */
  answer(a: RelayAnswer): Promise<string>;
  /** Plays a WAV file to `tag` (the party who *hears* it); `repeat` loops it until {@link stopMedia}. */
  playMedia(p: { session: string; tag: string; file: string; repeat?: boolean }): Promise<{ durationMs?: number }>;
  stopMedia(p: { session: string; tag: string }): Promise<void>;
  /** Stops forwarding media *coming from* `tag` (so that a player is heard alone). */
  blockMedia(p: { session: string; tag: string }): Promise<void>;
  unblockMedia(p: { session: string; tag: string }): Promise<void>;
  /** Ends the session and frees its ports. Deleting an unknown session is not an error. */
  delete(session: string): Promise<void>;
  /** Resolves when the relay answers a ping within the command timeout. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
