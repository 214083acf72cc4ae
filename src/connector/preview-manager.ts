/**
 * The preview manager (the seeds' built-in Custom Server, ARCHITECTURE.md data flow 2): it takes
 * the router's PreviewInteractionRequest / PreviewInteractionMultiple / PreviewInteractionCancel,
 * shows each offer on every client session of the KW with its countdown, and resolves every offer
 * exactly once — accepted, rejected, timeout, cancelled, taken, error or redirected — answering the
 * router with exactly one PreviewInteractionResult per request.
 *
 * The per-offer rules are the pure machine of preview-offer.ts; this class is the shell: timers on
 * the Clock, client sessions, the single winner decision (preview-winner.ts, in the store shared
 * with the router), auto-states through the connector, and the reporting recorder.
 *
 * - Delivery: every session of the KW gets `preview` (with `deadline` and `remaining`); a session
 *   that opens while the preview is open gets it too. When the offer ends, every session gets
 *   `preview-closed`.
 * - Countdown: the request's `timeout`, else `preview-expiration-timeout` (Person annex over
 *   Application). On expiry: `timeout` and the `preview-timeout` auto-state.
 * - Reject: `rejected` and the `preview-reject` auto-state (the connector runs `dnd-off-timeout`).
 * - Accept: the offer waits for the winner decision (`Reservations.decide` in the store, one
 *   winner per ConnID across every process); won → `accepted` (result carries the KW's DN and the
 *   fence); lost → `taken`. For a Multiple the first winner
 *   closes every other open offer of the call with `taken` — on a later turn, after its result was
 *   sent (until then such an offer can only end `taken`: whatever comes for it closes it so).
 * - Accept on external number: as accept, but `redirected` with `dn` = the KW's `redirect-number`
 *   (Person annex, only when `redirect-enabled`), and the `preview-redirect` auto-state.
 * - Cancel (or the router's connection closing): every open offer of the ConnID ends `cancelled`.
 * - A KW with no client session at offer time gets the offer as an invitation over IM when the
 *   `im` port can reach them (seed 000 F8, preview-im.ts); the IM answer goes through accept /
 *   reject like the web window's. Otherwise, or for an agent unknown to the connector: `error` at
 *   once ({@link PreviewManager.canDeliver} lets the router leave such KWs out).
 * - The KW's last client session closing mid-preview: `error` (not for an offer sent over IM).
 * - A KW acts only on its own previews: an action on another KW's preview is refused, logged,
 *   and changes nothing.
 */
import { SystemClock, type Clock } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import { splitPreviewFences, splitPreviewTargets } from '../preview/preview-codec.ts';
import type { PreviewInteractionCancel, PreviewInteractionMultiple, PreviewInteractionRequest, PreviewOutcome, PreviewRequest } from '../preview/preview-messages.ts';
import type { PreviewResultBody } from '../preview/preview-transport.ts';
import { noopPreviewRecorder, type PreviewRecorder } from '../reporting/preview-report.ts';
import type { KwClientSession, KwClientSessions } from './kw-client-sessions.ts';
import type { PreviewImPort } from './preview-im.ts';
import { autoStateAfter, lostToWinner, newPreviewCall, newPreviewOffer, offerView, previewClosedMessage, previewMessage, type PreviewCall as Call, type PreviewOfferRecord as Offer } from './preview-call.ts';
import { PreviewKwIndex } from './preview-kw-index.ts';
import { refuse, type PreviewActionResult, type PreviewConnectorPort, type PreviewManagerEvents, type PreviewManagerOptions, type PreviewOfferView, type PreviewResponder } from './preview-manager-api.ts';
import { PreviewOfferRegistry } from './preview-offer-registry.ts';
import { isFinalOfferState, nextPreviewOfferState, type PreviewOfferEvent } from './preview-offer.ts';
import { defaultPreviewSettings, type PreviewKwSettings } from './preview-settings.ts';
import { localWinnerStore, WinnerDecider } from './preview-winner.ts';

// The manager's public surface, importable from here (the connector index exports this file).
export type { PreviewActionRefusal, PreviewActionResult, PreviewConnectorPort, PreviewManagerEvents, PreviewManagerOptions, PreviewOfferView, PreviewResponder } from './preview-manager-api.ts';
export { defaultPreviewSettings, previewSettingsFromOptions, type PreviewKwSettings } from './preview-settings.ts';

export class PreviewManager extends TypedEmitter<PreviewManagerEvents> {
  private readonly connector: PreviewConnectorPort;
  private readonly sessions: KwClientSessions;
  private readonly settings: (userName: string) => PreviewKwSettings;
  private readonly winners: WinnerDecider;
  private readonly recorder: PreviewRecorder;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly decideTimeoutMs: number;
  private readonly im: PreviewImPort | undefined;
  private readonly offers: PreviewOfferRegistry;
  private readonly callsByConnId = new Map<string, Set<Call>>();
  private readonly kws: PreviewKwIndex;
  private readonly watchedResponders = new WeakSet<object>();
  /** Calls won whose other offers are still to be closed `taken` (see closeTaken). */
  private readonly takenLater = new Map<Call, NodeJS.Immediate>();
  private nextOffer = 1;
  private readonly detach: Array<() => void> = [];

  constructor(options: PreviewManagerOptions) {
    super();
    this.connector = options.connector;
    this.sessions = options.sessions;
    this.settings = options.settings ?? (() => defaultPreviewSettings);
    this.recorder = options.recorder ?? noopPreviewRecorder;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? silentLogger).child({ role: 'preview-manager' });
    this.offers = new PreviewOfferRegistry(options.closedMemory ?? 10_000);
    this.decideTimeoutMs = options.decideTimeoutMs ?? 10_000;
    this.im = options.im;
    this.winners = new WinnerDecider(options.reservations ?? localWinnerStore());
    this.kws = new PreviewKwIndex(this.connector);
    const onOpen = (s: KwClientSession): void => this.onSessionOpen(s);
    const onClose = (s: KwClientSession, remaining: number): void => this.onSessionClose(s, remaining);
    this.sessions.on('sessionOpen', onOpen);
    this.sessions.on('sessionClose', onClose);
    this.detach.push(
      () => this.sessions.off('sessionOpen', onOpen),
      () => this.sessions.off('sessionClose', onClose),
    );
  }

  /**
   * Handles one request from the router; the signature of PreviewServer's handler, so the
   * composition root wires `new PreviewServer({ handler: (r, s) => manager.handle(r, s) })`.
   * The result of a Request / Multiple goes back through `responder.respond(ReferenceID, ...)`,
   * exactly once. A Cancel gets no result of its own.
   */
  handle(request: PreviewRequest, responder: PreviewResponder): void {
    if (request.message === 'PreviewInteractionCancel') {
      this.cancel(request);
      return;
    }
    this.watchResponder(responder);
    if (request.message === 'PreviewInteractionRequest') this.offer(request, responder);
    else this.offerMultiple(request, responder);
  }

  /** Closes every open offer of `connId` with `cancelled`; returns how many it closed. */
  cancelConnId(connId: string, reason = 'cancelled'): number {
    let n = 0;
    for (const call of [...(this.callsByConnId.get(connId) ?? [])]) n += this.cancelCall(call, reason);
    return n;
  }

  /** The KW accepts its preview `id`. */
  accept(userName: string, id: string): PreviewActionResult {
    return this.act(userName, id, { type: 'accept' });
  }

  /** The KW rejects its preview `id`. */
  reject(userName: string, id: string): PreviewActionResult {
    return this.act(userName, id, { type: 'reject' });
  }

  /** The KW accepts its preview `id` on the external (redirect) number. */
  acceptExternal(userName: string, id: string): PreviewActionResult {
    return this.act(userName, id, { type: 'acceptExternal' });
  }

  /**
   * True when an offer to `agent` (AgentID or user name) could be shown now: the KW is known and has
   * a client session, or can be invited over IM. The router leaves the others out of its selection.
   */
  canDeliver(agent: string): boolean {
    const kw = this.kws.find(agent);
    if (!kw) return false;
    return this.sessions.count(kw.userName) > 0 || this.im?.reachable(kw.userName) === true;
  }

  /** The open offers (all, or one KW's). */
  openPreviews(userName?: string): PreviewOfferView[] {
    return this.offers.list(userName).filter((o) => !lostToWinner(o)).map(offerView);
  }

  /** Stops listening to sessions and cancels every timer; open offers are left (nothing is answered). */
  dispose(): void {
    for (const d of this.detach.splice(0)) d();
    for (const o of this.offers.list()) this.clock.cancel(o.timer);
    for (const t of this.takenLater.values()) clearImmediate(t);
    this.takenLater.clear();
  }

  // ---- requests ----

  private offer(req: PreviewInteractionRequest, responder: PreviewResponder): void {
    const call = this.newCall(req, responder);
    this.addOffer(call, req.agent, req.fence, req.timeout);
    this.afterOffers(call);
  }

  private offerMultiple(req: PreviewInteractionMultiple, responder: PreviewResponder): void {
    const call = this.newCall(req, responder);
    const targets = splitPreviewTargets(req.targets);
    const names = targets.ok ? targets.value : [];
    const fences = req.fences === undefined ? undefined : splitPreviewFences(req.fences, names.length);
    const seen = new Set<string>();
    names.forEach((agent, i) => {
      const kw = this.kws.find(agent);
      const key = kw?.userName ?? `?${agent}`;
      if (seen.has(key)) return; // a KW named twice is offered once
      seen.add(key);
      this.addOffer(call, agent, fences?.ok ? fences.value[i] : undefined, req.timeout);
    });
    this.afterOffers(call);
  }

  private newCall(req: PreviewInteractionRequest | PreviewInteractionMultiple, responder: PreviewResponder): Call {
    const call = newPreviewCall(req, responder);
    let set = this.callsByConnId.get(req.connId);
    if (!set) {
      set = new Set();
      this.callsByConnId.set(req.connId, set);
    }
    set.add(call);
    return call;
  }

  private addOffer(call: Call, agent: string, fence: number | undefined, timeout: number | undefined): void {
    const kw = this.kws.find(agent);
    const now = this.clock.now();
    const id = `p${this.nextOffer++}`;
    if (!kw) {
      const o = newPreviewOffer(id, call, agent, { userName: '', agentId: '', dn: '' }, fence, now, null, false);
      call.offers.push(o);
      call.open++;
      this.logger.warn('preview for an agent the connector does not know', { agent, connId: call.connId });
      this.finish(o, 'error', 'unknown-agent');
      return;
    }
    let settings: PreviewKwSettings;
    try {
      settings = this.settings(kw.userName);
    } catch (e) {
      this.logger.error('preview settings unreadable; defaults apply', { userName: kw.userName, error: String(e) });
      settings = defaultPreviewSettings;
    }
    const ms = timeout ?? settings.expirationTimeoutMs;
    const o = newPreviewOffer(id, call, agent, kw, fence, now + ms, settings.redirectNumber, true, now);
    call.offers.push(o);
    call.open++;
    void this.recorder.offered({ connId: call.connId, agentId: kw.agentId, userId: kw.userName, routingPoint: call.dn, dn: kw.dn, offeredAt: now, mediaType: call.mediaType });
    const viaIm = this.sessions.count(kw.userName) === 0;
    if (viaIm && this.im?.reachable(kw.userName) !== true) {
      this.finish(o, 'error', 'no-client-session');
      return;
    }
    if (viaIm) o.delivery = 'im';
    this.offers.add(o);
    o.timer = this.clock.setTimer(ms, () => {
      // May fire late (rule 5): the machine ignores `expire` unless the offer is still `offered`.
      o.timer = undefined;
      this.input(o, { type: 'expire' });
    });
    this.safeEmit('offerOpened', offerView(o));
    if (!viaIm) {
      this.sessions.sendTo(kw.userName, previewMessage(o, this.clock.now()));
      return;
    }
    this.im?.invite(
      { id, userName: kw.userName, mediaType: call.mediaType, routingPoint: call.dn, userData: call.userData, remainingMs: ms },
      (answer) => (answer === 'accept' ? this.accept(kw.userName, id) : this.reject(kw.userName, id)),
      (reason) => this.input(o, { type: 'undeliverable' }, reason),
    );
  }

  /** After the offers of a request are made: a call whose every offer already ended is answered now. */
  private afterOffers(call: Call): void {
    call.building = false;
    if (call.offers.length === 0) {
      this.resolveCall(call, { connId: call.connId, result: 'error', reason: 'no targets' });
      return;
    }
    this.maybeResolveWithoutWinner(call);
    this.forgetCallIfDone(call);
  }

  private cancel(req: PreviewInteractionCancel): void {
    const n = this.cancelConnId(req.connId, req.reason ?? 'cancelled');
    this.logger.debug('preview cancel', { connId: req.connId, closed: n });
  }

  private cancelCall(call: Call, reason: string): number {
    let n = 0;
    for (const o of call.offers) if (this.input(o, { type: 'cancel' }, reason)) n++;
    if (!call.resolved && !call.winner) this.resolveCall(call, { connId: call.connId, result: 'cancelled', reason });
    return n;
  }

  // ---- client actions ----

  private act(userName: string, id: string, input: PreviewOfferEvent): PreviewActionResult {
    const o = this.offers.get(id);
    if (!o) {
      const closed = this.offers.closedAs(id);
      if (closed && closed.userName === userName) return refuse('already-closed', `preview ${id} already ended (${closed.outcome})`);
      if (closed) return this.foreign(userName, id, closed.userName);
      return refuse('unknown-preview', `no preview ${id}`);
    }
    if (o.userName !== userName) return this.foreign(userName, id, o.userName);
    if (lostToWinner(o)) {
      this.input(o, { type: 'taken' }, 'taken');
      return refuse('already-closed', `preview ${id} already ended (taken)`);
    }
    if (o.state !== 'offered') return refuse('already-closed', `preview ${id} is already being decided`);
    if (input.type === 'acceptExternal' && o.redirectNumber === null) return refuse('cannot-redirect', 'no redirect number is enabled for this knowledge worker');
    this.input(o, input);
    return { ok: true };
  }

  private foreign(userName: string, id: string, owner: string): PreviewActionResult {
    this.logger.warn('preview action on another knowledge worker\'s preview refused', { userName, previewId: id, owner });
    return refuse('not-your-preview', `preview ${id} is not yours`);
  }

  // ---- the machine ----

  /** Feeds one input to an offer; returns true when the offer moved. */
  private input(o: Offer, input: PreviewOfferEvent, reason?: string): boolean {
    // Another KW won the call and this offer waits for closeTaken: whatever comes ends it `taken`,
    // as if it had been closed with the winner.
    if (lostToWinner(o)) {
      input = { type: 'taken' };
      reason = 'taken';
    }
    const next = nextPreviewOfferState(o, input);
    if (!next) return false;
    if (next.state === 'deciding') {
      o.state = 'deciding';
      o.acceptKind = next.acceptKind;
      this.startDecision(o);
      return true;
    }
    if (isFinalOfferState(next.state)) {
      o.acceptKind = next.acceptKind;
      this.finish(o, next.state, reason);
      return true;
    }
    return false;
  }

  private startDecision(o: Offer): void {
    const call = o.call;
    // A winner in this process already: lost, without asking the store.
    if (call.winner) {
      this.input(o, { type: 'decided', won: false });
      return;
    }
    // The countdown no longer applies (the KW acted in time); a store that never answers must
    // not hold the offer (and the router's request) forever.
    this.clock.cancel(o.timer);
    o.timer = this.clock.setTimer(this.decideTimeoutMs, () => {
      o.timer = undefined;
      if (o.state === 'deciding') this.decisionFailed(o, new Error(`no decision within ${this.decideTimeoutMs} ms`));
    });
    this.winners.decide(call, o.agent, o.fence).then(
      (won) => this.decided(o, won),
      (e: unknown) => this.decisionFailed(o, e),
    );
  }

  private decided(o: Offer, won: boolean): void {
    if (won && o.call.winner && o.call.winner !== o) {
      // The store said yes twice for one call: keep the first, and say so loudly.
      this.logger.error('winner decision granted a second accept for one call; treated as taken', { connId: o.call.connId, userName: o.userName, winner: o.call.winner.userName });
      won = false;
    }
    this.input(o, { type: 'decided', won });
  }

  private decisionFailed(o: Offer, e: unknown): void {
    this.logger.error('winner decision failed', { connId: o.call.connId, userName: o.userName, error: e instanceof Error ? e.message : String(e) });
    this.input(o, { type: 'decideFailed' }, 'decision failed');
  }

  /** Effects of reaching a final state (exactly once per offer). */
  private finish(o: Offer, outcome: PreviewOutcome, reason?: string): void {
    o.state = outcome;
    o.call.open--;
    o.reason = reason;
    this.clock.cancel(o.timer);
    o.timer = undefined;
    const call = o.call;
    if (o.delivery === 'im') this.im?.closed(o.id, outcome);
    if (o.known) {
      this.offers.close(o, outcome);
      this.sessions.sendTo(o.userName, previewClosedMessage(o, outcome, reason));
      const rec: { connId: string; agentId: string; outcome: PreviewOutcome; decidedAt: number; reason?: string } = { connId: call.connId, agentId: o.agentId, outcome, decidedAt: this.clock.now() };
      if (reason !== undefined) rec.reason = reason;
      void this.recorder.decided(rec);
      const auto = autoStateAfter(outcome);
      if (auto) this.connector.enterAutoState(o.userName, auto);
    }
    const ended: PreviewOfferView & { outcome: PreviewOutcome; reason?: string } = { ...offerView(o), outcome };
    if (reason !== undefined) ended.reason = reason;
    this.safeEmit('offerClosed', ended);

    if (outcome === 'accepted' || outcome === 'redirected') {
      call.winner = o;
      const body: PreviewResultBody = { connId: call.connId, result: outcome, agent: o.agent, dn: outcome === 'redirected' ? (o.redirectNumber ?? '') : o.dn };
      if (o.fence !== undefined) body.fence = o.fence;
      this.resolveCall(call, body);
      // Every other open offer of the call: taken (those still deciding lose when their answer
      // comes), on the next turn of the event loop: 999 closes (each a client message, a ledger
      // row, an event) must not stand between the result and the router when both run in one
      // process. Not a Clock timer: this is no wait, and it must happen under a ManualClock too.
      if (call.offers.some(lostToWinner)) {
        this.takenLater.set(call, setImmediate(() => this.closeTaken(call)));
      }
      this.forgetCallIfDone(call);
      return;
    }
    call.lastClosed = o;
    this.maybeResolveWithoutWinner(call);
    this.forgetCallIfDone(call);
  }

  /** Closes `taken` every offer of a won call still waiting for it. */
  private closeTaken(call: Call): void {
    this.takenLater.delete(call);
    for (const o of call.offers) if (lostToWinner(o)) this.input(o, { type: 'taken' }, 'taken');
    this.forgetCallIfDone(call);
  }

  /** When no offer of the call is open and nobody won, the last outcome answers the request. */
  private maybeResolveWithoutWinner(call: Call): void {
    if (call.resolved || call.winner || call.building) return;
    if (call.open > 0) return;
    const last = call.lastClosed;
    if (!last) return;
    const body: PreviewResultBody = { connId: call.connId, result: last.state as PreviewOutcome, agent: last.agent };
    if (last.reason !== undefined) body.reason = last.reason;
    this.resolveCall(call, body);
  }

  private resolveCall(call: Call, body: PreviewResultBody): void {
    if (call.resolved) return;
    call.resolved = true;
    let sent = false;
    try {
      sent = call.responder.respond(call.referenceId, body);
    } catch (e) {
      this.logger.error('preview result could not be sent', { connId: call.connId, error: String(e) });
    }
    if (!sent) this.logger.warn('preview result not delivered (router connection gone?)', { connId: call.connId, referenceId: call.referenceId, result: body.result });
    this.safeEmit('callResolved', { ...body, referenceId: call.referenceId });
  }

  private forgetCallIfDone(call: Call): void {
    if (call.building || !call.resolved || call.open > 0) return;
    const set = this.callsByConnId.get(call.connId);
    set?.delete(call);
    if (set?.size === 0) this.callsByConnId.delete(call.connId);
  }

  // ---- sessions and lookups ----

  private onSessionOpen(s: KwClientSession): void {
    // A session opened while a preview is open (a second tab, a reconnect) shows it too.
    for (const o of this.offers.list(s.userName)) if (o.state === 'offered' && !lostToWinner(o)) s.send(previewMessage(o, this.clock.now()));
  }

  private onSessionClose(s: KwClientSession, remaining: number): void {
    if (remaining > 0) return;
    for (const o of this.offers.list(s.userName)) if (o.delivery === 'web') this.input(o, { type: 'lastSessionGone' }, 'client-disconnected');
  }

  /** When the router's connection closes, its open previews are cancelled (nobody could route them). */
  private watchResponder(responder: PreviewResponder): void {
    if (!responder.onClose || this.watchedResponders.has(responder)) return;
    this.watchedResponders.add(responder);
    responder.onClose(() => {
      for (const set of [...this.callsByConnId.values()]) {
        for (const call of [...set]) if (call.responder === responder) this.cancelCall(call, 'router-disconnected');
      }
    });
  }
}
