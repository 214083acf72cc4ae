/**
 * The agent state statistics report, and its one guarded transition. It is derived from T-Server
 * events: the agent events give Ready / NotReady / AfterCallWork / LoggedOut, and a call on the
 * agent's DN makes the agent Busy until the call leaves the DN.
 *
 * ```
 *   LoggedOut --EventAgentLogin (+Ready/NotReady)--> Ready | NotReady | Busy (call already on the DN)
 *   LoggedOut --EventRegistered at start-up--> AfterCallWork (the agent was already in ACW)
 *   Ready <--> NotReady <--> AfterCallWork          (agent events; LegalGuard counts as NotReady)
 *   Ready | NotReady | AfterCallWork --call on the DN--> Busy --last call gone--> the agent-event state
 *   any logged-in state --EventAgentLogout--> LoggedOut
 * ```
 *
 * A repeated state (Ready -> Ready) is not a transition: time in state keeps running.
 */
import { InvalidStateTransitionError } from '../lib/errors.ts';
import type { AgentStatState } from './stat-types.ts';

export const AGENT_STAT_TRANSITIONS: Readonly<Record<AgentStatState, readonly AgentStatState[]>> = {
  // AfterCallWork from LoggedOut only at start-up: EventRegistered can find an agent already in ACW.
  LoggedOut: ['Ready', 'NotReady', 'Busy', 'AfterCallWork'],
  Ready: ['NotReady', 'Busy', 'AfterCallWork', 'LoggedOut'],
  NotReady: ['Ready', 'Busy', 'AfterCallWork', 'LoggedOut'],
  Busy: ['Ready', 'NotReady', 'AfterCallWork', 'LoggedOut'],
  AfterCallWork: ['Ready', 'NotReady', 'Busy', 'LoggedOut'],
};

/** Returns `to`, or throws InvalidStateTransitionError for an edge not in the table. */
export function transitionAgentStat(from: AgentStatState, to: AgentStatState): AgentStatState {
  if (!AGENT_STAT_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('AgentStat', from, to);
  return to;
}

/** What the agent events say, before calls are taken into account. */
export type AgentEventState = 'LoggedOut' | 'Ready' | 'NotReady' | 'AfterCallWork';

/** The reported state: a call on the DN wins over the agent-event state while the agent is logged in. */
export function effectiveAgentState(eventState: AgentEventState, onCall: boolean): AgentStatState {
  if (eventState === 'LoggedOut') return 'LoggedOut';
  return onCall ? 'Busy' : eventState;
}
