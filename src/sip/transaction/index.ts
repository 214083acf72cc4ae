/** The SIP transaction layer (RFC 3261 section 17, RFC 6026) and the transaction-user contract. */
export type {
  MessageSource, RequestHandler, ResponseOptions, SendRequestOptions, ServerTransactionHandle, TransactionUser,
  TransportAddress, TransportProtocol,
} from './transaction-user.ts';
export {
  DEFAULT_ACCEPT, SipCapabilities, type NotificationRules, type SipCapabilitiesOptions, type SipDeclaration, type SipExtension,
} from './sip-capabilities.ts';
export {
  DEFAULT_TIMER_SETTINGS, checkTimerSettings, nextInterval, transactionTimers, type TimerSettings, type TransactionTimers,
} from './timers.ts';
export { Transaction, type TransactionEvents, type TransactionKind, type TransactionSend } from './transaction.ts';
export type { ClientTransactionDelegate } from './client-transaction-delegate.ts';
export type { ServerTransactionDelegate, ServerTransactionOptions } from './server-transaction-options.ts';
export {
  INVITE_CLIENT_TRANSITIONS, InviteClientTransaction, InviteClientTransactionState, buildAckForNon2xx, type ClientTransactionOptions,
} from './invite-client-transaction.ts';
export { NON_INVITE_CLIENT_TRANSITIONS, NonInviteClientTransaction, NonInviteClientTransactionState } from './non-invite-client-transaction.ts';
export { INVITE_SERVER_TRANSITIONS, InviteServerTransaction, InviteServerTransactionState } from './invite-server-transaction.ts';
export { NON_INVITE_SERVER_TRANSITIONS, NonInviteServerTransaction, NonInviteServerTransactionState } from './non-invite-server-transaction.ts';
export { ServerTransactionHandleImpl, randomToken } from './server-transaction-handle.ts';
export {
  MAGIC_COOKIE, TransactionLayer, clientKey, serverKey, type ClientTransaction, type ServerTransaction, type TransactionLayerOptions,
} from './transaction-layer.ts';
