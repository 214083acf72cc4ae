/**
 * What the web client shows for an agent state, given a presence definition (seed 000 L1580-1640,
 * L6050-6120): states are tried in document order and the first whose `<genesysAgent>` matches
 * wins. A `<genesysAgent>` matches when `ready` agrees, its mode is `none` or the event's work mode,
 * and its reason (if any) equals the event's value under the key. A less specific definition thus
 * matches too: NotReady+ACW+reason 101 falls to NotReady+ACW, then to plain NotReady, and finally
 * to the built-in predefined states. Pure functions; no I/O.
 */
import {
  workModeOfMode,
  type AutoEventName,
  type CustomState,
  type GenesysAgentState,
  type PredefinedStateId,
  type PresenceDefinition,
  type StateText,
  type SupportedLanguage,
} from './presence-definition.ts';

/** An agent state as the T-Server reported it (or the connector view shows it). */
export interface AgentStateObservation {
  agentState: 'LoggedOut' | 'Ready' | 'NotReady' | 'OutOfService';
  /** T-Library AgentWorkMode (`AfterCallWork`...), or null. */
  workMode: string | null;
  reasons?: Readonly<Record<string, unknown>>;
  extensions?: Readonly<Record<string, unknown>>;
  /** Connector DND on: an unmatched NotReady shows as the predefined DND state. */
  connectorDnd?: boolean;
}

/** The state the indicator shows: a custom one, or a predefined one. */
export type DisplayedState = { kind: 'custom'; state: CustomState } | { kind: 'predefined'; id: PredefinedStateId };

function agentMatches(g: GenesysAgentState, o: AgentStateObservation): boolean {
  if (g.ready !== (o.agentState === 'Ready')) return false;
  if (!g.ready && g.mode !== 'none' && workModeOfMode[g.mode] !== o.workMode) return false;
  if (g.reason !== null) {
    const bag = g.reason.in === 'reasons' ? o.reasons : o.extensions;
    const v = bag?.[g.reason.keyName];
    if (v === undefined || v === null || String(v) !== g.reason.value) return false;
  }
  return true;
}

/** The state to show for an observation: first matching custom state, else the built-in one. */
export function matchAgentState(def: PresenceDefinition, o: AgentStateObservation): DisplayedState {
  if (o.agentState === 'LoggedOut') return { kind: 'predefined', id: 'predefLoggedOut' };
  if (o.agentState === 'OutOfService') return { kind: 'predefined', id: 'predefOutOfService' };
  for (const s of def.states) if (s.agent.some((g) => agentMatches(g, o))) return { kind: 'custom', state: s };
  if (o.agentState === 'Ready') return { kind: 'predefined', id: 'predefReady' };
  return { kind: 'predefined', id: o.connectorDnd ? 'predefDND' : 'predefNotReady' };
}

const sameDisplayed = (a: DisplayedState, b: DisplayedState): boolean =>
  a.kind === 'custom' ? b.kind === 'custom' && a.state.id === b.state.id : b.kind === 'predefined' && a.id === b.id;

/**
 * The combined indicator over several channels (seed 000 L1622-1640): the common state when every
 * channel shows the same one; else partial-ready (some channel Ready), not-ready (some channel
 * logged in), or logout.
 */
export function combineChannels(def: PresenceDefinition, channels: readonly AgentStateObservation[]): DisplayedState {
  if (channels.length === 0) return { kind: 'predefined', id: 'predefLoggedOut' };
  const shown = channels.map((c) => matchAgentState(def, c));
  const first = shown[0]!;
  if (shown.every((s) => sameDisplayed(first, s))) return first;
  if (channels.some((c) => c.agentState === 'Ready')) return { kind: 'predefined', id: 'predefPartReady' };
  if (channels.some((c) => c.agentState === 'NotReady')) return { kind: 'predefined', id: 'predefNotReady' };
  return { kind: 'predefined', id: 'predefLoggedOut' };
}

/** The texts of a state in a language: that language's entry, else the default entry, else none (not shown). */
export function stateText(state: CustomState, language: SupportedLanguage): StateText | undefined {
  return state.display[language] ?? state.display.default;
}

/** One entry of the state menu. */
export interface StateMenuEntry {
  id: string;
  menuText: string;
  icon: string | null;
}

/** The state menu in a language: states whose text there has a menuText, in document order. */
export function stateMenu(def: PresenceDefinition, language: SupportedLanguage): StateMenuEntry[] {
  const out: StateMenuEntry[] = [];
  for (const s of def.states) {
    const t = stateText(s, language);
    if (t?.menuText !== undefined) out.push({ id: s.id, menuText: t.menuText, icon: s.icon?.main ?? null });
  }
  return out;
}

/** The agent-state request selecting a state sends (its first `<genesysAgent>`), to every channel. */
export interface AgentStateRequest {
  ready: boolean;
  /** T-Library AgentWorkMode, or null. */
  workMode: string | null;
  reasons: Record<string, string>;
  extensions: Record<string, string>;
}

export function agentRequestOf(state: CustomState): AgentStateRequest {
  const g = state.agent[0]!;
  const req: AgentStateRequest = { ready: g.ready, workMode: g.ready ? null : workModeOfMode[g.mode], reasons: {}, extensions: {} };
  if (g.reason !== null) req[g.reason.in][g.reason.keyName] = g.reason.value;
  return req;
}

/** What an auto-state event enters: a custom state id or a predefined state, and what follows. */
export interface ResolvedAutoState {
  onEvent: string | PredefinedStateId;
  postEvent: string | PredefinedStateId | null;
}

/**
 * The auto-state of an event: the document's, else the built-in one (seed 000 L6100-6120):
 * preview-reject → DND, then Ready after dnd-off-timeout; preview-timeout → NotReady;
 * preview-redirect → DND.
 */
export function autoStateFor(def: PresenceDefinition, event: AutoEventName): ResolvedAutoState {
  const custom = def.auto[event];
  if (custom !== undefined) return { onEvent: custom.onEvent, postEvent: custom.postEvent };
  switch (event) {
    case 'preview-reject':
      return { onEvent: 'predefDND', postEvent: 'predefReady' };
    case 'preview-timeout':
      return { onEvent: 'predefNotReady', postEvent: null };
    case 'preview-redirect':
      return { onEvent: 'predefDND', postEvent: null };
  }
}
