/**
 * Routes the stack's incoming requests to the UA parts that own them: in-dialog (and
 * half-dialog: Call-ID + our tag, for a NOTIFY racing the SUBSCRIBE 2xx) handlers first, then
 * per-method handlers for requests outside a dialog. Answers what nobody owns: 481 for unknown
 * dialogs (RFC 3261 section 12.2.2), the stack's OPTIONS answer (section 11.2,
 * `capabilities.answerOptions`), 405 with Allow otherwise. Every method handler is declared in the
 * stack's capabilities, so Allow lists it. A request the stack never answers (ACK, [MS-SIP]
 * BENOTIFY) comes with a handle that sends nothing, so it needs no case here.
 *
 * One dispatcher per stack (`RequestDispatcher.of(tu)`): every user agent on a stack shares it.
 */
import type { NameAddr, SipMessage, SipRequest } from '../message/sip-message.ts';
import { cachedView } from '../message/header-accessors.ts';
import { parseNameAddr } from '../message/index.ts';
import type { RequestHandler, ServerTransactionHandle, TransactionUser } from '../transaction/transaction-user.ts';
import { halfDialogKey } from '../dialog/dialog-id.ts';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';

export interface RequestDispatcherOptions {
  logger?: Logger;
}

/** The dispatcher of each stack (a stack takes one request handler from the UA layer). */
const byStack = new WeakMap<TransactionUser, RequestDispatcher>();

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
  private readonly methods = new Map<string, { handler: RequestHandler; undeclare: () => void }>();
  private readonly logger: Logger;

  /** The dispatcher of `tu`, created (and hooked to its requests) on first use. */
  static of(tu: TransactionUser, options: RequestDispatcherOptions = {}): RequestDispatcher {
    return byStack.get(tu) ?? new RequestDispatcher(tu, options);
  }

  /** Hooks a new dispatcher to `tu`; use {@link RequestDispatcher.of} unless the stack has none yet. */
  constructor(private readonly tu: TransactionUser, options: RequestDispatcherOptions = {}) {
    if (byStack.has(tu)) throw new Error('this stack already has a RequestDispatcher: use RequestDispatcher.of()');
    byStack.set(tu, this);
    this.logger = options.logger ?? silentLogger;
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

  /**
   * Handles out-of-dialog requests of `method` (one handler per method: a new one replaces the
   * previous) and lists the method in Allow; returns a function that removes it.
   */
  onMethod(method: string, handler: RequestHandler): () => void {
    const m = method.toUpperCase();
    this.methods.get(m)?.undeclare();
    const entry = { handler, undeclare: this.tu.capabilities.declare({ methods: [m] }) };
    this.methods.set(m, entry);
    return () => {
      if (this.methods.get(m) !== entry) return;
      this.methods.delete(m);
      entry.undeclare();
    };
  }

  /** Methods we answer (Allow header): the stack's. */
  allowed(): string[] {
    return this.tu.capabilities.allow;
  }

  /** Entry point (public so tests and other stacks can feed requests directly). */
  dispatch(req: SipRequest, txn: ServerTransactionHandle): void {
    const method = req.method.toUpperCase();
    try {
      const callId = req.headers.get('Call-ID') ?? '';
      const toTag = headerTag(req, 'To');
      if (toTag !== undefined) {
        const h = this.dialogs.get(halfDialogKey(callId, toTag));
        if (h) return h(req, txn);
        txn.respond(481, { reason: 'Call/Transaction Does Not Exist' });
        return;
      }
      const entry = this.methods.get(method);
      if (entry) return entry.handler(req, txn);
      if (method === 'OPTIONS') {
        this.tu.capabilities.answerOptions(txn);
        return;
      }
      txn.respond(405, { headers: { Allow: this.allowed().join(', ') } });
    } catch (e) {
      this.logger.error('request handler failed', { method, error: e instanceof Error ? e.message : String(e) });
      if (!txn.finalSent) txn.respond(500);
    }
  }
}
