/**
 * REGISTER client (RFC 3261 section 10.2): binds our Contact to an AoR, answers digest
 * challenges, refreshes before expiry, retries with backoff after failures, and removes the
 * binding with Expires: 0.
 *
 * ```
 *  unregistered ─▶ registering ─▶ registered ─▶ unregistering ─▶ unregistered
 *        ▲             │   ▲           │
 *        └────────── retry-wait ◀──────┘
 * ```
 */
import { backoffDelay } from '../../lib/backoff.ts';
import type { TimerHandle } from '../../lib/clock.ts';
import { InvalidStateTransitionError } from '../../lib/errors.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import type { SipResponse } from '../message/sip-message.ts';
import { parseNameAddr, parseUri, formatUri } from '../message/index.ts';
import { sendWithAuth } from './authenticated-request.ts';
import { refreshDelayMs, retryAfterOf } from './refresh-timing.ts';
import { createOutOfDialogRequest, cseqOf } from './out-of-dialog-request.ts';
import { REGISTRATION_TRANSITIONS } from './registration-state.ts';
import type { RegistrationState } from './registration-state.ts';
import type { RefreshedRequestOptions } from './refreshed-request-options.ts';

export interface RegistrationClientOptions extends RefreshedRequestOptions {
  displayName?: string;
  /** Registrar Request-URI; default `sip:<domain of the AoR>` (RFC 3261 section 10.2). */
  registrar?: string;
  /** Contact URI to bind. */
  contact: string;
}

export interface RegistrationEvents {
  stateChange: (state: RegistrationState, previous: RegistrationState, cause: string) => void;
  /** A REGISTER (initial or refresh) succeeded; `expires` in seconds. */
  registered: (expires: number, response: SipResponse) => void;
  /** A REGISTER failed; `willRetry` tells whether a retry is scheduled. */
  failed: (response: SipResponse, willRetry: boolean) => void;
  unregistered: () => void;
}

/** Registrar URI for an AoR: its scheme and host part. */
export function registrarFor(aor: string): string {
  const u = parseUri(aor);
  if (!u.ok) return aor;
  return formatUri({ scheme: u.value.scheme, host: u.value.host, ...(u.value.port !== undefined ? { port: u.value.port } : {}), params: {}, headers: {} });
}

export class RegistrationClient extends TypedEmitter<RegistrationEvents> {
  private _state: RegistrationState = 'unregistered';
  private readonly o: RegistrationClientOptions;
  /** RFC 3261 section 10.2: "the same Call-ID for all registrations" of this UA, CSeq increasing. */
  private readonly callId: string;
  private readonly fromTag: string;
  private cseq = 0;
  private expiresAsked: number;
  private timer: TimerHandle | undefined;
  private generation = 0;
  private attempt = 0;
  private granted = 0;

  constructor(options: RegistrationClientOptions) {
    super();
    this.o = options;
    this.callId = options.tu.newCallId();
    this.fromTag = options.tu.newTag();
    this.expiresAsked = options.expires ?? 3600;
  }

  get state(): RegistrationState {
    return this._state;
  }

  /** State test that TypeScript does not narrow across awaits (the state may change meanwhile). */
  private stateIs(...states: RegistrationState[]): boolean {
    return states.includes(this._state);
  }

  /** Lifetime granted by the registrar (seconds), 0 when not registered. */
  get expires(): number {
    return this.granted;
  }

  transition(to: RegistrationState, cause: string): void {
    const from = this._state;
    if (from === to) return;
    if (!REGISTRATION_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('RegistrationClient', from, to);
    this._state = to;
    this.safeEmit('stateChange', to, from, cause);
  }

  /** Registers (or refreshes now). Resolves with the final response. */
  async register(): Promise<SipResponse> {
    if (this._state === 'disposed') throw new InvalidStateTransitionError('RegistrationClient', 'disposed', 'register');
    const gen = ++this.generation;
    this.o.clock.cancel(this.timer);
    if (this._state !== 'registered') this.transition('registering', 'register');
    const res = await this.send(this.expiresAsked);
    if (gen !== this.generation || this.stateIs('disposed', 'unregistering')) return res;
    if (res.status >= 200 && res.status < 300) {
      this.attempt = 0;
      const granted = this.grantedExpires(res);
      if (granted <= 0) {
        // The registrar dropped our binding (no matching Contact): treat as a failure and retry.
        this.retry(gen, res);
        return res;
      }
      this.granted = granted;
      this.transition('registered', 'ok');
      this.safeEmit('registered', granted, res);
      this.timer = this.o.clock.setTimer(refreshDelayMs(granted, this.o.refreshFraction ?? 0.9), () => {
        if (gen !== this.generation || this._state !== 'registered') return;
        void this.register();
      });
      return res;
    }
    if (res.status === 423) {
      const min = Number(res.headers.get('Min-Expires') ?? NaN);
      if (Number.isFinite(min) && min > this.expiresAsked && min <= 86_400 * 7) {
        this.expiresAsked = min;
        return this.register();
      }
    }
    if (res.status === 408 || res.status >= 500) {
      this.retry(gen, res);
      return res;
    }
    this.granted = 0;
    this.transition('unregistered', `status-${res.status}`);
    this.safeEmit('failed', res, false);
    return res;
  }

  private retry(gen: number, res: SipResponse): void {
    this.attempt++;
    const ra = retryAfterOf(res);
    const delay = ra !== undefined ? ra * 1000 : backoffDelay(this.attempt, this.o.backoff);
    this.granted = 0;
    this.transition('retry-wait', `status-${res.status}`);
    this.safeEmit('failed', res, true);
    this.timer = this.o.clock.setTimer(delay, () => {
      if (gen !== this.generation || this._state !== 'retry-wait') return;
      void this.register();
    });
  }

  /** Removes our binding (Expires: 0). Resolves with the final response. */
  async unregister(): Promise<SipResponse | undefined> {
    if (this._state === 'disposed' || this._state === 'unregistered') return undefined;
    ++this.generation;
    this.o.clock.cancel(this.timer);
    this.transition('unregistering', 'unregister');
    const res = await this.send(0);
    if (this.stateIs('disposed')) return res;
    this.granted = 0;
    this.transition('unregistered', `status-${res.status}`);
    this.safeEmit('unregistered');
    return res;
  }

  private async send(expires: number): Promise<SipResponse> {
    const init: Parameters<typeof createOutOfDialogRequest>[0] = {
      method: 'REGISTER',
      uri: this.o.registrar ?? registrarFor(this.o.aor),
      from: this.o.aor,
      to: this.o.aor,
      fromTag: this.fromTag,
      callId: this.callId,
      cseq: ++this.cseq,
      contact: this.o.contact,
      contactParams: `;expires=${expires}`,
      headers: { Expires: String(expires), ...this.o.headers },
    };
    if (this.o.displayName !== undefined) init.fromDisplayName = this.o.displayName;
    if (this.o.routes) init.routes = this.o.routes;
    const req = createOutOfDialogRequest(init);
    this.o.digest?.applyCached(req);
    const { request, response } = await sendWithAuth(this.o.tu, req, this.o.digest);
    // Auth retries consumed CSeq numbers; continue after the last one used.
    this.cseq = Math.max(this.cseq, cseqOf(request));
    return response;
  }

  /**
   * RFC 3261 section 10.2.4: the 2xx lists every binding; ours is the Contact with our URI, and
   * its `expires` parameter (else the Expires header) is the granted lifetime.
   */
  private grantedExpires(res: SipResponse): number {
    const ours = parseUri(this.o.contact);
    const contacts = res.headers.getAll('Contact');
    for (const v of contacts) {
      const na = parseNameAddr(v);
      if (!na.ok || !ours.ok) continue;
      const u = na.value.uri;
      if (u.host.toLowerCase() === ours.value.host.toLowerCase() && (u.port ?? 0) === (ours.value.port ?? 0) && (u.user ?? '') === (ours.value.user ?? '')) {
        const e = na.value.params.expires;
        if (typeof e === 'string' && /^\d{1,10}$/.test(e)) return Number(e);
      }
    }
    const h = res.headers.get('Expires');
    if (h !== undefined && /^\s*\d{1,10}\s*$/.test(h)) return Number(h);
    // A registrar that lists other bindings but not ours did not keep it.
    return contacts.length > 0 ? 0 : this.expiresAsked;
  }

  /** Cancels the refresh/retry timer; sends nothing. */
  dispose(): void {
    this.generation++;
    this.o.clock.cancel(this.timer);
    this.timer = undefined;
    if (this._state !== 'disposed') this.transition('disposed', 'dispose');
  }
}
