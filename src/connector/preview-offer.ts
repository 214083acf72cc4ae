/**
 * The pure core of one preview offer: one interaction offered to one KW (style rule 3). A
 * PreviewInteractionRequest makes one offer; a PreviewInteractionMultiple makes one per target.
 *
 *            accept / accept-external              decide: won
 *   offered ───────────────────────────▶ deciding ─────────────▶ accepted | redirected
 *     │                                     │
 *     │ reject ─▶ rejected                  ├─ decide: lost ─▶ taken
 *     │ expire ─▶ timeout                   ├─ cancel ───────▶ cancelled
 *     │ cancel ─▶ cancelled                 └─ decide failed ▶ error
 *     │ taken ──▶ taken     (another KW won the call)
 *     └ last client session gone ─▶ error
 *
 * `deciding` waits for the atomic winner decision (`Reservations.decide` in the shared store), so
 * that two accepts of the same call — even in two processes — cannot both win. While deciding, the
 * countdown and a disconnect are ignored (the KW acted in time); a cancel still ends the offer.
 * Every final state is reached exactly once; any input in a final state is ignored.
 */
import { InvalidStateTransitionError } from '../lib/errors.ts';
import type { PreviewOutcome } from '../preview/preview-messages.ts';

/** The states of an offer: `offered`, `deciding`, and the seven outcomes. */
export type PreviewOfferState = 'offered' | 'deciding' | PreviewOutcome;

/** The legal moves; `previewOfferTransition` refuses any other. */
export const previewOfferTransitions: Readonly<Record<PreviewOfferState, readonly PreviewOfferState[]>> = {
  offered: ['deciding', 'rejected', 'timeout', 'cancelled', 'taken', 'error'],
  deciding: ['accepted', 'redirected', 'taken', 'cancelled', 'error'],
  accepted: [],
  rejected: [],
  timeout: [],
  taken: [],
  cancelled: [],
  error: [],
  redirected: [],
};

/** True for the seven outcomes. */
export function isFinalOfferState(s: PreviewOfferState): s is PreviewOutcome {
  return s !== 'offered' && s !== 'deciding';
}

/** Guarded transition: returns `to`, or throws InvalidStateTransitionError for an edge not in the table. */
export function previewOfferTransition(from: PreviewOfferState, to: PreviewOfferState): PreviewOfferState {
  if (!previewOfferTransitions[from].includes(to)) throw new InvalidStateTransitionError('PreviewOffer', from, to);
  return to;
}

/** What can happen to an offer. */
export type PreviewOfferEvent =
  | { readonly type: 'accept' }
  | { readonly type: 'acceptExternal' }
  | { readonly type: 'reject' }
  | { readonly type: 'expire' }
  | { readonly type: 'cancel' }
  /** Another KW won the call. */
  | { readonly type: 'taken' }
  /** The KW's last client session closed. */
  | { readonly type: 'lastSessionGone' }
  /** The invitation over IM (no web session) could not be delivered. */
  | { readonly type: 'undeliverable' }
  /** The winner decision came back. */
  | { readonly type: 'decided'; readonly won: boolean }
  | { readonly type: 'decideFailed' };

/** The offer data the core needs. */
export interface PreviewOfferCore {
  readonly state: PreviewOfferState;
  /** While deciding: whether the KW accepted here or on the external number. */
  readonly acceptKind: 'accept' | 'external' | null;
}

/**
 * The next state for `input`, or `undefined` when the input does not apply in this state (it is
 * ignored: a late timer, a second click, a decision for an offer already cancelled).
 */
export function nextPreviewOfferState(offer: PreviewOfferCore, input: PreviewOfferEvent): PreviewOfferCore | undefined {
  const to = (state: PreviewOfferState, acceptKind = offer.acceptKind): PreviewOfferCore => ({ state: previewOfferTransition(offer.state, state), acceptKind });
  switch (offer.state) {
    case 'offered':
      switch (input.type) {
        case 'accept':
          return to('deciding', 'accept');
        case 'acceptExternal':
          return to('deciding', 'external');
        case 'reject':
          return to('rejected');
        case 'expire':
          return to('timeout');
        case 'cancel':
          return to('cancelled');
        case 'taken':
          return to('taken');
        case 'lastSessionGone':
        case 'undeliverable':
          return to('error');
        default:
          return undefined;
      }
    case 'deciding':
      switch (input.type) {
        case 'decided':
          return input.won ? to(offer.acceptKind === 'external' ? 'redirected' : 'accepted') : to('taken');
        case 'decideFailed':
          return to('error');
        case 'cancel':
          return to('cancelled');
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}
