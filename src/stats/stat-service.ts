/**
 * The Stat Server role: statistics computed from T-Server events (the pure {@link StatCore}) with
 * subscriptions that notify on change. It watches the T-Server through a TlibClient
 * ({@link StatService.connect}) — over TCP, TLS or, in one process, `TServer.connectInProcess()` —
 * registering every DN of its configuration with RegisterMode ModeMonitor. Statistic names and
 * meanings: docs/stats.md.
 */
import { SystemClock, type Clock } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { TypedEmitter } from '../lib/typed-emitter.ts';
import type { TlibClient, TlibEvent } from '../tlib/index.ts';
import { StatCore, type AgentStateChange, type StatChanges } from './stat-core.ts';
import type { AgentSnapshot, AvailableAgent, StatConfig, StatListener, StatQueries, StatRef, StatValue } from './stat-types.ts';

export type * from './stat-types.ts';
export type { AgentStateChange } from './stat-core.ts';

/** Construction options of {@link StatService}. */
export interface StatServiceOptions {
  config: StatConfig;
  clock?: Clock;
  logger?: Logger;
}

/** Events of {@link StatService}: observers (agent-state history, metrics). */
export interface StatServiceEvents {
  /** An agent's reported state, work mode or reasons changed. */
  agentStateChange: (change: AgentStateChange) => void;
}

interface Subscription {
  ref: StatRef;
  listener: StatListener;
  last: StatValue | undefined;
}

/** Statistics over one T-Server; see the file comment. */
export class StatService extends TypedEmitter<StatServiceEvents> implements StatQueries {
  private readonly core: StatCore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private config: StatConfig;
  /** Subscriptions by object: `agent:<id or user name>`, `group:<name>`, `dn:<lower-cased DN>`. */
  private readonly subs = new Map<string, Set<Subscription>>();
  private detach: (() => void) | undefined;

  constructor(options: StatServiceOptions) {
    super();
    this.clock = options.clock ?? new SystemClock();
    this.logger = options.logger ?? silentLogger;
    this.config = options.config;
    this.core = new StatCore(options.config, this.clock.now());
  }

  /** Applies a new configuration (agents, groups, DNs). DNs added later are not registered until the next connect. */
  setConfig(config: StatConfig): void {
    this.config = config;
    this.core.setConfig(config, this.clock.now());
  }

  /** Feeds one T-Server event (the T-Lib paths call this; tests may too). */
  feed(event: TlibEvent): void {
    let changes: StatChanges;
    try {
      changes = this.core.apply(event, this.clock.now());
    } catch (e) {
      // An event the model cannot place must not stop statistics; it is logged loudly.
      this.logger.error('statistics could not apply an event', { event: event.message, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    for (const h of changes.history) this.safeEmit('agentStateChange', h);
    this.notify(changes);
  }

  /**
   * Watches a T-Server through a TlibClient (TCP, TLS or in memory): feeds every event it receives
   * and registers every configured DN (ModeMonitor). The client re-registers them after a
   * reconnection, and the EventRegistered replies bring the agents up to date.
   */
  async connect(client: TlibClient): Promise<void> {
    this.detach?.();
    const off = client.onEvent((e) => this.feed(e));
    this.detach = off;
    await client.connect();
    for (const dn of this.config.dns) {
      try {
        await client.registerAddress(dn, { RegisterMode: 'ModeMonitor' });
      } catch (e) {
        this.logger.warn('statistics could not register a DN', { dn, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /** Stops watching (the TlibClient itself is the caller's to close) and drops every subscription. */
  close(): void {
    this.detach?.();
    this.detach = undefined;
    this.subs.clear();
  }

  // ------------------------------------------------------------------ StatQueries

  value(ref: StatRef): StatValue | undefined {
    return this.core.value(ref, this.clock.now());
  }

  agent(idOrUserName: string): AgentSnapshot | undefined {
    return this.core.agent(idOrUserName);
  }

  availableAgents(group: string): AvailableAgent[] {
    return this.core.availableAgents(group);
  }

  /** availableAgents, read lazily (see StatCore.readyInOrder). */
  readyInOrder(group: string): Iterable<AvailableAgent> {
    return this.core.readyInOrder(group);
  }

  /** availableAgents in round-robin order after `cursor`, read lazily (see StatCore.roundRobinFrom). */
  roundRobinFrom(group: string, cursor: string | undefined): Iterable<AvailableAgent> {
    return this.core.roundRobinFrom(group, cursor);
  }

  subscribe(ref: StatRef, listener: StatListener): () => void {
    const k = objectKey(ref);
    let set = this.subs.get(k);
    if (!set) {
      set = new Set();
      this.subs.set(k, set);
    }
    const sub: Subscription = { ref, listener, last: this.core.changeKey(ref, this.clock.now()) };
    set.add(sub);
    return () => {
      const s = this.subs.get(k);
      if (!s) return;
      s.delete(sub);
      if (s.size === 0) this.subs.delete(k);
    };
  }

  private notify(changes: StatChanges): void {
    if (this.subs.size === 0) return;
    const keys = new Set<string>();
    for (const id of changes.agents) {
      keys.add(`agent:${id}`);
      const user = this.core.agent(id)?.userName;
      if (user !== undefined) keys.add(`agent:${user}`);
      for (const g of this.core.groupsOf(id)) keys.add(`group:${g}`);
    }
    for (const d of changes.dns) keys.add(`dn:${d}`);
    const now = this.clock.now();
    for (const k of keys) {
      for (const sub of [...(this.subs.get(k) ?? [])]) {
        const next = this.core.changeKey(sub.ref, now);
        if (next === sub.last) continue;
        sub.last = next;
        const value = this.core.value(sub.ref, now);
        if (value === undefined) continue;
        try {
          sub.listener({ ref: sub.ref, value, at: now });
        } catch (e) {
          this.logger.error('a statistics subscriber threw', { ref: sub.ref, error: e instanceof Error ? e.message : String(e) });
        }
      }
    }
  }
}

function objectKey(ref: StatRef): string {
  return ref.object === 'dn' ? `dn:${ref.id.toLowerCase()}` : `${ref.object}:${ref.id}`;
}
