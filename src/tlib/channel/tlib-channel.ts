/**
 * The correlation owner of one T-Library link (style rule 13): the shared {@link RequestChannel}
 * (ReferenceIDs with wraparound skipping ids in flight, the pending requests, a per-request timeout
 * on the injected Clock, rejecting everything pending when the link closes) with T-Lib's outcomes.
 *
 * Outcome of `request()`:
 * - the first event carrying the request's ReferenceID resolves it, whatever its name
 *   (T-Library lets one request produce several events; only one carries the ReferenceID, and for
 *   multi-site requests a second one may follow: it is then an ordinary event);
 * - EventError rejects it with {@link CtiError} (`code` = ErrorCode);
 * - no reply within the timeout rejects with UccError `UCC_ERR_TLIB_TIMEOUT`; a reply arriving
 *   later is treated as an ordinary event;
 * - closing the channel rejects with UccError `UCC_ERR_TLIB_CLOSED`.
 */
import type { Clock } from '../../lib/clock.ts';
import { UccError } from '../../lib/errors.ts';
import { err } from '../../lib/result.ts';
import { RequestChannel, type RequestFailure } from '../../lib/framed-json/request-channel.ts';
import type { TlibEvent, TlibRequest } from '../messages/message-catalogue.ts';
import { CtiError } from '../cti-error.ts';

/** Options of {@link TlibChannel}. */
export interface TlibChannelOptions {
  readonly clock: Clock;
  /** Writes one request to the link; throwing means the link is unusable. */
  readonly send: (request: TlibRequest) => void;
  /** Default per-request timeout (ms); default 10 000. */
  readonly requestTimeoutMs?: number;
  /** First ReferenceID handed out (tests use it to exercise wraparound); default 1. */
  readonly firstReferenceId?: number;
  /** Largest ReferenceID before wrapping to 1; default 2147483647 (tests use a small one). */
  readonly referenceIdLimit?: number;
}

/** A request as the caller writes it: the channel adds the ReferenceID. */
export type OutgoingRequest = TlibRequest;

export class TlibChannel extends RequestChannel<TlibRequest, TlibEvent> {
  constructor(options: TlibChannelOptions) {
    super({
      clock: options.clock,
      send: options.send,
      timeoutMs: options.requestTimeoutMs,
      firstReferenceId: options.firstReferenceId,
      referenceIdLimit: options.referenceIdLimit,
      replyError: (event, request) => (event.message === 'EventError' ? new CtiError(event, request.message) : undefined),
      failure: (f) => err(tlibFailure(f)),
    });
  }

  /**
   * Offers an incoming event to the pending map. Returns true when it settled a request (the
   * caller still delivers the event to its listeners: replies are ordinary events too).
   */
  handleEvent(event: TlibEvent): boolean {
    return this.handleReply(event);
  }
}

/** The UccError a T-Lib request without a reply rejects with. */
function tlibFailure(f: RequestFailure<TlibRequest>): UccError {
  const name = f.request.message;
  switch (f.kind) {
    case 'closed':
      return new UccError('UCC_ERR_TLIB_CLOSED', `${name} not sent: channel closed (${f.reason})`);
    case 'exhausted':
      return new UccError('UCC_ERR_TLIB_CLOSED', `${name} not sent: every ReferenceID is in flight`);
    case 'not-sent': {
      // A request over the frame limit keeps its UCC_ERR_TLIB_FRAME; anything else means the link is gone.
      const e = f.error;
      if (e instanceof UccError && e.code === 'UCC_ERR_TLIB_FRAME') return e;
      return new UccError('UCC_ERR_TLIB_CLOSED', `${name} not sent: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    case 'timeout':
      return new UccError('UCC_ERR_TLIB_TIMEOUT', `${name} (ReferenceID ${f.referenceId}) got no reply within ${f.timeoutMs} ms`);
    case 'abandoned':
      return new UccError('UCC_ERR_TLIB_CLOSED', `${name} (ReferenceID ${f.referenceId}) abandoned: ${f.reason}`);
  }
}
