/**
 * Incoming INVITE outside a dialog (RFC 3261 section 13.3): each goes to one handler as an
 * `IncomingInvite` that can ring (180), answer (2xx with a body, creating the session) or reject.
 * The INVITE server transaction retransmits the 2xx until the ACK arrives (RFC 6026 Accepted).
 * A CANCEL before the answer gets the stack's 487; `cancelled` then reports it.
 */
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { Dialog } from '../dialog/dialog.ts';
import type { SipRequest } from '../message/sip-message.ts';
import type { ServerTransactionHandle, TransactionUser } from '../transaction/transaction-user.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';
import { InviteSession } from './invite-session.ts';

export class IncomingInvite {
  private session: InviteSession | undefined;
  private readonly localTag: string;

  constructor(
    readonly request: SipRequest,
    private readonly txn: ServerTransactionHandle,
    private readonly ctx: { tu: TransactionUser; dispatcher: RequestDispatcher; contact: string; logger: Logger; onSession?: (s: InviteSession) => void },
  ) {
    this.localTag = ctx.tu.newTag();
  }

  /** True once a final response was sent (answered, rejected, or 487 after a CANCEL). */
  get answered(): boolean {
    return this.txn.finalSent;
  }

  /** Sends 180 Ringing (or another 1xx) with our To tag and Contact. */
  ring(status = 180): void {
    if (this.txn.finalSent) return;
    this.txn.respond(status, { toTag: this.localTag, headers: { Contact: `<${this.ctx.contact}>` } });
  }

  /** Answers 200 OK with `body` (normally SDP) and returns the session. */
  answer(body: Buffer | string = '', contentType = 'application/sdp'): InviteSession {
    if (this.session) return this.session;
    if (this.txn.finalSent) throw new Error('INVITE already answered');
    const dialog = Dialog.createUas(this.request, this.localTag, { localContact: this.ctx.contact, early: true });
    const session = new InviteSession(this.ctx.tu, this.ctx.dispatcher, dialog, {
      local: { body: Buffer.from(body), contentType: body.length ? contentType : undefined },
      remote: { body: this.request.body, contentType: this.request.headers.get('Content-Type') },
    }, this.ctx.logger);
    this.session = session;
    this.ctx.onSession?.(session);
    this.txn.respond(200, { toTag: this.localTag, headers: { Contact: `<${this.ctx.contact}>` }, body, ...(body.length ? { contentType } : {}) });
    return session;
  }

  /** Rejects with a final non-2xx (486 Busy Here by default). */
  reject(status = 486, reason?: string): void {
    if (this.txn.finalSent) return;
    this.txn.respond(status, { toTag: this.localTag, ...(reason !== undefined ? { reason } : {}) });
  }
}

export type InviteHandler = (invite: IncomingInvite) => void;

export class InviteServer {
  private remove: (() => void) | undefined;
  private undeclare: (() => void) | undefined;

  constructor(
    tu: TransactionUser,
    dispatcher: RequestDispatcher,
    contact: string,
    handler: InviteHandler,
    options: { logger?: Logger; onSession?: (s: InviteSession) => void } = {},
  ) {
    const logger = options.logger ?? silentLogger;
    this.remove = dispatcher.onMethod('INVITE', (req, txn) => {
      const incoming = new IncomingInvite(req, txn, { tu, dispatcher, contact, logger, ...(options.onSession ? { onSession: options.onSession } : {}) });
      try {
        handler(incoming);
      } catch (e) {
        logger.error('INVITE handler failed', { error: e instanceof Error ? e.message : String(e) });
        if (!txn.finalSent) txn.respond(500);
      }
    });
    // A UA that takes INVITE also takes ACK, CANCEL and BYE (RFC 3261 sections 13 and 15) and reads SDP.
    this.undeclare = tu.capabilities.declare({ methods: ['ACK', 'CANCEL', 'BYE'], accept: ['application/sdp'] });
  }

  /** Stops taking INVITEs (later ones get 405). */
  dispose(): void {
    this.remove?.();
    this.remove = undefined;
    this.undeclare?.();
    this.undeclare = undefined;
  }
}
