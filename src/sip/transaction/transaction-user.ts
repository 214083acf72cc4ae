/**
 * What the transport + transaction layers offer the layers above them (dialogs, subscriptions,
 * publications, MESSAGE, OPTIONS, registration): the RFC 3261 "transaction user" boundary.
 * `SipStack` in `api/sip-stack.ts` implements it over real transports; UA code depends only on
 * this interface, so it can be unit-tested with an in-memory stack and a ManualClock.
 */
import type { SipRequest, SipResponse } from '../message/sip-message.ts';
import type { SipCapabilities } from './sip-capabilities.ts';

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export interface TransportAddress {
  protocol: TransportProtocol;
  host: string;
  port: number;
}

/** Where a message came from and which local listener received it. */
export interface MessageSource {
  remote: TransportAddress;
  local: TransportAddress;
  /** For TLS: the peer certificate's subject CN / SANs when the peer presented one. */
  peerCertificate?: { subject: string; altNames: string[] };
}

export interface SendRequestOptions {
  /**
   * Next hop. Default: the first Route header's URI (loose routing), else the Request-URI;
   * `transport=` URI parameter picks the protocol, `sips:` means TLS; port defaults 5060 / 5061.
   * No DNS SRV/NAPTR (RFC 3263) yet: hosts are IP addresses or names resolved by A/AAAA.
   */
  destination?: TransportAddress;
  /** Called for each 1xx. */
  onProvisional?: (response: SipResponse) => void;
  /**
   * INVITE only: called for each further 2xx after the first (a retransmission because our ACK was
   * lost, or another fork's answer), while the transaction is in the RFC 6026 Accepted state
   * (64*T1). The TU must ACK it again.
   */
  onAdditional2xx?: (response: SipResponse) => void;
}

/** Options for a response built by `ServerTransactionHandle.respond`. */
export interface ResponseOptions {
  reason?: string;
  /** Extra headers, added after the ones copied from the request (Via, From, To, Call-ID, CSeq). */
  headers?: Record<string, string | readonly string[]>;
  body?: Buffer | string;
  contentType?: string;
  /** To-tag to add when the request's To has none (dialog-creating 2xx, errors). Default: random. */
  toTag?: string;
}

export interface ServerTransactionHandle {
  readonly request: SipRequest;
  readonly source: MessageSource;
  /** True once a final response was sent. */
  readonly finalSent: boolean;
  /**
   * Sends a response through the server transaction (retransmitted per RFC 3261 section 17.2 over
   * UDP). Copies Via, From, To (+tag), Call-ID and CSeq from the request. Returns what was sent.
   */
  respond(status: number, options?: ResponseOptions): SipResponse;
  /** INVITE only: true once a CANCEL for it arrived (the stack answered the CANCEL 200, the INVITE 487). */
  readonly cancelled?: boolean;
  /** INVITE only: runs `listener` when a CANCEL for it arrives (at once if one already did). */
  onCancel?(listener: (cancel: SipRequest) => void): void;
}

export type RequestHandler = (request: SipRequest, transaction: ServerTransactionHandle) => void;

export interface TransactionUser {
  /**
   * Sends `request` in a new client transaction and resolves with its final response. The stack
   * adds the top Via (sent-by of the chosen transport, fresh `z9hG4bK` branch, `rport` over UDP),
   * Max-Forwards: 70 and Content-Length when missing. Timer B/F expiry resolves with a synthesized
   * 408; a transport failure resolves with a synthesized 503. It never rejects for protocol outcomes.
   */
  sendRequest(request: SipRequest, options?: SendRequestOptions): Promise<SipResponse>;

  /** Sends an ACK for a 2xx (outside any transaction, RFC 3261 section 13.2.2.4). */
  sendAck(ack: SipRequest, options?: { destination?: TransportAddress }): void;

  /**
   * Sends a request with no transaction and no response expected: the unanswered methods of an
   * extension ([MS-SIP] BENOTIFY) and keep-alives use this.
   */
  sendStateless(request: SipRequest, options?: { destination?: TransportAddress }): void;

  /** CANCELs a pending INVITE client transaction (RFC 3261 section 9.1); resolves with the CANCEL's response. */
  cancel(invite: SipRequest, reason?: string): Promise<SipResponse>;

  /**
   * Receives every new request that is not a retransmission or an ACK matched to a transaction.
   * ACK and the unanswered methods of the extensions in use ({@link SipCapabilities.isUnanswered})
   * come with a handle whose `respond()` sends nothing. Requests nobody handles get 501 (or 405).
   */
  onRequest(handler: RequestHandler): void;

  /** What this stack handles and which extensions are on: the OPTIONS answer and every Allow come from it. */
  readonly capabilities: SipCapabilities;

  /** A Contact URI for this stack on the given protocol, e.g. `sip:ucc@127.0.0.1:5060;transport=tcp`. */
  contactUri(protocol: TransportProtocol, user?: string): string;

  /** Fresh identifiers (RFC 3261 sections 8.1.1.4, 8.1.1.7, 19.3). */
  newCallId(): string;
  newTag(): string;
  newBranch(): string;
}
