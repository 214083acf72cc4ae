/**
 * The emulated agent: a pure reducer `(agent, input, now) -> { agent, effects }` (seed 004, 3.8 and
 * 9.6). The T-Server core resolves option precedence into {@link AgentSettings} at login, checks
 * the cross-agent rules (1703, 1706), and turns the effects into T-Library events and timers.
 */
import { AgentState, transitionAgent, type WorkMode } from './agent-state.ts';
import type { NoAnswerAction, WrapUpTime } from './tserver-config.ts';
import type { KvList } from '../tlib/index.ts';

/** Per-session settings, resolved from options at login (login extension > Agent Login > DN > Application). */
export interface AgentSettings {
  wrapUpTime: WrapUpTime;
  /** Seconds of legal guard after a business call or timed ACW; 0 = none. */
  legalGuardTime: number;
  timedAcwInIdle: boolean;
  /** Seconds; 0 = off. */
  autoLogoutTimeout: number;
  autoLogoutReady: boolean;
  /** `no-answer-action` for this session (login NO_ANSWER_ACTION > Agent Login > DN > Application). */
  noAnswerAction: NoAnswerAction;
}

export interface Agent {
  agentId: string;
  /** The DN the agent logged in on (free seating: whatever DN the login arrived on). */
  dn: string;
  queue: string | undefined;
  state: AgentState;
  workMode: WorkMode;
  reasons: KvList | undefined;
  /** While in AfterCallWork: `untimed`, or the epoch ms when timed ACW ends. */
  acwEndsAt: number | 'untimed' | undefined;
  settings: AgentSettings;
  /** The client that sent the initial login (logout-on-disconnect). */
  loginClient: string;
}

export type AgentTimerName = 'acw' | 'legalGuard' | 'autoLogout';

export type AgentInput =
  | { type: 'login'; agentId: string; dn: string; queue?: string; workMode?: WorkMode; reasons?: KvList; clientId: string; settings: AgentSettings }
  | { type: 'logout'; reasons?: KvList }
  | { type: 'ready'; workMode?: WorkMode; reasons?: KvList }
  | { type: 'notReady'; workMode?: WorkMode; reasons?: KvList; wrapUpTime?: WrapUpTime }
  /** A business call on the agent's DN was released; `established` when it had been answered. */
  | { type: 'callReleased'; established: boolean; otherCalls: number }
  | { type: 'callActivity' }
  | { type: 'noAnswer'; action: 'none' | 'notready' | 'logout' }
  | { type: 'timer'; name: AgentTimerName; onCall: boolean };

export type AgentEventName = 'EventAgentLogin' | 'EventAgentLogout' | 'EventAgentReady' | 'EventAgentNotReady';

export type AgentEffect =
  | { type: 'event'; name: AgentEventName; workMode?: WorkMode; reasons?: KvList; extensions?: KvList }
  | { type: 'startTimer'; name: AgentTimerName; ms: number }
  | { type: 'cancelTimer'; name: AgentTimerName };

export interface AgentStep {
  agent: Agent | undefined;
  effects: AgentEffect[];
}

const NOT_READY_FAMILY: ReadonlySet<AgentState> = new Set([AgentState.NotReady, AgentState.AfterCallWork, AgentState.LegalGuard]);

/** The wire value of the `WrapUpTime` extension: seconds (rounded up) or `untimed`. */
export function wrapUpExtension(v: WrapUpTime): number | 'untimed' {
  return v === 'untimed' ? 'untimed' : Math.ceil(v);
}

function stateEvent(a: Agent, extensions?: KvList): AgentEffect {
  if (a.state === AgentState.Ready) return { type: 'event', name: 'EventAgentReady', workMode: a.workMode, ...(a.reasons ? { reasons: a.reasons } : {}) };
  return { type: 'event', name: 'EventAgentNotReady', workMode: a.workMode, ...(a.reasons ? { reasons: a.reasons } : {}), ...(extensions ? { extensions } : {}) };
}

/** Arms or disarms auto-logout after a state change (seed 004, 3.8 "Automatic Agent Logout"). */
function autoLogoutEffect(a: Agent): AgentEffect | undefined {
  if (a.settings.autoLogoutTimeout <= 0) return undefined;
  const idle = NOT_READY_FAMILY.has(a.state) || (a.state === AgentState.Ready && a.settings.autoLogoutReady);
  return idle ? { type: 'startTimer', name: 'autoLogout', ms: a.settings.autoLogoutTimeout * 1000 } : { type: 'cancelTimer', name: 'autoLogout' };
}

function move(a: Agent, to: AgentState, patch: Partial<Agent>): Agent {
  return { ...a, ...patch, state: transitionAgent(a.state, to) };
}

const cancelStateTimers: AgentEffect[] = [{ type: 'cancelTimer', name: 'acw' }, { type: 'cancelTimer', name: 'legalGuard' }];

/** Enters ACW for `period` (seconds or untimed); reported as EventAgentNotReady(AfterCallWork) with WrapUpTime. */
function enterAcw(a: Agent, period: WrapUpTime, now: number, reasons: KvList | undefined): AgentStep {
  const next = move(a, AgentState.AfterCallWork, { workMode: 'AfterCallWork', reasons, acwEndsAt: period === 'untimed' ? 'untimed' : now + period * 1000 });
  const effects: AgentEffect[] = [...cancelStateTimers, stateEvent(next, [['WrapUpTime', wrapUpExtension(period)]])];
  if (period !== 'untimed') effects.push({ type: 'startTimer', name: 'acw', ms: period * 1000 });
  return { agent: next, effects };
}

/** Goes to Ready, through LegalGuard when `legal-guard-time` is set (seed 004: LegalGuardTime postpones Ready). */
function towardReady(a: Agent, viaLegalGuard: boolean): AgentStep {
  if (viaLegalGuard && a.settings.legalGuardTime > 0) {
    const next = move(a, AgentState.LegalGuard, { workMode: 'LegalGuard', reasons: undefined, acwEndsAt: undefined });
    return { agent: next, effects: [stateEvent(next), { type: 'startTimer', name: 'legalGuard', ms: a.settings.legalGuardTime * 1000 }] };
  }
  const next = move(a, AgentState.Ready, { workMode: 'Unknown', reasons: undefined, acwEndsAt: undefined });
  return { agent: next, effects: [stateEvent(next)] };
}

function withAutoLogout(step: AgentStep): AgentStep {
  if (!step.agent) return step;
  const e = autoLogoutEffect(step.agent);
  if (e) step.effects.push(e);
  return step;
}

function logout(a: Agent, reasons?: KvList): AgentStep {
  transitionAgent(a.state, AgentState.LoggedOut);
  return {
    agent: undefined,
    effects: [...cancelStateTimers, { type: 'cancelTimer', name: 'autoLogout' }, { type: 'event', name: 'EventAgentLogout', ...(reasons ? { reasons } : {}) }],
  };
}

/**
 * Applies one input to an agent (undefined = logged out). Callers check 1706/1707 first; an input
 * that makes no sense in the current state (a late timer, a call event for a logged-out agent)
 * yields no effects.
 */
export function reduceAgent(agent: Agent | undefined, input: AgentInput, now: number): AgentStep {
  if (input.type === 'login') {
    if (agent) return { agent, effects: [] };
    const ready = input.workMode === 'AutoIn' || input.workMode === 'ManualIn';
    const fresh: Agent = {
      agentId: input.agentId,
      dn: input.dn,
      queue: input.queue,
      state: AgentState.LoggedOut,
      workMode: input.workMode ?? 'Unknown',
      reasons: input.reasons,
      acwEndsAt: undefined,
      settings: input.settings,
      loginClient: input.clientId,
    };
    const next = move(fresh, ready ? AgentState.Ready : AgentState.NotReady, {});
    return withAutoLogout({ agent: next, effects: [{ type: 'event', name: 'EventAgentLogin', workMode: next.workMode, ...(input.reasons ? { reasons: input.reasons } : {}) }, stateEvent(next)] });
  }
  if (!agent) return { agent, effects: [] };

  switch (input.type) {
    case 'logout':
      return logout(agent, input.reasons);

    case 'ready': {
      const next = move(agent, AgentState.Ready, { workMode: input.workMode ?? 'Unknown', reasons: input.reasons, acwEndsAt: undefined });
      return withAutoLogout({ agent: next, effects: [...cancelStateTimers, stateEvent(next)] });
    }

    case 'notReady': {
      const mode = input.workMode ?? 'Unknown';
      if (mode === 'AfterCallWork') {
        if (agent.state === AgentState.AfterCallWork) return withAutoLogout(extendAcw(agent, input.wrapUpTime, now));
        // ACW in idle: timed only with timed-acw-in-idle (the WrapUpTime extension gives the period).
        const period: WrapUpTime = input.wrapUpTime ?? (agent.settings.timedAcwInIdle ? agent.settings.wrapUpTime : 'untimed');
        return withAutoLogout(enterAcw(agent, period === 0 ? 'untimed' : period, now, input.reasons));
      }
      const next = move(agent, AgentState.NotReady, { workMode: mode, reasons: input.reasons, acwEndsAt: undefined });
      return withAutoLogout({ agent: next, effects: [...cancelStateTimers, stateEvent(next)] });
    }

    case 'callReleased': {
      // seed 004, 3.8: ACW after any call released from the established state, unless the agent is on another call.
      if (!input.established || input.otherCalls > 0) return withAutoLogout({ agent, effects: [] });
      const w = agent.settings.wrapUpTime;
      if (w !== 0) return withAutoLogout(enterAcw(agent, w, now, undefined));
      if (agent.state === AgentState.Ready && agent.settings.legalGuardTime > 0) return withAutoLogout(towardReady(agent, true));
      return withAutoLogout({ agent, effects: [] });
    }

    case 'callActivity':
      return withAutoLogout({ agent, effects: [] });

    case 'noAnswer':
      if (input.action === 'logout') return logout(agent);
      if (input.action === 'notready' && agent.state === AgentState.Ready) {
        const next = move(agent, AgentState.NotReady, { workMode: 'AuxWork', reasons: undefined, acwEndsAt: undefined });
        return withAutoLogout({ agent: next, effects: [stateEvent(next)] });
      }
      return { agent, effects: [] };

    case 'timer':
      return onTimer(agent, input.name, input.onCall);
  }
}

/** Extending ACW (seed 004, 3.8): 0 reports the remainder, n > 0 adds to timed ACW, `untimed` switches. */
function extendAcw(agent: Agent, w: WrapUpTime | undefined, now: number): AgentStep {
  const cur = agent.acwEndsAt;
  let ends: number | 'untimed' = cur ?? 'untimed';
  const effects: AgentEffect[] = [];
  if (w === 'untimed') {
    ends = 'untimed';
    effects.push({ type: 'cancelTimer', name: 'acw' });
  } else if (w !== undefined && w > 0 && typeof cur === 'number') {
    ends = cur + w * 1000;
    effects.push({ type: 'startTimer', name: 'acw', ms: ends - now });
  }
  const next = move(agent, AgentState.AfterCallWork, { acwEndsAt: ends });
  const remaining = ends === 'untimed' ? 'untimed' : Math.max(0, Math.ceil((ends - now) / 1000));
  effects.unshift(stateEvent(next, [['WrapUpTime', remaining]]));
  return { agent: next, effects };
}

function onTimer(agent: Agent, name: AgentTimerName, onCall: boolean): AgentStep {
  // Timers may fire late (style rule 5): act only if the state still owns the timer.
  if (name === 'acw') return agent.state === AgentState.AfterCallWork && agent.acwEndsAt !== 'untimed' ? withAutoLogout(towardReady(agent, true)) : { agent, effects: [] };
  if (name === 'legalGuard') return agent.state === AgentState.LegalGuard ? withAutoLogout(towardReady(agent, false)) : { agent, effects: [] };
  const idle = NOT_READY_FAMILY.has(agent.state) || (agent.state === AgentState.Ready && agent.settings.autoLogoutReady);
  if (!idle || agent.settings.autoLogoutTimeout <= 0) return { agent, effects: [] };
  if (onCall) return withAutoLogout({ agent, effects: [] });
  return logout(agent);
}
