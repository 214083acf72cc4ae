/**
 * Incoming INVITE outside a dialog (RFC 3261 section 13.3): each goes to one handler as an
 * `IncomingInvite` that can send 100, ring (180, or 183 with early-media SDP), answer (2xx with a
 * body, creating the session) or reject. The INVITE server transaction retransmits the 2xx until
 * the ACK arrives (RFC 6026 Accepted). A CANCEL before the answer gets the stack's 487;
 * `cancelled` and `onCancel` then report it.
 */
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { Dialog } from '../dialog/dialog.ts';
import type { SipRequest } from '../message/sip-message.ts';
import type { MessageSource, ServerTransactionHandle, TransactionUser } from '../transaction/transaction-user.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';
import { InviteSession } from './invite-session.ts';

export class IncomingInvite {
  private session: InviteSession | undefined;
  private readonly localTag: string;
  /** Our Contact in the 1xx/2xx (default: the UA's); a B2BUA picks the one of the arrival transport. */
  contact: string;

  constructor(
    readonly request: SipRequest,
    private readonly txn: ServerTransactionHandle,
    private readonly ctx: { tu: TransactionUser; dispatcher: RequestDispatcher; contact: string; logger: Logger; onSession?: (s: InviteSession) => void },
  ) {
    this.localTag = ctx.tu.newTag();
    this.contact = ctx.contact;
  }

  /** Where the INVITE came from and which listener took it. */
  get source(): MessageSource {
    return this.txn.source;
  }

  /** True once a final response was sent (answered, rejected, or 487 after a CANCEL). */
  get answered(): boolean {
    return this.txn.finalSent;
  }

  /** True once a CANCEL for this INVITE arrived (the stack has answered it and sent 487). */
  get cancelled(): boolean {
    return this.txn.cancelled === true;
  }

  /** Runs `listener` when a CANCEL arrives (at once if one already did). */
  onCancel(listener: () => void): void {
    this.txn.onCancel?.(() => listener());
  }

  /** Sends 100 Trying now (the transaction would send it after 200 ms anyway). */
  trying(): void {
    if (!this.txn.finalSent) this.txn.respond(100);
  }

  /**
   * Sends 180 Ringing (or another 1xx) with our To tag and Contact; with a body (SDP), a 183
   * Session Progress carries early media (unreliably: no 100rel, RFC 3262 is not implemented).
   */
  ring(status = 180, body?: Buffer | string, contentType = 'application/sdp'): void {
    if (this.txn.finalSent) return;
    const withBody = body !== undefined && body.length > 0;
    this.txn.respond(status, { toTag: this.localTag, headers: { Contact: `<${this.contact}>` }, ...(withBody ? { body, contentType } : {}) });
  }

  /** Answers 200 OK with `body` (normally SDP) and returns the session. */
  answer(body: Buffer | string = '', contentType = 'application/sdp'): InviteSession {
    if (this.session) return this.session;
    if (this.txn.finalSent) throw new Error('INVITE already answered');
    const dialog = Dialog.createUas(this.request, this.localTag, { localContact: this.contact, early: true });
    const session = new InviteSession(this.ctx.tu, this.ctx.dispatcher, dialog, {
      local: { body: Buffer.from(body), contentType: body.length ? contentType : undefined },
      remote: { body: this.request.body, contentType: this.request.headers.get('Content-Type') },
    }, this.ctx.logger);
    this.session = session;
    this.ctx.onSession?.(session);
    this.txn.respond(200, { toTag: this.localTag, headers: { Contact: `<${this.contact}>` }, body, ...(body.length ? { contentType } : {}) });
    return session;
  }

  /** Rejects with a final non-2xx (486 Busy Here by default), with extra headers if given (Retry-After, Proxy-Authenticate). */
  reject(status = 486, reason?: string, headers?: Record<string, string>): void {
    if (this.txn.finalSent) return;
    this.txn.respond(status, { toTag: this.localTag, ...(reason !== undefined ? { reason } : {}), ...(headers ? { headers } : {}) });
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
