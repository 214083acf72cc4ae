/**
 * The one interface every UC platform adapter implements (ARCHITECTURE.md, `uc/`): `sip-simple`
 * (RFC presence servers), `ms-pres` (Lync / Skype for Business front ends), `standalone` (presence
 * set in the web client). The connector (src/connector) holds one UcPlatform and never knows which
 * adapter it is: it subscribes to each knowledge worker's presence, receives normalized
 * {@link Presence} updates, and publishes presence for push on-call status and presence connector
 * mode (ACW, legal guard), withdrawing its publication to restore the KW's own presence.
 *
 * Adapters own their transport, retries and refreshes: `subscribe` is fire-and-forget and a
 * subscription that fails is re-established by the adapter with backoff on its Clock, reported
 * through `connectionState`, never as an exception to the caller.
 */
import type { TypedEmitter } from '../lib/typed-emitter.ts';
import type { Presence } from '../presence/presence.ts';
import type { UcInstantMessaging } from './instant-messages.ts';

/** A knowledge worker as the UC platform sees it. */
export interface UcKnowledgeWorker {
  /** The Person's user name (the KW's key in the connector, the REST `{userName}`). */
  readonly userName: string;
  /** The KW's UC address from the Person annex, e.g. `sip:alice@example.test`. */
  readonly contact: string;
}

/**
 * The adapter's link to the UC platform. `connecting`: start() called, not yet usable.
 * `connected`: registered / subscribed as needed. `degraded`: usable but some subscriptions or
 * publications are failing and being retried. `disconnected`: link lost, the adapter is
 * reconnecting. `stopped`: stop() was called (or start() never was).
 */
export type UcConnectionState = 'connecting' | 'connected' | 'degraded' | 'disconnected' | 'stopped';

/** Events of a {@link UcPlatform}. */
export interface UcPlatformEvents {
  /**
   * A subscribed KW's presence changed (or its first presence arrived). `kw` is the object given to
   * `subscribe` (so both `userName` and `contact` are known). Adapters may deduplicate with
   * `presenceStateEquals`; the connector drops stale updates itself (`isStalePresence`).
   */
  presence: (kw: UcKnowledgeWorker, presence: Presence) => void;
  /** The link state changed; `detail` is a short human-readable reason (for logs and health). */
  connectionState: (state: UcConnectionState, detail?: string) => void;
  /** Required by TypedEmitter.safeEmit: a listener threw. */
  listenerError: (error: unknown, event: string) => void;
}

/** A UC platform adapter. */
export interface UcPlatform extends TypedEmitter<UcPlatformEvents> {
  /** Adapter kind, for logs and health: `sip-simple`, `ms-pres`, `standalone`, ... */
  readonly kind: string;
  /** The current link state (the last value emitted on `connectionState`). */
  readonly connectionState: UcConnectionState;
  /** Connects (REGISTER etc.). Resolves when the adapter is usable or retrying in the background. */
  start(): Promise<void>;
  /** Ends every subscription and publication it can, closes its transport. Idempotent. */
  stop(): Promise<void>;
  /** Starts monitoring a KW's presence. Idempotent for the same `userName`. */
  subscribe(kw: UcKnowledgeWorker): void;
  /** Stops monitoring a KW's presence. Unknown KWs are a no-op. */
  unsubscribe(kw: UcKnowledgeWorker): void;
  /**
   * Publishes `presence` as the KW's presence on the connector's behalf (push on-call status,
   * ACW, legal guard). `null` withdraws the connector's publication so the KW's own presence shows
   * again (MS-PRES: clear the connector's state instance; PIDF: PUBLISH with Expires 0;
   * standalone: restore what the KW set). Resolves when the platform accepted it; rejects with a
   * UccError when it refused (the connector logs it and may retry).
   */
  publish(kw: UcKnowledgeWorker, presence: Presence | null): Promise<void>;
  /**
   * Instant messages to and from the KWs' UC addresses (instant-messages.ts); undefined when the
   * platform carries none (`standalone`, `ms-pres`: docs/uc-adapters.md "Instant messages").
   */
  readonly instantMessaging?: UcInstantMessaging | undefined;
}
