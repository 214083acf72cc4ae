/**
 * A call as the T-Server models it: ConnID, media type, parties with their states, UserData, the
 * offers the Switch is still carrying out, and the routing and consultation context. Data only;
 * the call reducer (call-reducer.ts) changes it, through {@link setPartyState} (the guarded
 * transition) and the helpers here.
 */
import { randomBytes } from 'node:crypto';
import { formatConnId, type CallType, type TreatmentType, type ConnId, type KvList } from '../tlib/index.ts';
import { PartyState, transitionParty } from './party-state.ts';
import type { NoAnswerAction } from './tserver-config.ts';
import type { RoutingState } from './routing-point.ts';
import type { MediaType } from './switch-port.ts';

export interface Party {
  /** The DN key (lower-cased name). */
  key: string;
  /** The configured DN name, as reported in events. */
  dn: string;
  state: PartyState;
  /** True once this party was Established (ACW applies only after a released established call). */
  wasEstablished: boolean;
}

/** Routing context: the call came to a routing point and may be delivered, supervised and re-routed. */
export interface CallRouting {
  state: RoutingState;
  /** The routing point (or queue) key the call is waiting on or was routed from. */
  rpKey: string;
  rpDn: string;
  /** Deliveries to `default-dn` so far (bounded by `default-redirection-limit`). */
  redirections: number;
  /** The DN key the call is ringing on after routing, while no-answer supervision runs. */
  ringingKey?: string;
  /** Per-call overrides from RequestRouteCall Extensions (NO_ANSWER_ACTION). */
  noAnswerAction?: NoAnswerAction;
}

/** A consultation call made by RequestInitiateTransfer / RequestInitiateConference. */
export interface Consultation {
  mainConnId: ConnId;
  initiatorKey: string;
  kind: 'transfer' | 'conference';
}

/** A single-step transfer waiting for the recipient to answer (seed 004, 4.1: EventReleased only after connect). */
export interface PendingSingleStep {
  fromKey: string;
  fromDn: string;
  targetKey: string;
  referenceId: number | undefined;
  clientId: string;
}

/**
 * A DN the call was offered to through the Switch, not ringing yet: it becomes a Ringing party on
 * the Switch's `ringing` (or `answered`) event. The attributes of its EventRinging are fixed here.
 */
export interface Offer {
  dn: string;
  /** OtherDN of EventRinging; `origin`: the origin party's DN when it rings. */
  otherDn: string | undefined | 'origin';
  thirdPartyDn?: string;
  /** Whether the ringing counts as activity for the DN's agent (auto-logout). */
  agentActivity: boolean;
  /** A routed offer: no-answer supervision for this long once it rings (seed 004, 3.17). */
  noAnswerMs?: number;
}

export interface Call {
  connId: ConnId;
  callType: CallType;
  mediaType: MediaType;
  /** Parties by DN key, in the order they joined. */
  parties: Map<string, Party>;
  /** Offers not ringing yet, by DN key. */
  offers: Map<string, Offer>;
  userData: KvList;
  /** The originating party's key. */
  originKey: string;
  /** The caller and the dialled number of a call that came from the network (`inbound`). */
  ani?: string;
  dnis?: string;
  routing?: CallRouting;
  consultation?: Consultation;
  singleStep?: PendingSingleStep;
  /** An IM treatment collecting the customer's reply on the routing point (core-treatments.ts). */
  treatment?: { type: TreatmentType; rpKey: string; originDn: string } | undefined;
  /** `pass-transcript-to-agent` of the RequestRouteCall that routed the chat, when it said. */
  passTranscript?: boolean;
}

/** A new call with no party yet. */
export function createCall(init: { connId: ConnId; callType: CallType; originKey: string; userData: KvList; mediaType?: MediaType; ani?: string; dnis?: string; consultation?: Consultation }): Call {
  const call: Call = { connId: init.connId, callType: init.callType, mediaType: init.mediaType ?? 'voice', parties: new Map(), offers: new Map(), userData: init.userData, originKey: init.originKey };
  if (init.ani !== undefined) call.ani = init.ani;
  if (init.dnis !== undefined) call.dnis = init.dnis;
  if (init.consultation) call.consultation = init.consultation;
  return call;
}

/** A copy the reducer may change: parties, offers and routing are copied, the rest is replaced, never changed in place. */
export function copyCall(c: Call): Call {
  const parties = new Map<string, Party>();
  for (const [k, p] of c.parties) parties.set(k, { ...p });
  const copy: Call = { ...c, parties, offers: new Map(c.offers) };
  if (c.routing) copy.routing = { ...c.routing };
  return copy;
}

/** Changes a party's state through the guarded transition. */
export function setPartyState(p: Party, to: PartyState): void {
  p.state = transitionParty(p.state, to);
  if (to === PartyState.Established) p.wasEstablished = true;
}

/** Adds a party in `state`. */
export function addParty(call: Call, key: string, dn: string, state: PartyState): Party {
  const p: Party = { key, dn, state, wasEstablished: state === PartyState.Established };
  call.parties.set(key, p);
  return p;
}

/** The parties other than `key`, in join order. */
export function otherParties(call: Call, key: string): Party[] {
  const out: Party[] = [];
  for (const p of call.parties.values()) if (p.key !== key) out.push(p);
  return out;
}

/**
 * ConnID allocation: 16 hex digits, unique among live calls. A random 32-bit prefix per server
 * start plus a 32-bit counter keeps IDs unique across restarts in practice; `isLive` guards wraparound.
 */
export class ConnIdAllocator {
  private readonly prefix: bigint;
  private counter = 0n;

  constructor(prefix?: number) {
    this.prefix = BigInt(prefix ?? randomBytes(4).readUInt32BE(0));
  }

  next(isLive: (id: ConnId) => boolean): ConnId {
    for (;;) {
      this.counter = (this.counter + 1n) & 0xffff_ffffn;
      const id = formatConnId((this.prefix << 32n) | this.counter);
      if (!isLive(id)) return id;
    }
  }
}
