/**
 * The preview manager's records: one PreviewCall per PreviewInteractionRequest / Multiple, one
 * PreviewOfferRecord per KW it names; and what is derived from them alone (the client's `preview`
 * and `preview-closed` messages, the auto-state an outcome brings, the view observers get, whether
 * an offer already lost to another KW).
 */
import type { TimerHandle } from '../lib/clock.ts';
import type { PreviewInteractionMultiple, PreviewInteractionRequest, PreviewOutcome } from '../preview/preview-messages.ts';
import type { KvList } from '../lib/kv-list.ts';
import type { KwPreviewClosedMessage, KwPreviewMessage } from './kw-client-messages.ts';
import type { AutoStateKind } from './kw-state.ts';
import type { PreviewOfferView, PreviewResponder } from './preview-manager-api.ts';
import type { PreviewOfferState } from './preview-offer.ts';
import type { DecisionRound } from './preview-winner.ts';

/** A KW as the manager knows it (looked up by AgentID or user name). */
export interface PreviewKw {
  readonly userName: string;
  readonly agentId: string;
  readonly dn: string;
}

/** One request of the router and its offers. */
export interface PreviewCall extends DecisionRound {
  readonly referenceId: number;
  readonly dn: string;
  readonly mediaType: string;
  readonly userData: KvList;
  readonly responder: PreviewResponder;
  readonly offers: PreviewOfferRecord[];
  /** Offers not yet final (kept as a count: a broadcast of 1,000 must not rescan its offers per outcome). */
  open: number;
  winner: PreviewOfferRecord | undefined;
  resolved: boolean;
  /** True while the request's offers are being made (an early error must not answer the call yet). */
  building: boolean;
  /** The most recent non-winning final offer (its outcome answers a call nobody accepted). */
  lastClosed: PreviewOfferRecord | undefined;
}

/** One offer: one interaction offered to one KW (its rules: preview-offer.ts). */
export interface PreviewOfferRecord extends PreviewKw {
  readonly id: string;
  readonly call: PreviewCall;
  /** The agent as the router named it. */
  readonly agent: string;
  /** The router's reservation fence for this KW, when the request carried one. */
  readonly fence: number | undefined;
  readonly deadline: number;
  /** When the offer was made (the supervisor dashboard's countdown starts there). */
  readonly offeredAt: number;
  readonly redirectNumber: string | null;
  state: PreviewOfferState;
  acceptKind: 'accept' | 'external' | null;
  timer: TimerHandle | undefined;
  reason: string | undefined;
  /** False for an offer that ended before it was shown (unknown agent: nothing recorded). */
  readonly known: boolean;
  /** Where it was shown: the KW's web sessions, or an invitation over IM (no session; preview-im.ts). */
  delivery: 'web' | 'im';
}

/** A new call record for a request, before its offers are made. */
export function newPreviewCall(req: PreviewInteractionRequest | PreviewInteractionMultiple, responder: PreviewResponder): PreviewCall {
  return {
    referenceId: req.ReferenceID,
    connId: req.connId,
    dn: req.dn,
    mediaType: req.mediaType,
    userData: req.userData,
    responder,
    offers: [],
    open: 0,
    winner: undefined,
    resolved: false,
    building: true,
    lastClosed: undefined,
    shortCut: undefined,
  };
}

/** A new offer, `offered`; the caller adds it to its call. */
export function newPreviewOffer(id: string, call: PreviewCall, agent: string, kw: PreviewKw, fence: number | undefined, deadline: number, redirectNumber: string | null, known: boolean, offeredAt = deadline): PreviewOfferRecord {
  return { id, call, agent, userName: kw.userName, agentId: kw.agentId, dn: kw.dn, fence, deadline, offeredAt, redirectNumber, state: 'offered', acceptKind: null, timer: undefined, reason: undefined, known, delivery: 'web' };
}

/** An offer still `offered` in a call another KW won: it can only end `taken`. */
export function lostToWinner(o: PreviewOfferRecord): boolean {
  return o.state === 'offered' && o.call.winner !== undefined && o.call.winner !== o;
}

/** The `preview` message a client session shows, with the time left at `now`. */
export function previewMessage(o: PreviewOfferRecord, now: number): KwPreviewMessage {
  return { type: 'preview', id: o.id, connId: o.call.connId, dn: o.call.dn, mediaType: o.call.mediaType, userData: o.call.userData, deadline: o.deadline, remaining: Math.max(0, o.deadline - now), canRedirect: o.redirectNumber !== null };
}

export function offerView(o: PreviewOfferRecord): PreviewOfferView {
  return { id: o.id, connId: o.call.connId, userName: o.userName, agentId: o.agentId, state: o.state, deadline: o.deadline, routingPoint: o.call.dn, offeredAt: o.offeredAt };
}

/** The `preview-closed` message of an offer that ended (a `taken` one carries no reason). */
export function previewClosedMessage(o: PreviewOfferRecord, outcome: PreviewOutcome, reason: string | undefined): KwPreviewClosedMessage {
  const closed: KwPreviewClosedMessage = { type: 'preview-closed', id: o.id, outcome };
  if (outcome === 'redirected' && o.redirectNumber !== null) closed.dn = o.redirectNumber;
  if (reason !== undefined && outcome !== 'taken') closed.reason = reason;
  return closed;
}

/** The auto-state an outcome puts the KW in (seed 003: reject → DND, timeout → NotReady, redirect). */
export function autoStateAfter(outcome: PreviewOutcome): AutoStateKind | undefined {
  return outcome === 'rejected' ? 'preview-reject' : outcome === 'timeout' ? 'preview-timeout' : outcome === 'redirected' ? 'preview-redirect' : undefined;
}
