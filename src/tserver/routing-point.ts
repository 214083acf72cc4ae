/**
 * A call's life on a routing point (seed 004, 3.1 Alternate Routing and 3.17 No-Answer
 * Supervision): a state with one guarded transition, and the pure decisions the T-Server core
 * takes when a call arrives or the router stays silent.
 *
 * ```
 *            arrive (EventQueued [+ EventRouteRequest])
 *   ---------------------------> Waiting --route / default-dn--> Ringing --answer--> Answered
 *                                  ^  |                             |
 *                                  |  +--route to an RP / queue--+  | no answer, or rejected:
 *                                  |     (Waiting again)            | EventError, back to the RP
 *                                  +--------------------------------+
 *   Waiting / Ringing --abandon, Reject, CallDisconnect--> Dropped
 * ```
 */
import { InvalidStateTransitionError } from '../lib/errors.ts';
import type { DnType } from './tserver-config.ts';

export const RoutingState = {
  Waiting: 'Waiting',
  Ringing: 'Ringing',
  Answered: 'Answered',
  Dropped: 'Dropped',
} as const;
export type RoutingState = (typeof RoutingState)[keyof typeof RoutingState];

export const ROUTING_TRANSITIONS: Readonly<Record<RoutingState, readonly RoutingState[]>> = {
  Waiting: ['Ringing', 'Waiting', 'Dropped'],
  Ringing: ['Answered', 'Waiting', 'Dropped'],
  Answered: [],
  Dropped: [],
};

/** The guarded transition: returns `to`, or throws InvalidStateTransitionError. */
export function transitionRouting(from: RoutingState, to: RoutingState): RoutingState {
  if (!ROUTING_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('RoutingPoint', from, to);
  return to;
}

/** What the core knows when a call arrives at a routing point or queue (options already resolved by precedence). */
export interface ArrivalContext {
  dnType: DnType;
  /** Clients registered on the routing point (its routing clients). */
  routingClients: number;
  /** `router-timeout` in seconds (routing point first, then Application); 0 = wait for ever. */
  routerTimeout: number;
  /** `default-dn` (routing point first, then Application), when configured and usable. */
  defaultDn: string | undefined;
  /** Deliveries to default-dn this call already had. */
  redirections: number;
  /** `default-redirection-limit`. */
  redirectionLimit: number;
}

export type RoutingDecision =
  | { action: 'routeRequest'; timerMs: number | undefined }
  | { action: 'defaultRoute'; target: string }
  | { action: 'wait' };

/** Default routing, if allowed: to `default-dn` while under `default-redirection-limit`, else wait where it is. */
function fallBack(ctx: ArrivalContext): RoutingDecision {
  if (ctx.defaultDn === undefined || ctx.redirections >= ctx.redirectionLimit) return { action: 'wait' };
  return { action: 'defaultRoute', target: ctx.defaultDn };
}

/**
 * A call arrives: a routing point with a routing client asks it (EventRouteRequest, with the
 * router-timeout timer); with no routing client it goes to default-dn at once. Queues just queue.
 */
export function decideArrival(ctx: ArrivalContext): RoutingDecision {
  if (ctx.dnType !== 'RoutingPoint') return { action: 'wait' };
  if (ctx.routingClients === 0) return fallBack(ctx);
  return { action: 'routeRequest', timerMs: ctx.routerTimeout > 0 ? ctx.routerTimeout * 1000 : undefined };
}

/** The router gave no instruction within router-timeout. */
export function decideRouterTimeout(ctx: ArrivalContext): RoutingDecision {
  return ctx.dnType === 'RoutingPoint' ? fallBack(ctx) : { action: 'wait' };
}
