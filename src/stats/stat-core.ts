/**
 * The statistics core: a pure model fed with T-Server events and the time they arrived. No clock,
 * no sockets: {@link StatCore.apply} returns what changed, and every value is computed for a `now`
 * the caller gives. The shell (stat-service.ts) feeds it and runs subscriptions.
 *
 * What each event does (seed 004 T-Library events as our T-Server sends them):
 * - EventAgentLogin / Ready / NotReady / Logout: the agent-event state, DN, work mode and reasons.
 *   NotReady with AgentWorkMode AfterCallWork is AfterCallWork; LegalGuard is NotReady.
 * - EventRegistered / EventAddressInfo: the DN's agent as the T-Server knows it now (start-up and
 *   re-registration after a reconnection).
 * - EventRinging / Dialing / Established / Held / Retrieved / Queued / PartyChanged: the call is on
 *   ThisDN (PartyChanged moves it from PreviousConnID). EventReleased / Abandoned / Diverted /
 *   RouteUsed: the call left ThisDN.
 * - Counters on ThisDN: EventQueued (entered), EventRouteUsed with a target or EventDiverted of a
 *   waiting call (distributed), EventAbandoned.
 */
import type { KvList, TlibEvent } from '../tlib/index.ts';
import { effectiveAgentState, transitionAgentStat, type AgentEventState } from './agent-stat-state.ts';
import { byReadySince, ReadyOrder } from './ready-order.ts';
import type { AgentSnapshot, AgentStatState, AvailableAgent, StatConfig, StatRef, StatValue } from './stat-types.ts';

/** One change of an agent's reported state, work mode or reasons (the agent-state history). */
export interface AgentStateChange {
  readonly agentId: string;
  readonly userName: string | undefined;
  readonly dn: string | undefined;
  readonly from: AgentStatState;
  readonly to: AgentStatState;
  readonly workMode: string | undefined;
  readonly reasons: KvList | undefined;
  /** The T-Lib event that caused it. */
  readonly cause: string;
  readonly at: number;
}

/** What one event touched: agents (by AgentID), DNs (by lower-cased name) and the history rows. */
export interface StatChanges {
  readonly agents: ReadonlySet<string>;
  readonly dns: ReadonlySet<string>;
  readonly history: readonly AgentStateChange[];
}

interface AgentRec {
  agentId: string;
  eventState: AgentEventState;
  state: AgentStatState;
  stateSince: number;
  readySince: number | undefined;
  /** Counts state changes, so notify-on-change sees two changes within one millisecond. */
  changes: number;
  dn: string | undefined;
  workMode: string | undefined;
  reasons: KvList | undefined;
}

/** An agent in a group's Ready order: readySince as it was when the agent became Ready. */
interface ReadyRec {
  readonly agentId: string;
  readonly readySince: number;
  readonly rec: AgentRec;
}

/** A group member in round-robin order: its KW name (Person user name, else AgentID). */
interface NamedMember {
  readonly key: string;
  readonly agentId: string;
}

interface DnRec {
  name: string;
  /** Calls on the DN (any party state). */
  calls: Set<string>;
  /** Calls queued on the DN (routing point or queue), with when each was queued. */
  waiting: Map<string, number>;
  entered: number;
  distributed: number;
  abandoned: number;
  /** The chat calls' counters (MediaType Chat). */
  chat: { waiting: Map<string, number>; entered: number; distributed: number; abandoned: number };
}

/** Loose view of an event: every attribute the core reads. */
interface EventView {
  message: string;
  ThisDN?: string;
  AgentID?: string;
  ConnID?: string;
  PreviousConnID?: string;
  OtherDN?: string;
  AgentWorkMode?: string;
  AgentState?: string;
  Reasons?: KvList;
  MediaType?: string;
}

const CALL_ON: ReadonlySet<string> = new Set(['EventRinging', 'EventDialing', 'EventEstablished', 'EventHeld', 'EventRetrieved', 'EventQueued', 'EventPartyChanged', 'EventPartyAdded']);
const CALL_OFF: ReadonlySet<string> = new Set(['EventReleased', 'EventAbandoned', 'EventDiverted', 'EventRouteUsed']);

/** Bounds the calls remembered per DN, so missed release events cannot grow memory without limit. */
export const MAX_CALLS_PER_DN = 1000;

function key(dn: string): string {
  return dn.toLowerCase();
}

function sameReasons(a: KvList | undefined, b: KvList | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class StatCore {
  private readonly agents = new Map<string, AgentRec>();
  private readonly agentByDn = new Map<string, string>();
  private readonly dns = new Map<string, DnRec>();
  private userByAgent = new Map<string, string>();
  private agentsByUser = new Map<string, string[]>();
  /** {@link groupAgents} per group, until the next configuration. */
  private readonly groupAgentsCache = new Map<string, readonly string[]>();
  /** Group members by KW name, for round-robin; per group, until the next configuration. */
  private readonly byNameCache = new Map<string, readonly NamedMember[]>();
  /** Each group's Ready members, longest Ready first; kept by {@link settle}, rebuilt by setConfig. */
  private readyByGroup = new Map<string, ReadyOrder<ReadyRec>>();
  private groups = new Map<string, readonly string[]>();
  private groupsByAgent = new Map<string, string[]>();
  private touchedAgents = new Set<string>();
  private touchedDns = new Set<string>();
  private history: AgentStateChange[] = [];

  /** `now`: when statistics started (configured agents are LoggedOut since then). */
  private imReporting: 'default' | 'disabled' = 'default';

  constructor(config: StatConfig, now: number) {
    this.setConfig(config, now);
  }

  /** Applies a new configuration: agents, groups and DNs; what is already known is kept. */
  setConfig(config: StatConfig, now: number): void {
    this.imReporting = config.imReporting ?? 'default';
    this.groupAgentsCache.clear();
    this.byNameCache.clear();
    this.userByAgent = new Map();
    this.agentsByUser = new Map();
    for (const a of config.agents) {
      this.userByAgent.set(a.agentId, a.userName);
      const list = this.agentsByUser.get(a.userName) ?? [];
      list.push(a.agentId);
      this.agentsByUser.set(a.userName, list);
      if (!this.agents.has(a.agentId)) this.agents.set(a.agentId, this.freshAgent(a.agentId, now));
    }
    this.groups = new Map(config.groups.map((g) => [g.name, [...g.members]]));
    this.groupsByAgent = new Map();
    for (const g of config.groups) {
      for (const user of g.members) {
        for (const id of this.agentsByUser.get(user) ?? []) {
          const list = this.groupsByAgent.get(id) ?? [];
          if (!list.includes(g.name)) list.push(g.name);
          this.groupsByAgent.set(id, list);
        }
      }
    }
    for (const d of config.dns) this.dnRec(d);
    this.rebuildReady();
  }

  /** Membership changed: each group's Ready order from scratch (once per configuration). */
  private rebuildReady(): void {
    this.readyByGroup = new Map();
    for (const g of this.groups.keys()) this.readyByGroup.set(g, new ReadyOrder());
    const ready: ReadyRec[] = [];
    for (const a of this.agents.values()) if (a.state === 'Ready' && a.readySince !== undefined) ready.push({ agentId: a.agentId, readySince: a.readySince, rec: a });
    ready.sort(byReadySince);
    for (const r of ready) for (const g of this.groupsByAgent.get(r.agentId) ?? []) this.readyByGroup.get(g)?.add(r);
  }

  private freshAgent(agentId: string, now: number): AgentRec {
    return { agentId, eventState: 'LoggedOut', state: 'LoggedOut', stateSince: now, readySince: undefined, changes: 0, dn: undefined, workMode: undefined, reasons: undefined };
  }

  private dnRec(name: string): DnRec {
    const k = key(name);
    let d = this.dns.get(k);
    if (!d) {
      d = { name, calls: new Set(), waiting: new Map(), entered: 0, distributed: 0, abandoned: 0, chat: { waiting: new Map(), entered: 0, distributed: 0, abandoned: 0 } };
      this.dns.set(k, d);
    }
    return d;
  }

  /** Applies one T-Server event received at `now`. */
  apply(event: TlibEvent, now: number): StatChanges {
    this.touchedAgents = new Set();
    this.touchedDns = new Set();
    this.history = [];
    const e = event as unknown as EventView;
    if (typeof e.ThisDN === 'string' && e.ThisDN !== '') this.applyOnDn(e, e.ThisDN, now);
    return { agents: this.touchedAgents, dns: this.touchedDns, history: this.history };
  }

  private applyOnDn(e: EventView, dnName: string, now: number): void {
    const dk = key(dnName);
    switch (e.message) {
      case 'EventAgentLogin':
        if (e.AgentID) this.agentEvent(e, dk, dnName, e.AgentWorkMode === 'AutoIn' || e.AgentWorkMode === 'ManualIn' ? 'Ready' : 'NotReady', now);
        return;
      case 'EventAgentReady':
        if (e.AgentID) this.agentEvent(e, dk, dnName, 'Ready', now);
        return;
      case 'EventAgentNotReady':
        if (e.AgentID) this.agentEvent(e, dk, dnName, e.AgentWorkMode === 'AfterCallWork' ? 'AfterCallWork' : 'NotReady', now);
        return;
      case 'EventAgentLogout': {
        const id = e.AgentID ?? this.agentByDn.get(dk);
        if (id) this.agentEvent({ ...e, AgentID: id }, dk, dnName, 'LoggedOut', now);
        return;
      }
      case 'EventRegistered':
      case 'EventAddressInfo':
        this.syncDn(e, dk, dnName, now);
        return;
    }
    const conn = e.ConnID;
    if (!conn) return;
    if (e.MediaType === 'Chat' && this.imReporting === 'disabled') return;
    const dr = this.dnRec(dnName);
    // Chats are counted apart from voice calls; agents are busy with either.
    const d = e.MediaType === 'Chat' ? { ...dr.chat, calls: dr.calls } : dr;
    this.touchedDns.add(dk);
    if (CALL_ON.has(e.message)) {
      if (e.PreviousConnID) d.calls.delete(e.PreviousConnID);
      if (d.calls.size < MAX_CALLS_PER_DN) d.calls.add(conn);
      if (e.message === 'EventQueued') {
        // A call queued again keeps its first queued time: the wait is the customer's.
        if (d.waiting.size < MAX_CALLS_PER_DN && !d.waiting.has(conn)) d.waiting.set(conn, now);
        d.entered++;
      }
    } else if (CALL_OFF.has(e.message)) {
      d.calls.delete(conn);
      const wasWaiting = d.waiting.delete(conn);
      // Routed by the router: EventRouteUsed names the target (OtherDN), then EventDiverted follows.
      // Default routing sends EventDiverted alone; a Reject / CallDisconnect is EventRouteUsed without OtherDN.
      if (wasWaiting && (e.message === 'EventDiverted' || (e.message === 'EventRouteUsed' && e.OtherDN))) d.distributed++;
      if (e.message === 'EventAbandoned') d.abandoned++;
    } else {
      return;
    }
    if (d !== dr) Object.assign(dr.chat, { entered: d.entered, distributed: d.distributed, abandoned: d.abandoned });
    const agentId = this.agentByDn.get(dk);
    if (agentId) this.settle(agentId, e.message, now);
  }

  /** An agent event: the agent's event state, DN, work mode and reasons. */
  private agentEvent(e: EventView, dk: string, dnName: string, to: AgentEventState, now: number): void {
    const id = e.AgentID as string;
    const a = this.agents.get(id) ?? this.freshAgent(id, now);
    this.agents.set(id, a);
    if (to === 'LoggedOut') {
      if (a.dn !== undefined && this.agentByDn.get(key(a.dn)) === id) this.agentByDn.delete(key(a.dn));
      if (this.agentByDn.get(dk) === id) this.agentByDn.delete(dk);
      a.dn = undefined;
    } else {
      if (a.dn !== undefined && key(a.dn) !== dk && this.agentByDn.get(key(a.dn)) === id) this.agentByDn.delete(key(a.dn));
      // One agent per DN: another agent recorded on this DN has left it.
      const other = this.agentByDn.get(dk);
      if (other !== undefined && other !== id) this.forceLogout(other, e.message, now);
      this.agentByDn.set(dk, id);
      a.dn = dnName;
    }
    const changedDetail = a.workMode !== e.AgentWorkMode || !sameReasons(a.reasons, e.Reasons);
    a.eventState = to;
    a.workMode = to === 'LoggedOut' ? undefined : e.AgentWorkMode;
    a.reasons = e.Reasons;
    this.settle(id, e.message, now, changedDetail && to !== 'LoggedOut');
  }

  private forceLogout(agentId: string, cause: string, now: number): void {
    const a = this.agents.get(agentId);
    if (!a) return;
    a.eventState = 'LoggedOut';
    a.dn = undefined;
    a.workMode = undefined;
    a.reasons = undefined;
    this.settle(agentId, cause, now);
  }

  /** EventRegistered / EventAddressInfo: the T-Server's current view of the DN's agent. */
  private syncDn(e: EventView, dk: string, dnName: string, now: number): void {
    this.dnRec(dnName);
    this.touchedDns.add(dk);
    const known = this.agentByDn.get(dk);
    if (!e.AgentID || e.AgentState === 'LoggedOut' || e.AgentState === undefined) {
      if (known !== undefined) this.forceLogout(known, e.message, now);
      if (known !== undefined) this.agentByDn.delete(dk);
      return;
    }
    const to: AgentEventState = e.AgentState === 'Ready' ? 'Ready' : e.AgentWorkMode === 'AfterCallWork' ? 'AfterCallWork' : 'NotReady';
    const a = this.agents.get(e.AgentID);
    if (a && a.dn !== undefined && key(a.dn) === dk && a.eventState === to && a.workMode === e.AgentWorkMode) return;
    this.agentEvent({ ...e, Reasons: a?.reasons }, dk, dnName, to, now);
  }

  /** Recomputes an agent's reported state after an event; records a history row when it changed. */
  private settle(agentId: string, cause: string, now: number, detailChanged = false): void {
    const a = this.agents.get(agentId);
    if (!a) return;
    this.touchedAgents.add(agentId);
    const onCall = a.dn !== undefined && (this.dns.get(key(a.dn))?.calls.size ?? 0) > 0;
    const next = effectiveAgentState(a.eventState, onCall);
    const from = a.state;
    if (next !== from) {
      a.state = transitionAgentStat(from, next);
      a.stateSince = now;
      a.readySince = next === 'Ready' ? now : undefined;
      a.changes++;
      if (from === 'Ready' || next === 'Ready') this.reindexReady(a);
    } else if (!detailChanged) {
      return;
    }
    this.history.push({ agentId, userName: this.userByAgent.get(agentId), dn: a.dn, from, to: a.state, workMode: a.workMode, reasons: a.reasons, cause, at: now });
  }

  /** The agent entered or left Ready: its place in the Ready order of each of its groups. */
  private reindexReady(a: AgentRec): void {
    const groups = this.groupsByAgent.get(a.agentId);
    if (!groups) return;
    const entry: ReadyRec | undefined = a.state === 'Ready' && a.readySince !== undefined ? { agentId: a.agentId, readySince: a.readySince, rec: a } : undefined;
    for (const g of groups) {
      const order = this.readyByGroup.get(g);
      if (!order) continue;
      if (entry) order.add(entry);
      else order.delete(a.agentId);
    }
  }

  // ------------------------------------------------------------------ queries

  /** The AgentID for an AgentID or a Person user name (a Person's logged-in login first). */
  resolveAgent(idOrUser: string): string | undefined {
    if (this.agents.has(idOrUser)) return idOrUser;
    const ids = this.agentsByUser.get(idOrUser);
    if (!ids) return undefined;
    return ids.find((id) => this.agents.get(id)?.state !== 'LoggedOut') ?? ids[0];
  }

  agent(idOrUser: string): AgentSnapshot | undefined {
    const id = this.resolveAgent(idOrUser);
    const a = id === undefined ? undefined : this.agents.get(id);
    if (!a) return undefined;
    const calls = a.dn ? [...(this.dns.get(key(a.dn))?.calls ?? [])] : [];
    return { agentId: a.agentId, userName: this.userByAgent.get(a.agentId), state: a.state, stateSince: a.stateSince, readySince: a.readySince, dn: a.dn, calls, workMode: a.workMode };
  }

  /** The groups an agent belongs to. */
  groupsOf(agentId: string): readonly string[] {
    return this.groupsByAgent.get(agentId) ?? [];
  }

  /** The AgentIDs of a group's members (configured logins of its Persons). */
  groupAgents(group: string): readonly string[] {
    // Membership changes only with the configuration; routing and group statistics ask per event.
    let out = this.groupAgentsCache.get(group);
    if (out) return out;
    const ids: string[] = [];
    for (const user of this.groups.get(group) ?? []) for (const id of this.agentsByUser.get(user) ?? []) ids.push(id);
    this.groupAgentsCache.set(group, (out = ids));
    return out;
  }

  availableAgents(group: string): AvailableAgent[] {
    const out: AvailableAgent[] = [];
    for (const a of this.readyInOrder(group)) out.push(a);
    return out;
  }

  /**
   * The available members of `group` (as {@link availableAgents}) longest Ready first, read as the
   * caller iterates: the first few cost a few steps, not a build and sort of the whole group.
   */
  *readyInOrder(group: string): Generator<AvailableAgent> {
    const order = this.readyByGroup.get(group);
    if (!order) return;
    for (const r of order.ordered()) {
      const a = r.rec;
      // Re-checked here: the caller may await between steps, and the agent may have left Ready.
      if (a.state !== 'Ready' || a.readySince !== r.readySince || a.dn === undefined) continue;
      yield { agentId: r.agentId, userName: this.userByAgent.get(r.agentId), dn: a.dn, readySince: r.readySince };
    }
  }

  /**
   * The available members of `group` in round-robin order: by KW name (Person user name, else
   * AgentID), starting after `cursor` and wrapping; members with the same name longest Ready first.
   * The same order as orderCandidates('round-robin', availableAgents(group), ...), read lazily
   * from the configured members, so a pick costs the members skipped, not a sort of the group.
   */
  *roundRobinFrom(group: string, cursor: string | undefined): Generator<AvailableAgent> {
    const members = this.membersByName(group);
    const n = members.length;
    if (n === 0) return;
    // The first member whose name sorts after the cursor; none: start over from the first.
    let start = 0;
    if (cursor !== undefined) {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (members[mid]!.key <= cursor) lo = mid + 1;
        else hi = mid;
      }
      start = lo === n ? 0 : lo;
    }
    for (let i = 0; i < n; ) {
      const key = members[(start + i) % n]!.key;
      // A run of members with one name (a Person with several logins): Ready ones longest Ready first.
      let run: AvailableAgent[] | undefined;
      let single: AvailableAgent | undefined;
      for (; i < n && members[(start + i) % n]!.key === key; i++) {
        const av = this.available(members[(start + i) % n]!.agentId);
        if (!av) continue;
        if (single === undefined) single = av;
        else (run ??= [single]).push(av);
      }
      if (run) yield* run.sort(byReadySince);
      else if (single) yield single;
    }
  }

  /** The agent as the router sees it when Ready (with a DN); undefined otherwise. */
  private available(agentId: string): AvailableAgent | undefined {
    const a = this.agents.get(agentId);
    if (!a || a.state !== 'Ready' || a.dn === undefined || a.readySince === undefined) return undefined;
    return { agentId, userName: this.userByAgent.get(agentId), dn: a.dn, readySince: a.readySince };
  }

  /** A group's members sorted by KW name (stable: configuration order within a name). */
  private membersByName(group: string): readonly NamedMember[] {
    let out = this.byNameCache.get(group);
    if (out) return out;
    const seen = new Set<string>();
    const list: NamedMember[] = [];
    for (const id of this.groupAgents(group)) {
      if (seen.has(id)) continue;
      seen.add(id);
      list.push({ key: this.userByAgent.get(id) ?? id, agentId: id });
    }
    list.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    this.byNameCache.set(group, (out = list));
    return out;
  }

  /** The value of a statistic at `now`; undefined for an unknown object. */
  value(ref: StatRef, now: number): StatValue | undefined {
    if (ref.object === 'agent') {
      const id = this.resolveAgent(ref.id);
      const a = id === undefined ? undefined : this.agents.get(id);
      if (!a) return undefined;
      switch (ref.stat) {
        case 'CurrentAgentState': return a.state;
        case 'TimeInCurrentState': return now - a.stateSince;
        case 'TimeInReadyState': return a.readySince === undefined ? 0 : now - a.readySince;
        case 'CurrentDN': return a.dn ?? '';
      }
    }
    if (ref.object === 'group') {
      if (!this.groups.has(ref.id)) return undefined;
      const members = this.groupAgents(ref.id).map((id) => this.agents.get(id)).filter((a): a is AgentRec => a !== undefined);
      switch (ref.stat) {
        case 'CurrNumberReadyStatuses': return members.filter((a) => a.state === 'Ready').length;
        case 'CurrNumberNotReadyStatuses': return members.filter((a) => a.state === 'NotReady' || a.state === 'AfterCallWork').length;
        case 'CurrNumberBusyStatuses': return members.filter((a) => a.state === 'Busy').length;
        case 'CurrNumberLoggedInStatuses': return members.filter((a) => a.state !== 'LoggedOut').length;
        case 'MaxTimeInReadyState': {
          const since = this.earliestReady(ref.id);
          return since === undefined ? 0 : now - since;
        }
      }
    }
    const d = this.dns.get(key(ref.id));
    if (!d) return undefined;
    switch (ref.stat) {
      case 'CurrNumberWaitingCalls': return d.waiting.size;
      case 'CurrMaxCallWaitingTime': {
        let oldest: number | undefined;
        for (const since of d.waiting.values()) if (oldest === undefined || since < oldest) oldest = since;
        return oldest === undefined ? 0 : now - oldest;
      }
      case 'TotalNumberCallsEntered': return d.entered;
      case 'TotalNumberCallsDistributed': return d.distributed;
      case 'TotalNumberCallsAbandoned': return d.abandoned;
      case 'CurrNumberWaitingChats': return d.chat.waiting.size;
      case 'TotalNumberChatsEntered': return d.chat.entered;
      case 'TotalNumberChatsDistributed': return d.chat.distributed;
      case 'TotalNumberChatsAbandoned': return d.chat.abandoned;
    }
  }

  private earliestReady(group: string): number | undefined {
    let min: number | undefined;
    for (const id of this.groupAgents(group)) {
      const r = this.agents.get(id)?.readySince;
      if (r !== undefined && (min === undefined || r < min)) min = r;
    }
    return min;
  }

  /**
   * What notify-on-change compares: the value itself, except for time statistics, whose value
   * moves every millisecond; for those it is the count of state changes (agent) or the moment the
   * longest-Ready member became Ready (group).
   */
  changeKey(ref: StatRef, now: number): StatValue | undefined {
    if (ref.object === 'agent' && (ref.stat === 'TimeInCurrentState' || ref.stat === 'TimeInReadyState')) {
      const id = this.resolveAgent(ref.id);
      const a = id === undefined ? undefined : this.agents.get(id);
      if (!a) return undefined;
      // TimeInReadyState restarts when the agent becomes Ready, and drops to 0 when it leaves Ready.
      return ref.stat === 'TimeInCurrentState' ? a.changes : a.readySince === undefined ? -1 : a.changes;
    }
    if (ref.object === 'dn' && ref.stat === 'CurrMaxCallWaitingTime') {
      const d = this.dns.get(key(ref.id));
      if (!d) return undefined;
      let oldest = -1;
      for (const since of d.waiting.values()) if (oldest < 0 || since < oldest) oldest = since;
      return oldest;
    }
    if (ref.object === 'group' && ref.stat === 'MaxTimeInReadyState') return this.groups.has(ref.id) ? (this.earliestReady(ref.id) ?? -1) : undefined;
    return this.value(ref, now);
  }
}
