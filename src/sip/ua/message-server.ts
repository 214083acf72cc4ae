/**
 * Pager-mode instant messages in (RFC 3428 section 7): each MESSAGE outside a dialog goes to one
 * handler, which decides the final response (200 delivered, 202 accepted for later delivery, or
 * an error such as 415/480/486). A handler that throws or rejects produces 500; none gives 405.
 */
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { SipRequest } from '../message/sip-message.ts';
import type { ServerTransactionHandle } from '../transaction/transaction-user.ts';
import type { RequestDispatcher } from './request-dispatcher.ts';

export interface IncomingMessage {
  from: string;
  to: string;
  body: Buffer;
  contentType: string | undefined;
  request: SipRequest;
}

/** The handler's verdict; default reason phrases are used when `reason` is absent. */
export interface MessageVerdict {
  status: number;
  reason?: string;
  headers?: Record<string, string | readonly string[]>;
}

export type MessageHandler = (message: IncomingMessage) => MessageVerdict | Promise<MessageVerdict>;

export class MessageServer {
  private remove: (() => void) | undefined;
  private readonly logger: Logger;

  constructor(dispatcher: RequestDispatcher, handler: MessageHandler, logger?: Logger) {
    this.logger = logger ?? silentLogger;
    this.remove = dispatcher.onMethod('MESSAGE', (req, txn) => void this.handle(handler, req, txn));
  }

  private async handle(handler: MessageHandler, req: SipRequest, txn: ServerTransactionHandle): Promise<void> {
    let verdict: MessageVerdict;
    try {
      verdict = await handler({
        from: req.headers.get('From') ?? '', to: req.headers.get('To') ?? '', body: req.body,
        contentType: req.headers.get('Content-Type'), request: req,
      });
    } catch (e) {
      this.logger.error('MESSAGE handler failed', { error: e instanceof Error ? e.message : String(e) });
      verdict = { status: 500 };
    }
    const status = Number.isInteger(verdict.status) && verdict.status >= 200 && verdict.status <= 699 ? verdict.status : 500;
    if (txn.finalSent) return;
    const opts: { reason?: string; headers?: Record<string, string | readonly string[]> } = {};
    if (verdict.reason !== undefined && !/[\r\n]/.test(verdict.reason)) opts.reason = verdict.reason;
    if (verdict.headers) opts.headers = verdict.headers;
    txn.respond(status, opts);
  }

  /** Stops handling MESSAGE (later ones get 405). */
  dispose(): void {
    this.remove?.();
    this.remove = undefined;
  }
}
