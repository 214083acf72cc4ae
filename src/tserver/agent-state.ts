/**
 * Emulated agent states (seed 004, 3.8 and 9.6) and the one guarded transition.
 *
 * ```
 *   LoggedOut --login(AutoIn|ManualIn)--> Ready
 *   LoggedOut --login(other modes)------> NotReady
 *   Ready <-------> NotReady            (requests; NotReady -> NotReady reports a mode change)
 *   Ready | NotReady | LegalGuard --business call released, wrap-up-time != 0--> AfterCallWork
 *   AfterCallWork --timed ACW ends--> LegalGuard (legal-guard-time > 0) --timer--> Ready
 *   AfterCallWork --timed ACW ends--> Ready      (no legal guard; untimed ACW waits for a request)
 *   Ready --business call released, no ACW, legal-guard-time > 0--> LegalGuard
 *   any logged-in state --logout, logout-on-disconnect, auto-logout, no-answer logout--> LoggedOut
 * ```
 *
 * On the wire an agent is Ready or NotReady with a work mode; AfterCallWork and LegalGuard are
 * NotReady with AgentWorkMode `AfterCallWork` (T-Library workmode 3) and `LegalGuard`. They are
 * states here because each owns a timer.
 */
import { InvalidStateTransitionError } from '../lib/errors.ts';

export const AgentState = {
  LoggedOut: 'LoggedOut',
  Ready: 'Ready',
  NotReady: 'NotReady',
  AfterCallWork: 'AfterCallWork',
  LegalGuard: 'LegalGuard',
} as const;
export type AgentState = (typeof AgentState)[keyof typeof AgentState];

/** Every legal edge. A self-edge is a reported re-request (NotReady -> NotReady with a new mode, ACW extension). */
export const AGENT_TRANSITIONS: Readonly<Record<AgentState, readonly AgentState[]>> = {
  LoggedOut: ['Ready', 'NotReady'],
  Ready: ['Ready', 'NotReady', 'AfterCallWork', 'LegalGuard', 'LoggedOut'],
  NotReady: ['Ready', 'NotReady', 'AfterCallWork', 'LoggedOut'],
  AfterCallWork: ['Ready', 'NotReady', 'AfterCallWork', 'LegalGuard', 'LoggedOut'],
  LegalGuard: ['Ready', 'NotReady', 'AfterCallWork', 'LoggedOut'],
};

/** The guarded transition: returns `to`, or throws InvalidStateTransitionError for an edge not in the table. */
export function transitionAgent(from: AgentState, to: AgentState): AgentState {
  if (!AGENT_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('Agent', from, to);
  return to;
}

/** Work modes are T-Library's AgentWorkMode (strings on the wire; AfterCallWork = workmode 3). */
export type { AgentWorkMode as WorkMode } from '../tlib/index.ts';
