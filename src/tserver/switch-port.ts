/**
 * The Switch port: everything that happens to a call *leg* (one DN's part in a call) goes through
 * it. The T-Server core keeps the call model (ConnID, parties, UserData, routing) and decides; a
 * Switch makes it happen on a real or emulated network and reports what the network did as
 * {@link SwitchEvent}s, which the core takes as inputs.
 *
 * - `emulated` (src/switch/emulated): no media; every command succeeds at once and its events come
 *   back synchronously from {@link Switch.execute}. The demo and most tests use it.
 * - `sip` (src/switch/sip): a B2BUA on the project's SIP stack. Legs are SIP dialogs; events come
 *   later, through the listener given to {@link Switch.start}.
 *
 * A leg is named by (ConnID, DN). A Switch never decides routing, agent states or T-Lib events,
 * and ignores commands for legs it does not hold (the origin of a RequestMakeCall from a Trunk DN
 * has none; routing points and queues never have one). docs/switch.md describes the whole port.
 */
import type { ConnId, KvList } from '../tlib/index.ts';

/** The medium of a call (T-Lib MediaType; seed 004 3.24). */
export type MediaType = 'voice' | 'chat';

/** Why a leg could not be set up, or ended. */
export type SwitchCause =
  /** The endpoint is busy (SIP 486/600). */
  | 'busy'
  /** It rang and nobody answered within the endpoint's own limit (SIP 408/480 after ringing). */
  | 'noAnswer'
  /** No such endpoint, or it is not registered (SIP 404/480/604). */
  | 'notFound'
  /** The endpoint refused (SIP 603 and other 4xx-6xx). */
  | 'rejected'
  /** The network failed (transport error, timeout without a response, media relay refused). */
  | 'error'
  /** The number is not served here (an inbound call to an unknown or out-of-service DN). */
  | 'unknownNumber'
  /** The T-Server ended the leg in normal operation (release, transfer, abandon). */
  | 'normal';

/** Commands from the core to the Switch. */
export type SwitchCommand =
  /** An inbound leg (from {@link SwitchEvent} `inbound`) became the call's origin party on `dn`. */
  | { kind: 'accept'; legRef: string; connId: ConnId; dn: string }
  /** An inbound leg is refused: the Switch rejects it (SIP 404/480/503 as the cause says). */
  | { kind: 'refuse'; legRef: string; cause: SwitchCause }
  /**
   * Make `dn`'s endpoint ring with the call. `contact` is the DN's configured `contact` (where to
   * reach it); `from` is the DN the call comes from (its origin, or the transferring DN).
   */
  | { kind: 'offer'; connId: ConnId; dn: string; from: string; contact?: string; ani?: string; userData: KvList; mediaType: MediaType; passTranscript?: boolean }
  /** Answer a ringing leg from the desktop (third-party call control); see {@link SwitchCapabilities.answer}. */
  | { kind: 'answer'; connId: ConnId; dn: string }
  /**
   * End `dn`'s leg: a CANCEL while it rings, a BYE once it is up, a final response if inbound and
   * unanswered. Never sent for a leg the Switch reported `released`, nor for an offer it reported `failed`.
   */
  | { kind: 'release'; connId: ConnId; dn: string; cause: SwitchCause }
  | { kind: 'hold'; connId: ConnId; dn: string }
  | { kind: 'retrieve'; connId: ConnId; dn: string }
  /** `dn`'s leg moves from one call to another (two-step transfer or conference completion). */
  | { kind: 'move'; connId: ConnId; toConnId: ConnId; dn: string }
  /** The call ended in the core: free whatever the Switch still holds for it. */
  | { kind: 'end'; connId: ConnId }
  /** IM treatment (seed 004 3.14): send `texts` to `dn`'s leg, in order (PlayAnnouncement PROMPT TEXTs). */
  | { kind: 'sendText'; connId: ConnId; dn: string; texts: readonly string[] }
  /** IM treatment: from now (`on`) report what `dn`'s leg types as `collected` digits, or stop. */
  | { kind: 'collect'; connId: ConnId; dn: string; on: boolean };

/** Events from the Switch to the core. */
export type SwitchEvent =
  /**
   * A call arrived from the network. `legRef` is the Switch's own name for the leg until the core
   * answers with `accept` (binding it to a ConnID) or `refuse`. `to` is the dialled number (DNIS),
   * `from` the caller (ANI), `trunk` the Trunk DN it came through.
   */
  | { kind: 'inbound'; legRef: string; from: string; to: string; trunk: string; userData: KvList; mediaType: MediaType }
  | { kind: 'ringing'; connId: ConnId; dn: string }
  | { kind: 'answered'; connId: ConnId; dn: string }
  /**
   * An `offer` (or `answer`, `hold`, `retrieve`) could not be carried out. `of` names the command;
   * without it the core takes the offer while one is out for the leg, else the request waiting.
   */
  | { kind: 'failed'; connId: ConnId; dn: string; cause: SwitchCause; detail?: string; of?: 'offer' | 'answer' | 'hold' | 'retrieve' }
  /** The far end hung up (a caller before an answer abandons). */
  | { kind: 'released'; connId: ConnId; dn: string; cause: SwitchCause }
  | { kind: 'held'; connId: ConnId; dn: string }
  | { kind: 'retrieved'; connId: ConnId; dn: string }
  /** After `collect`: the customer's reply on `dn`'s leg, taken as the digits of a CollectDigits treatment. */
  | { kind: 'collected'; connId: ConnId; dn: string; digits: string };

/** What a Switch can do; the web client hides what it cannot. */
export interface SwitchCapabilities {
  /** A ringing leg can be answered from the desktop (RequestAnswerCall). */
  readonly answer: boolean;
  readonly hold: boolean;
  readonly transfer: boolean;
  readonly conference: boolean;
  /** Real media flows (ringback, music on hold, audio between parties). */
  readonly media: boolean;
}

export interface Switch {
  readonly name: string;
  readonly capabilities: SwitchCapabilities;
  /**
   * Whether `dn`'s ringing leg can be answered from the desktop (its phone honours a third-party
   * answer). Absent: `capabilities.answer` holds for every DN.
   */
  canAnswer?(dn: string): boolean;
  /** Starts the Switch; asynchronous events go to `listener` from then on. */
  start(listener: (event: SwitchEvent) => void): Promise<void>;
  /**
   * Carries out one command. Events that follow at once are returned (the emulated switch returns
   * every event here); later ones go to the listener. Never throws for a network failure: that is
   * a `failed` or `released` event.
   */
  execute(command: SwitchCommand): readonly SwitchEvent[];
  /** Stops: ends every leg it holds and closes its sockets. */
  stop(): Promise<void>;
}
