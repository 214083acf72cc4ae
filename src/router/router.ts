/**
 * The router (the seeds' URS role): a T-Lib client of the T-Server that registers the Routing
 * Points that have a strategy, and on each EventRouteRequest runs the strategy: select KWs from
 * statistics, reserve them in the store (BlockDN), offer a preview to the connector over the
 * preview protocol, and RequestRouteCall to the KW who accepted — or to default-dn when nobody did.
 *
 * Several router instances may register the same Routing Points: each call is worked by the one
 * that takes its lease (`claim('call:<ConnID>')`; the others stand aside), a KW is offered only
 * under a claim with a fencing token (`Reservations.claim`, kw-claims.ts), and an accept only
 * routes when the store names that KW, under that claim, as the call's single winner. The
 * connector's preview manager decided it (`Reservations.decide`) before it answered `accepted`;
 * the router only reads it (`Reservations.winner`), see {@link Router.isWinner}.
 *
 * Events consumed: EventRouteRequest (start), EventAbandoned (cancel open previews: `abandoned`),
 * EventDiverted / EventRouteUsed on the Routing Point that this run did not cause (the T-Server's
 * own router-timeout sent it to default-dn, or another router routed it: cancel, `routed-elsewhere`).
 * docs/router.md describes the strategies and timeouts.
 */
import { randomUUID } from 'node:crypto';
import { declaredNumber } from '../config/option-table.ts';
import { SystemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import type { KvList, TlibEvent } from '../tlib/index.ts';
import type { PreviewInteractionResult, PreviewOutcome } from '../preview/preview-messages.ts';
import { canTransition, stateOf, type CallRun, type Claimed } from './call-run.ts';
import { type CallRoutingState, isFinalRouting, transitionCallRouting } from './call-routing-state.ts';
import { KwClaims } from './kw-claims.ts';
import type { RoutedHow, RouterEvents, RouterOptions } from './router-ports.ts';
import type { ImTreatment, RoutingStrategy } from './routing-strategy.ts';

// The router's public surface, importable from here (the router index exports this file).
export type { PreviewPort, RoutedHow, RouterEvents, RouterOptions, RouterStats, RouterTlibPort } from './router-ports.ts';

/** How many routed ConnIDs are remembered for a possible return to the Routing Point. */
const DECIDED_MEMORY = 10_000;

/** How often decisions past their retention are deleted. */
const DECISION_SWEEP_MS = 60_000;

/** Margin over one offer's countdown and arrival wait before a claim lapses on its own. */
const CLAIM_MARGIN_MS = 5000;

export class Router extends TypedEmitter<RouterEvents> {
  private readonly o: Required<Omit<RouterOptions, 'defaultDnOf' | 'tserverRouterTimeoutOf' | 'reachable' | 'logger' | 'clock'>> & Pick<RouterOptions, 'defaultDnOf' | 'tserverRouterTimeoutOf'>;
  private readonly claims: KwClaims;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private strategies: ReadonlyMap<string, RoutingStrategy>;
  private readonly runs = new Map<string, CallRun>();
  /** ConnIDs this router routed on accept (their decision is ours to clear when the call comes back). */
  private readonly decidedHere = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  /** Strategy runs still executing (their claims may not be released yet). */
  private readonly running = new Set<Promise<void>>();
  private sweepTimer: TimerHandle | undefined;
  /** Chats waiting for the end of their IM treatment, by ConnID. */
  private readonly treatments = new Map<string, (digits: string | undefined) => void>();

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
      itxArrivalTimeoutMs: options.itxArrivalTimeoutMs ?? declaredNumber('uc-connector', 'preview-itx-arrival-timeout'),
      previewExpirationMs: options.previewExpirationMs ?? declaredNumber('uc-connector', 'preview-expiration-timeout'),
      decisionRetentionMs: options.decisionRetentionMs ?? 3_600_000,
    };
    this.claims = new KwClaims(this.o.reservations, this.o.stats, this.o.instanceId, options.reachable);
  }

  /** Listens to the T-Server and registers every Routing Point that has a strategy. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.o.tserver.onEvent((e) => this.onEvent(e));
    this.scheduleSweep();
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
      const offerMs = this.offerMs(s);
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
    this.clock.cancel(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const run of this.runs.values()) if (!isFinalRouting(run.state)) this.cancel(run, 'router-stopped');
    for (const done of this.treatments.values()) done(undefined);
    this.treatments.clear();
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
        this.begin(connId, thisDn, strategy, ('UserData' in e ? (e.UserData as KvList | undefined) : undefined) ?? [], e.MediaType === 'Chat' ? 'chat' : this.o.mediaType);
        return;
      }
      case 'EventTreatmentEnd': {
        const wait = this.treatments.get(connId);
        if (wait) {
          this.treatments.delete(connId);
          wait(e.CollectedDigits);
        }
        return;
      }
      case 'EventAbandoned': {
        this.treatments.get(connId)?.(undefined);
        this.treatments.delete(connId);
        const run = this.runs.get(connId);
        if (run && stateOf(run) !== 'Routed' && stateOf(run) !== 'Cancelled') this.cancel(run, 'abandoned');
        this.callEnded(connId, run !== undefined);
        return;
      }
      case 'EventReleased':
        // A call that ended on one of our Routing Points (a waiting call released).
        if (thisDn !== undefined && this.strategies.has(thisDn)) this.callEnded(connId, this.runs.has(connId));
        return;
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

  private begin(connId: string, routingPoint: string, strategy: RoutingStrategy, userData: KvList, mediaType: string): void {
    const run: CallRun = { connId, routingPoint, strategy, userData, mediaType, state: 'Selecting', attempts: 0, tried: new Set(), open: [], deadline: undefined };
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
    const ttl = s.routerTimeoutMs ?? s.maxAttempts * this.offerMs(s) + CLAIM_MARGIN_MS;
    const lease = await this.o.reservations.claim(`call:${run.connId}`, this.o.instanceId, ttl);
    if (!lease.ok) {
      this.finish(run, 'Cancelled', 'handled-by-another-router');
      return;
    }
    try {
      if (run.mediaType === 'chat' && s.imTreatment) await this.treat(run, s.imTreatment);
      await this.work(run);
    } finally {
      await this.o.reservations.release(`call:${run.connId}`, lease.fence);
    }
  }

  private async work(run: CallRun): Promise<void> {
    const s = run.strategy;
    while (stateOf(run) === 'Selecting') {
      if (run.attempts >= s.maxAttempts) return this.noAccept(run, 'max-attempts');
      const claimed = await this.claims.pick(run, this.offerMs(s) + CLAIM_MARGIN_MS);
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
      const base = { connId: run.connId, dn: run.routingPoint, mediaType: run.mediaType, switch: this.o.switchName, userData: run.userData, ...(s.previewTimeoutMs !== undefined ? { timeout: s.previewTimeoutMs } : {}) };
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
      if (!winner || !(await this.isWinner(run.connId, winner))) {
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
   * True when the store names `claimed` as the call's winner: its KW, under this offer's claim (a
   * decision recorded without a fence names the KW alone). The connector's preview manager
   * recorded it before answering `accepted`; the router never decides.
   */
  private async isWinner(connId: string, claimed: Claimed): Promise<boolean> {
    const w = await this.o.reservations.winner(connId);
    return w !== undefined && w.agent === claimed.kw && (w.fence === null || w.fence === claimed.fence);
  }

  /**
   * The strategy's IM treatment before the preview (seed 004 3.14): RequestApplyTreatment, then
   * for the Digits types the wait for EventTreatmentEnd; the reply goes into the preview's UserData
   * as `CollectedDigits`. A refused treatment is logged and the routing goes on.
   */
  private async treat(run: CallRun, t: ImTreatment): Promise<void> {
    const parms: Array<KvList[number]> = [];
    if (t.prompts.length > 0) parms.push(['PROMPT', t.prompts.map((text, i): [string, KvList] => [String(i + 1), [['TEXT', text]]])]);
    if (t.totalTimeoutS > 0 && t.type !== 'PlayAnnouncement') parms.push(['TOTAL_TIMEOUT', t.totalTimeoutS]);
    const ended = t.type === 'PlayAnnouncement' ? undefined : new Promise<string | undefined>((resolve) => this.treatments.set(run.connId, resolve));
    try {
      await this.o.tserver.request({ message: 'RequestApplyTreatment', ThisDN: run.routingPoint, ConnID: run.connId, TreatmentType: t.type, TreatmentParms: parms }, this.o.itxArrivalTimeoutMs);
    } catch (e) {
      this.treatments.delete(run.connId);
      this.logger.warn('IM treatment not applied', { connId: run.connId, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    const digits = ended ? await ended : undefined;
    if (digits !== undefined) run.userData = [...run.userData, ['CollectedDigits', digits]];
  }

  /** One offer's countdown and the wait for the routed call's arrival. */
  private offerMs(s: RoutingStrategy): number {
    return (s.previewTimeoutMs ?? this.o.previewExpirationMs) + this.o.itxArrivalTimeoutMs;
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

  /** The call ended where the router sees it: its decision row goes now, not at retention. */
  private callEnded(connId: string, known: boolean): void {
    // A decision may exist for a call this router worked: an accept that came after the run ended
    // (cancelled meanwhile), or a call it routed that came back.
    if (!this.decidedHere.delete(connId) && !known) return;
    this.o.reservations.clearDecision(connId).catch((e: unknown) => this.logger.warn('decision not cleared', { connId, error: e instanceof Error ? e.message : String(e) }));
  }

  /** Deletes decisions past their retention every minute (the store's row count stays bounded). */
  private scheduleSweep(): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = this.clock.setTimer(DECISION_SWEEP_MS, () => {
      this.sweepTimer = undefined;
      if (!this.unsubscribe) return;
      this.o.reservations
        .pruneDecisions(this.clock.now() - this.o.decisionRetentionMs)
        .then((n) => {
          if (n > 0) this.logger.debug('expired decisions deleted', { count: n });
        })
        .catch((e: unknown) => this.logger.warn('expired decisions not deleted', { error: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          if (this.unsubscribe) this.scheduleSweep();
        });
    });
  }

  /** Runs the router still tracks (in progress or waiting); tests check that nothing leaks. */
  get trackedCalls(): number {
    return this.runs.size;
  }

  private async releaseAll(claimed: readonly Claimed[]): Promise<void> {
    await this.claims.release(claimed);
  }
}
