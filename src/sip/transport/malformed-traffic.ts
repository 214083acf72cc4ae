/**
 * Counts of the malformed traffic a stack received (readable from SipStack; a later issue exports
 * them as metrics). Only the malformed path touches them: well-formed messages cost nothing here.
 */
import type { SipParseErrorKind } from '../message/sip-message.ts';

/** A snapshot of the counts since the stack started. */
export interface MalformedCounters {
  /** Messages the parser or the stream framer refused. */
  total: number;
  byKind: Partial<Record<SipParseErrorKind, number>>;
  /** Answered with 400. */
  answered400: number;
  /** Answered with 505 (another SIP version). */
  answered505: number;
  /** Dropped without an answer (a response, an ACK, or too broken to address). */
  dropped: number;
  /** Stream connections closed because their framing was lost. */
  connectionsClosed: number;
}

/** The live counts. */
export class MalformedTraffic {
  private readonly counts: MalformedCounters = { total: 0, byKind: {}, answered400: 0, answered505: 0, dropped: 0, connectionsClosed: 0 };

  received(kind: SipParseErrorKind, fatal: boolean): void {
    const c = this.counts;
    c.total++;
    c.byKind[kind] = (c.byKind[kind] ?? 0) + 1;
    if (fatal) c.connectionsClosed++;
  }

  answered(status: number): void {
    if (status === 505) this.counts.answered505++;
    else this.counts.answered400++;
  }

  dropped(): void {
    this.counts.dropped++;
  }

  snapshot(): MalformedCounters {
    return { ...this.counts, byKind: { ...this.counts.byKind } };
  }
}
