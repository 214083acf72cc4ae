/**
 * Outgoing INVITE (RFC 3261 section 13.2): sends it (following digest challenges), reports
 * provisional responses, and on a 2xx builds the dialog and ACKs it (section 13.2.2.4). A 2xx
 * retransmitted while the client transaction is in Accepted (RFC 6026) is ACKed again.
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
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string | readonly string[]>;
  onProvisional?: (response: SipResponse) => void;
}

/** The outcome: a session on 2xx, otherwise the final response. */
export type InviteOutcome = { ok: true; session: InviteSession; response: SipResponse } | { ok: false; response: SipResponse };

export async function sendInvite(ctx: InviteClientContext, o: OutgoingInvite): Promise<InviteOutcome> {
  const invite = createOutOfDialogRequest({
    method: 'INVITE', uri: o.target, from: ctx.aor, fromTag: ctx.tu.newTag(), callId: ctx.tu.newCallId(), cseq: 1,
    contact: ctx.contact,
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(ctx.displayName !== undefined ? { fromDisplayName: ctx.displayName } : {}),
    ...(ctx.routes?.length ? { routes: ctx.routes } : {}),
    ...(o.headers ? { headers: o.headers } : {}),
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.contentType !== undefined ? { contentType: o.contentType } : {}),
  });
  // The ACK we sent, repeated for each retransmitted 2xx (built once the first 2xx arrives).
  const acked: { ack?: SipRequest } = {};
  const exchange = await sendWithAuth(ctx.tu, invite, ctx.digest, {
    ...(o.onProvisional ? { onProvisional: o.onProvisional } : {}),
    onAdditional2xx: () => {
      if (acked.ack) ctx.tu.sendAck(acked.ack);
    },
  });
  const { request, response } = exchange;
  if (response.status < 200 || response.status >= 300) return { ok: false, response };

  const dialog = Dialog.createUac(request, response, ctx.contact);
  acked.ack = dialog.createRequest('ACK', { cseq: cseqOf(request) });
  ctx.tu.sendAck(acked.ack);
  const session = new InviteSession(ctx.tu, ctx.dispatcher, dialog, {
    local: { body: Buffer.from(o.body ?? ''), contentType: o.contentType },
    remote: { body: response.body, contentType: response.headers.get('Content-Type') },
  }, ctx.logger);
  return { ok: true, session, response };
}
