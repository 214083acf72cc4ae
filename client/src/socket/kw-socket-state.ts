/**
 * What the KW socket tells the client (docs/kw-socket.md), folded into one state by a pure reducer:
 * the KW view, the open previews (with a local deadline for the countdown), the previews that just
 * closed (and why), and the calls. The socket transport and the windows only read it.
 */

import type { KnowledgeWorker } from '../api.ts';

/** A KV list as the server sends it: `[key, value]` pairs. */
export type KvList = ReadonlyArray<readonly [string, unknown]>;

/** The KW view pushed in `state`: the same shape as the REST GET of the KW (the parts the client reads). */
export type KwView = KnowledgeWorker;

/** An open preview. `localDeadline` is on the browser's clock: receipt time + `remaining`. */
export interface OpenPreview {
  id: string;
  connId: string;
  dn: string;
  mediaType: string;
  userData: KvList;
  canRedirect: boolean;
  localDeadline: number;
}

export type PreviewOutcome = 'accepted' | 'rejected' | 'timeout' | 'taken' | 'cancelled' | 'error' | 'redirected';

/** A preview that ended: shown briefly with its outcome. */
export interface ClosedPreview {
  id: string;
  outcome: PreviewOutcome;
  closedAt: number;
}

export type InteractionState = 'ringing' | 'dialing' | 'established' | 'held' | 'released';

/** A call at the KW DN (the body of `interaction`). */
export interface InteractionView {
  connId: string;
  state: InteractionState;
  otherDn: string | null;
  parties: readonly string[];
  userData: KvList;
  callType: string | null;
  startedAt: number;
  updatedAt: number;
  actions: readonly string[];
  /** Browser time the call ended (kept for `itx-window-close-timeout`); absent while it lasts. */
  releasedAt?: number;
}

/** One chat message (plain text; rendered as a text node). */
export interface ChatMessageView {
  seq: number;
  from: 'customer' | 'agent' | 'system';
  sender: string;
  text: string;
  at: number;
}

/** A chat at the KW's DN: its window title (`chat-title` / `chat-consult-title`) and its messages. */
export interface ChatView {
  connId: string;
  title: string;
  consult: boolean;
  userData: KvList;
  messages: readonly ChatMessageView[];
  /** The other side is typing. */
  typing: boolean;
  /** Why the KW's leg ended (`released`...), once it did. */
  ended?: string;
}

export interface KwSocketState {
  kw: KwView | null;
  previews: readonly OpenPreview[];
  closedPreviews: readonly ClosedPreview[];
  interactions: readonly InteractionView[];
  /** ConnIDs of calls that came from an accepted preview (never suppressed by popup-udata-key). */
  previewConnIds: readonly string[];
  chats: readonly ChatView[];
}

export const initialSocketState: KwSocketState = { kw: null, previews: [], closedPreviews: [], interactions: [], previewConnIds: [], chats: [] };

/** Most messages kept per chat in the window. */
const MAX_MESSAGES = 500;

function chatMessage(v: unknown): ChatMessageView | undefined {
  if (!isObject(v) || typeof v['text'] !== 'string' || typeof v['seq'] !== 'number') return undefined;
  const from = v['from'] === 'customer' || v['from'] === 'agent' ? v['from'] : 'system';
  return { seq: v['seq'], from, sender: typeof v['sender'] === 'string' ? v['sender'] : '', text: v['text'], at: typeof v['at'] === 'number' ? v['at'] : 0 };
}

function withChat(state: KwSocketState, connId: string, f: (c: ChatView) => ChatView): KwSocketState {
  if (!state.chats.some((c) => c.connId === connId)) return state;
  return { ...state, chats: state.chats.map((c) => (c.connId === connId ? f(c) : c)) };
}

/** Most entries kept per list: a misbehaving server cannot grow the page without bound. */
const MAX_ITEMS = 50;
const outcomes: readonly string[] = ['accepted', 'rejected', 'timeout', 'taken', 'cancelled', 'error', 'redirected'];
const cap = <T>(list: readonly T[]): readonly T[] => (list.length > MAX_ITEMS ? list.slice(list.length - MAX_ITEMS) : list);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isKvList = (v: unknown): v is KvList => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string');

/**
 * Applies one server message (already JSON-parsed). Unknown or malformed messages leave the state
 * as it is. `now` is the browser's clock (epoch ms).
 */
export function reduceSocketMessage(state: KwSocketState, message: unknown, now: number): KwSocketState {
  if (!isObject(message)) return state;
  switch (message['type']) {
    case 'state': {
      const kw = message['kw'];
      return isObject(kw) && typeof kw['userName'] === 'string' ? { ...state, kw: kw as unknown as KwView } : state;
    }
    case 'preview': {
      const m = message;
      if (typeof m['id'] !== 'string' || typeof m['connId'] !== 'string' || typeof m['remaining'] !== 'number') return state;
      const preview: OpenPreview = {
        id: m['id'],
        connId: m['connId'],
        dn: typeof m['dn'] === 'string' ? m['dn'] : '',
        mediaType: typeof m['mediaType'] === 'string' ? m['mediaType'] : 'voice',
        userData: isKvList(m['userData']) ? m['userData'] : [],
        canRedirect: m['canRedirect'] === true,
        localDeadline: now + Math.max(0, m['remaining']),
      };
      return { ...state, previews: cap([...state.previews.filter((p) => p.id !== preview.id), preview]) };
    }
    case 'preview-closed': {
      const id = message['id'];
      const outcome = message['outcome'];
      if (typeof id !== 'string' || typeof outcome !== 'string' || !outcomes.includes(outcome)) return state;
      const closed = state.previews.find((p) => p.id === id);
      const accepted = outcome === 'accepted' && closed !== undefined;
      return {
        ...state,
        previews: state.previews.filter((p) => p.id !== id),
        closedPreviews: cap([...state.closedPreviews.filter((c) => c.id !== id), { id, outcome: outcome as PreviewOutcome, closedAt: now }]),
        previewConnIds: accepted ? cap([...state.previewConnIds, closed.connId]) : state.previewConnIds,
      };
    }
    case 'interaction': {
      const i = message['interaction'];
      if (!isObject(i) || typeof i['connId'] !== 'string' || typeof i['state'] !== 'string') return state;
      const view: InteractionView = { ...(i as unknown as InteractionView), userData: isKvList(i['userData']) ? i['userData'] : [], actions: Array.isArray(i['actions']) ? (i['actions'] as string[]) : [] };
      const previous = typeof message['previousConnId'] === 'string' ? message['previousConnId'] : undefined;
      const rest = state.interactions.filter((x) => x.connId !== view.connId && x.connId !== previous);
      const previewConnIds = previous !== undefined && state.previewConnIds.includes(previous) ? [...state.previewConnIds, view.connId] : state.previewConnIds;
      return { ...state, interactions: cap([...rest, view]), previewConnIds };
    }
    case 'interaction-closed': {
      const connId = message['connId'];
      if (typeof connId !== 'string') return state;
      return { ...state, interactions: state.interactions.map((x) => (x.connId === connId ? { ...x, state: 'released' as const, actions: [], releasedAt: now } : x)) };
    }
    case 'chat-opened': {
      const m = message;
      if (typeof m['connId'] !== 'string') return state;
      const history = Array.isArray(m['history']) ? m['history'].map(chatMessage).filter((x): x is ChatMessageView => x !== undefined) : [];
      const chat: ChatView = { connId: m['connId'], title: typeof m['title'] === 'string' ? m['title'] : 'Chat', consult: m['consult'] === true, userData: isKvList(m['userData']) ? m['userData'] : [], messages: history.slice(-MAX_MESSAGES), typing: false };
      return { ...state, chats: cap([...state.chats.filter((c) => c.connId !== chat.connId), chat]) };
    }
    case 'chat-message': {
      const msg = chatMessage(message['message']);
      if (typeof message['connId'] !== 'string' || !msg) return state;
      return withChat(state, message['connId'], (c) => (c.messages.some((x) => x.seq === msg.seq) ? c : { ...c, typing: msg.from === 'system' ? c.typing : false, messages: [...c.messages, msg].slice(-MAX_MESSAGES) }));
    }
    case 'chat-typing':
      return typeof message['connId'] === 'string' ? withChat(state, message['connId'], (c) => ({ ...c, typing: message['on'] === true })) : state;
    case 'chat-ended':
      return typeof message['connId'] === 'string' ? withChat(state, message['connId'], (c) => ({ ...c, typing: false, ended: typeof message['reason'] === 'string' ? message['reason'] : 'ended' })) : state;
    default:
      return state;
  }
}

/** Drops closed previews shown longer than `keepMs` and released calls past `itx-window-close-timeout`. */
export function expire(state: KwSocketState, now: number, keepPreviewMs: number, closeTimeoutMs: number): KwSocketState {
  const closedPreviews = state.closedPreviews.filter((c) => now - c.closedAt < keepPreviewMs);
  const interactions = state.interactions.filter((i) => i.releasedAt === undefined || now - i.releasedAt < closeTimeoutMs);
  if (closedPreviews.length === state.closedPreviews.length && interactions.length === state.interactions.length) return state;
  return { ...state, closedPreviews, interactions };
}

/** Reconnect delay after `attempt` failures: 0.5 s doubling up to 30 s, with ±20% jitter from `random` (0..1). */
export function reconnectDelay(attempt: number, random: number): number {
  const base = Math.min(30_000, 500 * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + 0.4 * Math.min(1, Math.max(0, random))));
}
