/**
 * The T-Library message catalogue: every request and event OpenUCC speaks, with its required and
 * optional attributes. The decoder validates incoming frames against this table, the docs table in
 * docs/protocols/tlib.md lists the same entries, and the TypeScript message types are derived from
 * it, so the three cannot drift apart.
 *
 * Names are T-Library's (seed 004 §4.1): a request `TAgentSetReady` is `RequestAgentReady` on the
 * wire, its reply `EventAgentReady`. Every request may carry `ReferenceID`, `Reasons` and
 * `Extensions`; every event may carry `ReferenceID` (set on the event that answers a request),
 * `Reasons`, `Extensions`, `EventSequenceNumber`, `TimeinSecs` and `TimeinuSecs`.
 */
import type { AttributeName, AttributeTypes } from './attribute-types.ts';

/** One catalogue entry. */
export interface MessageSpec {
  readonly kind: 'request' | 'event';
  readonly required: readonly AttributeName[];
  readonly optional: readonly AttributeName[];
  /** For a request: the event that carries its ReferenceID when it succeeds. */
  readonly reply?: string;
  /** One line for the protocol reference. */
  readonly summary: string;
}

/** Attributes every request may carry. */
export const requestCommonAttributes = ['ReferenceID', 'Reasons', 'Extensions'] as const;
/** Attributes every event may carry. */
export const eventCommonAttributes = ['ReferenceID', 'Reasons', 'Extensions', 'EventSequenceNumber', 'TimeinSecs', 'TimeinuSecs'] as const;

const agentEventOptional = ['AgentID', 'ThisQueue', 'Place', 'AgentWorkMode'] as const;
const dnStatusOptional = ['DNType', 'AgentID', 'Place', 'AgentState', 'AgentWorkMode', 'DNDState'] as const;
const callEventOptional = [
  'OtherDN', 'ThirdPartyDN', 'ThisDNRole', 'OtherDNRole', 'ThirdPartyDNRole', 'ThisQueue', 'OtherQueue', 'AgentID',
  'Place', 'CallType', 'CallState', 'CallUUID', 'ANI', 'DNIS', 'UserData', 'TransferConnID', 'PreviousConnID', 'Location', 'MediaType',
] as const;
const userEventOptional = ['ConnID', 'OtherDN', 'AgentID', 'Place', 'CallUUID', 'UserData'] as const;
const onCall = ['ThisDN', 'ConnID'] as const;
const none = [] as const;

/** The catalogue. Append new messages; never rename one (clients depend on the names). */
export const messageCatalogue = {
  // ---- Agents (emulated agents, seed 004 §3.8 / §9.6) ----
  RequestAgentLogin: { kind: 'request', reply: 'EventAgentLogin', required: ['ThisDN', 'AgentID'], optional: ['ThisQueue', 'Password', 'Place', 'AgentWorkMode'], summary: 'Log an agent in on ThisDN (TAgentLogin). Extensions may carry `WrapUpTime`, `presence-profile`, `NO_ANSWER_ACTION`.' },
  RequestAgentLogout: { kind: 'request', reply: 'EventAgentLogout', required: ['ThisDN'], optional: ['AgentID', 'ThisQueue', 'Place'], summary: 'Log the agent on ThisDN out (TAgentLogout). Extensions may carry `LegalGuardTime`.' },
  RequestAgentReady: { kind: 'request', reply: 'EventAgentReady', required: ['ThisDN'], optional: ['AgentID', 'ThisQueue', 'AgentWorkMode'], summary: 'Make the agent Ready (TAgentSetReady).' },
  RequestAgentNotReady: { kind: 'request', reply: 'EventAgentNotReady', required: ['ThisDN'], optional: ['AgentID', 'ThisQueue', 'AgentWorkMode'], summary: 'Make the agent NotReady (TAgentSetNotReady); AgentWorkMode AfterCallWork starts or extends ACW (Extensions `WrapUpTime`).' },
  RequestSetDNDOn: { kind: 'request', reply: 'EventDNDOn', required: ['ThisDN'], optional: none, summary: 'Turn Do-Not-Disturb on for ThisDN.' },
  RequestSetDNDOff: { kind: 'request', reply: 'EventDNDOff', required: ['ThisDN'], optional: none, summary: 'Turn Do-Not-Disturb off for ThisDN.' },
  EventAgentLogin: { kind: 'event', required: ['ThisDN'], optional: agentEventOptional, summary: 'The agent logged in on ThisDN.' },
  EventAgentLogout: { kind: 'event', required: ['ThisDN'], optional: agentEventOptional, summary: 'The agent logged out of ThisDN.' },
  EventAgentReady: { kind: 'event', required: ['ThisDN'], optional: agentEventOptional, summary: 'The agent is Ready.' },
  EventAgentNotReady: { kind: 'event', required: ['ThisDN'], optional: agentEventOptional, summary: 'The agent is NotReady in AgentWorkMode (AfterCallWork = ACW; Extensions `WrapUpTime`).' },
  EventDNDOn: { kind: 'event', required: ['ThisDN'], optional: ['AgentID'], summary: 'Do-Not-Disturb is on for ThisDN.' },
  EventDNDOff: { kind: 'event', required: ['ThisDN'], optional: ['AgentID'], summary: 'Do-Not-Disturb is off for ThisDN.' },

  // ---- DNs ----
  RequestRegisterAddress: { kind: 'request', reply: 'EventRegistered', required: ['ThisDN'], optional: ['RegisterMode', 'AddressType'], summary: 'Register this client for the events of ThisDN (TRegisterAddress). Extensions may carry `LogoutOnDisconnect`.' },
  RequestUnregisterAddress: { kind: 'request', reply: 'EventUnregistered', required: ['ThisDN'], optional: ['RegisterMode', 'AddressType'], summary: 'Stop receiving the events of ThisDN (TUnregisterAddress).' },
  RequestQueryAddress: { kind: 'request', reply: 'EventAddressInfo', required: ['ThisDN'], optional: ['AddressInfoType', 'AddressType'], summary: 'Ask for the status of ThisDN (TQueryAddress, subtype DNStatus). Only the requester gets the reply.' },
  EventRegistered: { kind: 'event', required: ['ThisDN'], optional: dnStatusOptional, summary: 'ThisDN is registered for this client; carries its current status. Only the requester gets it.' },
  EventUnregistered: { kind: 'event', required: ['ThisDN'], optional: none, summary: 'ThisDN is no longer registered for this client.' },
  EventAddressInfo: { kind: 'event', required: ['ThisDN'], optional: ['AddressInfoType', ...dnStatusOptional, 'ConnID'], summary: 'The status of ThisDN (reply to RequestQueryAddress).' },

  // ---- Calls ----
  RequestMakeCall: { kind: 'request', reply: 'EventDialing', required: ['ThisDN', 'OtherDN'], optional: ['MakeCallType', 'Location', 'UserData'], summary: 'Call OtherDN from ThisDN (TMakeCall, Regular).' },
  RequestAnswerCall: { kind: 'request', reply: 'EventEstablished', required: onCall, optional: none, summary: 'Answer the ringing call ConnID on ThisDN.' },
  RequestReleaseCall: { kind: 'request', reply: 'EventReleased', required: onCall, optional: none, summary: 'Release ThisDN from call ConnID.' },
  RequestHoldCall: { kind: 'request', reply: 'EventHeld', required: onCall, optional: none, summary: 'Put call ConnID on hold at ThisDN.' },
  RequestRetrieveCall: { kind: 'request', reply: 'EventRetrieved', required: onCall, optional: none, summary: 'Retrieve held call ConnID at ThisDN.' },
  RequestInitiateTransfer: { kind: 'request', reply: 'EventDialing', required: ['ThisDN', 'ConnID', 'OtherDN'], optional: ['Location', 'UserData'], summary: 'Two-step transfer, step 1: hold ConnID and dial OtherDN on a consultation call (EventHeld, then EventDialing with the new ConnID and TransferConnID = the held call).' },
  RequestCompleteTransfer: { kind: 'request', reply: 'EventReleased', required: ['ThisDN', 'ConnID', 'TransferConnID'], optional: none, summary: 'Two-step transfer, step 2: ConnID is the held (original) call, TransferConnID the consultation call; ThisDN drops out.' },
  RequestSingleStepTransfer: { kind: 'request', reply: 'EventReleased', required: ['ThisDN', 'ConnID', 'OtherDN'], optional: ['Location', 'UserData'], summary: 'Transfer ConnID to OtherDN in one step; EventReleased on ThisDN comes when the call connects at OtherDN.' },
  RequestInitiateConference: { kind: 'request', reply: 'EventDialing', required: ['ThisDN', 'ConnID', 'OtherDN'], optional: ['Location', 'UserData'], summary: 'Two-step conference, step 1 (as RequestInitiateTransfer).' },
  RequestCompleteConference: { kind: 'request', reply: 'EventReleased', required: ['ThisDN', 'ConnID', 'TransferConnID'], optional: none, summary: 'Two-step conference, step 2: merge consultation call TransferConnID into ConnID (EventReleased for the consultation call, EventRetrieved, EventPartyAdded).' },
  EventDialing: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'ThisDN is dialing OtherDN on ConnID.' },
  EventRinging: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'Call ConnID is ringing on ThisDN (emulated ringing).' },
  EventEstablished: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'Call ConnID is established at ThisDN (Extensions `WrapUpTime` for agents).' },
  EventReleased: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'ThisDN left call ConnID; CallState says how.' },
  EventHeld: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'Call ConnID is held at ThisDN.' },
  EventRetrieved: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'Call ConnID is retrieved at ThisDN.' },
  EventPartyChanged: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'A party of call ConnID changed (transfer completed); PreviousConnID is the call it was before.' },
  EventPartyAdded: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'A party (ThirdPartyDN) joined call ConnID (conference).' },
  EventPartyDeleted: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'A party (ThirdPartyDN) left conference ConnID.' },
  EventAbandoned: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'The caller hung up call ConnID before it was answered.' },

  // ---- User data ----
  RequestAttachUserData: { kind: 'request', reply: 'EventAttachedDataChanged', required: ['ThisDN', 'ConnID', 'UserData'], optional: none, summary: 'Append the pairs of UserData to the call (TAttachUserData).' },
  RequestUpdateUserData: { kind: 'request', reply: 'EventAttachedDataChanged', required: ['ThisDN', 'ConnID', 'UserData'], optional: none, summary: 'Replace the values of the given keys, appending new keys (TUpdateUserData).' },
  RequestDeleteUserData: { kind: 'request', reply: 'EventAttachedDataChanged', required: onCall, optional: none, summary: 'Delete all user data of the call (TDeleteAllUserData).' },
  RequestDeletePair: { kind: 'request', reply: 'EventAttachedDataChanged', required: ['ThisDN', 'ConnID', 'Key'], optional: none, summary: 'Delete the pairs with key Key (TDeleteUserData with a key).' },
  EventAttachedDataChanged: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'The call\'s user data changed; UserData is the complete new list.' },

  // ---- Routing ----
  EventQueued: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'Call ConnID is queued on ThisDN (a queue or routing point).' },
  EventRouteRequest: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'Call ConnID waits on routing point ThisDN for a RequestRouteCall.' },
  RequestRouteCall: { kind: 'request', reply: 'EventRouteUsed', required: onCall, optional: ['OtherDN', 'RouteType', 'Location', 'UserData'], summary: 'Route call ConnID from routing point ThisDN to OtherDN (RouteType Default), or reject it (Reject) or drop it (CallDisconnect); OtherDN is required unless RouteType is Reject or CallDisconnect.' },
  EventRouteUsed: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'The route to OtherDN was used for ConnID.' },
  EventDiverted: { kind: 'event', required: onCall, optional: callEventOptional, summary: 'Call ConnID left ThisDN (queue / routing point) for OtherDN.' },

  // ---- Treatments (IM treatments on a routing point, seed 004 3.14) ----
  RequestApplyTreatment: { kind: 'request', reply: 'EventTreatmentApplied', required: ['ThisDN', 'ConnID', 'TreatmentType'], optional: ['TreatmentParms'], summary: 'Apply a treatment to call ConnID waiting on routing point ThisDN (TApplyTreatment). Chat calls: PlayAnnouncement (TreatmentParms `PROMPT` = numbered lists with `TEXT`), CollectDigits and PlayAnnouncementAndDigits (`TOTAL_TIMEOUT` seconds).' },
  EventTreatmentApplied: { kind: 'event', required: onCall, optional: [...callEventOptional, 'TreatmentType', 'TreatmentParms'], summary: 'The treatment started on call ConnID at ThisDN.' },
  EventTreatmentEnd: { kind: 'event', required: onCall, optional: [...callEventOptional, 'TreatmentType', 'CollectedDigits'], summary: 'The treatment ended: prompts sent, digits collected (CollectedDigits), or TOTAL_TIMEOUT expired (no CollectedDigits).' },
  EventTreatmentNotApplied: { kind: 'event', required: onCall, optional: ['TreatmentType', 'ErrorCode', 'ErrorMessage'], summary: 'The treatment could not be applied (not a chat call waiting on a routing point, or bad parameters).' },

  // ---- User events ----
  RequestDistributeUserEvent: { kind: 'request', reply: 'EventACK', required: ['ThisDN'], optional: userEventOptional, summary: 'Ask the server to send EventUserEvent to every client registered for ThisDN (TSendUserEvent / TDistributeUserEvent).' },
  EventUserEvent: { kind: 'event', required: ['ThisDN'], optional: userEventOptional, summary: 'A user event distributed by a client.' },

  // ---- Generic ----
  EventACK: { kind: 'event', required: none, optional: ['ThisDN', 'ConnID'], summary: 'The generic positive reply.' },
  EventError: { kind: 'event', required: ['ErrorCode'], optional: ['ErrorMessage', 'ThisDN', 'OtherDN', 'ConnID', 'AgentID'], summary: 'The request with this ReferenceID failed; ErrorCode is a T-Library error code (see the error table).' },
  EventLinkConnected: { kind: 'event', required: none, optional: ['ApplicationName', 'ServerVersion'], summary: 'Sent by the server first on every new link.' },
  RequestRegisterClient: { kind: 'request', reply: 'EventServerConnected', required: ['ApplicationName'], optional: ['ApplicationPassword'], summary: 'Authenticate this link as a configured Application (TOpenServerEx): the first request of every TCP/TLS session; with a mapped TLS client certificate the password may be left out. Failure: EventError, then the link closes.' },
  EventServerConnected: { kind: 'event', required: ['ApplicationName'], optional: ['ServerVersion'], summary: 'The link is authenticated as Application ApplicationName (reply to RequestRegisterClient).' },
  EventLinkDisconnected: { kind: 'event', required: none, optional: ['ErrorMessage'], summary: 'Sent by the server just before it closes a link on purpose (e.g. shutdown).' },
} as const satisfies Record<string, MessageSpec>;

type Catalogue = typeof messageCatalogue;

/** Every message name. */
export type MessageName = keyof Catalogue;
/** Names of requests (client → server). */
export type RequestName = { [N in MessageName]: Catalogue[N]['kind'] extends 'request' ? N : never }[MessageName];
/** Names of events (server → client). */
export type EventName = Exclude<MessageName, RequestName>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type CommonOf<N extends MessageName> = Catalogue[N]['kind'] extends 'request' ? (typeof requestCommonAttributes)[number] : (typeof eventCommonAttributes)[number];

/** The typed shape of message `N`: `message` plus its attributes. */
export type TlibMessageOf<N extends MessageName> = Simplify<
  { message: N } & { [K in Catalogue[N]['required'][number]]: AttributeTypes[K] } & {
    [K in Catalogue[N]['optional'][number] | CommonOf<N>]?: AttributeTypes[K];
  }
>;

/** Any T-Library message (discriminated on `message`). */
export type TlibMessage = { [N in MessageName]: TlibMessageOf<N> }[MessageName];
/** Any request. */
export type TlibRequest = { [N in RequestName]: TlibMessageOf<N> }[RequestName];
/** Any event. */
export type TlibEvent = { [N in EventName]: TlibMessageOf<N> }[EventName];
/** The success reply event name of request `N`. */
export type ReplyNameOf<N extends RequestName> = Catalogue[N] extends { reply: infer R extends EventName } ? R : never;

/** All message names, in catalogue order. */
export const messageNames = Object.keys(messageCatalogue) as MessageName[];
/** All request names. */
export const requestNames = messageNames.filter((n) => messageCatalogue[n].kind === 'request') as RequestName[];
/** All event names. */
export const eventNames = messageNames.filter((n) => messageCatalogue[n].kind === 'event') as EventName[];

/** True when `s` is a catalogue message name. */
export function isMessageName(s: string): s is MessageName {
  return Object.prototype.hasOwnProperty.call(messageCatalogue, s);
}

/** True when `s` names a request. */
export function isRequestName(s: string): s is RequestName {
  return isMessageName(s) && messageCatalogue[s].kind === 'request';
}

/** True when `s` names an event. */
export function isEventName(s: string): s is EventName {
  return isMessageName(s) && messageCatalogue[s].kind === 'event';
}

/** The catalogue entry of `name` (typed as the general spec). */
export function messageSpec(name: MessageName): MessageSpec {
  return messageCatalogue[name];
}

const allowedSets = new Map<MessageName, ReadonlySet<AttributeName>>();

/** Every attribute message `name` may carry (required, optional and common ones). Shared: do not mutate. */
export function allowedAttributes(name: MessageName): ReadonlySet<AttributeName> {
  // The catalogue is constant: one set per message, built on first use (the codec asks for every frame).
  let set = allowedSets.get(name);
  if (set === undefined) {
    const s: MessageSpec = messageCatalogue[name];
    const common = s.kind === 'request' ? requestCommonAttributes : eventCommonAttributes;
    set = new Set<AttributeName>([...s.required, ...s.optional, ...common]);
    allowedSets.set(name, set);
  }
  return set;
}

// Named aliases for the messages other roles use most.
export type RequestAgentLogin = TlibMessageOf<'RequestAgentLogin'>;
export type RequestAgentLogout = TlibMessageOf<'RequestAgentLogout'>;
export type RequestAgentReady = TlibMessageOf<'RequestAgentReady'>;
export type RequestAgentNotReady = TlibMessageOf<'RequestAgentNotReady'>;
export type RequestRegisterAddress = TlibMessageOf<'RequestRegisterAddress'>;
export type RequestRouteCall = TlibMessageOf<'RequestRouteCall'>;
export type RequestDistributeUserEvent = TlibMessageOf<'RequestDistributeUserEvent'>;
export type EventError = TlibMessageOf<'EventError'>;
export type EventAck = TlibMessageOf<'EventACK'>;
export type EventRegistered = TlibMessageOf<'EventRegistered'>;
export type EventRouteRequest = TlibMessageOf<'EventRouteRequest'>;
export type EventUserEvent = TlibMessageOf<'EventUserEvent'>;
