/**
 * What one SIP stack does, in one registry that every layer reads: the methods it handles
 * (Allow), the body types it accepts (Accept), the option tags it supports (Supported), and the
 * extensions switched on (e.g. [MS-SIP], ua/ms-sip-extension.ts). Parts declare what they add and
 * withdraw it when they go, so the one OPTIONS answer (RFC 3261 section 11.2) and every Allow
 * header are derived from what is registered.
 *
 * An extension is also the one place where a protocol rule differs from RFC 3261 / RFC 6665:
 * - `unansweredMethods`: requests with no server transaction that are never answered. The
 *   transaction layer hands them up with a handle whose `respond()` builds but never sends (as for
 *   ACK), so nothing above it needs to know which methods these are.
 * - `notifications`: methods a subscriber takes as a NOTIFY of its dialog, the option tags that
 *   ask a notifier for them, and which method a notifier uses after the first NOTIFY.
 */
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { ServerTransactionHandle } from './transaction-user.ts';

/** What a part of the stack adds to the OPTIONS answer while it is registered. */
export interface SipDeclaration {
  /** Methods it handles (Allow). */
  readonly methods?: readonly string[];
  /** Body types it reads (Accept). */
  readonly accept?: readonly string[];
  /** Option tags it implements (Supported). */
  readonly supported?: readonly string[];
}

/** How an extension changes RFC 6665 subscriptions. */
export interface NotificationRules {
  /** Methods a subscriber takes as a NOTIFY in its dialog. */
  readonly methods: readonly string[];
  /** Option tags a subscriber lists in Supported of its SUBSCRIBE to be sent those methods. */
  readonly optionTags: readonly string[];
  /** The method of the notifications after the first in the subscription `subscribe` created (undefined: NOTIFY). */
  laterMethod(subscribe: SipRequest): string | undefined;
}

/** A SIP extension switched on for a whole stack with {@link SipCapabilities.use}. */
export interface SipExtension extends SipDeclaration {
  /** For logs and {@link SipCapabilities.has}, e.g. `ms-sip`. */
  readonly name: string;
  /** Methods that are never answered (no server transaction). */
  readonly unansweredMethods?: readonly string[];
  readonly notifications?: NotificationRules;
}

/** Base lists of a stack. */
export interface SipCapabilitiesOptions {
  /** Methods handled besides OPTIONS and what parts declare (an application's own handler). Default none. */
  allow?: readonly string[];
  /** Body types listed in Accept besides what parts declare. Default SDP, PIDF and plain text. */
  accept?: readonly string[];
  /** Option tags listed in Supported besides what parts declare. Default none. */
  supported?: readonly string[];
  /** Server header of the OPTIONS answer. Default none. */
  server?: string;
}

/** The Accept list of a stack that was given none: the bodies its UA parts read. */
export const DEFAULT_ACCEPT: readonly string[] = ['application/sdp', 'application/pidf+xml', 'text/plain'];

/** A set whose members stay while at least one declaration holds them; iteration keeps first-added order. */
class CountedSet {
  private readonly counts = new Map<string, number>();

  add(values: readonly string[] | undefined): void {
    for (const v of values ?? []) this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
  }

  remove(values: readonly string[] | undefined): void {
    for (const v of values ?? []) {
      const n = this.counts.get(v) ?? 0;
      if (n <= 1) this.counts.delete(v);
      else this.counts.set(v, n - 1);
    }
  }

  has(value: string): boolean {
    return this.counts.has(value);
  }

  get size(): number {
    return this.counts.size;
  }

  values(): string[] {
    return [...this.counts.keys()];
  }
}

const upper = (values: readonly string[] | undefined): string[] | undefined => values?.map((m) => m.toUpperCase());

/** See the file comment. */
export class SipCapabilities {
  private readonly methods = new CountedSet();
  private readonly types = new CountedSet();
  private readonly tags = new CountedSet();
  private readonly unanswered = new CountedSet();
  private readonly notifyMethods = new CountedSet();
  /** Extensions in use, with how many times each was switched on. */
  private readonly extensions = new Map<SipExtension, number>();
  private readonly server: string | undefined;

  constructor(options: SipCapabilitiesOptions = {}) {
    this.server = options.server;
    this.declare({ methods: options.allow ?? [], accept: options.accept ?? DEFAULT_ACCEPT, supported: options.supported ?? [] });
  }

  /** Adds what a part handles; the returned function withdraws it (once). */
  declare(d: SipDeclaration): () => void {
    const methods = upper(d.methods);
    this.methods.add(methods);
    this.types.add(d.accept);
    this.tags.add(d.supported);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.methods.remove(methods);
      this.types.remove(d.accept);
      this.tags.remove(d.supported);
    };
  }

  /**
   * Switches an extension on for the whole stack; the returned function switches it off again
   * (it stays on while any user still holds it).
   */
  use(extension: SipExtension): () => void {
    const undeclare = this.declare(extension);
    const unanswered = upper(extension.unansweredMethods);
    const notify = upper(extension.notifications?.methods);
    this.unanswered.add(unanswered);
    this.notifyMethods.add(notify);
    this.extensions.set(extension, (this.extensions.get(extension) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      undeclare();
      this.unanswered.remove(unanswered);
      this.notifyMethods.remove(notify);
      const n = this.extensions.get(extension) ?? 0;
      if (n <= 1) this.extensions.delete(extension);
      else this.extensions.set(extension, n - 1);
    };
  }

  /** True while an extension of that name is on. */
  has(name: string): boolean {
    for (const e of this.extensions.keys()) if (e.name === name) return true;
    return false;
  }

  /** Allow: OPTIONS (always answered) and every declared method. */
  get allow(): string[] {
    return this.methods.has('OPTIONS') ? this.methods.values() : ['OPTIONS', ...this.methods.values()];
  }

  get accept(): string[] {
    return this.types.values();
  }

  get supported(): string[] {
    return this.tags.values();
  }

  /** True for ACK (RFC 3261 section 17) and for the unanswered methods of the extensions in use. */
  isUnanswered(method: string): boolean {
    if (method === 'ACK') return true;
    return this.unanswered.size > 0 && (this.unanswered.has(method) || this.unanswered.has(method.toUpperCase()));
  }

  /** True when a subscriber takes `method` as a NOTIFY (NOTIFY itself, and the extensions' methods). */
  isNotifyMethod(method: string): boolean {
    if (method === 'NOTIFY') return true;
    const m = method.toUpperCase();
    return m === 'NOTIFY' || this.notifyMethods.has(m);
  }

  /** Option tags a subscriber lists in Supported of its SUBSCRIBE. */
  get subscribeOptionTags(): string[] {
    const tags: string[] = [];
    for (const e of this.extensions.keys()) for (const t of e.notifications?.optionTags ?? []) if (!tags.includes(t)) tags.push(t);
    return tags;
  }

  /** The method a notifier uses after the first NOTIFY of the subscription `subscribe` created (undefined: NOTIFY). */
  laterNotifyMethod(subscribe: SipRequest): string | undefined {
    for (const e of this.extensions.keys()) {
      const m = e.notifications?.laterMethod(subscribe);
      if (m !== undefined) return m;
    }
    return undefined;
  }

  /** The stack's one OPTIONS answer: 200 with Allow, Accept and Supported as registered now. */
  answerOptions(handle: ServerTransactionHandle): SipResponse {
    const headers: Record<string, string> = { Allow: this.allow.join(', ') };
    const accept = this.accept;
    if (accept.length > 0) headers['Accept'] = accept.join(', ');
    if (this.server !== undefined) headers['Server'] = this.server;
    const supported = this.supported;
    if (supported.length > 0) headers['Supported'] = supported.join(', ');
    return handle.respond(200, { headers });
  }
}
