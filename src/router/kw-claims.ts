/**
 * Which KWs an offer goes to, and the claims (BlockDN) it is made under: the strategy's candidates
 * from statistics in selection order, each claimed in the store with a fencing token; a KW held by
 * another call, strategy or router is skipped, and so is, for a preview, a KW the connector cannot
 * reach (no client session and no IM path). Round-robin remembers, per agent group, the KW the
 * last offer went to.
 */
import type { AvailableAgent } from '../stats/stat-types.ts';
import type { Reservations } from '../store/reservations.ts';
import { kvGetString } from '../tlib/index.ts';
import { kwKey, orderCandidates } from './agent-selection.ts';
import { stateOf, type CallRun, type Claimed } from './call-run.ts';
import type { RouterStats } from './router-ports.ts';

export class KwClaims {
  /** Round-robin position per agent group: the KW the last offer went to. */
  private readonly cursors = new Map<string, string>();

  constructor(
    private readonly reservations: Reservations,
    private readonly stats: RouterStats,
    /** Names this router in its claims. */
    private readonly holder: string,
    /** See RouterOptions.reachable (undefined: every KW is reachable). */
    private readonly reachable?: (kw: string) => boolean,
  ) {}

  /** Candidates in strategy order, claimed for `ttlMs`: the first claimable one, or every claimable one for broadcast. */
  async pick(run: CallRun, ttlMs: number): Promise<Claimed[]> {
    const s = run.strategy;
    if (s.selection === 'broadcast') {
      const candidates = [...this.candidates(run)];
      const fences = await this.reservations.claimMany(candidates.map(kwKey), this.holder, ttlMs);
      return candidates.flatMap((c) => {
        const fence = fences.get(kwKey(c));
        return fence === undefined ? [] : [{ kw: kwKey(c), dn: c.dn, fence }];
      });
    }
    for (const c of this.candidates(run)) {
      if (stateOf(run) !== 'Selecting') return [];
      const r = await this.reservations.claim(kwKey(c), this.holder, ttlMs);
      if (!r.ok) continue; // under preview elsewhere (another call, strategy or router): skipped
      if (s.selection === 'round-robin' && s.target.type === 'agent-group') this.cursors.set(s.target.group, kwKey(c));
      return [{ kw: kwKey(c), dn: c.dn, fence: r.fence }];
    }
    return [];
  }

  /** Releases claims (one statement for a broadcast's). */
  async release(claimed: readonly Claimed[]): Promise<void> {
    if (claimed.length === 1) await this.reservations.release(claimed[0]!.kw, claimed[0]!.fence);
    else if (claimed.length > 1) await this.reservations.releaseMany(claimed);
  }

  /** The strategy's candidates in offer order, `tried` (and, for a preview, the unreachable) left out. */
  private candidates(run: CallRun): Iterable<AvailableAgent> {
    const all = this.available(run);
    const reachable = this.reachable;
    // A direct route needs no preview window: only previews need the KW reachable.
    return run.strategy.preview && reachable ? onlyReachable(all, reachable) : all;
  }

  /** The strategy's candidates in offer order, `tried` left out; read as the caller iterates where statistics allow. */
  private available(run: CallRun): Iterable<AvailableAgent> {
    const t = run.strategy.target;
    if (t.type === 'agent-group') {
      const mode = run.strategy.selection;
      const cursor = this.cursors.get(t.group);
      // Lazily ordered by statistics: a pick reads the candidates it tries, not the whole group.
      if (mode === 'round-robin' && this.stats.roundRobinFrom) return untried(this.stats.roundRobinFrom(t.group, cursor), run.tried);
      if (mode === 'longest-idle' && this.stats.readyInOrder) return untried(this.stats.readyInOrder(t.group), run.tried);
      return orderCandidates(mode, this.stats.availableAgents(t.group), run.tried, cursor);
    }
    const name = t.type === 'kw' ? t.kw : kvGetString(run.userData, t.key);
    if (!name || run.tried.has(name)) return [];
    const a = this.stats.agent(name);
    if (!a || a.state !== 'Ready' || a.calls.length > 0 || !a.dn) return [];
    return [{ agentId: a.agentId, userName: a.userName, dn: a.dn, readySince: a.readySince ?? a.stateSince }];
  }
}

function* untried(candidates: Iterable<AvailableAgent>, tried: ReadonlySet<string>): Generator<AvailableAgent> {
  for (const c of candidates) if (!tried.has(kwKey(c))) yield c;
}

function* onlyReachable(candidates: Iterable<AvailableAgent>, reachable: (kw: string) => boolean): Generator<AvailableAgent> {
  for (const c of candidates) if (reachable(kwKey(c))) yield c;
}
