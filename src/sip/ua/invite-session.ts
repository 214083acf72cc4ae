/**
 * An INVITE session once a dialog exists (RFC 3261 sections 13-15), either side. It owns the
 * dialog's incoming requests: ACK confirms it (UAS), BYE ends it (200), a re-INVITE is a session
 * refresh answered with our current body, INFO gets 200, anything else 405.
 * Media is not our business here: bodies (SDP) are opaque and passed through.
 */
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ServerTransactionHandle, TransactionUser } from '../transaction/transaction-user.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';

export type InviteSessionEndCause = 'local-bye' | 'remote-bye' | 'disposed';

export interface InviteSessionEvents {
  /** The UAS got the ACK for its 2xx. */
  confirmed: () => void;
  /** The session ended; `cause` says who ended it. */
  terminated: (cause: InviteSessionEndCause) => void;
  /** An in-dialog INFO arrived (answered 200). */
  info: (request: SipRequest) => void;
}

export interface InviteSessionBody {
  body: Buffer;
  contentType: string | undefined;
}

export class InviteSession extends TypedEmitter<InviteSessionEvents> {
  readonly dialog: Dialog;
  /** What the far end sent with the dialog-creating exchange (the INVITE or its 2xx). */
  readonly remote: InviteSessionBody;
  private local: InviteSessionBody;
  private ended: InviteSessionEndCause | undefined;
  private readonly unregister: () => void;
  private readonly logger: Logger;

  constructor(
    private readonly tu: TransactionUser,
    dispatcher: RequestDispatcher,
    dialog: Dialog,
    bodies: { local: InviteSessionBody; remote: InviteSessionBody },
    logger: Logger = silentLogger,
  ) {
    super();
    this.dialog = dialog;
    this.local = bodies.local;
    this.remote = bodies.remote;
    this.logger = logger;
    this.unregister = dispatcher.addDialogHandler(dialog.id.callId, dialog.id.localTag, (req, txn) => this.onRequest(req, txn));
  }

  get state(): 'active' | InviteSessionEndCause {
    return this.ended ?? 'active';
  }

  /** Ends the session with BYE (RFC 3261 section 15.1.1); resolves with the BYE's final response. */
  async bye(): Promise<SipResponse> {
    if (this.ended) throw new Error(`session already ended (${this.ended})`);
    const bye = this.dialog.createRequest('BYE');
    // Section 15.1.1: the session is over as soon as the BYE is sent, whatever the answer.
    this.end('local-bye');
    return this.tu.sendRequest(bye);
  }

  /** Sends an in-dialog INFO (RFC 6086) and resolves with its final response. */
  async info(body: string | Buffer, contentType: string): Promise<SipResponse> {
    const req = this.dialog.createRequest('INFO', { body, contentType });
    const res = await this.tu.sendRequest(req);
    this.dialog.receiveResponse(req, res);
    return res;
  }

  /** Marks the session ended without sending anything (the stack is closing). */
  dispose(): void {
    this.end('disposed');
  }

  private onRequest(req: SipRequest, txn: ServerTransactionHandle): void {
    const check = this.dialog.receiveRequest(req);
    if (!check.ok) {
      if (req.method !== 'ACK') txn.respond(check.status, { reason: check.reason });
      return;
    }
    switch (req.method) {
      case 'ACK':
        if (this.dialog.state === 'early') this.dialog.transition('confirmed', 'ack');
        this.safeEmit('confirmed');
        return;
      case 'BYE':
        txn.respond(200);
        this.end('remote-bye');
        return;
      case 'INVITE': // session refresh: we keep our media as it is and say so again
        txn.respond(200, { headers: this.dialog.localContact ? { Contact: `<${this.dialog.localContact}>` } : {}, body: this.local.body, ...(this.local.contentType ? { contentType: this.local.contentType } : {}) });
        return;
      case 'INFO':
        txn.respond(200);
        this.safeEmit('info', req);
        return;
      default:
        txn.respond(405, { headers: { Allow: 'ACK, BYE, INVITE, INFO' } });
    }
  }

  private end(cause: InviteSessionEndCause): void {
    if (this.ended) return;
    this.ended = cause;
    this.unregister();
    if (this.dialog.state !== 'terminated') this.dialog.terminate(cause);
    this.logger.debug('invite session ended', { callId: this.dialog.id.callId, cause });
    this.safeEmit('terminated', cause);
  }
}
