/**
 * The winner decision the connector's preview manager calls before it reports `accepted`
 * (its `decide` option): `Reservations.decide(connId, agent, fence)` in the store — atomic across
 * every process — with an in-process short cut for broadcasts. When 1,000 KWs accept the same call
 * at once, the first accept goes to the store and the others wait for its answer: if it won, they
 * have lost without a query each (the store holds one winner per ConnID, so nothing else could
 * win); if it lost (another process won, or its fence was stale) they ask the store themselves.
 * Those short-cut losses are answered on a later turn of the event loop: the winner's result is
 * sent first, and the 999 losses never stand between it and the router.
 */
import type { Reservations } from './reservation-store.ts';

/** What the preview manager passes (structurally its PreviewDecideInput). */
export interface WinnerDecisionInput {
  readonly connId: string;
  readonly agent: string;
  readonly fence?: number;
}

/** The hook: `{ won, fence }` for the preview manager's `decide` option. */
export type WinnerDecider = (input: WinnerDecisionInput) => Promise<{ won: boolean; fence?: number }>;

/** Makes the decider; `memory` bounds how many ConnIDs it remembers (oldest forgotten first). */
export function createWinnerDecider(reservations: Pick<Reservations, 'decide'>, memory = 10_000): WinnerDecider {
  const first = new Map<string, Promise<boolean>>();
  return async (input) => {
    const fence = input.fence !== undefined ? { fence: input.fence } : {};
    const pending = first.get(input.connId);
    if (pending && (await pending)) {
      await nextTurn();
      return { won: false, ...fence };
    }
    const attempt = reservations.decide(input.connId, input.agent, input.fence);
    if (!pending) {
      first.set(input.connId, attempt);
      if (first.size > memory) first.delete(first.keys().next().value as string);
    }
    const won = await attempt;
    // A later winner (the first lost) becomes the short cut for the accepts still to come.
    if (won && pending) first.set(input.connId, attempt);
    return { won, ...fence };
  };
}

let turn: Promise<void> | undefined;

/** Resolves on the next turn of the event loop (one setImmediate shared by every waiter of a turn). */
function nextTurn(): Promise<void> {
  turn ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      turn = undefined;
      resolve();
    }),
  );
  return turn;
}
