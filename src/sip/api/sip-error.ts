/**
 * The rejection of a Promise-returning SIP API call whose outcome was a final non-2xx response
 * (style rule 10a: a protocol outcome, not a programmer error). Carries the response for details
 * (Retry-After, Warning, Allow-Events...).
 */
import type { SipResponse } from '../message/sip-message.ts';

export class SipError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly response: SipResponse | undefined;

  constructor(status: number, reason: string, response?: SipResponse) {
    super(`SIP ${status} ${reason}`);
    this.name = 'SipError';
    this.status = status;
    this.reason = reason;
    this.response = response;
  }

  /** A SipError from a response. */
  static from(response: SipResponse): SipError {
    return new SipError(response.status, response.reason, response);
  }
}
