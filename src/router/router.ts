/**
 * The router (the seeds' URS role): a T-Lib client of the T-Server that registers the Routing
 * Points that have a strategy, and on each EventRouteRequest runs the strategy: select KWs from
 * statistics, reserve them in the store (BlockDN), offer a preview to the connector over the
 * preview protocol, and RequestRouteCall to the KW who accepted — or to default-dn when nobody did.
 *
 * Several router instances may register the same Routing Points: each call is worked by the one
 * that takes its lease (`claim('call:<ConnID>')`; the others stand aside), and a KW is offered only under a
 * claim with a fencing token (`Reservations.claim`), and an accept only routes once
 * `Reservations.decide(connId, kw)` recorded it as the call's single winner (the connector's
 * preview manager decides first through the same store; deciding again for the same KW is
 * idempotent here, see {@link Router.confirmWinner}).
 *
 * Events consumed: EventRouteRequest (start), EventAbandoned (cancel open previews: `abandoned`),
 * EventDiverted / EventRouteUsed on the Routing Point that this run did not cause (the T-Server's
 * own router-timeout sent it to default-dn, or another router routed it: cancel, `routed-elsewhere`).
 * docs/router.md describes the strategies and timeouts.
 */
import { randomUUID } from 'node:crypto';
import { SystemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import { kvGetString, type KvList, type TlibEvent, type TlibRequest } from '../tlib/index.ts';
import type { PreviewInteractionResult, PreviewOutcome } from '../preview/preview-messages.ts';
import type { PreviewOfferInput, PreviewOfferMultipleInput } from '../preview/preview-transport.ts';
import type { AgentSnapshot, AvailableAgent } from '../stats/stat-types.ts';
import { kwKey, orderCandidates } from './agent-selection.ts';
import { type CallRoutingState, isFinalRouting, transitionCallRouting } from './call-routing-state.ts';
import type { Reservations } from './reservation-store.ts';
import type { RoutingStrategy } from './routing-strategy.ts';

/** What the router needs of a T-Lib client (TlibClient satisfies it). */
export interface RouterTlibPort {
  registerAddress(dn: string): Promise<unknown>;
  request(req: TlibRequest, timeoutMs?: number): Promise<TlibEvent>;
  onEvent(listener: (e: TlibEvent) => void): () => void;
}

/** What the router needs of the preview protocol client (PreviewClient satisfies it). */
export interface PreviewPort {
  offer(input: PreviewOfferInput): Promise<PreviewInteractionResult>;
  offerMultiple(input: PreviewOfferMultipleInput): Promise<PreviewInteractionResult>;
  cancel(connId: string, reason?: string): boolean;
}

/** What the router needs of statistics (StatService satisfies it). */
export interface RouterStats {
  availableAgents(group: string): AvailableAgent[];
  agent(idOrUserName: string): AgentSnapshot | undefined;
}

/** How a call left the router. */
export type RoutedHow = 'preview' | 'direct' | 'redirect' | 'default-dn';

export interface RouterEvents {
  /** A RequestRouteCall of this router succeeded. */
  routed: (e: { connId: string; routingPoint: string; dn: string; how: RoutedHow; kw?: string; attempts: number }) => void;
  /** A preview (single or broadcast) ended. */
  previewResult: (e: { connId: string; routingPoint: string; targets: readonly string[]; result: PreviewInteractionResult }) => void;
  /** A run ended without this router routing the call. */
  ended: (e: { connId: string; routingPoint: string; state: CallRoutingState; reason: string }) => void;
  listenerError: (error: unknown, event: string) => void;
}

/** Construction options of {@link Router}. */
export interface RouterOptions {
  tserver: RouterTlibPort;
  preview: PreviewPort;
  stats: RouterStats;
  reservations: Reservations;
  /** Compiled strategies by Routing Point number (see compileStrategies). */
  strategies: ReadonlyMap<string, RoutingStrategy>;
  /** The Switch name sent in previews. */
  switchName: string;
  /** The Routing Point's `[TServer] default-dn`, used when the strategy has none. */
  defaultDnOf?: (routingPoint: string) => string | undefined;
  /** The Routing Point's `[TServer] router-timeout` in seconds (0 = none): checked against the strategies at start. */
  tserverRouterTimeoutOf?: (routingPoint: string) => number | undefined;
  clock?: Clock;
  logger?: Logger;
  /** Names this instance in its claims (default: a random UUID). */
  instanceId?: string;
  mediaType?: string;
  /** `preview-itx-arrival-timeout` (ms, default 9000): the RequestRouteCall after an accept must be confirmed within it. */
  itxArrivalTimeoutMs?: number;
  /** The connector's `preview-expiration-timeout` (ms, default 15000), for claim TTLs when the strategy sets none. */
  previewExpirationMs?: number;
}

/** How many routed ConnIDs are remembered for a possible return to the Routing Point. */
const DECIDED_MEMORY = 10_000;

interface Claimed {
  kw: string;
  dn: string;
  fence: number;
}

interface CallRun {
  readonly connId: string;
  readonly routingPoint: string;
  readonly strategy: RoutingStrategy;
  readonly userData: KvList;
  state: CallRoutingState;
  attempts: number;
  readonly tried: Set<string>;
  /** Claims of the offer in progress, released when it ends. */
  open: Claimed[];
  deadline: TimerHandle | undefined;
}

export class Router extends TypedEmitter<RouterEvents> {
  private readonly o: Required<Omit<RouterOptions, 'defaultDnOf' | 'tserverRouterTimeoutOf' | 'logger' | 'clock'>> & Pick<RouterOptions, 'defaultDnOf' | 'tserverRouterTimeoutOf'>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private strategies: ReadonlyMap<string, RoutingStrategy>;
  private readonly runs = new Map<string, CallRun>();
  /** ConnIDs this router routed on accept (their decision is ours to clear when the call comes back). */
  private readonly decidedHere = new Set<string>();
  /** Round-robin position per agent group: the KW the last offer went to. */
  private readonly cursors = new Map<string, string>();
  private unsubscribe: (() => void) | undefined;
  /** Strategy runs still executing (their claims may not be released yet). */
  private readonly running = new Set<Promise<void>>();

  constructor(options: RouterOptions) {
    super();
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ role: 'router' });
    this.strategies = options.strategies;
    this.o = {
      tserver: options.tserver,
      preview: options.preview,
      stats: options.stats,
      reservations: options.reservations,
      strategies: options.strategies,
      switchName: options.switchName,
      defaultDnOf: options.defaultDnOf,
      tserverRouterTimeoutOf: options.tserverRouterTimeoutOf,
      instanceId: options.instanceId ?? randomUUID(),
      mediaType: options.mediaType ?? 'voice',
      itxArrivalTimeoutMs: options.itxArrivalTimeoutMs ?? 9000,
      previewExpirationMs: options.previewExpirationMs ?? 15000,
    };
  }

  /** Listens to the T-Server and registers every Routing Point that has a strategy. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.o.tserver.onEvent((e) => this.onEvent(e));
    for (const rp of this.strategies.keys()) await this.o.tserver.registerAddress(rp);
    for (const w of this.timeoutWarnings()) this.logger.warn(w.message, { routingPoint: w.routingPoint });
  }

  /**
   * Routing Points whose T-Server `router-timeout` ends before one offer can be decided and
   * delivered: the T-Server would send every previewed call to default-dn mid-preview.
   * (docs/router.md, "The two router-timeouts".)
   */
  timeoutWarnings(): Array<{ routingPoint: string; message: string }> {
    const out: Array<{ routingPoint: string; message: string }> = [];
    for (const [rp, s] of this.strategies) {
      const t = this.o.tserverRouterTimeoutOf?.(rp);
      if (!s.preview || t === undefined || t <= 0) continue;
      const offerMs = (s.previewTimeoutMs ?? this.o.previewExpirationMs) + this.o.itxArrivalTimeoutMs;
      const own = s.routerTimeoutMs;
      if (own !== undefined && own < t * 1000) continue; // the router's own deadline comes first
      if (t * 1000 < offerMs) out.push({ routingPoint: rp, message: `[TServer] router-timeout (${t} s) ends before one preview can be decided and routed (${offerMs} ms): set it higher, to 0, or set a lower [router] router-timeout` });
    }
    return out;
  }

  /** Replaces the strategies (configuration changed); new Routing Points are registered. Runs in progress keep theirs. */
  async setStrategies(strategies: ReadonlyMap<string, RoutingStrategy>): Promise<void> {
    const before = this.strategies;
    this.strategies = strategies;
    if (!this.unsubscribe) return;
    for (const rp of strategies.keys()) if (!before.has(rp)) await this.o.tserver.registerAddress(rp);
  }

  /** Calls in progress (not yet routed, waiting or cancelled). */
  get activeCalls(): number {
    let n = 0;
    for (const r of this.runs.values()) if (!isFinalRouting(r.state)) n++;
    return n;
  }

  /** Resolves when every strategy run has finished, claims released (tests and shutdown). */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Stops listening; open previews are cancelled (`router-stopped`) and their claims released. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const run of this.runs.values()) if (!isFinalRouting(run.state)) this.cancel(run, 'router-stopped');
    await this.whenIdle();
  }

  private onEvent(e: TlibEvent): void {
    const connId = 'ConnID' in e ? (e.ConnID as string | undefined) : undefined;
    if (!connId) return;
    const thisDn = 'ThisDN' in e ? (e.ThisDN as string | undefined) : undefined;
    switch (e.message) {
      case 'EventRouteRequest': {
        const strategy = thisDn ? this.strategies.get(thisDn) : undefined;
        if (!strategy || !thisDn) return;
        const prev = this.runs.get(connId);
        if (prev && !isFinalRouting(prev.state)) return; // already working on it
        this.begin(connId, thisDn, strategy, ('UserData' in e ? (e.UserData as KvList | undefined) : undefined) ?? []);
        return;
      }
      case 'EventAbandoned': {
        const run = this.runs.get(connId);
        if (run && stateOf(run) !== 'Routed' && stateOf(run) !== 'Cancelled') this.cancel(run, 'abandoned');
        return;
      }
      case 'EventDiverted':
      case 'EventRouteUsed': {
        const run = this.runs.get(connId);
        // Our own route shows as EventRouteUsed + EventDiverted while we are in Routing.
        if (run && thisDn === run.routingPoint && (stateOf(run) === 'Selecting' || stateOf(run) === 'Offering' || stateOf(run) === 'Waiting')) this.cancel(run, 'routed-elsewhere');
        return;
      }
      default:
        return;
    }
  }

  private begin(connId: string, routingPoint: string, strategy: RoutingStrategy, userData: KvList): void {
    const run: CallRun = { connId, routingPoint, strategy, userData, state: 'Selecting', attempts: 0, tried: new Set(), open: [], deadline: undefined };
    this.runs.set(connId, run);
    if (strategy.routerTimeoutMs !== undefined) {
      run.deadline = this.clock.setTimer(strategy.routerTimeoutMs, () => {
        run.deadline = undefined;
        if (this.runs.get(connId) !== run || (stateOf(run) !== 'Selecting' && stateOf(run) !== 'Offering')) return; // late (rule 5)
        if (stateOf(run) === 'Offering') this.o.preview.cancel(connId, 'router-timeout');
        void this.noAccept(run, 'router-timeout');
      });
    }
    const p: Promise<void> = this.runStrategy(run)
      .catch((e: unknown) => {
        this.logger.error('routing strategy failed', { connId, routingPoint, error: e instanceof Error ? e.stack : String(e) });
        this.finish(run, 'Cancelled', 'internal-error');
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  private async runStrategy(run: CallRun): Promise<void> {
    // A call back on the Routing Point (no answer at the KW we routed it to) may be decided again.
    if (this.decidedHere.delete(run.connId)) await this.o.reservations.clearDecision(run.connId);
    const s = run.strategy;
    // Every router registered on the Routing Point gets the EventRouteRequest; one works the call.
    const ttl = s.routerTimeoutMs ?? s.maxAttempts * ((s.previewTimeoutMs ?? this.o.previewExpirationMs) + this.o.itxArrivalTimeoutMs) + 5000;
    const lease = await this.o.reservations.claim(`call:${run.connId}`, this.o.instanceId, ttl);
    if (!lease.ok) {
      this.finish(run, 'Cancelled', 'handled-by-another-router');
      return;
    }
    try {
      await this.work(run);
    } finally {
      await this.o.reservations.release(`call:${run.connId}`, lease.fence);
    }
  }

  private async work(run: CallRun): Promise<void> {
    const s = run.strategy;
    while (stateOf(run) === 'Selecting') {
      if (run.attempts >= s.maxAttempts) return this.noAccept(run, 'max-attempts');
      const claimed = await this.pick(run);
      if (stateOf(run) !== 'Selecting') {
        await this.releaseAll(claimed);
        return;
      }
      if (claimed.length === 0) return this.noAccept(run, 'nobody-available');
      run.attempts++;
      for (const c of claimed) run.tried.add(c.kw);
      const first = claimed[0]!;
      if (!s.preview) {
        this.move(run, 'Routing');
        const okRoute = await this.route(run, first.dn, 'direct', first.kw);
        await this.releaseAll(claimed);
        if (!okRoute && stateOf(run) === 'Routing') this.move(run, 'Selecting');
        continue;
      }
      run.open = claimed;
      this.move(run, 'Offering');
      const base = { connId: run.connId, dn: run.routingPoint, mediaType: this.o.mediaType, switch: this.o.switchName, userData: run.userData, ...(s.previewTimeoutMs !== undefined ? { timeout: s.previewTimeoutMs } : {}) };
      // The fences let the connector's winner decision check that the reservation is still ours.
      const result =
        s.selection === 'broadcast'
          ? await this.o.preview.offerMultiple({ ...base, targets: claimed.map((c) => c.kw), fences: claimed.map((c) => String(c.fence)).join('^') })
          : await this.o.preview.offer({ ...base, agent: first.kw, fence: first.fence });
      run.open = [];
      this.safeEmit('previewResult', { connId: run.connId, routingPoint: run.routingPoint, targets: claimed.map((c) => c.kw), result });
      if (stateOf(run) !== 'Offering') {
        // Cancelled (abandon, routed elsewhere) or timed out by the router-timeout while offering.
        await this.releaseAll(claimed);
        return;
      }
      await this.onResult(run, result.result, result, claimed);
    }
  }

  private async onResult(run: CallRun, outcome: PreviewOutcome, result: PreviewInteractionResult, claimed: Claimed[]): Promise<void> {
    if (outcome === 'accepted' || outcome === 'redirected') {
      const winner = claimed.find((c) => c.kw === result.agent) ?? (claimed.length === 1 ? claimed[0] : undefined);
      if (!winner || !(await this.confirmWinner(run.connId, winner.kw))) {
        // Another router's KW won the call first: this one is not ours to route.
        await this.releaseAll(claimed);
        if (stateOf(run) === 'Offering') this.finish(run, 'Cancelled', 'taken');
        return;
      }
      await this.releaseAll(claimed.filter((c) => c !== winner));
      if (stateOf(run) !== 'Offering') {
        await this.releaseAll([winner]);
        return;
      }
      this.move(run, 'Routing');
      const target = outcome === 'redirected' ? result.dn : (result.dn ?? winner.dn);
      const routed = target !== undefined && (await this.route(run, target, outcome === 'redirected' ? 'redirect' : 'preview', winner.kw));
      await this.releaseAll([winner]);
      if (routed) {
        this.decidedHere.add(run.connId);
        // Bounded: a call that has not come back after this many others never will.
        if (this.decidedHere.size > DECIDED_MEMORY) this.decidedHere.delete(this.decidedHere.values().next().value as string);
        return;
      }
      // The accept could not be delivered: forget the decision and go on with the strategy.
      await this.o.reservations.clearDecision(run.connId);
      if (stateOf(run) === 'Routing') this.move(run, 'Selecting');
      return;
    }
    await this.releaseAll(claimed);
    if (outcome === 'taken' || outcome === 'cancelled') {
      this.finish(run, 'Cancelled', outcome);
      return;
    }
    // rejected, timeout, error: the next attempt (those KWs are not offered again for this call).
    this.move(run, 'Selecting');
  }

  /**
   * True when `kw` is (or now becomes) the single recorded winner of the call. The preview
   * manager normally decided already; deciding again for the same KW finds its own row.
   */
  private async confirmWinner(connId: string, kw: string): Promise<boolean> {
    if (await this.o.reservations.decide(connId, kw)) return true;
    return (await this.o.reservations.winner(connId))?.agent === kw;
  }

  /** Candidates in strategy order, claimed: the first claimable one, or every claimable one for broadcast. */
  private async pick(run: CallRun): Promise<Claimed[]> {
    const s = run.strategy;
    const candidates = this.candidates(run);
    const ttl = (s.previewTimeoutMs ?? this.o.previewExpirationMs) + this.o.itxArrivalTimeoutMs + 5000;
    if (s.selection === 'broadcast') {
      const fences = await this.o.reservations.claimMany(candidates.map(kwKey), this.o.instanceId, ttl);
      return candidates.flatMap((c) => {
        const fence = fences.get(kwKey(c));
        return fence === undefined ? [] : [{ kw: kwKey(c), dn: c.dn, fence }];
      });
    }
    for (const c of candidates) {
      if (stateOf(run) !== 'Selecting') return [];
      const r = await this.o.reservations.claim(kwKey(c), this.o.instanceId, ttl);
      if (!r.ok) continue; // under preview elsewhere (another call, strategy or router): skipped
      if (s.selection === 'round-robin' && s.target.type === 'agent-group') this.cursors.set(s.target.group, kwKey(c));
      return [{ kw: kwKey(c), dn: c.dn, fence: r.fence }];
    }
    return [];
  }

  private candidates(run: CallRun): AvailableAgent[] {
    const t = run.strategy.target;
    if (t.type === 'agent-group') return orderCandidates(run.strategy.selection, this.o.stats.availableAgents(t.group), run.tried, this.cursors.get(t.group));
    const name = t.type === 'kw' ? t.kw : kvGetString(run.userData, t.key);
    if (!name || run.tried.has(name)) return [];
    const a = this.o.stats.agent(name);
    if (!a || a.state !== 'Ready' || a.calls.length > 0 || !a.dn) return [];
    return [{ agentId: a.agentId, userName: a.userName, dn: a.dn, readySince: a.readySince ?? a.stateSince }];
  }

  /** Nobody accepted: default routing, or leave the call waiting. */
  private async noAccept(run: CallRun, reason: string): Promise<void> {
    if (stateOf(run) !== 'Selecting' && stateOf(run) !== 'Offering') return;
    const dn = run.strategy.noAcceptAction === 'default-dn' ? (run.strategy.defaultDn ?? this.o.defaultDnOf?.(run.routingPoint)) : undefined;
    if (dn === undefined) {
      this.finish(run, 'Waiting', reason);
      return;
    }
    this.move(run, 'Routing');
    if (!(await this.route(run, dn, 'default-dn')) && stateOf(run) === 'Routing') this.finish(run, 'Waiting', `${reason}; default-dn refused`);
  }

  /** RequestRouteCall; true when the T-Server confirmed it (EventRouteUsed). */
  private async route(run: CallRun, dn: string, how: RoutedHow, kw?: string): Promise<boolean> {
    try {
      await this.o.tserver.request({ message: 'RequestRouteCall', ThisDN: run.routingPoint, ConnID: run.connId, OtherDN: dn, RouteType: 'Default' }, this.o.itxArrivalTimeoutMs);
    } catch (e) {
      this.logger.warn('RequestRouteCall refused', { connId: run.connId, dn, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
    if (stateOf(run) === 'Routing') this.finish(run, 'Routed', how);
    this.safeEmit('routed', { connId: run.connId, routingPoint: run.routingPoint, dn, how, ...(kw !== undefined ? { kw } : {}), attempts: run.attempts });
    return true;
  }

  /** The call went away (abandoned, routed elsewhere, router stopped): open previews close with `cancelled`. */
  private cancel(run: CallRun, reason: string): void {
    const offering = stateOf(run) === 'Offering';
    this.finish(run, 'Cancelled', reason);
    if (offering) this.o.preview.cancel(run.connId, reason);
  }

  private move(run: CallRun, to: CallRoutingState): void {
    run.state = transitionCallRouting(run.state, to);
  }

  private finish(run: CallRun, to: 'Routed' | 'Waiting' | 'Cancelled', reason: string): void {
    if (stateOf(run) === to || !canTransition(run.state, to)) return;
    this.move(run, to);
    this.clock.cancel(run.deadline);
    run.deadline = undefined;
    // Routed and Cancelled runs are over; a Waiting one stays until the call leaves (abandon, diversion).
    if (to !== 'Waiting' && this.runs.get(run.connId) === run) this.runs.delete(run.connId);
    if (to !== 'Routed') this.safeEmit('ended', { connId: run.connId, routingPoint: run.routingPoint, state: to, reason });
  }

  /** Runs the router still tracks (in progress or waiting); tests check that nothing leaks. */
  get trackedCalls(): number {
    return this.runs.size;
  }

  private async releaseAll(claimed: readonly Claimed[]): Promise<void> {
    if (claimed.length === 1) await this.o.reservations.release(claimed[0]!.kw, claimed[0]!.fence);
    else if (claimed.length > 1) await this.o.reservations.releaseMany(claimed);
  }
}

/** The state read through a call, so TypeScript does not keep a narrowing across awaits. */
function stateOf(run: CallRun): CallRoutingState {
  return run.state;
}

function canTransition(from: CallRoutingState, to: CallRoutingState): boolean {
  try {
    transitionCallRouting(from, to);
    return true;
  } catch {
    return false;
  }
}
