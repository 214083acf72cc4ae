/**
 * Outgoing INVITE (RFC 3261 section 13.2): sends it (following digest challenges), reports
 * provisional responses, and on a 2xx builds the dialog and ACKs it (section 13.2.2.4). A 2xx
 * retransmitted while the client transaction is in Accepted (RFC 6026) is ACKed again.
 *
 * `startInvite` returns a handle at once, so the call can be CANCELled before its final response
 * (section 9.1). A 2xx that crosses our CANCEL is ACKed and the session ended with a BYE at once
 * (section 15: the UAC must still confirm the dialog it did not want, then leave it).
 */
import type { Logger } from '../../lib/logger.ts';
import type { DigestClient } from '../auth/digest-client.ts';
import { Dialog } from '../dialog/dialog.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { TransactionUser } from '../transaction/transaction-user.ts';
import { sendWithAuth } from './authenticated-request.ts';
import { createOutOfDialogRequest, cseqOf } from './out-of-dialog-request.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';
import { InviteSession } from './invite-session.ts';

export interface InviteClientContext {
  tu: TransactionUser;
  dispatcher: RequestDispatcher;
  aor: string;
  displayName?: string;
  contact: string;
  routes?: readonly string[];
  digest?: DigestClient;
  logger?: Logger;
}

export interface OutgoingInvite {
  /** Request-URI (and To, unless `to` is given). */
  target: string;
  to?: string;
  /** From URI for this call instead of the UA's AoR (a B2BUA presents the caller's number). */
  from?: string;
  fromDisplayName?: string;
  /** Our Contact for this call instead of the UA's (the transport of the next hop decides it). */
  contact?: string;
  /** Pre-loaded Route values for this call instead of the UA's outbound proxy (`[]`: none). */
  routes?: readonly string[];
  /**
   * Places the call again under an earlier INVITE's identity (its Call-ID and From tag, a higher
   * CSeq), as a retry after a challenge does: a desktop answer re-offers a call the phone knows.
   */
  again?: { callId: string; fromTag: string; cseq: number };
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string | readonly string[]>;
  onProvisional?: (response: SipResponse) => void;
}

/**
 * The outcome: a session on 2xx, otherwise the final response. `cancelled` is set when our CANCEL
 * ended the call (the response is then the 487, or the 2xx that crossed the CANCEL, already BYEd).
 */
export type InviteOutcome =
  | { ok: true; session: InviteSession; response: SipResponse }
  | { ok: false; response: SipResponse; cancelled?: boolean };

/** An INVITE in flight. */
export interface OutgoingInviteHandle {
  /** The INVITE as first built (its Call-ID and From tag name the call). */
  readonly request: SipRequest;
  readonly outcome: Promise<InviteOutcome>;
  /** True once `cancel()` was called. */
  readonly cancelled: boolean;
  /**
   * Cancels the call (RFC 3261 section 9.1): the CANCEL leaves once a provisional response has
   * arrived. Does nothing after the final response. `reason` is a Reason header value (RFC 3326).
   */
  cancel(reason?: string): void;
}

export function startInvite(ctx: InviteClientContext, o: OutgoingInvite): OutgoingInviteHandle {
  const contact = o.contact ?? ctx.contact;
  const routes = o.routes ?? ctx.routes;
  const displayName = o.from !== undefined ? o.fromDisplayName : o.fromDisplayName ?? ctx.displayName;
  const invite = createOutOfDialogRequest({
    method: 'INVITE', uri: o.target, from: o.from ?? ctx.aor,
    fromTag: o.again?.fromTag ?? ctx.tu.newTag(), callId: o.again?.callId ?? ctx.tu.newCallId(), cseq: o.again?.cseq ?? 1,
    contact,
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(displayName !== undefined ? { fromDisplayName: displayName } : {}),
    ...(routes?.length ? { routes } : {}),
    ...(o.headers ? { headers: o.headers } : {}),
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.contentType !== undefined ? { contentType: o.contentType } : {}),
  });
  const state: { current: SipRequest; cancelled: boolean; reason?: string; ack?: SipRequest } = { current: invite, cancelled: false };
  const cancelCurrent = (): void => {
    // The CANCEL's own outcome does not matter: the INVITE's final response (487) tells the story.
    void ctx.tu.cancel(state.current, state.reason);
  };

  const run = async (): Promise<InviteOutcome> => {
    const exchange = await sendWithAuth(ctx.tu, invite, ctx.digest, {
      ...(o.onProvisional ? { onProvisional: o.onProvisional } : {}),
      // The ACK we sent, repeated for each retransmitted 2xx (built once the first 2xx arrives).
      onAdditional2xx: () => {
        if (state.ack) ctx.tu.sendAck(state.ack);
      },
    }, (sent) => {
      state.current = sent;
      // An authorized retry that leaves after cancel() is cancelled too.
      if (state.cancelled && sent !== invite) cancelCurrent();
    });
    const { request, response } = exchange;
    if (response.status < 200 || response.status >= 300) return { ok: false, response, ...(state.cancelled ? { cancelled: true } : {}) };

    let dialog: Dialog;
    try {
      dialog = Dialog.createUac(request, response, contact);
    } catch (e) {
      // A 2xx without To tag or Contact cannot make a dialog (not even its ACK): a failed call.
      ctx.logger?.warn('unusable 2xx to INVITE', { error: e instanceof Error ? e.message : String(e) });
      return { ok: false, response };
    }
    state.ack = dialog.createRequest('ACK', { cseq: cseqOf(request) });
    ctx.tu.sendAck(state.ack);
    const session = new InviteSession(ctx.tu, ctx.dispatcher, dialog, {
      local: { body: Buffer.from(o.body ?? ''), contentType: o.contentType },
      remote: { body: response.body, contentType: response.headers.get('Content-Type') },
    }, ctx.logger);
    if (state.cancelled) {
      session.bye().catch(() => {});
      return { ok: false, response, cancelled: true };
    }
    return { ok: true, session, response };
  };

  const outcome = run();
  return {
    request: invite,
    outcome,
    get cancelled() {
      return state.cancelled;
    },
    cancel(reason?: string) {
      if (state.cancelled) return;
      state.cancelled = true;
      if (reason !== undefined) state.reason = reason;
      cancelCurrent();
    },
  };
}

/** Sends an INVITE and resolves with its outcome (no CANCEL; see `startInvite` for that). */
export function sendInvite(ctx: InviteClientContext, o: OutgoingInvite): Promise<InviteOutcome> {
  return startInvite(ctx, o).outcome;
}
