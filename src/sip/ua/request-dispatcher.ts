/**
 * Routes the stack's incoming requests to the UA parts that own them: in-dialog (and
 * half-dialog: Call-ID + our tag, for a NOTIFY racing the SUBSCRIBE 2xx) handlers first, then
 * per-method handlers for requests outside a dialog. Answers what nobody owns: 481 for unknown
 * dialogs (RFC 3261 section 12.2.2), 200 for OPTIONS (section 11.2), 405 with Allow otherwise.
 * A BENOTIFY is never answered ([MS-SIP] section 3.5: "MUST NOT send a response").
 */
import type { NameAddr, SipMessage, SipRequest } from '../message/sip-message.ts';
import { cachedView } from '../message/header-accessors.ts';
import { parseNameAddr } from '../message/index.ts';
import type { RequestHandler, ServerTransactionHandle, TransactionUser } from '../transaction/transaction-user.ts';
import { halfDialogKey } from '../dialog/dialog-id.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';

export interface RequestDispatcherOptions {
  /** Option tags for Supported in OPTIONS answers (e.g. `ms-benotify`). */
  supported?: () => readonly string[];
  logger?: Logger;
}

/** The tag parameter of a From/To value, or undefined. */
export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const r = parseNameAddr(value);
  if (!r.ok) return undefined;
  return nonEmptyTag(r.value);
}

const nonEmptyTag = (na: Readonly<NameAddr>): string | undefined => {
  const t = na.params.tag;
  return typeof t === 'string' && t !== '' ? t : undefined;
};

/** `tagOf` the message's From or To, read from the parsed view the parser keeps when there is one. */
export function headerTag(msg: SipMessage, header: 'From' | 'To'): string | undefined {
  const view = cachedView(msg, header === 'To' ? 'to' : 'from');
  return view !== undefined ? nonEmptyTag(view) : tagOf(msg.headers.get(header));
}

export class RequestDispatcher {
  private readonly dialogs = new Map<string, RequestHandler>();
  private readonly methods = new Map<string, RequestHandler>();
  private readonly logger: Logger;
  private readonly supported: () => readonly string[];

  constructor(tu: TransactionUser, options: RequestDispatcherOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.supported = options.supported ?? (() => []);
    tu.onRequest((req, txn) => this.dispatch(req, txn));
  }

  /** Handles requests whose Call-ID and To tag match; returns a function that removes it. */
  addDialogHandler(callId: string, localTag: string, handler: RequestHandler): () => void {
    const key = halfDialogKey(callId, localTag);
    this.dialogs.set(key, handler);
    return () => {
      if (this.dialogs.get(key) === handler) this.dialogs.delete(key);
    };
  }

  /** Handles out-of-dialog requests of `method`; returns a function that removes it. */
  onMethod(method: string, handler: RequestHandler): () => void {
    const m = method.toUpperCase();
    this.methods.set(m, handler);
    return () => {
      if (this.methods.get(m) === handler) this.methods.delete(m);
    };
  }

  /** Methods we answer (Allow header). */
  allowed(): string[] {
    return [...new Set(['OPTIONS', ...this.methods.keys()])].filter((m) => m !== 'BENOTIFY');
  }

  /** Entry point (public so tests and other stacks can feed requests directly). */
  dispatch(req: SipRequest, txn: ServerTransactionHandle): void {
    const method = req.method.toUpperCase();
    const never = method === 'BENOTIFY' || method === 'ACK';
    try {
      const callId = req.headers.get('Call-ID') ?? '';
      const toTag = headerTag(req, 'To');
      if (toTag !== undefined) {
        const h = this.dialogs.get(halfDialogKey(callId, toTag));
        if (h) return h(req, txn);
        if (!never) txn.respond(481, { reason: 'Call/Transaction Does Not Exist' });
        return;
      }
      const h = this.methods.get(method);
      if (h) return h(req, txn);
      if (never) return;
      if (method === 'OPTIONS') {
        const headers: Record<string, string> = { Allow: this.allowed().join(', '), Accept: 'application/sdp, application/pidf+xml, text/plain' };
        const sup = this.supported();
        if (sup.length) headers.Supported = sup.join(', ');
        txn.respond(200, { headers });
        return;
      }
      txn.respond(405, { headers: { Allow: this.allowed().join(', ') } });
    } catch (e) {
      this.logger.error('request handler failed', { method, error: e instanceof Error ? e.message : String(e) });
      if (!never && !txn.finalSent) txn.respond(500);
    }
  }
}
