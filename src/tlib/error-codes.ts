/**
 * T-Library error codes carried by EventError (`ErrorCode`, `ErrorMessage`), from seed 004 §8.1
 * (the T-Server for SfB "complete" table) plus the codes that seed uses elsewhere (98, 705, 1148).
 *
 * Where the seed gives no symbolic name (236, 237, 291, 98, 705, 1145, 1146, 1148, 1704) the `name` here is ours,
 * built in the same TERR_ style, and `seedName` is false.
 */
export interface TlibErrorInfo {
  readonly code: number;
  /** Symbolic name (TERR_...). */
  readonly name: string;
  /** The message text sent in `ErrorMessage` by default. */
  readonly message: string;
  /** False when the seed gives only the text and the symbolic name is OpenUCC's. */
  readonly seedName: boolean;
}

const table: readonly TlibErrorInfo[] = [
  { code: 40, name: 'TERR_NOMORE_LICENSE', message: 'No more licenses are available.', seedName: true },
  { code: 41, name: 'TERR_NOT_REGISTERED', message: 'Client has not registered for the DN.', seedName: true },
  { code: 42, name: 'TERR_RESOURCE_SEIZED', message: 'Resource is already seized.', seedName: true },
  { code: 43, name: 'TERR_IN_SAME_STATE', message: 'Object is already in requested state.', seedName: true },
  { code: 50, name: 'TERR_UNKNOWN_ERROR', message: 'Unknown error code. Request cannot be processed.', seedName: true },
  { code: 51, name: 'TERR_UNSUP_OPER', message: 'Operation is not supported.', seedName: true },
  { code: 52, name: 'TERR_INTERNAL', message: 'Internal error.', seedName: true },
  { code: 53, name: 'TERR_INVALID_ATTR', message: 'Attribute in request operation is invalid.', seedName: true },
  { code: 55, name: 'TERR_PROTO_VERS', message: 'Incorrect protocol version.', seedName: true },
  { code: 56, name: 'TERR_INV_CONNID', message: 'Connection ID in request is invalid.', seedName: true },
  { code: 57, name: 'TERR_TIMEOUT', message: 'Switch or T-Server did not respond in time.', seedName: true },
  { code: 58, name: 'TERR_OUT_OF_SERVICE', message: 'Device is out of service.', seedName: true },
  { code: 59, name: 'TERR_NOT_CONFIGURED', message: 'DN is not configured in the Configuration Database.', seedName: true },
  { code: 61, name: 'TERR_INV_CALL_DN', message: 'DN in request is invalid.', seedName: true },
  { code: 71, name: 'TERR_INV_CALD_DN', message: 'Invalid called DN.', seedName: true },
  { code: 93, name: 'TERR_DEST_INV_STATE', message: 'Destination Invalid State.', seedName: true },
  { code: 98, name: 'TERR_CANNOT_COMPLETE_TRANSFER', message: 'Cannot Complete Transfer.', seedName: false },
  { code: 111, name: 'TERR_TOO_MANY_REQ', message: 'Too many outstanding requests.', seedName: true },
  { code: 123, name: 'TERR_DN_NOT_EXIST', message: 'DN for association does not exist.', seedName: true },
  { code: 177, name: 'TERR_TARG_DN_INV', message: 'Target DN Invalid.', seedName: true },
  { code: 223, name: 'TERR_BAD_PARAM', message: 'Bad parameter is passed to function.', seedName: true },
  { code: 226, name: 'TERR_OUT_OF_MEM', message: 'Out of memory (local).', seedName: true },
  { code: 236, name: 'TERR_OPERATION_TIMEOUT', message: 'Timeout performing operation.', seedName: false },
  { code: 237, name: 'TERR_CALL_DISCONNECTED', message: 'Call has disconnected.', seedName: false },
  { code: 291, name: 'TERR_OPERATION_IN_PROGRESS', message: 'Other telephony operation in progress.', seedName: false },
  { code: 415, name: 'TERR_INV_DEST_DN', message: 'The destination DN in the request is invalid.', seedName: true },
  { code: 470, name: 'TERR_PARTY_NOT_ON_CALL', message: 'Party in request is not involved in a call.', seedName: true },
  { code: 481, name: 'TERR_NOT_SIGNED_AGENT', message: 'The destination agent is not signed in.', seedName: true },
  { code: 496, name: 'TERR_INV_CALL_STATE', message: 'Party in request is in the call state.', seedName: true },
  { code: 563, name: 'TERR_NO_CALL', message: 'No call.', seedName: true },
  { code: 565, name: 'TERR_INVALID_STATE', message: 'Invalid State.', seedName: true },
  { code: 705, name: 'TERR_PROHIBITED_ROUTE_TO_EXTERNAL', message: 'Prohibited Route Call To External.', seedName: false },
  { code: 1140, name: 'TERR_CSTA_OPER_REQ_INCOMPAT', message: 'Request incompatible with object.', seedName: true },
  { code: 1148, name: 'TERR_PRIVILEGE_VIOLATION_CALLED', message: 'Privilege violation on called device.', seedName: false },
  { code: 1145, name: 'TERR_CLIENT_NOT_AUTHENTICATED', message: 'Client is not authenticated.', seedName: false },
  { code: 1146, name: 'TERR_PRIVILEGE_VIOLATION_SPECIFIED', message: 'Privilege violation on specified device.', seedName: false },
  { code: 1703, name: 'TERR_SOFT_AGENT_WRONG_ID', message: 'Agent has a wrong ID.', seedName: true },
  { code: 1704, name: 'TERR_SOFT_AGENT_WRONG_PASSWORD', message: 'Agent has a wrong password.', seedName: false },
  { code: 1706, name: 'TERR_SOFT_AGENT_ALREADY_LOGGED_IN', message: 'Agent has already logged in.', seedName: true },
  { code: 1707, name: 'TERR_SOFT_AGENT_NOT_LOGGED_IN', message: 'Agent has not logged in.', seedName: true },
];

/** Every known code, by number. */
export const tlibErrors: ReadonlyMap<number, TlibErrorInfo> = new Map(table.map((e) => [e.code, e]));

/** Codes by symbolic name, for readable server code: `TErr.TERR_INV_CONNID === 56`. */
export const TErr = {
  TERR_NOMORE_LICENSE: 40,
  TERR_NOT_REGISTERED: 41,
  TERR_RESOURCE_SEIZED: 42,
  TERR_IN_SAME_STATE: 43,
  TERR_UNKNOWN_ERROR: 50,
  TERR_UNSUP_OPER: 51,
  TERR_INTERNAL: 52,
  TERR_INVALID_ATTR: 53,
  TERR_PROTO_VERS: 55,
  TERR_INV_CONNID: 56,
  TERR_TIMEOUT: 57,
  TERR_OUT_OF_SERVICE: 58,
  TERR_NOT_CONFIGURED: 59,
  TERR_INV_CALL_DN: 61,
  TERR_INV_CALD_DN: 71,
  TERR_DEST_INV_STATE: 93,
  TERR_CANNOT_COMPLETE_TRANSFER: 98,
  TERR_TOO_MANY_REQ: 111,
  TERR_DN_NOT_EXIST: 123,
  TERR_TARG_DN_INV: 177,
  TERR_BAD_PARAM: 223,
  TERR_OUT_OF_MEM: 226,
  TERR_OPERATION_TIMEOUT: 236,
  TERR_CALL_DISCONNECTED: 237,
  TERR_OPERATION_IN_PROGRESS: 291,
  TERR_INV_DEST_DN: 415,
  TERR_PARTY_NOT_ON_CALL: 470,
  TERR_NOT_SIGNED_AGENT: 481,
  TERR_INV_CALL_STATE: 496,
  TERR_NO_CALL: 563,
  TERR_INVALID_STATE: 565,
  TERR_PROHIBITED_ROUTE_TO_EXTERNAL: 705,
  TERR_CSTA_OPER_REQ_INCOMPAT: 1140,
  TERR_PRIVILEGE_VIOLATION_CALLED: 1148,
  TERR_CLIENT_NOT_AUTHENTICATED: 1145,
  TERR_PRIVILEGE_VIOLATION_SPECIFIED: 1146,
  TERR_SOFT_AGENT_WRONG_ID: 1703,
  TERR_SOFT_AGENT_WRONG_PASSWORD: 1704,
  TERR_SOFT_AGENT_ALREADY_LOGGED_IN: 1706,
  TERR_SOFT_AGENT_NOT_LOGGED_IN: 1707,
} as const;

export type TlibErrorName = keyof typeof TErr;

/** The default ErrorMessage for `code` (a generic text for codes not in the table). */
export function tlibErrorMessage(code: number): string {
  return tlibErrors.get(code)?.message ?? `T-Library error ${code}.`;
}

/** The symbolic name for `code`, or undefined. */
export function tlibErrorName(code: number): string | undefined {
  return tlibErrors.get(code)?.name;
}
