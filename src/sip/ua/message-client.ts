/**
 * Pager-mode instant messages out (RFC 3428): one MESSAGE per text, outside any dialog, with
 * digest retry. The promise resolves with the final response (2xx = delivered or accepted).
 */
import { UccError } from '../../lib/errors.ts';
import type { DigestClient } from '../auth/digest-client.ts';
import type { SipResponse } from '../message/sip-message.ts';
import type { TransactionUser } from '../transaction/transaction-user.ts';
import { sendWithAuth } from './authenticated-request.ts';
import { createOutOfDialogRequest } from './out-of-dialog-request.ts';

/** RFC 3428 section 7: MESSAGE bodies SHOULD stay under 1300 bytes over UDP; larger goes to MSRP. */
export const MESSAGE_MAX_BODY_BYTES = 1300;

export interface MessageClientOptions {
  tu: TransactionUser;
  aor: string;
  displayName?: string;
  digest?: DigestClient;
  routes?: readonly string[];
}

export interface OutgoingMessage {
  to: string;
  body: string | Buffer;
  /** Default `text/plain;charset=UTF-8`. */
  contentType?: string;
  headers?: Record<string, string | readonly string[]>;
}

export class MessageClient {
  constructor(private readonly o: MessageClientOptions) {}

  /**
   * Sends a MESSAGE. Rejects with UccError UCC_ERR_SIP_TOO_LARGE for a body over
   * MESSAGE_MAX_BODY_BYTES (the caller should split it or use a session); protocol failures are
   * returned as the response.
   */
  async send(m: OutgoingMessage): Promise<SipResponse> {
    const size = typeof m.body === 'string' ? Buffer.byteLength(m.body) : m.body.length;
    if (size > MESSAGE_MAX_BODY_BYTES) throw new UccError('UCC_ERR_SIP_TOO_LARGE', `MESSAGE body of ${size} bytes exceeds ${MESSAGE_MAX_BODY_BYTES}`);
    const init: Parameters<typeof createOutOfDialogRequest>[0] = {
      method: 'MESSAGE', uri: m.to, from: this.o.aor, fromTag: this.o.tu.newTag(), callId: this.o.tu.newCallId(), cseq: 1,
      body: m.body, contentType: m.contentType ?? 'text/plain;charset=UTF-8',
    };
    if (m.headers) init.headers = m.headers;
    if (this.o.displayName !== undefined) init.fromDisplayName = this.o.displayName;
    if (this.o.routes) init.routes = this.o.routes;
    const req = createOutOfDialogRequest(init);
    this.o.digest?.applyCached(req);
    return (await sendWithAuth(this.o.tu, req, this.o.digest)).response;
  }
}
