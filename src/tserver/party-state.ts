/**
 * The state of one DN's party in a call, with the one guarded transition.
 *
 * ```
 *   Dialing ----answer----> Established <--hold/retrieve--> Held
 *   Ringing ----answer---/       |                            |
 *   Queued (routing point / queue)|                            |
 *      \__________ all ___________\__________> Released <____/
 * ```
 *
 * A call's own life (created, routed, released) follows from its parties: it ends when no party
 * is left. Routing points and queues hold a call in Queued until it is routed or abandoned.
 */
import { InvalidStateTransitionError } from '../lib/errors.ts';

export const PartyState = {
  Dialing: 'Dialing',
  Ringing: 'Ringing',
  Queued: 'Queued',
  Established: 'Established',
  Held: 'Held',
  Released: 'Released',
} as const;
export type PartyState = (typeof PartyState)[keyof typeof PartyState];

export const PARTY_TRANSITIONS: Readonly<Record<PartyState, readonly PartyState[]>> = {
  Dialing: ['Established', 'Released'],
  Ringing: ['Established', 'Released'],
  Queued: ['Released'],
  Established: ['Held', 'Released'],
  Held: ['Established', 'Released'],
  Released: [],
};

/** The guarded transition: returns `to`, or throws InvalidStateTransitionError. */
export function transitionParty(from: PartyState, to: PartyState): PartyState {
  if (!PARTY_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('Party', from, to);
  return to;
}
