/**
 * What a client transaction reports to its owner (the transaction layer, which resolves the TU's
 * promise). Exactly one of `final`, `timeout` or `transportError` is called, once.
 */
import type { SipResponse } from '../message/sip-message.ts';

export interface ClientTransactionDelegate {
  /** A 1xx response (RFC 3261 sections 17.1.1.2, 17.1.2.2: passed up to the TU). */
  provisional(response: SipResponse): void;
  /** The first final response. */
  final(response: SipResponse): void;
  /**
   * INVITE only: a further 2xx received in the Accepted state (RFC 6026 section 8.4): a
   * retransmission, or a 2xx from another fork. The TU must ACK it again.
   */
  additionalFinal?(response: SipResponse): void;
  /** Timer B or F fired before a final response arrived. */
  timeout(): void;
  /** The transport failed to send the request. */
  transportError(error: unknown): void;
}

/** Reads the sequence number of a CSeq header value (`"314159 INVITE"` → 314159). */
export function cseqNumber(value: string | undefined): number | undefined {
  const m = /^\s*(\d{1,10})/.exec(value ?? '');
  return m ? Number(m[1]) : undefined;
}
