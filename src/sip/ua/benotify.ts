/**
 * Microsoft BENOTIFY ([MS-SIP] sections 2.2.1 and 3.5): a best-effort NOTIFY with the same
 * headers (Event, Subscription-State) that is sent without a transaction and never answered.
 * It may only be used when the subscriber listed `ms-benotify` in Supported.
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { SipRequest } from '../message/sip-message.ts';
import type { TransactionUser } from '../transaction/transaction-user.ts';
import { formatSubscriptionState } from './subscription-state-header.ts';
import type { SubscriptionStateValue } from './subscription-state-header.ts';

/** The option tag negotiating BENOTIFY. */
export const MS_BENOTIFY_OPTION_TAG = 'ms-benotify';

/** True when a request's Supported (or Proxy-Require) lists ms-benotify. */
export function supportsBenotify(request: SipRequest): boolean {
  const all = [...request.headers.getAll('Supported'), ...request.headers.getAll('Proxy-Require')].join(',').toLowerCase();
  return all.split(',').some((t) => t.trim() === MS_BENOTIFY_OPTION_TAG);
}

export interface BenotifyInit {
  event: string;
  subscriptionState: SubscriptionStateValue;
  body?: Buffer | string;
  contentType?: string;
}

/** Builds a BENOTIFY in `dialog` (CSeq advances like any in-dialog request) and sends it statelessly. */
export function sendBenotify(tu: TransactionUser, dialog: Dialog, b: BenotifyInit): SipRequest {
  const req = dialog.createRequest('BENOTIFY', {
    headers: { Event: b.event, 'Subscription-State': formatSubscriptionState(b.subscriptionState) },
    ...(b.body !== undefined ? { body: b.body } : {}),
    ...(b.contentType !== undefined ? { contentType: b.contentType } : {}),
  });
  tu.sendStateless(req);
  return req;
}
