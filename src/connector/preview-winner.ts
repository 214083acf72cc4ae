/**
 * The single winner of a call, decided once, by the connector's preview manager (the seeds'
 * Custom Server): `Reservations.decide(connId, agent, fence)` in the store, atomic across every
 * process. The router does not decide; it reads the recorded winner before RequestRouteCall.
 *
 * The broadcast short cut: when 1,000 KWs accept the same request at once, the first accept goes
 * to the store and the others wait for its answer. If it won, they have lost without a query each
 * (the store holds one winner per ConnID, so nothing else could win); if it lost (another process
 * won, or its fence was stale) they ask the store themselves. Those short-cut losses are answered
 * on a later turn of the event loop: the winner's result is sent first, and the 999 losses never
 * stand between it and the router.
 *
 * The short cut lives on the request (its DecisionRound), not on the ConnID: a call that came back
 * to the Routing Point has its decision cleared and is offered again in a new request, which the
 * first request's win must not decide.
 */
import type { Reservations } from '../store/reservations.ts';

/** What the decision needs of the store (Reservations satisfies it). */
export type WinnerStore = Pick<Reservations, 'decide'>;

/** One preview request's decision (the manager's call record holds it). */
export interface DecisionRound {
  readonly connId: string;
  /** The store answer later accepts of this request wait for (the first accept's, or a later winner's). */
  shortCut: Promise<boolean> | undefined;
}

/** Decides accepts against the store, one store query per request when the first accept wins. */
export class WinnerDecider {
  /** One setImmediate shared by every short-cut loss of an event-loop turn. */
  private turn: Promise<void> | undefined;

  constructor(private readonly store: WinnerStore) {}

  /** Resolves true when `agent` is the call's single winner; rejects when the store fails. */
  async decide(round: DecisionRound, agent: string, fence?: number): Promise<boolean> {
    const pending = round.shortCut;
    if (pending && (await pending)) {
      await this.nextTurn();
      return false;
    }
    const attempt = this.store.decide(round.connId, agent, fence);
    if (!pending) round.shortCut = attempt;
    const won = await attempt;
    // A later winner (the first lost) becomes the short cut for the accepts still to come.
    if (won && pending) round.shortCut = attempt;
    return won;
  }

  private nextTurn(): Promise<void> {
    this.turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.turn = undefined;
        resolve();
      }),
    );
    return this.turn;
  }
}

/**
 * A WinnerStore for a connector without a shared store: the first accept of a ConnID in this
 * process wins (one connector only). Remembers at most `memory` ConnIDs, oldest forgotten first.
 */
export function localWinnerStore(memory = 100_000): WinnerStore {
  const decided = new Set<string>();
  return {
    decide(connId) {
      if (decided.has(connId)) return Promise.resolve(false);
      decided.add(connId);
      if (decided.size > memory) decided.delete(decided.values().next().value as string);
      return Promise.resolve(true);
    },
  };
}
