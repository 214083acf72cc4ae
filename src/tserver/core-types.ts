/**
 * Types, bounds and small helpers shared by the T-Server core's sections (core-*.ts): the core's
 * effects, the runtime view of a DN, the request being handled and its errors.
 */
import { tlibErrorMessage, TErr, type EventName, type KvList, type TlibEvent, type ConnId } from '../tlib/index.ts';
import type { EventAttrs, Requester } from './call-reducer.ts';
import type { SwitchCommand } from './switch-port.ts';
import type { DnType, Options } from './tserver-config.ts';

/** Identifies one client connection (a T-Lib link). */
export type ClientId = string;

/** What the shell must do after an input. A `switch` command's events come back as core inputs (see switch-effects.ts). */
export type CoreEffect =
  | { type: 'send'; to: ClientId; event: TlibEvent }
  | { type: 'startTimer'; name: string; ms: number }
  | { type: 'cancelTimer'; name: string }
  | { type: 'switch'; command: SwitchCommand };

/** Seed 004 names TERR_DN_NO_ANSWER without a number; OpenUCC reports it as 236 ("Timeout performing operation"). */
export const NO_ANSWER_ERROR_CODE = TErr.TERR_OPERATION_TIMEOUT;

/** Bounds on a call's UserData (the seed's capacity figure is 100 updates per call; the size bound stops abuse). */
export const MAX_USERDATA_PAIRS = 1000;
export const MAX_USERDATA_JSON_BYTES = 64 * 1024;

/** How many released ConnIDs are remembered, so late requests on them get 237 instead of 56. */
export const RELEASED_MEMORY = 10_000;

/** The Extensions of EventRegistered / EventAddressInfo for every device (seed 004 3.15: the current `im-reporting`). */
export function presenceExtensions(imReporting: 'default' | 'disabled'): KvList {
  return [['PresenceType', 'local'], ['im-reporting', imReporting]];
}

export const ROUTABLE: ReadonlySet<DnType> = new Set(['RoutingPoint', 'ACDQueue', 'VirtualQueue']);
export const CALLABLE: ReadonlySet<DnType> = new Set(['Extension', 'RoutingPoint', 'ACDQueue', 'VirtualQueue']);

export interface DnRuntime {
  key: string;
  name: string;
  type: DnType;
  inService: boolean;
  options: Options;
  dnd: boolean;
  clients: Set<ClientId>;
  /** Clients registered with RegisterMode ModeMonitor (Stat Server, reporting): they see events but never route. */
  monitors: Set<ClientId>;
  /** Clients that registered with `LogoutOnDisconnect = true`. */
  logoutOnDisconnect: Set<ClientId>;
  calls: Set<ConnId>;
}

/** The request being handled. */
export interface RequestContext extends Requester {
  /** The request's Extensions: agent requests carry them into their reply event. */
  extensions: KvList | undefined;
}

export type Attrs = EventAttrs;

/** A request that failed with a T-Library error code (internal control flow only). */
export class RequestError extends Error {
  constructor(readonly code: number, readonly attrs: Attrs = {}, detail?: string) {
    super(detail ?? tlibErrorMessage(code));
  }
}

/** Switch requests whose result event answers a client: RequestAnswerCall, RequestHoldCall, RequestRetrieveCall. */
export type ReplyKind = 'answer' | 'hold' | 'retrieve';
export const REPLY_KINDS: readonly ReplyKind[] = ['answer', 'hold', 'retrieve'];

export function ev(name: EventName, attrs: Attrs): TlibEvent {
  const out: Record<string, unknown> = { message: name };
  for (const k in attrs) {
    const v = attrs[k as keyof Attrs];
    if (v !== undefined) out[k] = v;
  }
  return out as TlibEvent;
}

export function withoutReference(event: TlibEvent): TlibEvent {
  const { ReferenceID: _ref, ...rest } = event;
  return rest as TlibEvent;
}
