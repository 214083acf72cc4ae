/**
 * The shell around the interaction machine: one state per KW DN, fed by the T-Lib client's DN
 * events, and the KW's call-control actions sent as that DN on the same client. The connector's
 * T-Lib client is the one owner of each KW DN (it registered it); this tracker only listens to it
 * and sends call requests through it.
 *
 * A two-step conference completes itself: `conference()` dials the contact point on a consultation
 * call (RequestInitiateConference) and, when that call is established at the DN, this tracker sends
 * RequestCompleteConference.
 */
import { silentLogger, type Logger } from '../../lib/logger.ts';
import { SystemClock, type Clock } from '../../lib/clock.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import { CtiError } from '../../tlib/cti-error.ts';
import type { TlibEvent, TlibRequest } from '../../tlib/messages/message-catalogue.ts';
import { actionsFor, initialInteractions, stepInteractions, type Interaction, type InteractionAction, type InteractionChange, type InteractionsState } from './interaction-machine.ts';

/** The T-Lib calls the tracker makes (TlibClient has them). */
export interface InteractionTlibPort {
  onDn(dn: string, listener: (event: TlibEvent) => void): () => void;
  request(request: TlibRequest): Promise<TlibEvent>;
}

/** Why an action was refused. `tlib` carries the T-Library ErrorCode of the EventError. */
export type InteractionActionError =
  | { readonly kind: 'unknown-kw'; readonly message: string }
  | { readonly kind: 'unknown-call'; readonly message: string }
  | { readonly kind: 'not-allowed'; readonly message: string }
  | { readonly kind: 'tlib'; readonly code: number | null; readonly message: string };

/** Events of {@link InteractionTracker}. */
export interface InteractionTrackerEvents {
  /** A KW's interaction appeared, changed or closed. */
  change: (userName: string, change: InteractionChange) => void;
  listenerError: (error: unknown, event: string) => void;
}

/** Options of {@link InteractionTracker}. */
export interface InteractionTrackerOptions {
  readonly tlib: InteractionTlibPort;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Longest notes text saved to a call (characters). Default 4096. */
  readonly maxNotesLength?: number;
  /**
   * Whether a KW DN's ringing call can be answered from the desktop (the Switch's `canAnswer`).
   * Default: every DN can.
   */
  readonly canAnswer?: (dn: string) => boolean;
  /** How long `transfer` waits for the T-Server's answer before it reports the transfer as under way. Default 2000 ms. */
  readonly transferGraceMs?: number;
}

interface Slot {
  readonly dn: string;
  state: InteractionsState;
  readonly unsubscribe: () => void;
  /** Consultation ConnID → the main call, for conferences waiting for the consultation to be established. */
  readonly pendingConferences: Map<string, string>;
}

export class InteractionTracker extends TypedEmitter<InteractionTrackerEvents> {
  private readonly tlib: InteractionTlibPort;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxNotesLength: number;
  private readonly transferGraceMs: number;
  private readonly canAnswerDn: (dn: string) => boolean;
  private readonly slots = new Map<string, Slot>();

  constructor(o: InteractionTrackerOptions) {
    super();
    this.tlib = o.tlib;
    this.clock = o.clock ?? new SystemClock();
    this.logger = (o.logger ?? silentLogger).child({ role: 'interactions' });
    this.maxNotesLength = o.maxNotesLength ?? 4096;
    this.transferGraceMs = o.transferGraceMs ?? 2000;
    this.canAnswerDn = o.canAnswer ?? (() => true);
  }

  /** Starts tracking a KW's DN (idempotent; a new DN replaces the old one). */
  track(userName: string, dn: string): void {
    const old = this.slots.get(userName);
    if (old?.dn === dn) return;
    old?.unsubscribe();
    const slot: Slot = {
      dn,
      state: initialInteractions(),
      pendingConferences: new Map(),
      unsubscribe: this.tlib.onDn(dn, (event) => this.onEvent(userName, event)),
    };
    this.slots.set(userName, slot);
  }

  /** Stops tracking a KW. */
  untrack(userName: string): void {
    this.slots.get(userName)?.unsubscribe();
    this.slots.delete(userName);
  }

  /** Stops tracking every KW. */
  stop(): void {
    for (const u of [...this.slots.keys()]) this.untrack(u);
  }

  /** Whether the KW's ringing calls can be answered from the desktop (false for a KW not tracked). */
  canAnswer(userName: string): boolean {
    const slot = this.slots.get(userName);
    return slot !== undefined && this.canAnswerDn(slot.dn);
  }

  /** A KW's interactions, oldest first; undefined for a KW not tracked. */
  interactionsOf(userName: string): Interaction[] | undefined {
    const slot = this.slots.get(userName);
    return slot ? [...slot.state.values()] : undefined;
  }

  answer(userName: string, connId: string): Promise<Result<void, InteractionActionError>> {
    return this.act(userName, connId, 'answer', (dn) => ({ message: 'RequestAnswerCall', ThisDN: dn, ConnID: connId }));
  }

  hold(userName: string, connId: string): Promise<Result<void, InteractionActionError>> {
    return this.act(userName, connId, 'hold', (dn) => ({ message: 'RequestHoldCall', ThisDN: dn, ConnID: connId }));
  }

  retrieve(userName: string, connId: string): Promise<Result<void, InteractionActionError>> {
    return this.act(userName, connId, 'retrieve', (dn) => ({ message: 'RequestRetrieveCall', ThisDN: dn, ConnID: connId }));
  }

  release(userName: string, connId: string): Promise<Result<void, InteractionActionError>> {
    return this.act(userName, connId, 'release', (dn) => ({ message: 'RequestReleaseCall', ThisDN: dn, ConnID: connId }));
  }

  /**
   * Single-step transfer to a contact point. To a routing point the T-Server answers at once; to an
   * extension its reply (EventReleased) waits until the target answers, so after `transferGraceMs`
   * without an EventError this resolves ok, and a later failure is only logged.
   */
  transfer(userName: string, connId: string, otherDn: string): Promise<Result<void, InteractionActionError>> {
    const done = this.act(userName, connId, 'transfer', (dn) => ({ message: 'RequestSingleStepTransfer', ThisDN: dn, ConnID: connId, OtherDN: otherDn }));
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(this.transferGraceMs, () => resolve(ok(undefined)));
      void done.then((r) => {
        this.clock.cancel(timer);
        if (!r.ok) this.logger.info('transfer failed', { userName, connId, otherDn, error: r.error.message });
        resolve(r);
      });
    });
  }

  /** Saves the notes to the call's UserData under `key` (RequestUpdateUserData replaces the key's value). */
  saveNotes(userName: string, connId: string, key: string, text: string): Promise<Result<void, InteractionActionError>> {
    if (text.length > this.maxNotesLength) return Promise.resolve(err({ kind: 'not-allowed', message: `notes are limited to ${this.maxNotesLength} characters` }));
    return this.act(userName, connId, 'notes', (dn) => ({ message: 'RequestUpdateUserData', ThisDN: dn, ConnID: connId, UserData: [[key, text]] }));
  }

  /**
   * Two-step conference with a contact point: dials it on a consultation call; the conference
   * completes when that call is established at the DN. Resolves with the consultation ConnID.
   */
  async conference(userName: string, connId: string, otherDn: string): Promise<Result<{ consultConnId: string }, InteractionActionError>> {
    const slot = this.slots.get(userName);
    const refused = this.check(slot, connId, 'conference');
    if (refused) return err(refused);
    const dn = (slot as Slot).dn;
    const r = await this.send({ message: 'RequestInitiateConference', ThisDN: dn, ConnID: connId, OtherDN: otherDn });
    if (!r.ok) return r;
    const consult = (r.value as { ConnID?: unknown }).ConnID;
    if (typeof consult !== 'string') return err({ kind: 'tlib', code: null, message: 'the T-Server did not name the consultation call' });
    const current = this.slots.get(userName);
    if (current !== undefined && current === slot) {
      current.pendingConferences.set(consult, connId);
      // The consultation may already be established (an answering contact point).
      if (current.state.get(consult)?.state === 'established') this.completeConference(userName, current, consult);
    }
    return ok({ consultConnId: consult });
  }

  private check(slot: Slot | undefined, connId: string, action: InteractionAction): InteractionActionError | undefined {
    if (!slot) return { kind: 'unknown-kw', message: 'not a knowledge worker with a DN' };
    const call = slot.state.get(connId);
    if (!call) return { kind: 'unknown-call', message: `no call ${connId} at ${slot.dn}` };
    if (!actionsFor(call.state, { answer: this.canAnswerDn(slot.dn) }).includes(action)) return { kind: 'not-allowed', message: `cannot ${action} a call that is ${call.state}` };
    return undefined;
  }

  private async act(userName: string, connId: string, action: InteractionAction, build: (dn: string) => TlibRequest): Promise<Result<void, InteractionActionError>> {
    const slot = this.slots.get(userName);
    const refused = this.check(slot, connId, action);
    if (refused) return err(refused);
    const r = await this.send(build((slot as Slot).dn));
    return r.ok ? ok(undefined) : r;
  }

  private async send(request: TlibRequest): Promise<Result<TlibEvent, InteractionActionError>> {
    try {
      return ok(await this.tlib.request(request));
    } catch (e) {
      if (e instanceof CtiError) return err({ kind: 'tlib', code: e.code, message: e.message });
      return err({ kind: 'tlib', code: null, message: e instanceof Error ? e.message : String(e) });
    }
  }

  private onEvent(userName: string, event: TlibEvent): void {
    const slot = this.slots.get(userName);
    if (!slot) return;
    const step = stepInteractions(slot.state, event, this.clock.now());
    slot.state = step.state;
    if (step.ignored) this.logger.debug('call event ignored', { userName, event: event.message, why: step.ignored });
    for (const change of step.changes) {
      if (change.type === 'closed') {
        slot.pendingConferences.delete(change.interaction.connId);
        for (const [consult, main] of slot.pendingConferences) if (main === change.interaction.connId) slot.pendingConferences.delete(consult);
      }
      this.safeEmit('change', userName, change);
      if (change.type === 'upsert' && change.interaction.state === 'established' && slot.pendingConferences.has(change.interaction.connId)) {
        this.completeConference(userName, slot, change.interaction.connId);
      }
    }
  }

  private completeConference(userName: string, slot: Slot, consult: string): void {
    const main = slot.pendingConferences.get(consult);
    if (main === undefined) return;
    slot.pendingConferences.delete(consult);
    void this.send({ message: 'RequestCompleteConference', ThisDN: slot.dn, ConnID: main, TransferConnID: consult }).then((r) => {
      if (!r.ok) this.logger.warn('conference not completed', { userName, connId: main, consult, error: r.error.message });
    });
  }
}
