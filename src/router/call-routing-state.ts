/**
 * The life of one call in the router (one run of a strategy on a Routing Point): a string state
 * with one guarded transition (style rule 3).
 *
 * ```
 *   EventRouteRequest
 *        │
 *        ▼         claims ok, preview on           result accepted / redirected
 *   Selecting ───────────────────────▶ Offering ──────────────────────────────▶ Routing ──EventRouteUsed──▶ Routed
 *     ▲  │  ╲ preview off ─────────────────────────────────────────────────────▲   │
 *     │  │   ╲                 rejected / timeout / error (attempts left)         │ route refused
 *     │  │    └────────────────────── ◀────────── Offering                        ▼
 *     │  │ nobody left / attempts out: default-dn ──▶ Routing;  no-accept-action wait ──▶ Waiting
 *     └──┴──────────────────────────────────────────────────────────────────── Selecting
 *   any but Routed ──abandoned / routed elsewhere / taken / cancelled──▶ Cancelled
 * ```
 */
import { InvalidStateTransitionError } from '../lib/errors.ts';

export const CallRoutingState = {
  Selecting: 'Selecting',
  Offering: 'Offering',
  Routing: 'Routing',
  Routed: 'Routed',
  Waiting: 'Waiting',
  Cancelled: 'Cancelled',
} as const;
export type CallRoutingState = (typeof CallRoutingState)[keyof typeof CallRoutingState];

export const CALL_ROUTING_TRANSITIONS: Readonly<Record<CallRoutingState, readonly CallRoutingState[]>> = {
  Selecting: ['Offering', 'Routing', 'Waiting', 'Cancelled'],
  Offering: ['Selecting', 'Routing', 'Waiting', 'Cancelled'],
  Routing: ['Routed', 'Selecting', 'Waiting', 'Cancelled'],
  Routed: [],
  Waiting: ['Cancelled'],
  Cancelled: [],
};

/** True for states the run never leaves (Waiting may still be cancelled by an abandon). */
export function isFinalRouting(s: CallRoutingState): boolean {
  return s === 'Routed' || s === 'Cancelled' || s === 'Waiting';
}

/** The guarded transition: returns `to`, or throws InvalidStateTransitionError. */
export function transitionCallRouting(from: CallRoutingState, to: CallRoutingState): CallRoutingState {
  if (!CALL_ROUTING_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('CallRouting', from, to);
  return to;
}
