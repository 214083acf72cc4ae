/**
 * The rejection of a T-Library request answered by EventError (style rule 10: a protocol outcome
 * that must reject a Promise carries its code). `code` is the T-Library ErrorCode.
 */
import type { EventError } from './messages/message-catalogue.ts';
import { tlibErrorMessage, tlibErrorName } from './error-codes.ts';

export class CtiError extends Error {
  /** T-Library ErrorCode, e.g. 1707 TERR_SOFT_AGENT_NOT_LOGGED_IN. */
  readonly code: number;
  /** Symbolic name of the code when known. */
  readonly tlibName: string | undefined;
  /** The request that failed. */
  readonly request: string;
  /** The EventError as received. */
  readonly event: EventError;

  constructor(event: EventError, request: string) {
    const text = event.ErrorMessage ?? tlibErrorMessage(event.ErrorCode);
    super(`${request} failed: ${event.ErrorCode} ${text}`);
    this.name = 'CtiError';
    this.code = event.ErrorCode;
    this.tlibName = tlibErrorName(event.ErrorCode);
    this.request = request;
    this.event = event;
  }
}
