/**
 * The JSON messages of the KW client API (`/api/v1/kw-socket`, docs/kw-socket.md). The connector
 * produces the server → client ones (the preview manager and the KW view); the WebSocket layer only
 * carries them. Client → server messages are parsed by `parseKwClientMessage` (pure, bounded).
 */
import type { KvList } from '../lib/kv-list.ts';
import type { PreviewOutcome } from '../preview/preview-messages.ts';
import type { KnowledgeWorkerView } from './knowledge-worker-view.ts';
import { err, ok, type Result } from '../lib/result.ts';
import { actionsFor, type Interaction, type InteractionAction, type InteractionState } from './interactions/interaction-machine.ts';

/** Server → client: a preview to show with its countdown. */
export interface KwPreviewMessage {
  type: 'preview';
  /** The offer id the client answers with (unique in the connector). */
  id: string;
  connId: string;
  /** The routing point (or queue) where the interaction waits. */
  dn: string;
  mediaType: string;
  userData: KvList;
  /** When the preview expires, epoch ms on the connector's clock. */
  deadline: number;
  /** Milliseconds left when the message was sent (the client counts down from it). */
  remaining: number;
  /** True when "accept on external number" is offered (a redirect number is set and enabled). */
  canRedirect: boolean;
}

/** Server → client: the preview closed (on every session of the KW, whichever one acted). */
export interface KwPreviewClosedMessage {
  type: 'preview-closed';
  id: string;
  outcome: PreviewOutcome;
  /** On `redirected`: the number the call goes to. */
  dn?: string;
  /** Why, when known (`abandoned`, `client-disconnected`...). */
  reason?: string;
}

/** Server → client: the KW's view changed (UcConnector `kwChange`), also sent on connect. */
export interface KwStateMessage {
  type: 'state';
  kw: KnowledgeWorkerView;
}

/** Server → client: a request of this client was refused or malformed. */
export interface KwErrorMessage {
  type: 'error';
  /** Short machine-readable reason: `bad-json`, `unknown-message`, `too-large`, `unknown-preview`, `not-your-preview`, `already-closed`, `cannot-redirect`, `rate-limited`. */
  code: string;
  message: string;
  /** The preview id the refused request named, if any. */
  id?: string;
}

/** Server → client: answer to `ping`. */
export interface KwPongMessage {
  type: 'pong';
  /** Server time, epoch ms. */
  now: number;
}

/** Server → client: one of the KW's calls appeared or changed (docs/kw-socket.md). */
export interface KwInteractionMessage {
  type: 'interaction';
  interaction: InteractionJson;
  /** Set when EventPartyChanged renamed the call: the client replaces the entry with this ConnID. */
  previousConnId?: string;
}

/** Server → client: a call of the KW ended at its DN. */
export interface KwInteractionClosedMessage {
  type: 'interaction-closed';
  connId: string;
}

/** An interaction as the client sees it (REST and socket). */
export interface InteractionJson {
  connId: string;
  state: InteractionState;
  otherDn: string | null;
  parties: readonly string[];
  userData: KvList;
  callType: string | null;
  startedAt: number;
  updatedAt: number;
  /** The call-control actions that apply now. */
  actions: readonly InteractionAction[];
}

/** The JSON form of an interaction; `answerable` false drops Answer (see {@link actionsFor}). */
export function interactionJson(i: Interaction, answerable = true): InteractionJson {
  return { connId: i.connId, state: i.state, otherDn: i.otherDn, parties: i.parties, userData: i.userData, callType: i.callType, startedAt: i.startedAt, updatedAt: i.updatedAt, actions: actionsFor(i.state, { answer: answerable }) };
}

/** A chat message as the KW client gets it (src/switch/chat/chat-endpoint.ts ChatMessage). */
export interface KwChatMessageJson {
  seq: number;
  from: 'customer' | 'agent' | 'system';
  sender: string;
  text: string;
  at: number;
}

/** Server → client: a chat leg opened at the KW's DN (a routed, transferred or consultation chat), with the transcript so far. */
export interface KwChatOpenedMessage {
  type: 'chat-opened';
  connId: string;
  /** `chat-title`, or `chat-consult-title` for a consultation. */
  title: string;
  consult: boolean;
  userData: KvList;
  history: KwChatMessageJson[];
}

/** Server → client: a message in one of the KW's chats; `chat-typing`: the other side types; `chat-ended`: the KW's leg is over. */
export type KwChatEventMessage =
  | { type: 'chat-message'; connId: string; message: KwChatMessageJson }
  | { type: 'chat-typing'; connId: string; from: string; on: boolean }
  | { type: 'chat-ended'; connId: string; reason: string };

export type KwServerMessage = KwPreviewMessage | KwPreviewClosedMessage | KwStateMessage | KwErrorMessage | KwPongMessage | KwInteractionMessage | KwInteractionClosedMessage | KwChatOpenedMessage | KwChatEventMessage;

/** Client → server. */
export type KwClientMessage =
  | { type: 'accept'; id: string }
  | { type: 'reject'; id: string }
  | { type: 'accept-external'; id: string }
  | { type: 'ping' }
  /** A message in the chat `connId` (cleaned and bounded by the chat switch). */
  | { type: 'chat-send'; connId: string; text: string }
  | { type: 'chat-typing'; connId: string; on: boolean };

/** Why a client message was refused. */
export interface KwClientMessageError {
  code: 'bad-json' | 'unknown-message' | 'too-large';
  message: string;
}

/** Largest client message accepted, in bytes (a preview id and a type fit in far less). */
export const maxKwClientMessageBytes = 4096;
const maxIdLength = 128;

/** Parses one client frame (text). Pure; never throws. */
export function parseKwClientMessage(text: string): Result<KwClientMessage, KwClientMessageError> {
  if (Buffer.byteLength(text, 'utf8') > maxKwClientMessageBytes) {
    return err({ code: 'too-large', message: `messages are limited to ${maxKwClientMessageBytes} bytes` });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return err({ code: 'bad-json', message: 'the message is not valid JSON' });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return err({ code: 'bad-json', message: 'the message is not a JSON object' });
  const o = v as Record<string, unknown>;
  const type = o['type'];
  if (type === 'ping') return ok({ type: 'ping' });
  if (type === 'chat-send' || type === 'chat-typing') {
    const connId = o['connId'];
    if (typeof connId !== 'string' || connId.length === 0 || connId.length > maxIdLength) return err({ code: 'unknown-message', message: `${type} needs a connId` });
    if (type === 'chat-typing') return ok({ type, connId, on: o['on'] === true });
    const text = o['text'];
    if (typeof text !== 'string') return err({ code: 'unknown-message', message: 'chat-send needs a text' });
    return ok({ type, connId, text });
  }
  if (type === 'accept' || type === 'reject' || type === 'accept-external') {
    const id = o['id'];
    if (typeof id !== 'string' || id.length === 0 || id.length > maxIdLength) {
      return err({ code: 'unknown-message', message: `${type} needs a preview id (a string of 1..${maxIdLength} characters)` });
    }
    return ok({ type, id });
  }
  return err({ code: 'unknown-message', message: `unknown message type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 32)) : '(none)'}` });
}
