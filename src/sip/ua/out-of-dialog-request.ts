/**
 * Builds requests outside any dialog (RFC 3261 section 8.1.1): REGISTER, initial SUBSCRIBE,
 * PUBLISH, MESSAGE, OPTIONS. The stack adds Via, Max-Forwards and Content-Length.
 */
import type { SipRequest } from '../message/sip-message.ts';
import { createRequest } from '../message/index.ts';

export interface OutOfDialogRequestInit {
  method: string;
  /** Request-URI. */
  uri: string;
  /** From URI (our AoR). */
  from: string;
  fromDisplayName?: string;
  /** To URI; defaults to the Request-URI. */
  to?: string;
  fromTag: string;
  callId: string;
  cseq: number;
  /** Contact URI (without brackets); omitted for MESSAGE/PUBLISH unless given. */
  contact?: string;
  /** Contact header parameters such as `;expires=3600` or `;+sip.instance="<urn:...>"`. */
  contactParams?: string;
  /** Route set to pre-load (outbound proxy), as header values. */
  routes?: readonly string[];
  headers?: Record<string, string | readonly string[]>;
  body?: Buffer | string;
  contentType?: string;
}

function quoteDisplay(name: string): string {
  return `"${name.replace(/["\\]/g, (c) => '\\' + c)}" `;
}

/** Creates the request; header order follows RFC 3261 section 8.1.1 habits (readable traces). */
export function createOutOfDialogRequest(o: OutOfDialogRequestInit): SipRequest {
  const init: Parameters<typeof createRequest>[0] = { method: o.method, uri: o.uri };
  if (o.body !== undefined) init.body = o.body;
  const request = createRequest(init);
  const headers = request.headers;
  for (const r of o.routes ?? []) headers.append('Route', r);
  headers.set('From', `${o.fromDisplayName ? quoteDisplay(o.fromDisplayName) : ''}<${o.from}>;tag=${o.fromTag}`);
  headers.set('To', `<${o.to ?? o.uri}>`);
  headers.set('Call-ID', o.callId);
  headers.set('CSeq', `${o.cseq} ${o.method}`);
  if (o.contact !== undefined) headers.set('Contact', `<${o.contact}>${o.contactParams ?? ''}`);
  for (const [k, v] of Object.entries(o.headers ?? {})) headers.set(k, v);
  if (o.contentType !== undefined) headers.set('Content-Type', o.contentType);
  return request;
}

/** The CSeq number of a request (0 when unreadable). */
export function cseqOf(request: { headers: { get(name: string): string | undefined } }): number {
  const m = /^\s*(\d{1,10})\s/.exec(request.headers.get('CSeq') ?? '');
  return m ? Number(m[1]) : 0;
}
