/**
 * The imperative shell of the connector (ARCHITECTURE.md data flows 1 and 3): it holds one pure
 * KW machine per knowledge worker and executes their effects — T-Lib requests through a
 * TlibClient, publications and subscriptions through a UcPlatform, timers on the Clock — and turns
 * T-Lib events, UC presence, link changes and timer expiries back into machine inputs.
 *
 * Inputs are queued and processed one at a time, so an effect that causes an input synchronously
 * (a test double, an in-process adapter) never re-enters a machine.
 */
import type { ConfigView } from '../config/config-index.ts';
import { OptionResolver } from '../config/option-resolver.ts';
import { SystemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import type { Presence } from '../presence/presence.ts';
import { CtiError } from '../tlib/cti-error.ts';
import type { TlibClient } from '../tlib/client/tlib-client.ts';
import type { TlibRequest } from '../tlib/index.ts';
import type { UcKnowledgeWorker, UcPlatform } from '../uc/uc-platform.ts';
import { knowledgeWorkersFromConfig, type SkippedPerson } from './knowledge-worker-directory.ts';
import { toKnowledgeWorkerView, type KnowledgeWorkerView } from './knowledge-worker-view.ts';
import { resolveKwConfig, type KwConfig } from './kw-config.ts';
import { stepKw } from './kw-machine.ts';
import type { AgentStateRequest } from './custom-states/custom-state-matcher.ts';
import { selectedAgentTargetOf } from './custom-states/selected-agent-target.ts';
import { copyKwState, initialKwState, type AutoStateKind, type KwEffect, type KwInput, type KwState, type KwTimerName } from './kw-state.ts';

/** Construction options of {@link UcConnector}. */
export interface UcConnectorOptions {
  readonly view: ConfigView;
  /** The connector's own Application object (type `ucc`). */
  readonly application: string;
  readonly tlib: TlibClient;
  readonly uc: UcPlatform;
  readonly resolver?: OptionResolver;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Overrides of machine settings that are not options (retry backoff). */
  readonly machine?: Partial<Pick<KwConfig, 'retryInitialMs' | 'retryMaxMs'>>;
}

/** Events of {@link UcConnector}. */
export interface UcConnectorEvents {
  /** A KW's state changed (some field differs after an input); the REST/WebSocket layer pushes the view. */
  kwChange: (view: KnowledgeWorkerView) => void;
  listenerError: (error: unknown, event: string) => void;
}

interface Slot {
  state: KwState;
  readonly uc: UcKnowledgeWorker;
  readonly timers: Map<KwTimerName, TimerHandle>;
  unsubscribeDn: () => void;
  /** The KW's machine settings as of a configuration revision (see kwConfig). */
  config?: { readonly revision: number; readonly value: KwConfig };
}

export class UcConnector extends TypedEmitter<UcConnectorEvents> {
  private readonly view: ConfigView;
  private readonly application: string;
  private readonly tlib: TlibClient;
  private readonly uc: UcPlatform;
  private readonly resolver: OptionResolver;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly machine: Partial<KwConfig>;
  private readonly slots = new Map<string, Slot>();
  private readonly byContact = new Map<string, string>();
  private readonly queue: Array<{ userName: string; input: KwInput }> = [];
  private draining = false;
  private started = false;
  private readonly detach: Array<() => void> = [];
  private readonly counters = new Map<string, number>();
  private skippedPersons: SkippedPerson[] = [];

  constructor(options: UcConnectorOptions) {
    super();
    this.view = options.view;
    this.application = options.application;
    this.tlib = options.tlib;
    this.uc = options.uc;
    this.logger = (options.logger ?? silentLogger).child({ role: 'connector' });
    this.resolver = options.resolver ?? new OptionResolver({ view: options.view, application: options.application, logger: this.logger });
    this.clock = options.clock ?? new SystemClock();
    this.machine = { ...options.machine };
  }

  /**
   * Builds a machine per KW from the configuration, listens to the T-Lib client and the UC platform,
   * and with `user-auto-registration` registers every KW at once. The caller connects the T-Lib
   * client and starts the UC platform (before or after: a link that comes up later resyncs).
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { kws, skipped } = knowledgeWorkersFromConfig(this.view);
    this.skippedPersons = skipped;
    for (const s of skipped) this.logger.debug('person is not a knowledge worker', { userName: s.userName, reason: s.reason });
    const linkUp = this.tlib.state === 'connected';
    for (const id of kws) {
      const slot: Slot = {
        state: copyKwState(initialKwState(id), { linkUp }),
        uc: { userName: id.userName, contact: id.contact ?? '' },
        timers: new Map(),
        unsubscribeDn: this.tlib.onDn(id.dn, (event) => this.enqueue(id.userName, { type: 'tlibEvent', event })),
      };
      this.slots.set(id.userName, slot);
      if (id.contact) this.byContact.set(id.contact.toLowerCase(), id.userName);
    }
    const onConnected = (): void => this.broadcast({ type: 'linkConnected' });
    const onDisconnected = (): void => this.broadcast({ type: 'linkDisconnected' });
    const onPresence = (kw: UcKnowledgeWorker, presence: Presence): void => this.onPresence(kw, presence);
    this.tlib.on('connected', onConnected);
    this.tlib.on('disconnected', onDisconnected);
    this.uc.on('presence', onPresence);
    this.detach.push(
      () => this.tlib.off('connected', onConnected),
      () => this.tlib.off('disconnected', onDisconnected),
      () => this.uc.off('presence', onPresence),
    );
    // user-auto-registration takes effect at restart only (seed 000 5.1): read once here.
    if (this.resolver.getBoolean('uc-connector', 'user-auto-registration')) this.broadcast({ type: 'autoRegister' });
    this.logger.info('connector started', { knowledgeWorkers: kws.length, skipped: skipped.length });
  }

  /** Stops listening and cancels every timer. Agents stay as they are (a restart resyncs them). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    for (const d of this.detach.splice(0)) d();
    for (const slot of this.slots.values()) {
      slot.unsubscribeDn();
      for (const h of slot.timers.values()) this.clock.cancel(h);
      slot.timers.clear();
      if (slot.state.ucSubscribed) this.uc.unsubscribe(slot.uc);
    }
    this.slots.clear();
    this.byContact.clear();
    this.queue.length = 0;
  }

  /**
   * Graceful shutdown: withdraws every publication the connector made (on-call, ACW, DND...), so
   * each KW's own presence shows again once OpenUCC is gone. Resolves with how many were withdrawn
   * when every platform answered, or when `boundMs` elapsed (failures are logged, not thrown).
   */
  async withdrawPublications(boundMs: number): Promise<number> {
    const pending: Array<Promise<void>> = [];
    for (const [userName, slot] of this.slots) {
      if (slot.state.published === null) continue;
      pending.push(this.uc.publish(slot.uc, null).catch((e: unknown) => this.logger.warn('UC publication not withdrawn', { userName, error: e instanceof Error ? e.message : String(e) })));
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(pending), new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
    return pending.length;
  }

  /** User names of every KW. */
  knowledgeWorkers(): string[] {
    return [...this.slots.keys()];
  }

  /** Persons of the configuration that are not KWs, with the reason. */
  skipped(): readonly SkippedPerson[] {
    return this.skippedPersons;
  }

  /** The REST view of a KW, or undefined for an unknown user name. */
  knowledgeWorker(userName: string): KnowledgeWorkerView | undefined {
    const slot = this.slots.get(userName);
    return slot ? toKnowledgeWorkerView(slot.state, this.clock.now()) : undefined;
  }

  /** The raw machine state (tests, diagnostics). */
  state(userName: string): KwState | undefined {
    return this.slots.get(userName)?.state;
  }

  /** Called for each presence applied to a KW, with its source and age in ms (metrics; must be cheap). */
  presenceApplied: ((source: string, ageMs: number) => void) | undefined;

  /** Counters of the machines' metric effects (`presence-stale-dropped`...). */
  metrics(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  /** A KW client session opened (web client login). False for an unknown KW. */
  openSession(userName: string): boolean {
    return this.enqueue(userName, { type: 'sessionOpened' });
  }

  /** A KW client session closed. */
  closeSession(userName: string): boolean {
    return this.enqueue(userName, { type: 'sessionClosed' });
  }

  /** Connector DND ("unavailable for contact-center work") on or off. */
  setConnectorDnd(userName: string, on: boolean): boolean {
    return this.enqueue(userName, { type: 'connectorDnd', on });
  }

  /** A preview outcome's auto-state (the preview manager calls this). */
  enterAutoState(userName: string, kind: AutoStateKind): boolean {
    return this.enqueue(userName, { type: 'autoState', kind });
  }

  /** The KW closed the preview window and set Ready. */
  endAutoState(userName: string): boolean {
    return this.enqueue(userName, { type: 'autoStateEnd' });
  }

  /**
   * The KW selected a custom state from the state menu (standalone mode): the machine requests it on
   * the KW's DN and holds it until the KW's presence changes (docs/custom-states.md). False for an
   * unknown KW.
   */
  selectCustomState(userName: string, request: AgentStateRequest): boolean {
    return this.enqueue(userName, { type: 'selectState', target: selectedAgentTargetOf(request) });
  }

  /** Options changed (store change feed): every KW re-evaluates at once. */
  optionsChanged(): void {
    for (const slot of this.slots.values()) slot.config = undefined;
    this.broadcast({ type: 'optionsChanged' });
  }

  private onPresence(kw: UcKnowledgeWorker, presence: Presence): void {
    const userName = this.slots.has(kw.userName) ? kw.userName : this.byContact.get(kw.contact.toLowerCase());
    if (userName === undefined) {
      this.logger.debug('presence for an unknown knowledge worker ignored', { userName: kw.userName, contact: kw.contact });
      return;
    }
    this.enqueue(userName, { type: 'presence', presence });
  }

  private broadcast(input: KwInput): void {
    for (const userName of this.slots.keys()) this.queue.push({ userName, input });
    this.drain();
  }

  private enqueue(userName: string, input: KwInput): boolean {
    if (!this.slots.has(userName)) return false;
    this.queue.push({ userName, input });
    this.drain();
    return true;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) this.step(item.userName, item.input);
    } finally {
      this.draining = false;
    }
  }

  private step(userName: string, input: KwInput): void {
    const slot = this.slots.get(userName);
    if (!slot) return;
    const config = this.kwConfig(slot);
    let effects: readonly KwEffect[];
    try {
      const next = stepKw(slot.state, input, config, this.clock.now());
      effects = next.effects;
      let changed = false;
      for (const k in next.state) {
        if (next.state[k as keyof KwState] !== slot.state[k as keyof KwState]) {
          changed = true;
          break;
        }
      }
      slot.state = next.state;
      // A presence the machine took (not dropped as stale or an echo): counted with its age.
      if (input.type === 'presence' && next.state.presence === input.presence) this.presenceApplied?.(input.presence.source, this.clock.now() - input.presence.observedAt);
      // The view is built only for listeners: it is a large share of a presence update's cost.
      if (changed && this.listenerCount('kwChange') > 0) this.safeEmit('kwChange', toKnowledgeWorkerView(slot.state, this.clock.now()));
    } catch (e) {
      // A machine bug must not stop the other KWs; it is logged loudly.
      this.logger.error('knowledge-worker machine failed', { userName, input: input.type, error: e instanceof Error ? e.stack : String(e) });
      return;
    }
    for (const fx of effects) this.execute(slot, fx);
  }

  /**
   * The KW's machine settings. Resolving the options is a large share of a step, so they are kept
   * until the configuration's revision changes (read afresh every step when the view has none).
   * The resolver is assumed to read this connector's view.
   */
  private kwConfig(slot: Slot): KwConfig {
    const revision = this.view.revision;
    if (revision !== undefined && slot.config?.revision === revision) return slot.config.value;
    const value = resolveKwConfig(this.resolver, this.view, this.application, slot.state.userName, this.machine);
    if (revision !== undefined) slot.config = { revision, value };
    return value;
  }

  private execute(slot: Slot, fx: KwEffect): void {
    const userName = slot.state.userName;
    switch (fx.type) {
      case 'tlibRequest': {
        const requestId = fx.requestId;
        this.tlib.request(fx.request as TlibRequest).then(
          () => undefined,
          (e: unknown) => this.enqueue(userName, { type: 'requestFailed', requestId, errorCode: e instanceof CtiError ? e.code : null, message: e instanceof Error ? e.message : String(e) }),
        );
        return;
      }
      case 'ucSubscribe':
        this.uc.subscribe(slot.uc);
        return;
      case 'ucUnsubscribe':
        this.uc.unsubscribe(slot.uc);
        return;
      case 'publish':
        this.uc.publish(slot.uc, fx.presence).catch((e: unknown) => {
          this.count('uc-publish-failed');
          this.logger.warn('UC publish failed', { userName, reason: fx.reason, error: e instanceof Error ? e.message : String(e) });
        });
        return;
      case 'startTimer': {
        this.clock.cancel(slot.timers.get(fx.name));
        const name = fx.name;
        const handle = this.clock.setTimer(fx.ms, () => {
          // Late or replaced timers are ignored (style rule 5).
          if (slot.timers.get(name) !== handle || this.slots.get(userName) !== slot) return;
          slot.timers.delete(name);
          this.enqueue(userName, { type: 'timer', name });
        });
        slot.timers.set(name, handle);
        return;
      }
      case 'cancelTimer':
        this.clock.cancel(slot.timers.get(fx.name));
        slot.timers.delete(fx.name);
        return;
      case 'log':
        this.logger[fx.level](fx.msg, { userName, ...fx.fields });
        return;
      case 'metric':
        this.count(fx.name, fx.value);
        return;
    }
  }

  private count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Number of timers the machines have running (tests check that nothing leaks). */
  get pendingTimers(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.timers.size;
    return n;
  }
}

