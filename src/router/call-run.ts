/**
 * One run of a strategy for one call (its state is the machine of call-routing-state.ts), and the
 * KW claims an offer is made under.
 */
import type { KvList } from '../lib/kv-list.ts';
import type { TimerHandle } from '../lib/clock.ts';
import { type CallRoutingState, transitionCallRouting } from './call-routing-state.ts';
import type { RoutingStrategy } from './routing-strategy.ts';

/** A KW reserved for an offer: its name in the preview protocol, its DN, and the claim's fence. */
export interface Claimed {
  kw: string;
  dn: string;
  fence: number;
}

export interface CallRun {
  readonly connId: string;
  readonly routingPoint: string;
  readonly strategy: RoutingStrategy;
  userData: KvList;
  /** `chat` for a chat call (MediaType Chat on the EventRouteRequest), else `voice`. */
  readonly mediaType: string;
  state: CallRoutingState;
  attempts: number;
  readonly tried: Set<string>;
  /** Claims of the offer in progress, released when it ends. */
  open: Claimed[];
  deadline: TimerHandle | undefined;
}

/** The state read through a call, so TypeScript does not keep a narrowing across awaits. */
export function stateOf(run: CallRun): CallRoutingState {
  return run.state;
}

export function canTransition(from: CallRoutingState, to: CallRoutingState): boolean {
  try {
    transitionCallRouting(from, to);
    return true;
  } catch {
    return false;
  }
}
