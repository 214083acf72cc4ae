/**
 * An INVITE session once a dialog exists (RFC 3261 sections 13-15), either side. It owns the
 * dialog's incoming requests: ACK confirms it (UAS), BYE ends it (200), INFO gets 200, anything
 * else 405. A re-INVITE (section 14) goes to the re-INVITE handler when one is set, otherwise it
 * is a session refresh answered with our current body. `reinvite()` sends one (hold, a new media
 * path); only one INVITE transaction runs at a time in either direction (section 14.1: a second
 * one gets 491, or 500 with Retry-After).
 * Media is not our business here: bodies (SDP) are opaque and passed through.
 */
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ServerTransactionHandle, TransactionUser } from '../transaction/transaction-user.ts';
import { UccError } from '../../lib/errors.ts';
import { cseqOf } from './out-of-dialog-request.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';

export type InviteSessionEndCause = 'local-bye' | 'remote-bye' | 'disposed';

export interface InviteSessionEvents {
  /** The UAS got the ACK for its 2xx (once: ACKs of later re-INVITEs do not repeat it). */
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

/** How the application answers an incoming re-INVITE (exactly once; later calls do nothing). */
export interface ReinviteReply {
  /** 200 with `body`: our answer, or our offer when the re-INVITE carried none (the ACK answers). */
  accept(body: Buffer | string, contentType?: string): void;
  reject(status: number, reason?: string): void;
}

export type ReinviteHandler = (request: SipRequest, reply: ReinviteReply) => void;

export class InviteSession extends TypedEmitter<InviteSessionEvents> {
  readonly dialog: Dialog;
  private _remote: InviteSessionBody;
  private _local: InviteSessionBody;
  private ended: InviteSessionEndCause | undefined;
  private readonly unregister: () => void;
  private readonly logger: Logger;
  private reinviteHandler: ReinviteHandler | undefined;
  /** Our re-INVITE waiting for its final response. */
  private pendingOut = false;
  /** The far end's re-INVITE waiting for our answer. */
  private pendingIn: ServerTransactionHandle | undefined;

  constructor(
    private readonly tu: TransactionUser,
    dispatcher: RequestDispatcher,
    dialog: Dialog,
    bodies: { local: InviteSessionBody; remote: InviteSessionBody },
    logger: Logger = silentLogger,
  ) {
    super();
    this.dialog = dialog;
    this._local = bodies.local;
    this._remote = bodies.remote;
    this.logger = logger;
    this.unregister = dispatcher.addDialogHandler(dialog.id.callId, dialog.id.localTag, (req, txn) => this.onRequest(req, txn));
  }

  get state(): 'active' | InviteSessionEndCause {
    return this.ended ?? 'active';
  }

  /** The far end's latest body: from the dialog-creating exchange, then from each re-INVITE (or its 2xx or ACK). */
  get remote(): InviteSessionBody {
    return this._remote;
  }

  /** Our latest body (the one a session refresh is answered with). */
  get local(): InviteSessionBody {
    return this._local;
  }

  /** True while a re-INVITE runs in either direction. */
  get reinviting(): boolean {
    return this.pendingOut || this.pendingIn !== undefined;
  }

  /** Takes the far end's re-INVITEs (one handler; `undefined` restores the session-refresh answer). */
  onReinvite(handler: ReinviteHandler | undefined): void {
    this.reinviteHandler = handler;
  }

  /**
   * Sends a re-INVITE with `body` (RFC 3261 section 14.1) and resolves with its final response;
   * a 2xx is ACKed (again for each retransmission) and its body becomes `remote`. Throws
   * UCC_ERR_SIP_TRANSACTION_STATE when the session ended or another INVITE transaction runs.
   */
  async reinvite(body: Buffer | string, contentType = 'application/sdp', headers?: Record<string, string>): Promise<SipResponse> {
    if (this.ended) throw new UccError('UCC_ERR_SIP_TRANSACTION_STATE', `re-INVITE: the session already ended (${this.ended})`);
    if (this.reinviting) throw new UccError('UCC_ERR_SIP_TRANSACTION_STATE', 're-INVITE: another INVITE transaction is in progress');
    const req = this.dialog.createRequest('INVITE', { body, contentType, ...(headers ? { headers } : {}) });
    this.pendingOut = true;
    const sent: { ack?: SipRequest } = {};
    let res: SipResponse;
    try {
      res = await this.tu.sendRequest(req, { onAdditional2xx: () => { if (sent.ack) this.tu.sendAck(sent.ack); } });
    } finally {
      this.pendingOut = false;
    }
    if (res.status >= 200 && res.status < 300) {
      this.dialog.receiveResponse(req, res);
      // A BYE may have ended the dialog meanwhile; there is then nothing left to confirm.
      if (this.dialog.state !== 'terminated') {
        sent.ack = this.dialog.createRequest('ACK', { cseq: cseqOf(req) });
        this.tu.sendAck(sent.ack);
      }
      this._local = { body: Buffer.from(body), contentType };
      if (res.body.length > 0) this._remote = { body: res.body, contentType: res.headers.get('Content-Type') };
    }
    return res;
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
        // An ACK with a body answers the offer we made in a 2xx to an offer-less re-INVITE.
        if (req.body.length > 0) this._remote = { body: req.body, contentType: req.headers.get('Content-Type') };
        if (this.dialog.state === 'early') {
          this.dialog.transition('confirmed', 'ack');
          this.safeEmit('confirmed');
        }
        return;
      case 'BYE':
        txn.respond(200);
        this.end('remote-bye');
        return;
      case 'INVITE':
        this.onReinviteRequest(req, txn);
        return;
      case 'INFO':
        txn.respond(200);
        this.safeEmit('info', req);
        return;
      default:
        txn.respond(405, { headers: { Allow: 'ACK, BYE, INVITE, INFO' } });
    }
  }

  private onReinviteRequest(req: SipRequest, txn: ServerTransactionHandle): void {
    // Section 14.2: glare with our own re-INVITE is 491; a second one while we still answer the
    // first is 500 with a Retry-After of 0-10 s.
    if (this.pendingOut) return void txn.respond(491, { reason: 'Request Pending' });
    if (this.pendingIn) return void txn.respond(500, { headers: { 'Retry-After': String(Math.floor(Math.random() * 11)) } });
    const handler = this.reinviteHandler;
    if (!handler) {
      // Session refresh: we keep our media as it is and say so again.
      if (req.body.length > 0) this._remote = { body: req.body, contentType: req.headers.get('Content-Type') };
      this.respond200(txn, this._local.body, this._local.contentType);
      return;
    }
    this.pendingIn = txn;
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      if (this.pendingIn === txn) this.pendingIn = undefined;
      return !txn.finalSent;
    };
    const reply: ReinviteReply = {
      accept: (body, contentType = 'application/sdp') => {
        if (!finish()) return;
        if (this.ended) return void txn.respond(487);
        if (req.body.length > 0) this._remote = { body: req.body, contentType: req.headers.get('Content-Type') };
        this._local = { body: Buffer.from(body), contentType: body.length > 0 ? contentType : undefined };
        this.respond200(txn, this._local.body, this._local.contentType);
      },
      reject: (status, reason) => {
        if (finish()) txn.respond(status, reason !== undefined ? { reason } : {});
      },
    };
    try {
      handler(req, reply);
    } catch (e) {
      this.logger.error('re-INVITE handler failed', { error: e instanceof Error ? e.message : String(e) });
      reply.reject(500);
    }
  }

  private respond200(txn: ServerTransactionHandle, body: Buffer, contentType: string | undefined): void {
    txn.respond(200, { headers: this.dialog.localContact ? { Contact: `<${this.dialog.localContact}>` } : {}, body, ...(contentType ? { contentType } : {}) });
  }

  private end(cause: InviteSessionEndCause): void {
    if (this.ended) return;
    this.ended = cause;
    // Section 15.1.2: requests still pending in the dialog get 487.
    const pending = this.pendingIn;
    this.pendingIn = undefined;
    if (pending && !pending.finalSent) pending.respond(487);
    this.unregister();
    if (this.dialog.state !== 'terminated') this.dialog.terminate(cause);
    this.logger.debug('invite session ended', { callId: this.dialog.id.callId, cause });
    this.safeEmit('terminated', cause);
  }
}
