/**
 * T-Library attributes: their wire names (T-Library's `Attribute*` names without the prefix), their
 * TypeScript types, and the runtime rule the decoder checks for each one.
 *
 * Enumerated attributes travel as strings (the T-Library constant without its prefix, e.g.
 * `AgentWorkMode: "AfterCallWork"` for `AgentAfterCallWork`), so a frame is readable on its own.
 * The numeric T-Library values are listed beside each enumeration for people mapping to the
 * original API (the seeds say "workmode 3 = ACW").
 */
import type { KvList } from '../../lib/kv-list.ts';
import { maxReferenceId } from '../../lib/reference-id.ts';
import type { ConnId } from './connection-id.ts';

/**
 * Agent work modes. T-Library numbering: Unknown 0, ManualIn 1, AutoIn 2, AfterCallWork 3,
 * AuxWork 4, NoCallDisconnect 5, WalkAway 6; LegalGuard is an OpenUCC addition (7) for the
 * legal-guard period (`LegalGuardTime`).
 */
export const agentWorkModes = ['Unknown', 'ManualIn', 'AutoIn', 'AfterCallWork', 'AuxWork', 'NoCallDisconnect', 'WalkAway', 'LegalGuard'] as const;
export type AgentWorkMode = (typeof agentWorkModes)[number];

/** Agent states as reported in EventAddressInfo. */
export const agentStates = ['LoggedOut', 'Ready', 'NotReady'] as const;
export type AgentState = (typeof agentStates)[number];

/** TCallState, the outcome carried by EventReleased / EventAbandoned / EventPartyChanged... */
export const callStates = [
  'Ok', 'Transferred', 'Conferenced', 'GeneralError', 'SystemError', 'RemoteRelease', 'Busy', 'NoAnswer',
  'SitDetected', 'AnsweringMachineDetected', 'AllTrunksBusy', 'SitInvalidnum', 'SitVacant', 'SitIntercept',
  'SitUnknown', 'SitNocircuit', 'SitReorder', 'FaxDetected', 'QueueFull', 'Cleared', 'Overflowed', 'Abandoned',
  'Redirected', 'Forwarded', 'Consult', 'Pickedup', 'Dropped', 'Droppednoanswer', 'Unknown',
] as const;
export type CallState = (typeof callStates)[number];

/** TCallType. */
export const callTypes = ['Unknown', 'Internal', 'Inbound', 'Outbound', 'Consult'] as const;
export type CallType = (typeof callTypes)[number];

/** TDNType (the subset this project models). */
export const dnTypes = ['Unknown', 'Extension', 'ACDPosition', 'ACDQueue', 'RoutingPoint', 'VirtualRoutingPoint', 'RoutingQueue', 'VirtualQueue', 'Trunk', 'VoIPService'] as const;
export type DnType = (typeof dnTypes)[number];

/** TRouteType (the RequestRouteCall subtypes of seed 004 §4.1). */
export const routeTypes = ['Unknown', 'Default', 'Reject', 'CallDisconnect'] as const;
export type RouteType = (typeof routeTypes)[number];

/** TMakeCallType (only Regular is supported by the seed's T-Server). */
export const makeCallTypes = ['Regular'] as const;
export type MakeCallType = (typeof makeCallTypes)[number];

/** TRegisterMode. */
export const registerModes = ['ModeShare', 'ModePrivate', 'ModeMonitor'] as const;
export type RegisterMode = (typeof registerModes)[number];

/** TAddressType. */
export const addressTypes = ['DN', 'Position', 'Queue'] as const;
export type AddressType = (typeof addressTypes)[number];

/** TAddressInfoType: the RequestQueryAddress subtype (seed 004 supports DNStatus). */
export const addressInfoTypes = ['DNStatus', 'AgentStatus'] as const;
export type AddressInfoType = (typeof addressInfoTypes)[number];

/** TDNRole: the role of ThisDN / OtherDN in a call. */
export const dnRoles = ['Unknown', 'Origination', 'Destination', 'ConferenceMember', 'NewParty', 'AddedBy', 'DeletedBy', 'TransferredBy', 'RoutedFrom'] as const;
export type DnRole = (typeof dnRoles)[number];

/**
 * TMediaType, the medium of a call: Voice (T-Library 0) or Chat (5; seed 004 3.24: an IM call is a
 * separate T-Library call with MediaType 5).
 */
export const mediaTypes = ['Voice', 'Chat'] as const;
export type MediaTypeName = (typeof mediaTypes)[number];

/** TTreatmentType: the treatments IM calls support on a routing point (seed 004 3.14). */
export const treatmentTypes = ['CollectDigits', 'PlayAnnouncement', 'PlayAnnouncementAndDigits'] as const;
export type TreatmentType = (typeof treatmentTypes)[number];

/** DND state in EventAddressInfo. */
export const dndStates = ['On', 'Off'] as const;
export type DndState = (typeof dndStates)[number];

/** The TypeScript type of every attribute, by wire name. */
export interface AttributeTypes {
  /** The DN the request is about / the event reports on. */
  ThisDN: string;
  /** The other party's DN (called number, routing target...). */
  OtherDN: string;
  /** A third party (e.g. the DN that transferred or was added). */
  ThirdPartyDN: string;
  ThisDNRole: DnRole;
  OtherDNRole: DnRole;
  ThirdPartyDNRole: DnRole;
  ThisQueue: string;
  OtherQueue: string;
  AgentID: string;
  Password: string;
  Place: string;
  AgentWorkMode: AgentWorkMode;
  AgentState: AgentState;
  /** Connection (call) ID: 16 lower-case hex digits. */
  ConnID: ConnId;
  /** In a two-step transfer/conference: the consultation call. */
  TransferConnID: ConnId;
  /** The ConnID a call had before it changed (EventPartyChanged). */
  PreviousConnID: ConnId;
  /** Unique call identifier across sites (opaque string). */
  CallUUID: string;
  /** Correlates a request with its reply event; 1..2147483647. */
  ReferenceID: number;
  CallState: CallState;
  CallType: CallType;
  DNType: DnType;
  DNDState: DndState;
  RouteType: RouteType;
  /** The call's medium; absent on a voice call's events from clients that predate it. */
  MediaType: MediaTypeName;
  TreatmentType: TreatmentType;
  /** Treatment parameters (`PROMPT`, `TOTAL_TIMEOUT`); masked in logs (hide-sensitive-data). */
  TreatmentParms: KvList;
  /** The digits a CollectDigits treatment took (for a chat, the customer's reply). */
  CollectedDigits: string;
  MakeCallType: MakeCallType;
  RegisterMode: RegisterMode;
  AddressType: AddressType;
  AddressInfoType: AddressInfoType;
  /** Site name for multi-site (ISCC) requests. */
  Location: string;
  ANI: string;
  DNIS: string;
  /** The key removed by RequestDeletePair. */
  Key: string;
  UserData: KvList;
  Reasons: KvList;
  Extensions: KvList;
  ErrorCode: number;
  ErrorMessage: string;
  /** Server-assigned order of events on one link. */
  EventSequenceNumber: number;
  /** Event time, seconds and microseconds since the epoch. */
  TimeinSecs: number;
  TimeinuSecs: number;
  /** Application name and version of the server (EventLinkConnected); the client's Application (RequestRegisterClient). */
  ApplicationName: string;
  ServerVersion: string;
  /** The client Application's password (RequestRegisterClient); never logged, never echoed. */
  ApplicationPassword: string;
}

export type AttributeName = keyof AttributeTypes;

/** Runtime rule for one attribute. */
export type AttributeRule =
  | { readonly kind: 'string'; readonly maxLength: number; readonly allowEmpty: boolean }
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'connId' }
  | { readonly kind: 'kvList' };

const dn: AttributeRule = { kind: 'string', maxLength: 256, allowEmpty: false };
const name: AttributeRule = { kind: 'string', maxLength: 256, allowEmpty: true };
const text: AttributeRule = { kind: 'string', maxLength: 4096, allowEmpty: true };
const connId: AttributeRule = { kind: 'connId' };
const kv: AttributeRule = { kind: 'kvList' };
const uint32: AttributeRule = { kind: 'integer', min: 0, max: 4_294_967_295 };
const en = (values: readonly string[]): AttributeRule => ({ kind: 'enum', values });

/** The rule the decoder applies to each attribute. */
export const attributeRules: { readonly [K in AttributeName]: AttributeRule } = {
  ThisDN: dn,
  OtherDN: dn,
  ThirdPartyDN: dn,
  ThisDNRole: en(dnRoles),
  OtherDNRole: en(dnRoles),
  ThirdPartyDNRole: en(dnRoles),
  ThisQueue: dn,
  OtherQueue: dn,
  AgentID: { kind: 'string', maxLength: 256, allowEmpty: false },
  Password: name,
  Place: name,
  AgentWorkMode: en(agentWorkModes),
  AgentState: en(agentStates),
  ConnID: connId,
  TransferConnID: connId,
  PreviousConnID: connId,
  CallUUID: name,
  ReferenceID: { kind: 'integer', min: 1, max: maxReferenceId },
  CallState: en(callStates),
  CallType: en(callTypes),
  DNType: en(dnTypes),
  DNDState: en(dndStates),
  RouteType: en(routeTypes),
  MediaType: en(mediaTypes),
  TreatmentType: en(treatmentTypes),
  TreatmentParms: kv,
  CollectedDigits: text,
  MakeCallType: en(makeCallTypes),
  RegisterMode: en(registerModes),
  AddressType: en(addressTypes),
  AddressInfoType: en(addressInfoTypes),
  Location: name,
  ANI: name,
  DNIS: name,
  Key: { kind: 'string', maxLength: 1024, allowEmpty: false },
  UserData: kv,
  Reasons: kv,
  Extensions: kv,
  ErrorCode: uint32,
  ErrorMessage: text,
  EventSequenceNumber: { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER },
  TimeinSecs: uint32,
  TimeinuSecs: { kind: 'integer', min: 0, max: 999_999 },
  ApplicationName: name,
  ServerVersion: name,
  ApplicationPassword: { kind: 'string', maxLength: 1024, allowEmpty: false },
};

/** True when `s` is a known attribute wire name. */
export function isAttributeName(s: string): s is AttributeName {
  return Object.prototype.hasOwnProperty.call(attributeRules, s);
}
