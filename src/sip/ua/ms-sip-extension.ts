/**
 * The [MS-SIP] rules this stack implements, in one place: Microsoft's best-effort NOTIFY,
 * BENOTIFY (sections 2.2.1 and 3.5). It carries the same headers as a NOTIFY (Event,
 * Subscription-State), is sent without a transaction and is never answered ("MUST NOT send a
 * response"); a notifier may use it only when the subscriber listed `ms-benotify` in Supported.
 *
 * Switched on per stack: `stack.capabilities.use(MS_SIP_EXTENSION)` (the ms-pres adapter does),
 * or `SipStack` option `extensions`. Then the transaction layer gives BENOTIFY no server
 * transaction, subscribers take it as a NOTIFY and advertise `ms-benotify`, notifiers send later
 * notifications as BENOTIFY when the watcher asked, and OPTIONS lists BENOTIFY and `ms-benotify`.
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { SipRequest } from '../message/sip-message.ts';
import type { SipExtension } from '../transaction/sip-capabilities.ts';
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

/** [MS-SIP] as a stack extension (see the file comment). */
export const MS_SIP_EXTENSION: SipExtension = {
  name: 'ms-sip',
  methods: ['BENOTIFY'],
  supported: [MS_BENOTIFY_OPTION_TAG],
  unansweredMethods: ['BENOTIFY'],
  notifications: {
    methods: ['BENOTIFY'],
    optionTags: [MS_BENOTIFY_OPTION_TAG],
    laterMethod: (subscribe) => (supportsBenotify(subscribe) ? 'BENOTIFY' : undefined),
  },
};

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
