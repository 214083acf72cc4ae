/**
 * The catalogue of programmer and configuration errors (`UCC_ERR_<AREA>_<WHAT>`). Protocol outcomes
 * (a SIP 486, a T-Library EventError, a rejected preview) are data, not entries here.
 * Codes are never reused; docs/reference/errors.md lists the same codes (a test checks both ways).
 */
export const errorCatalogue = {
  UCC_ERR_CONFIG_INVALID: 'The configuration is invalid.',
  UCC_ERR_SIP_PARSE: 'A SIP message is malformed.',
  UCC_ERR_SIP_TOO_LARGE: 'A SIP message exceeds the configured size limit.',
  UCC_ERR_SIP_TRANSPORT: 'A SIP transport failed to send or listen.',
  UCC_ERR_SIP_TRANSACTION_STATE: 'A SIP transaction or dialog was asked to make an illegal state transition.',
  UCC_ERR_TLIB_FRAME: 'A T-Library frame is malformed or too large.',
  UCC_ERR_TLIB_TIMEOUT: 'A T-Library request got no reply in time.',
  UCC_ERR_TLIB_CLOSED: 'The T-Library channel closed with requests pending.',
  UCC_ERR_STORE: 'The store failed.',
  UCC_ERR_STATE_TRANSITION: 'A state machine was asked to make an illegal transition.',
  UCC_ERR_CONFIG_OBJECT_NOT_FOUND: 'A configuration object does not exist.',
  UCC_ERR_CONFIG_UNKNOWN_OPTION: 'An option was read that the option table does not declare.',
  UCC_ERR_STORE_UNREACHABLE: 'The store database cannot be reached.',
  UCC_ERR_STORE_MIGRATION: 'A store migration failed.',
  UCC_ERR_TLIB_CONNECT: 'A T-Library connection could not be established.',
  UCC_ERR_UC_PUBLISH: 'A UC platform refused (or could not be sent) a presence publication.',
  UCC_ERR_UC_NOT_STARTED: 'A UC platform adapter was used before start() or after stop().',
  UCC_ERR_UC_PRESENCE_INVALID: 'A presence value given to a UC platform adapter is invalid.',
  UCC_ERR_UC_IM: 'A UC platform refused (or could not be sent) an instant message.',
  UCC_ERR_PREVIEW_FRAME: 'A preview protocol frame is malformed or too large.',
  UCC_ERR_PREVIEW_CLOSED: 'The preview protocol link is not connected.',
  UCC_ERR_PREVIEW_AUTH: 'The connector refused to authenticate the preview client.',
} as const;

export type UccErrorCode = keyof typeof errorCatalogue;

export class UccError extends Error {
  readonly code: UccErrorCode;
  constructor(code: UccErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? errorCatalogue[code], options);
    this.name = 'UccError';
    this.code = code;
  }
}

/** Thrown by a guarded `transition()` when a state machine is asked for an edge it does not have. */
export class InvalidStateTransitionError extends UccError {
  constructor(machine: string, from: string, to: string) {
    super('UCC_ERR_STATE_TRANSITION', `${machine}: illegal transition ${from} -> ${to}`);
    this.name = 'InvalidStateTransitionError';
  }
}
