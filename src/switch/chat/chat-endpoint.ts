/**
 * The chat switch's ports (docs/chat.md). A chat *leg* is one side of a chat call: the customer
 * (the chat page, later a SIP page-mode session) or a KW (the web client's chat window, later the
 * KW's UC client over SIP MESSAGE). Each side is a {@link ChatEndpoint} the switch delivers to, and
 * holds a {@link ChatLeg} handle to speak back. KW endpoints are found through a
 * {@link ChatEndpointReach}; customers come in through `ChatSwitch.openCustomer`.
 */

/** Who wrote a message: the customer, a KW (agent), or the system (treatment prompts, notices). */
export type ChatSender = 'customer' | 'agent' | 'system';

/** One message of a chat, as stored in the transcript and delivered to the legs. */
export interface ChatMessage {
  readonly connId: string;
  /** Order in the chat, from 1. */
  readonly seq: number;
  readonly from: ChatSender;
  /** Who exactly: the customer's name, the KW's DN, `treatment` or `system`. */
  readonly sender: string;
  /** Plain text; never HTML. */
  readonly text: string;
  /** Epoch ms on the switch's clock. */
  readonly at: number;
  /** `treatment`: the customer ↔ IM-treatment exchange before an agent (seed 004 3.14). */
  readonly phase: 'treatment' | 'agent';
}

/** Why a leg's chat is over. */
export type ChatEndReason = 'released' | 'ended' | 'refused' | 'transferred';

/** One side of a chat, as the switch sees it. */
export interface ChatEndpoint {
  /** A message for this side (from another leg or the system). */
  deliver(message: ChatMessage): void;
  /** Another leg started (`on`) or stopped typing. */
  typing(from: ChatSender, on: boolean): void;
  /** This leg is out of the chat; nothing more is delivered. */
  end(reason: ChatEndReason): void;
}

/** What a leg's owner uses to speak in the chat. */
export interface ChatLeg {
  readonly connId: string;
  readonly dn: string;
  /** Sends a message to the other legs; the text is cleaned first (chat-text.ts). */
  send(text: unknown): { ok: true; message: ChatMessage } | { ok: false; code: string; message: string };
  typing(on: boolean): void;
  /** Leaves the chat (the customer closes it, the KW's endpoint is gone). */
  leave(): void;
  /** The messages so far that this leg may see. */
  history(): readonly ChatMessage[];
}

/** What a KW leg is opened for. */
export interface ChatLegInfo {
  readonly connId: string;
  /** The KW's DN. */
  readonly dn: string;
  /** The DN the chat comes from (the customer's Trunk, or the consulting KW's DN). */
  readonly from: string;
  readonly userData: readonly (readonly [string, unknown])[];
  /** Whether this leg is a consultation (a chat between KWs). */
  readonly consult: boolean;
}

/**
 * Where KW chat legs are delivered: the web client now; the KW's UC client (SIP MESSAGE through
 * the UC platform) plugs in as another implementation. `open` returns undefined when the KW cannot
 * be reached that way at the moment (the offer then fails with `notFound`).
 */
export interface ChatEndpointReach {
  open(leg: ChatLeg, info: ChatLegInfo): ChatEndpoint | undefined;
}

/** Where every message and routing event of a chat is written (the transcript store). */
export interface TranscriptSink {
  append(entry: TranscriptEntry): void;
}

/** One transcript line: a message, or a routing event (`kind: 'event'`, text like `joined 7001`). */
export interface TranscriptEntry {
  readonly connId: string;
  readonly seq: number;
  readonly kind: 'message' | 'event';
  readonly from: ChatSender;
  readonly sender: string;
  readonly text: string;
  readonly at: number;
}
