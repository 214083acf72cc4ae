/**
 * The calls of one KW's DN as the Interaction window shows them (seed 000 4.8): a pure machine fed
 * by the DN's T-Server call events. `stepInteractions` returns the new state and what changed, so
 * the shell pushes `interaction` / `interaction-closed` messages without diffing.
 *
 * One interaction per ConnID. EventPartyChanged renames it (PreviousConnID → ConnID) and keeps its
 * state; EventReleased ends it. A call first seen mid-life (EventEstablished for an unknown ConnID,
 * after a reconnect) is adopted in that state. Events that do not fit the state are ignored and
 * reported, never thrown: the T-Server is the authority.
 */
import type { KvList } from '../../lib/kv-list.ts';
import type { TlibEvent } from '../../tlib/messages/message-catalogue.ts';

/** Where a call stands at the KW's DN. */
export type InteractionState = 'ringing' | 'dialing' | 'established' | 'held' | 'released';

/** The guarded transitions (style rule 1). `released` is terminal. */
export const interactionTransitions: Readonly<Record<InteractionState, readonly InteractionState[]>> = {
  ringing: ['established', 'released'],
  dialing: ['established', 'held', 'released'],
  established: ['held', 'released'],
  held: ['established', 'released'],
  released: [],
};

/** True when `from → to` is allowed (staying in a state is always allowed). */
export function canTransition(from: InteractionState, to: InteractionState): boolean {
  return from === to || interactionTransitions[from].includes(to);
}

/** One call at the KW's DN. */
export interface Interaction {
  readonly connId: string;
  readonly state: InteractionState;
  /** The other party (caller, or the dialled DN). */
  readonly otherDn: string | null;
  /** Parties beyond the other one (conference members, ThirdPartyDN of EventPartyAdded). */
  readonly parties: readonly string[];
  readonly userData: KvList;
  /** Inbound, outbound, internal, consult... (CallType) when the T-Server gave it. */
  readonly callType: string | null;
  /** Epoch ms of the first event. */
  readonly startedAt: number;
  /** Epoch ms of the last change. */
  readonly updatedAt: number;
}

/** The interactions of one DN by ConnID. */
export type InteractionsState = ReadonlyMap<string, Interaction>;

/** What a step changed. */
export type InteractionChange =
  | { readonly type: 'upsert'; readonly interaction: Interaction; readonly previousConnId?: string }
  | { readonly type: 'closed'; readonly interaction: Interaction };

/** The result of one step. */
export interface InteractionStep {
  readonly state: InteractionsState;
  readonly changes: readonly InteractionChange[];
  /** Set when the event was ignored (logged by the shell). */
  readonly ignored?: string;
}

/** Most interactions one DN keeps; a flood of calls never grows memory without bound. */
export const maxInteractionsPerDn = 64;

const stateOfEvent: Partial<Record<TlibEvent['message'], InteractionState>> = {
  EventRinging: 'ringing',
  EventDialing: 'dialing',
  EventEstablished: 'established',
  EventHeld: 'held',
  EventRetrieved: 'established',
  EventReleased: 'released',
  EventAbandoned: 'released',
};

/** An empty state. */
export function initialInteractions(): InteractionsState {
  return new Map();
}

type CallEvent = TlibEvent & { ConnID: string; ThisDN: string };

function isCallEvent(e: TlibEvent): e is CallEvent {
  const r = e as Record<string, unknown>;
  return typeof r['ConnID'] === 'string' && typeof r['ThisDN'] === 'string';
}

const field = (e: TlibEvent, name: string): unknown => (e as Record<string, unknown>)[name];
const str = (e: TlibEvent, name: string): string | null => {
  const v = field(e, name);
  return typeof v === 'string' && v !== '' ? v : null;
};

/** Applies one T-Server event of the KW's DN. Non-call events leave the state as it is. */
export function stepInteractions(state: InteractionsState, event: TlibEvent, now: number): InteractionStep {
  if (!isCallEvent(event)) return { state, changes: [] };
  const connId = event.ConnID;
  const userData = field(event, 'UserData') as KvList | undefined;
  const otherDn = str(event, 'OtherDN');
  const next = new Map(state);

  if (event.message === 'EventPartyChanged') {
    const previous = str(event, 'PreviousConnID');
    const old = (previous !== null ? state.get(previous) : undefined) ?? state.get(connId);
    if (!old) return { state, changes: [], ignored: 'party changed for an unknown call' };
    if (previous !== null) next.delete(previous);
    const updated: Interaction = { ...old, connId, otherDn: otherDn ?? old.otherDn, userData: userData ?? old.userData, updatedAt: now };
    next.set(connId, updated);
    return { state: next, changes: [previous !== null && previous !== connId ? { type: 'upsert', interaction: updated, previousConnId: previous } : { type: 'upsert', interaction: updated }] };
  }

  const current = state.get(connId);
  if (event.message === 'EventPartyAdded' || event.message === 'EventPartyDeleted' || event.message === 'EventAttachedDataChanged') {
    if (!current) return { state, changes: [], ignored: `${event.message} for an unknown call` };
    let parties = current.parties;
    const third = str(event, 'ThirdPartyDN');
    if (third !== null && event.message === 'EventPartyAdded' && !parties.includes(third)) parties = [...parties, third];
    if (third !== null && event.message === 'EventPartyDeleted') parties = parties.filter((p) => p !== third);
    const updated: Interaction = { ...current, parties, userData: userData ?? current.userData, updatedAt: now };
    next.set(connId, updated);
    return { state: next, changes: [{ type: 'upsert', interaction: updated }] };
  }

  const to = stateOfEvent[event.message];
  if (to === undefined) return { state, changes: [] };
  if (!current) {
    // Released for a call never seen: nothing to close.
    if (to === 'released') return { state, changes: [], ignored: 'released an unknown call' };
    if (state.size >= maxInteractionsPerDn) return { state, changes: [], ignored: 'too many calls on the DN' };
    const created: Interaction = {
      connId,
      state: to,
      otherDn,
      parties: [],
      userData: userData ?? [],
      callType: str(event, 'CallType'),
      startedAt: now,
      updatedAt: now,
    };
    next.set(connId, created);
    return { state: next, changes: [{ type: 'upsert', interaction: created }] };
  }
  if (!canTransition(current.state, to)) return { state, changes: [], ignored: `${event.message} while ${current.state}` };
  const updated: Interaction = { ...current, state: to, otherDn: otherDn ?? current.otherDn, userData: userData ?? current.userData, updatedAt: now };
  if (to === 'released') {
    next.delete(connId);
    return { state: next, changes: [{ type: 'closed', interaction: updated }] };
  }
  next.set(connId, updated);
  return { state: next, changes: [{ type: 'upsert', interaction: updated }] };
}

/**
 * Which call-control actions apply in a state (the client shows only these buttons). `answer`
 * false: the DN's phone cannot be answered from the desktop (the switch says so), it answers itself.
 */
export function actionsFor(state: InteractionState, options: { answer?: boolean } = {}): readonly InteractionAction[] {
  switch (state) {
    case 'ringing': return options.answer === false ? ['release'] : ['answer', 'release'];
    case 'dialing': return ['release'];
    case 'established': return ['hold', 'release', 'transfer', 'conference', 'notes'];
    case 'held': return ['retrieve', 'release', 'notes'];
    case 'released': return [];
  }
}

/** A call-control action of the Interaction window. */
export type InteractionAction = 'answer' | 'hold' | 'retrieve' | 'release' | 'transfer' | 'conference' | 'notes';
