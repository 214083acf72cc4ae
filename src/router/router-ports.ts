/**
 * What the Router is built from and what it tells: its ports (the T-Server over T-Lib, the
 * connector over the preview protocol, statistics), its options and its events.
 */
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { PreviewInteractionResult } from '../preview/preview-messages.ts';
import type { PreviewOfferInput, PreviewOfferMultipleInput } from '../preview/preview-transport.ts';
import type { AgentSnapshot, AvailableAgent } from '../stats/stat-types.ts';
import type { Reservations } from '../store/reservations.ts';
import type { TlibEvent, TlibRequest } from '../tlib/index.ts';
import type { CallRoutingState } from './call-routing-state.ts';
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
  /**
   * Optional, and what StatService has: availableAgents in longest-idle order (readyInOrder) and
   * in round-robin order after a cursor (roundRobinFrom), read lazily, so a pick costs the
   * candidates it tries. Without them the router orders availableAgents itself (orderCandidates):
   * the same order, from the list as it was at the start of the pick.
   */
  readyInOrder?(group: string): Iterable<AvailableAgent>;
  roundRobinFrom?(group: string, cursor: string | undefined): Iterable<AvailableAgent>;
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

/** Construction options of the Router. */
export interface RouterOptions {
  tserver: RouterTlibPort;
  preview: PreviewPort;
  stats: RouterStats;
  /** KW claims, call leases, and the winner the connector recorded (the store, shared with the connector). */
  reservations: Reservations;
  /** Compiled strategies by Routing Point number (see compileStrategies). */
  strategies: ReadonlyMap<string, RoutingStrategy>;
  /** The Switch name sent in previews. */
  switchName: string;
  /**
   * Whether a preview to this KW (kwKey: user name, else AgentID) could be shown now: a client
   * session, or an invitation over IM (the connector's PreviewManager.canDeliver). KWs it says no
   * to are not selected for a preview (they would end `error` at once and use up an attempt).
   * Default: every KW is reachable.
   */
  reachable?: (kw: string) => boolean;
  /** The Routing Point's `[TServer] default-dn`, used when the strategy has none. */
  defaultDnOf?: (routingPoint: string) => string | undefined;
  /** The Routing Point's `[TServer] router-timeout` in seconds (0 = none): checked against the strategies at start. */
  tserverRouterTimeoutOf?: (routingPoint: string) => number | undefined;
  clock?: Clock;
  logger?: Logger;
  /** Names this instance in its claims (default: a random UUID). */
  instanceId?: string;
  mediaType?: string;
  /** `preview-itx-arrival-timeout` (ms, default: the option table's): the RequestRouteCall after an accept must be confirmed within it. */
  itxArrivalTimeoutMs?: number;
  /** The connector's `preview-expiration-timeout` (ms, default: the option table's), for claim TTLs when the strategy sets none. */
  previewExpirationMs?: number;
  /**
   * Winner decisions older than this are deleted (ms, default 1 hour; swept every minute): a routed
   * call ends at the KW's DN, which the router does not watch, so its decision row is bounded by
   * age. It must exceed the longest time a routed call may take to come back to the Routing Point.
   */
  decisionRetentionMs?: number;
}
