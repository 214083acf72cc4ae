/**
 * The reservation port: knowledge workers reserved under preview (the seeds' BlockDN) and the
 * single winner of a call. The composition root hands one implementation to both roles: the
 * router claims and releases KWs and reads the winner; the connector's preview manager records
 * the winner (`decide`) when a KW accepts. Implementations: ReservationStore (SQLite or
 * PostgreSQL, shared by every process) and MemoryReservations (one process, tests).
 *
 * - `claim(kw, holder, ttlMs)`: takes the KW when it is free or its claim has expired (a crashed
 *   router's claims lapse after the TTL). The fencing token is monotonic per KW: every successful
 *   claim gets the previous fence + 1, so a late message carrying an old fence is recognisable.
 * - `release(kw, fence)`: frees the KW only if `fence` is still the current one. A call's lease
 *   (`call:<ConnID>`, router.ts) is deleted, so the table does not grow by one row per call.
 * - `releaseHolders(prefix, except)`: at start, a run of a configured instance releases the
 *   claims of its dead previous runs (holders `<instance>#<run>`, instance-runs.ts) at once.
 * - `decide(connId, agent, fence?)`: records the one winner of a call, atomically. The first call
 *   for a ConnID wins; every later one (any process) gets `false`. With a fence, the KW's claim
 *   must also still be current and unexpired, so an accept made under a lapsed reservation
 *   cannot win.
 * - `winner(connId)`: the recorded winner, if any (the router reads it before RequestRouteCall).
 * - `clearDecision(connId)`: the call came back to the routing point (no answer at the KW) and
 *   may be offered again, or it ended: its row goes.
 * - `pruneDecisions(before)`: deletes the decisions recorded before `before` (ms). A routed call
 *   ends at the KW's DN, out of the router's sight, so its row is bounded by retention instead
 *   (the router sweeps, router.ts): one row per call would otherwise stay forever.
 *
 * Times are milliseconds from the injected Clock; processes sharing a database must have
 * synchronised clocks to within a small fraction of the TTL.
 */

/** The outcome of {@link Reservations.claim}. */
export type ClaimResult = { ok: true; fence: number } | { ok: false };

/** The recorded winner of a call: the agent as the router named it, and the fence it won under. */
export interface CallWinner {
  readonly agent: string;
  readonly fence: number | null;
}

/** The port the router and the preview manager use. */
export interface Reservations {
  claim(kw: string, holder: string, ttlMs: number): Promise<ClaimResult>;
  /** `claim` for many KWs at once (a broadcast): the fences of the KWs taken; the others were held. */
  claimMany(kws: readonly string[], holder: string, ttlMs: number): Promise<Map<string, number>>;
  /** `release` for many claims at once; resolves with how many were released. */
  releaseMany(claims: ReadonlyArray<{ kw: string; fence: number }>): Promise<number>;
  /** Extends a claim still held with `fence`; false when it was lost or expired. */
  renew(kw: string, fence: number, ttlMs: number): Promise<boolean>;
  release(kw: string, fence: number): Promise<boolean>;
  /** Releases every claim whose holder starts with `prefix`, except `except`'s; resolves with how many. */
  releaseHolders(prefix: string, except: string): Promise<number>;
  decide(connId: string, agent: string, fence?: number): Promise<boolean>;
  clearDecision(connId: string): Promise<void>;
  /** Deletes the decisions recorded before `before` (ms since the epoch); resolves with how many. */
  pruneDecisions(before: number): Promise<number>;
  /** The recorded winner of a call, if any. */
  winner(connId: string): Promise<CallWinner | undefined>;
}
