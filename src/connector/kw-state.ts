/**
 * The state of one knowledge worker (KW) in the connector, its inputs and its effects. Plain,
 * immutable data: the machine (kw-machine.ts) returns a new state per input.
 *
 * The DN registration is the one lifecycle with a guarded transition (style rule 3):
 * ```
 *   Unregistered --RequestRegisterAddress--> Registering --EventRegistered--> Registered
 *   Registering --EventError / no reply / link down--> Unregistered   (retried on the retry timer
 *                                                                      or the next presence change)
 *   Registered --RequestUnregisterAddress--> Unregistering --EventUnregistered--> Unregistered
 *   Registered | Unregistering --link down--> Unregistered
 * ```
 * Everything else (agent state, presence, auto-states, publications) is data compared by the
 * reconciler: the machine derives the agent state and publication it wants and, when they differ
 * from what the T-Server / UC platform confirmed, emits the one request that moves closer.
 */
import { InvalidStateTransitionError } from '../lib/errors.ts';
import type { Presence } from '../presence/presence.ts';
import type { AgentWorkMode, TlibEvent, TlibRequest } from '../tlib/index.ts';
import type { KvList } from '../lib/kv-list.ts';
import type { AgentTarget } from './presence-mapping.ts';

/** DN registration state. */
export type KwRegistration = 'Unregistered' | 'Registering' | 'Registered' | 'Unregistering';

/** Legal registration moves. */
export const KW_REGISTRATION_TRANSITIONS: Readonly<Record<KwRegistration, readonly KwRegistration[]>> = {
  Unregistered: ['Registering'],
  Registering: ['Registered', 'Unregistered'],
  Registered: ['Unregistering', 'Unregistered'],
  Unregistering: ['Unregistered', 'Registered'],
};

/** The guarded transition: returns `to`, or throws InvalidStateTransitionError. */
export function transitionRegistration(from: KwRegistration, to: KwRegistration): KwRegistration {
  if (!KW_REGISTRATION_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('KwRegistration', from, to);
  return to;
}

/** The connector auto-states (seed 000 4.6: presence.xml auto-state events). */
export type AutoStateKind = 'preview-reject' | 'preview-timeout' | 'preview-redirect';

/** The agent state as the T-Server last reported it. `Unknown` until EventRegistered says. */
export interface ConfirmedAgent {
  readonly state: 'Unknown' | 'LoggedOut' | 'Ready' | 'NotReady';
  readonly workMode: AgentWorkMode | null;
  readonly reasons: KvList;
}

/** A publication the connector made (or wants): availability code and note. */
export interface Publication {
  readonly code: number;
  readonly note: string | null;
  /** Why: `on-call` (push on-call status), `acw`, `legal-guard`, `agent-state` (presence connector mode). */
  readonly reason: 'on-call' | 'acw' | 'legal-guard' | 'agent-state';
}

/** The T-Lib request in flight for this KW (one at a time, so replies and failures are unambiguous). */
export interface PendingRequest {
  readonly requestId: number;
  readonly message: TlibRequest['message'];
  /** For agent requests: the state the T-Server will confirm. */
  readonly target: AgentTarget | null;
  readonly sentAt: number;
}

/** One KW's identity in configuration. */
export interface KwIdentity {
  /** Person user name. */
  readonly userName: string;
  /** UC contact (`sip:alice@example.test`); null: no UC platform (standalone presence only). */
  readonly contact: string | null;
  /** The KW DN (the default Place's DN). */
  readonly dn: string;
  /** Agent Login code (AgentID). */
  readonly agentId: string;
  readonly place: string | null;
}

/** The whole state of one KW. */
export interface KwState extends KwIdentity {
  readonly registration: KwRegistration;
  /** T-Lib link to the T-Server is up. */
  readonly linkUp: boolean;
  /** Open KW client sessions (web client tabs). */
  readonly sessions: number;
  /** Registered at start by `user-auto-registration`, independent of sessions. */
  readonly autoRegistered: boolean;
  /** The connector monitors this KW (DN registered, agent driven, presence subscribed). */
  readonly monitoring: boolean;
  /** The `user-unregister-timeout` timer runs. */
  readonly unregisterPending: boolean;
  readonly ucSubscribed: boolean;
  /** The last applied (non-stale, non-echo) presence: the KW's own UC presence. */
  readonly presence: Presence | null;
  /** Stale presence updates dropped so far. */
  readonly staleDropped: number;
  /** Echoes of the connector's own publication ignored so far. */
  readonly echoesIgnored: number;
  /** The KW is "unavailable for contact-center work" (DND in the connector UI). */
  readonly connectorDnd: boolean;
  readonly autoState: AutoStateKind | null;
  /** An agent-state change made by someone else (not our request) ended an auto-state: follow the T-Server until the presence changes. */
  readonly followTServer: boolean;
  /** The agent state the KW selected from the custom-state menu; held until the presence changes (docs/custom-states.md). */
  readonly selected: SelectedAgentTarget | null;
  readonly confirmed: ConfirmedAgent;
  /** The T-Server will send the agent's initial Ready/NotReady after our login (it carries no ReferenceID). */
  readonly awaitingLoginState: boolean;
  /** After-call work as reported by the T-Server (NotReady in work mode AfterCallWork / LegalGuard). */
  readonly acw: 'none' | 'acw' | 'legal-guard';
  /** ConnIDs of established calls on the KW DN. */
  readonly calls: readonly string[];
  readonly pending: PendingRequest | null;
  readonly nextRequestId: number;
  /** Failed attempts in a row (retry backoff); the retry timer runs when > 0 and nothing is pending. */
  readonly failures: number;
  readonly retryPending: boolean;
  /** What the connector has published on the UC platform (null: nothing, the KW's own presence shows). */
  readonly published: Publication | null;
}

/** A fresh KW: unregistered, not monitored, link assumed up (the shell says otherwise). */
export function initialKwState(id: KwIdentity): KwState {
  return copyKwState({
    userName: id.userName,
    contact: id.contact,
    dn: id.dn,
    agentId: id.agentId,
    place: id.place,
    registration: 'Unregistered',
    linkUp: true,
    sessions: 0,
    autoRegistered: false,
    monitoring: false,
    unregisterPending: false,
    ucSubscribed: false,
    presence: null,
    staleDropped: 0,
    echoesIgnored: 0,
    connectorDnd: false,
    autoState: null,
    followTServer: false,
    selected: null,
    confirmed: { state: 'Unknown', workMode: null, reasons: [] },
    awaitingLoginState: false,
    acw: 'none',
    calls: [],
    pending: null,
    nextRequestId: 1,
    failures: 0,
    retryPending: false,
    published: null,
  });
}

/**
 * A shallow copy of a state with `changes` applied: the next state of a step. Every field is named,
 * so all states share one object shape: a spread of this many fields is a slow, allocating copy
 * in V8 (it is most of a step's cost), and a missing field is a type error here.
 */
export function copyKwState(s: KwState, changes?: Partial<KwState>): KwState {
  const next: KwState = {
    userName: s.userName,
    contact: s.contact,
    dn: s.dn,
    agentId: s.agentId,
    place: s.place,
    registration: s.registration,
    linkUp: s.linkUp,
    sessions: s.sessions,
    autoRegistered: s.autoRegistered,
    monitoring: s.monitoring,
    unregisterPending: s.unregisterPending,
    ucSubscribed: s.ucSubscribed,
    presence: s.presence,
    staleDropped: s.staleDropped,
    echoesIgnored: s.echoesIgnored,
    connectorDnd: s.connectorDnd,
    autoState: s.autoState,
    followTServer: s.followTServer,
    selected: s.selected,
    confirmed: s.confirmed,
    awaitingLoginState: s.awaitingLoginState,
    acw: s.acw,
    calls: s.calls,
    pending: s.pending,
    nextRequestId: s.nextRequestId,
    failures: s.failures,
    retryPending: s.retryPending,
    published: s.published,
  };
  return changes ? Object.assign(next, changes) : next;
}

/** A state a KW can select from the menu: Ready or NotReady with the state's work mode and reason. */
export type SelectedAgentTarget = Extract<AgentTarget, { state: 'Ready' | 'NotReady' }>;

/** Timer names a KW machine uses. */
export type KwTimerName = 'auto-state' | 'unregister' | 'retry';

/** Inputs of the KW machine. */
export type KwInput =
  /** Connector start with `user-auto-registration`: monitor without a session. */
  | { readonly type: 'autoRegister' }
  | { readonly type: 'sessionOpened' }
  | { readonly type: 'sessionClosed' }
  | { readonly type: 'presence'; readonly presence: Presence }
  | { readonly type: 'tlibEvent'; readonly event: TlibEvent }
  /** The request `requestId` got EventError (`errorCode`) or no reply / a closed link (`errorCode` null). */
  | { readonly type: 'requestFailed'; readonly requestId: number; readonly errorCode: number | null; readonly message: string }
  | { readonly type: 'linkConnected' }
  | { readonly type: 'linkDisconnected' }
  | { readonly type: 'connectorDnd'; readonly on: boolean }
  /** A preview outcome puts the KW into an auto-state (driven by the preview manager). */
  | { readonly type: 'autoState'; readonly kind: AutoStateKind }
  /** The KW closed the preview window and set Ready (ends preview-redirect / preview-timeout). */
  | { readonly type: 'autoStateEnd' }
  /** The KW selected a custom state from the state menu (standalone mode, seed 000 4.12). */
  | { readonly type: 'selectState'; readonly target: SelectedAgentTarget }
  | { readonly type: 'optionsChanged' }
  | { readonly type: 'timer'; readonly name: KwTimerName };

/** A T-Lib request as the machine emits it (the channel adds the ReferenceID). */
export type KwTlibRequest = TlibRequest extends infer R ? (R extends TlibRequest ? Omit<R, 'ReferenceID'> : never) : never;

/** Effects the shell executes. */
export type KwEffect =
  | { readonly type: 'tlibRequest'; readonly requestId: number; readonly request: KwTlibRequest }
  | { readonly type: 'ucSubscribe' }
  | { readonly type: 'ucUnsubscribe' }
  /** Publish presence on the KW's behalf; null withdraws the connector's publication (restores the KW's own). */
  | { readonly type: 'publish'; readonly presence: Presence | null; readonly reason: Publication['reason'] | 'restore' }
  | { readonly type: 'startTimer'; readonly name: KwTimerName; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly name: KwTimerName }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn'; readonly msg: string; readonly fields?: Readonly<Record<string, unknown>> }
  | { readonly type: 'metric'; readonly name: 'presence-stale-dropped' | 'presence-echo-ignored' | 'tlib-request-failed'; readonly value: number };

/** One step's result. */
export interface KwStep {
  readonly state: KwState;
  readonly effects: readonly KwEffect[];
}
