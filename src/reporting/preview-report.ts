/**
 * The preview recorder port: the preview manager tells reporting when a knowledge worker is offered
 * a preview and when that offer ends. The implementation ({@link PreviewReporter} in
 * preview-reporter.ts) writes the offer ledger and, with `enable-preview-reporting=true`, the
 * seed's reporting user events (seed 000 digest 8.2; docs/reporting.md).
 *
 * Contract for the caller: exactly one `decided` per `offered` (a second one for the same
 * connId + agentId is ignored and logged). Both methods return a promise that never rejects
 * (store or T-Server failures are logged), so the caller may await it or not.
 */
import type { PreviewOutcome } from '../preview/preview-messages.ts';

export type { PreviewOutcome };

/** A knowledge worker was offered a preview. Times are epoch ms from the caller's Clock. */
export interface PreviewOffer {
  /** The call's ConnID (16 hex digits). */
  readonly connId: string;
  /** The KW's AgentID (Agent Login code). */
  readonly agentId: string;
  /** The KW's Person user name. */
  readonly userId: string;
  /** The routing point (or queue) the call waits on, when known. */
  readonly routingPoint?: string;
  /**
   * The KW's DN: the reporting user event goes on it (ThisDN). When absent, the reporter asks its
   * `dnOf(agentId)` hook (statistics know the DN each agent is logged in on).
   */
  readonly dn?: string;
  readonly offeredAt: number;
  /** `voice` or `chat` (the preview's mediaType); absent: voice. */
  readonly mediaType?: string;
}

/** The offer ended with `outcome` (the preview protocol's outcome words). */
export interface PreviewDecision {
  readonly connId: string;
  readonly agentId: string;
  readonly outcome: PreviewOutcome;
  readonly decidedAt: number;
  /** Free text kept in the ledger (why an error, a cancel...). */
  readonly reason?: string;
}

/** What the preview manager calls. */
export interface PreviewRecorder {
  offered(offer: PreviewOffer): Promise<void>;
  decided(decision: PreviewDecision): Promise<void>;
}

/** A recorder that records nothing (reporting not deployed). */
export const noopPreviewRecorder: PreviewRecorder = {
  offered: () => Promise.resolve(),
  decided: () => Promise.resolve(),
};

/**
 * The seed's `UCC_Reason` word for each outcome (seed 000 4.9: Accepted, Rejected, Timeout, Taken,
 * Error, Cancel). `redirected` — the KW sent the preview on to its redirect number, where the call
 * is delivered — is reported as Accepted; the ledger keeps the exact outcome.
 */
export const PREVIEW_REASON_WORDS: Readonly<Record<PreviewOutcome, string>> = {
  accepted: 'Accepted',
  rejected: 'Rejected',
  timeout: 'Timeout',
  taken: 'Taken',
  error: 'Error',
  cancelled: 'Cancel',
  redirected: 'Accepted',
};
