/**
 * Event state publication (RFC 3903): initial PUBLISH with a body stores the SIP-ETag; refresh
 * with SIP-If-Match and no body before expiry; modify with SIP-If-Match and a body; 412 (and 500
 * to a conditional PUBLISH, a Kamailio quirk, see docs/sip.md) → publish again from scratch with
 * the full body; removal with Expires: 0 and SIP-If-Match. Operations are queued: the next PUBLISH
 * leaves only after the response carrying the current ETag (RFC 3903 section 4.1 ordering;
 * pipelining races a new ETag).
 *
 * ```
 *  unpublished ─▶ publishing ─▶ published ─▶ removing ─▶ unpublished
 *                    │  ▲           │
 *                    ▼  │           ▼
 *                  retry-wait ◀─────┘        (408, 5xx; backoff)
 *  any ──▶ disposed
 * ```
 */
import { backoffDelay } from '../../lib/backoff.ts';
import type { TimerHandle } from '../../lib/clock.ts';
import { InvalidStateTransitionError } from '../../lib/errors.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import type { SipResponse } from '../message/sip-message.ts';
import { sendWithAuth } from './authenticated-request.ts';
import { refreshDelayMs, retryAfterOf } from './refresh-timing.ts';
import { createOutOfDialogRequest, cseqOf } from './out-of-dialog-request.ts';
import type { RefreshedRequestOptions } from './refreshed-request-options.ts';

export type PublicationState = 'unpublished' | 'publishing' | 'published' | 'retry-wait' | 'removing' | 'disposed';

export const PUBLICATION_TRANSITIONS: Record<PublicationState, readonly PublicationState[]> = {
  'unpublished': ['publishing', 'disposed'],
  'publishing': ['published', 'retry-wait', 'unpublished', 'removing', 'disposed'],
  'published': ['publishing', 'retry-wait', 'removing', 'unpublished', 'disposed'],
  'retry-wait': ['publishing', 'removing', 'unpublished', 'disposed'],
  'removing': ['unpublished', 'disposed'],
  'disposed': [],
};

export interface PublisherOptions extends RefreshedRequestOptions {
  /** Presentity (Request-URI and To); default the AoR. */
  target?: string;
  /** Event package, e.g. `presence`. */
  event: string;
}

export interface PublisherEvents {
  stateChange: (state: PublicationState, previous: PublicationState, cause: string) => void;
  /** A PUBLISH succeeded: current entity tag and granted lifetime (seconds). */
  published: (etag: string, expires: number) => void;
  /** A PUBLISH failed; `willRetry` tells whether a retry is scheduled. */
  failed: (response: SipResponse, willRetry: boolean) => void;
}

type Op = 'initial' | 'modify' | 'refresh' | 'remove';

export class Publisher extends TypedEmitter<PublisherEvents> {
  private _state: PublicationState = 'unpublished';
  private readonly o: PublisherOptions;
  private _etag: string | undefined;
  private body: { data: Buffer | string; contentType: string } | undefined;
  private expiresAsked: number;
  private timer: TimerHandle | undefined;
  private generation = 0;
  private attempt = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private cseq = 0;
  /** RFC 3903 does not need a dialog; one Call-ID per publisher keeps traces readable. */
  private readonly callId: string;
  private readonly fromTag: string;

  constructor(options: PublisherOptions) {
    super();
    this.o = options;
    this.expiresAsked = options.expires ?? 3600;
    this.callId = options.tu.newCallId();
    this.fromTag = options.tu.newTag();
  }

  get state(): PublicationState {
    return this._state;
  }

  /** The current entity tag (SIP-ETag of the last 2xx), if any. */
  get etag(): string | undefined {
    return this._etag;
  }

  transition(to: PublicationState, cause: string): void {
    const from = this._state;
    if (from === to) return;
    if (!PUBLICATION_TRANSITIONS[from].includes(to)) throw new InvalidStateTransitionError('Publisher', from, to);
    this._state = to;
    this.safeEmit('stateChange', to, from, cause);
  }

  /** Publishes `body` (initial, or a modification when an ETag is held). */
  publish(body: Buffer | string, contentType: string): Promise<SipResponse> {
    if (this._state === 'disposed') return Promise.reject(new InvalidStateTransitionError('Publisher', 'disposed', 'publish'));
    this.body = { data: body, contentType };
    return this.enqueue(() => this.run(this._etag ? 'modify' : 'initial'));
  }

  /** Refreshes now (normally done by the timer): SIP-If-Match, no body. */
  refresh(): Promise<SipResponse | undefined> {
    return this.enqueue(() => (this._etag ? this.run('refresh') : Promise.resolve(undefined)));
  }

  /** Removes the publication: Expires: 0 with SIP-If-Match (RFC 3903 section 4.5). */
  unpublish(): Promise<SipResponse | undefined> {
    this.o.clock.cancel(this.timer);
    return this.enqueue(async () => {
      if (!this._etag || this._state === 'disposed') {
        this.body = undefined;
        if (this._state !== 'disposed') this.transition('unpublished', 'nothing-to-remove');
        return undefined;
      }
      return this.run('remove');
    });
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(op: Op): Promise<SipResponse> {
    const gen = ++this.generation;
    this.o.clock.cancel(this.timer);
    this.transition(op === 'remove' ? 'removing' : 'publishing', op);
    const expires = op === 'remove' ? 0 : this.expiresAsked;
    const headers: Record<string, string | readonly string[]> = { Event: this.o.event, Expires: String(expires), ...this.o.headers };
    if (op !== 'initial' && this._etag) headers['SIP-If-Match'] = this._etag;
    const withBody = op === 'initial' || op === 'modify';
    const target = this.o.target ?? this.o.aor;
    const init: Parameters<typeof createOutOfDialogRequest>[0] = {
      method: 'PUBLISH', uri: target, to: target, from: this.o.aor, fromTag: this.fromTag, callId: this.callId, cseq: ++this.cseq, headers,
    };
    if (this.o.routes) init.routes = this.o.routes;
    if (withBody && this.body) { init.body = this.body.data; init.contentType = this.body.contentType; }
    const req = createOutOfDialogRequest(init);
    this.o.digest?.applyCached(req);
    const { request: sent, response } = await sendWithAuth(this.o.tu, req, this.o.digest);
    this.cseq = Math.max(this.cseq, cseqOf(sent)); // auth retries used CSeq numbers
    if (gen !== this.generation || this._state === 'disposed') return response;

    if (response.status >= 200 && response.status < 300) {
      this.attempt = 0;
      if (op === 'remove') {
        this._etag = undefined;
        this.body = undefined;
        this.transition('unpublished', 'removed');
        return response;
      }
      const etag = response.headers.get('SIP-ETag');
      // RFC 3903 section 4.1.2: the 2xx MUST carry SIP-ETag; without it we cannot refresh.
      if (etag !== undefined) this._etag = etag.trim();
      const granted = Number(response.headers.get('Expires') ?? this.expiresAsked) || this.expiresAsked;
      this.transition('published', op);
      this.safeEmit('published', this._etag ?? '', granted);
      this.timer = this.o.clock.setTimer(refreshDelayMs(granted, this.o.refreshFraction ?? 0.9), () => {
        if (gen !== this.generation || this._state !== 'published') return;
        void this.refresh();
      });
      return response;
    }
    if (op === 'remove') {
      // Whatever the answer, the entity tag is no longer ours to refresh.
      this._etag = undefined;
      this.body = undefined;
      this.transition('unpublished', `remove-${response.status}`);
      this.safeEmit('failed', response, false);
      return response;
    }
    // RFC 3903 section 4.1.3: 412 means the ETag is unknown → start over with the full state.
    if ((response.status === 412 || (response.status === 500 && headers['SIP-If-Match'] !== undefined)) && this.body) {
      this._etag = undefined;
      return this.run('initial');
    }
    if (response.status === 423) {
      const min = Number(response.headers.get('Min-Expires') ?? NaN);
      if (Number.isFinite(min) && min > this.expiresAsked && min <= 86_400 * 7) {
        this.expiresAsked = min;
        return this.run(op);
      }
    }
    if (response.status === 408 || response.status >= 500) {
      this.attempt++;
      const ra = retryAfterOf(response);
      const delay = ra !== undefined ? ra * 1000 : backoffDelay(this.attempt, this.o.backoff);
      this.transition('retry-wait', `status-${response.status}`);
      this.safeEmit('failed', response, true);
      this.timer = this.o.clock.setTimer(delay, () => {
        if (gen !== this.generation || this._state !== 'retry-wait') return;
        // Retry the same intent; a refresh whose ETag may have expired is safest as a full publish.
        void this.enqueue(() => this.run(this.body ? (this._etag ? 'modify' : 'initial') : 'refresh'));
      });
      return response;
    }
    this._etag = undefined;
    this.transition('unpublished', `status-${response.status}`);
    this.safeEmit('failed', response, false);
    return response;
  }

  /** Cancels timers; sends nothing (call `unpublish()` first for a clean removal). */
  dispose(): void {
    this.generation++;
    this.o.clock.cancel(this.timer);
    this.timer = undefined;
    if (this._state !== 'disposed') this.transition('disposed', 'dispose');
  }
}
