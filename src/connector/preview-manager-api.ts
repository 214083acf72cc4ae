/**
 * What the preview manager is built from and what it answers: its ports (the connector, the
 * router's responder), its options, the outcome of a client action and the events observers get.
 */
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { PreviewOutcome } from '../preview/preview-messages.ts';
import type { PreviewResultBody, PreviewSession } from '../preview/preview-transport.ts';
import type { PreviewRecorder } from '../reporting/preview-report.ts';
import type { KwClientSessions } from './kw-client-sessions.ts';
import type { PreviewImPort } from './preview-im.ts';
import type { AutoStateKind, KwState } from './kw-state.ts';
import type { PreviewOfferState } from './preview-offer.ts';
import type { PreviewKwSettings } from './preview-settings.ts';
import type { WinnerStore } from './preview-winner.ts';

/** What the manager needs of the UcConnector (UcConnector satisfies it). */
export interface PreviewConnectorPort {
  knowledgeWorkers(): string[];
  state(userName: string): Pick<KwState, 'userName' | 'agentId' | 'dn'> | undefined;
  enterAutoState(userName: string, kind: AutoStateKind): boolean;
}

/** Construction options of the PreviewManager. */
export interface PreviewManagerOptions {
  /** KW lookup (by AgentID or user name) and auto-states: the UcConnector. */
  readonly connector: PreviewConnectorPort;
  /** The KW client sessions registry (the WebSocket layer fills it). */
  readonly sessions: KwClientSessions;
  /** Per-KW settings; usually `previewSettingsFromOptions(resolver)`. Default: defaultPreviewSettings. */
  readonly settings?: (userName: string) => PreviewKwSettings;
  /**
   * Where the single winner of a call is recorded: the store's Reservations, shared with the
   * router (which reads the winner). Default: in this process only (the first accept wins).
   */
  readonly reservations?: WinnerStore;
  /** Reporting (offer ledger, user events); default records nothing. */
  readonly recorder?: PreviewRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How many closed preview ids to remember, to tell "already closed" from "unknown" (default 10 000). */
  readonly closedMemory?: number;
  /** A winner decision not answered within this many ms ends the offer in `error` (default 10 000). */
  readonly decideTimeoutMs?: number;
  /** Invitations over IM for KWs with no client session (seed 000 F8, preview-im.ts); none: such a KW gets `error`. */
  readonly im?: PreviewImPort;
}

/** Who answers the router for one request (a PreviewSession satisfies it). */
export type PreviewResponder = Pick<PreviewSession, 'respond'> & Partial<Pick<PreviewSession, 'id' | 'onClose'>>;

/** A refused client action. */
export interface PreviewActionRefusal {
  readonly code: 'unknown-preview' | 'not-your-preview' | 'already-closed' | 'cannot-redirect';
  readonly message: string;
}

/** The outcome of a client action: done (the offer moved), or refused (nothing changed). */
export type PreviewActionResult = { readonly ok: true } | { readonly ok: false; readonly refusal: PreviewActionRefusal };

/** A refusal of a client action. */
export function refuse(code: PreviewActionRefusal['code'], message: string): PreviewActionResult {
  return { ok: false, refusal: { code, message } };
}

/** An open offer as tests and diagnostics see it. */
export interface PreviewOfferView {
  readonly id: string;
  readonly connId: string;
  readonly userName: string;
  readonly agentId: string;
  readonly state: PreviewOfferState;
  readonly deadline: number;
  /** The routing point the call waits on. */
  readonly routingPoint?: string;
  readonly offeredAt?: number;
}

/** Events of the PreviewManager (observers: tests, metrics; they cannot change the flow). */
export interface PreviewManagerEvents {
  offerOpened: (offer: PreviewOfferView) => void;
  offerClosed: (offer: PreviewOfferView & { outcome: PreviewOutcome; reason?: string }) => void;
  /** The one result of a request was sent. */
  callResolved: (result: PreviewResultBody & { referenceId: number }) => void;
  listenerError: (error: unknown, event: string) => void;
}
