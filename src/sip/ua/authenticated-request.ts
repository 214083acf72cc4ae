/**
 * Sends a request and follows digest challenges (RFC 3261 section 22.2): each 401/407 is answered
 * by the DigestClient with a new CSeq until it refuses (wrong password, no usable challenge), so
 * a wrong password costs exactly one retry.
 */
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { SendRequestOptions, TransactionUser } from '../transaction/transaction-user.ts';
import type { DigestClient } from '../auth/digest-client.ts';

export interface AuthenticatedExchange {
  /** The request that got the final response (it carries the CSeq the dialog must continue from). */
  request: SipRequest;
  response: SipResponse;
  /** Number of authorized retries made. */
  retries: number;
}

/** Hard stop against a misbehaving server that keeps sending new challenges. */
const MAX_AUTH_ROUNDS = 4;

export async function sendWithAuth(
  tu: TransactionUser,
  request: SipRequest,
  digest: DigestClient | undefined,
  options?: SendRequestOptions,
  /** Called with each attempt (the first request, then every authorized retry) as it leaves. */
  onSent?: (request: SipRequest) => void,
): Promise<AuthenticatedExchange> {
  let current = request;
  let retries = 0;
  for (;;) {
    const pending = tu.sendRequest(current, options);
    onSent?.(current);
    const response = await pending;
    if ((response.status === 401 || response.status === 407) && digest && retries < MAX_AUTH_ROUNDS) {
      const next = digest.authorize(current, response);
      if (next) {
        retries++;
        current = next;
        continue;
      }
    }
    digest?.finish(current);
    return { request: current, response, retries };
  }
}
