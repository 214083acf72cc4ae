/**
 * The Stat Server role's public vocabulary: statistic names (Genesys Stat Server names where they
 * exist), the objects they are about, and the queries the router and the web UI use. docs/stats.md
 * describes every statistic.
 */

/**
 * An agent's state as statistics see it. `Busy` = logged in with a call on the DN (ringing, dialing,
 * established or held); it wins over Ready/NotReady/AfterCallWork while the call lasts.
 * The T-Server's LegalGuard counts as NotReady (the agent cannot be routed to).
 */
export type AgentStatState = 'LoggedOut' | 'Ready' | 'NotReady' | 'Busy' | 'AfterCallWork';

/** Statistics of one agent (object type `Agent`). */
export type AgentStatName =
  /** {@link AgentStatState}. */
  | 'CurrentAgentState'
  /** Milliseconds in the current {@link AgentStatState}. */
  | 'TimeInCurrentState'
  /** Milliseconds since the agent became Ready (0 when not Ready): the "idle" time routing balances on. */
  | 'TimeInReadyState'
  /** The DN the agent is logged in on ('' when logged out). */
  | 'CurrentDN';

/** Statistics of one agent group (object type `GroupAgents`). */
export type GroupStatName =
  /** Members Ready and not on a call. */
  | 'CurrNumberReadyStatuses'
  /** Members NotReady (including AfterCallWork). */
  | 'CurrNumberNotReadyStatuses'
  /** Members on a call. */
  | 'CurrNumberBusyStatuses'
  /** Members logged in. */
  | 'CurrNumberLoggedInStatuses'
  /** The longest TimeInReadyState among Ready members, ms (0 when none is Ready). */
  | 'MaxTimeInReadyState';

/** Statistics of one DN: routing point, queue (object type `RoutePoint` / `Queue`) or Extension. */
export type DnStatName =
  /** Calls queued on the DN now (EventQueued not yet followed by routing, diversion or abandon). */
  | 'CurrNumberWaitingCalls'
  /** Milliseconds the longest-waiting queued call has waited (0 when none waits). */
  | 'CurrMaxCallWaitingTime'
  /** Calls that entered the DN (each EventQueued; a call re-queued after no-answer counts again). */
  | 'TotalNumberCallsEntered'
  /** Calls that left the DN towards a destination (EventDiverted: routed by the router or to default-dn). */
  | 'TotalNumberCallsDistributed'
  /** Calls abandoned while waiting on the DN (EventAbandoned). */
  | 'TotalNumberCallsAbandoned'
  /** The same four for chat calls (MediaType Chat), counted apart from voice. */
  | 'CurrNumberWaitingChats'
  | 'TotalNumberChatsEntered'
  | 'TotalNumberChatsDistributed'
  | 'TotalNumberChatsAbandoned';

/** A reference to one statistic. Agents are named by AgentID or by Person user name. */
export type StatRef =
  | { readonly object: 'agent'; readonly id: string; readonly stat: AgentStatName }
  | { readonly object: 'group'; readonly id: string; readonly stat: GroupStatName }
  | { readonly object: 'dn'; readonly id: string; readonly stat: DnStatName };

/** A statistic's value: a count or milliseconds, a state name, or a DN. */
export type StatValue = number | string;

/** What a subscriber is told: the statistic, its new value, and when (epoch ms). */
export interface StatNotification {
  readonly ref: StatRef;
  readonly value: StatValue;
  readonly at: number;
}

export type StatListener = (n: StatNotification) => void;

/** An agent's full record. Times are epoch ms from the injected Clock. */
export interface AgentSnapshot {
  readonly agentId: string;
  /** The Person who owns this Agent Login, when configured. */
  readonly userName: string | undefined;
  readonly state: AgentStatState;
  /** When {@link state} began. */
  readonly stateSince: number;
  /** When the agent last became Ready; undefined unless the state is Ready. */
  readonly readySince: number | undefined;
  /** The DN the agent is logged in on; undefined when logged out. */
  readonly dn: string | undefined;
  /** ConnIDs of the calls on the agent's DN. */
  readonly calls: readonly string[];
  /** The T-Server's AgentWorkMode of the last agent event. */
  readonly workMode: string | undefined;
}

/** One routable agent, as the router needs it. */
export interface AvailableAgent {
  readonly agentId: string;
  readonly userName: string | undefined;
  readonly dn: string;
  /** Epoch ms since which the agent is Ready (longest idle first = smallest first). */
  readonly readySince: number;
}

/** The one query routing needs (implemented by {@link StatService}). */
export interface AgentAvailability {
  /**
   * Members of `group` that are Ready and not on a call, longest idle first (ascending readySince,
   * then AgentID). An unknown group gives an empty list.
   */
  availableAgents(group: string): AvailableAgent[];
}

/** Read access to every statistic (implemented by {@link StatService}). */
export interface StatQueries extends AgentAvailability {
  /** The current value of a statistic; undefined for an unknown agent or DN. */
  value(ref: StatRef): StatValue | undefined;
  /** An agent by AgentID or Person user name. */
  agent(idOrUserName: string): AgentSnapshot | undefined;
  /**
   * Calls `listener` whenever the value of `ref` changes (notify-on-change; time statistics notify
   * when the state they measure restarts). Returns the unsubscribe function.
   */
  subscribe(ref: StatRef, listener: StatListener): () => void;
}

/** What statistics know from configuration: agents with their Persons, groups, and the DNs to watch. */
export interface StatConfig {
  readonly agents: ReadonlyArray<{ readonly agentId: string; readonly userName: string }>;
  /** Groups by name with their members' Person user names. */
  readonly groups: ReadonlyArray<{ readonly name: string; readonly members: readonly string[] }>;
  /** DNs to register for events: Extensions, routing points and queues. */
  readonly dns: readonly string[];
  /** `[TServer] im-reporting`: `disabled` keeps chat calls out of every statistic (seed 004 3.15). */
  readonly imReporting?: 'default' | 'disabled';
}
