/**
 * The call reducer: `(call, input) -> { call, effects }` for what happens to a call's parties
 * (seed 004, 4.1): dialing, offers, ringing, answer, hold, retrieve, release and abandon, routing
 * point queueing and diversion, no answer, single-step transfer (completing a consultation, which
 * spans two calls, is call-completion.ts). Like agent.ts it is pure: it changes a copy of the
 * call, never reads DNs, clients, agents or options, and says what must follow as effects, in
 * order. The T-Server core turns them into T-Library events (adding the per-DN attributes: AgentID,
 * WrapUpTime), DN call indexes, agent inputs, timers and Switch commands.
 *
 * Inputs are facts (the Switch reported `answered`) or decisions the core already checked (the
 * request was valid): an input that no longer fits the call (a late Switch event) changes nothing.
 */
import type { AttributeTypes, CallState, ConnId, EventName, KvList } from '../tlib/index.ts';
import { addParty, copyCall, otherParties, setPartyState, type Call, type Offer, type Party } from './call.ts';
import { PartyState } from './party-state.ts';
import { RoutingState, transitionRouting } from './routing-point.ts';
import type { NoAnswerAction } from './tserver-config.ts';
import type { SwitchCause, SwitchCommand } from './switch-port.ts';

/** Event attributes (undefined ones are left out on the wire). */
export type EventAttrs = { [K in keyof AttributeTypes]?: AttributeTypes[K] | undefined };

/** The client whose request caused a step: the event answering it carries its ReferenceID. */
export interface Requester {
  client: string;
  ref: number | undefined;
}

export type CallTimerName = 'router' | 'noanswer';

export type CallEffect =
  /** A call event about `party`; `attrs` holds the ReferenceID when it answers `requester`. */
  | { type: 'event'; name: EventName; call: Call; party: Party; attrs: EventAttrs; requester?: string }
  | { type: 'joined'; connId: ConnId; key: string }
  /** The party left; `established` is set when the DN's agent must hear of it (ACW after an answered call). */
  | { type: 'left'; connId: ConnId; key: string; established?: boolean }
  /** The DN rang: activity for its agent (auto-logout). */
  | { type: 'agentActivity'; key: string }
  | { type: 'switch'; command: SwitchCommand }
  | { type: 'startTimer'; name: CallTimerName; connId: ConnId; ms: number }
  | { type: 'cancelTimer'; name: CallTimerName; connId: ConnId }
  /** A routed call refused while ringing goes back to its routing point. */
  | { type: 'reroute'; connId: ConnId; rpKey: string }
  | { type: 'ended'; call: Call };

export type CallInput =
  /** The origin joins, Dialing (RequestMakeCall, RequestInitiate*, an inbound call). */
  | { type: 'dial'; key: string; dn: string; otherDn: string; transferConnId?: ConnId; by?: Requester }
  /** The Switch is asked to ring `dn`; `routed` supervises it: no-answer timer from the ringing (seed 004, 3.17). */
  | { type: 'offer'; key: string; dn: string; from: string; contact?: string; thirdPartyDn?: string; routed?: { noAnswerAction?: NoAnswerAction; noAnswerMs?: number } }
  /** RequestSingleStepTransfer to a DN that rings: `fromKey` leaves once `key` answers. */
  | { type: 'singleStep'; fromKey: string; fromDn: string; key: string; dn: string; contact?: string; by: Requester }
  | { type: 'ringing'; key: string }
  | { type: 'answered'; key: string; by?: Requester }
  | { type: 'held'; key: string; by?: Requester }
  | { type: 'retrieved'; key: string; by?: Requester }
  /** A party hangs up (RequestReleaseCall, or the Switch's `released` with `fromSwitch`). */
  | { type: 'release'; key: string; by?: Requester; fromSwitch?: boolean }
  /** A party leaves by a single-step transfer to a routing point or queue. */
  | { type: 'leave'; key: string; otherDn: string; by: Requester }
  /** The routed DN did not answer, or its offer failed: it leaves, the core sends the call back. */
  | { type: 'noAnswer'; key: string; callState: CallState; cause: SwitchCause; fromSwitch: boolean }
  /** An offer outside routing failed (busy, not found...): the call ends unless others remain; a single-step transfer is dropped. */
  | { type: 'offerFailed'; key: string; callState: CallState }
  /** The call arrives at a routing point or queue (EventQueued). */
  | { type: 'queue'; key: string; dn: string }
  /** The call leaves a routing point: EventRouteUsed when routed by `by`, EventDiverted to `target`. */
  | { type: 'unqueue'; key: string; target?: string; by?: Requester; redirected?: boolean }
  /** Every party is released (RouteType Reject / CallDisconnect). */
  | { type: 'releaseAll'; callState: CallState }
  | { type: 'setUserData'; userData: KvList };

export interface CallStep {
  /** The call after the input; undefined once it ended. */
  call: Call | undefined;
  effects: CallEffect[];
}

/** Applies one input to a call. */
export function reduceCall(current: Call, input: CallInput): CallStep {
  const call = copyCall(current);
  const fx: CallEffect[] = [];
  const ended = apply(call, input, fx);
  return { call: ended ? undefined : call, effects: fx };
}

export function event(fx: CallEffect[], name: EventName, call: Call, party: Party, attrs: EventAttrs, requester?: string): void {
  fx.push(requester === undefined ? { type: 'event', name, call, party, attrs } : { type: 'event', name, call, party, attrs, requester });
}

export function switchCommand(fx: CallEffect[], command: SwitchCommand): void {
  fx.push({ type: 'switch', command });
}

/** Parties on a routing point or queue are not legs: the Switch never hears of them. */
function isLeg(p: Party): boolean {
  return p.state !== PartyState.Queued;
}

function releaseLeg(fx: CallEffect[], call: Call, dn: string, cause: SwitchCause): void {
  switchCommand(fx, { kind: 'release', connId: call.connId, dn, cause });
}

export interface ReleaseOptions {
  requester?: string | undefined;
  /** The Switch reported it: no release command back. */
  fromSwitch?: boolean | undefined;
  cause?: SwitchCause;
}

/** A party hangs up or is hung up: the agent hears of it (ACW, seed 004 3.8) before EventReleased. */
export function releaseParty(call: Call, p: Party, attrs: EventAttrs, fx: CallEffect[], o: ReleaseOptions = {}): void {
  const established = p.wasEstablished && (p.state === PartyState.Established || p.state === PartyState.Held);
  if (!o.fromSwitch && isLeg(p)) releaseLeg(fx, call, p.dn, o.cause ?? 'normal');
  setPartyState(p, PartyState.Released);
  call.parties.delete(p.key);
  fx.push({ type: 'left', connId: call.connId, key: p.key, established });
  event(fx, 'EventReleased', call, p, attrs, o.requester);
}

/** A party leaves without its agent hearing of it (abandoned, not answered, routed on). */
function dropParty(call: Call, p: Party, fx: CallEffect[], o: ReleaseOptions = {}): void {
  if (!o.fromSwitch && isLeg(p)) releaseLeg(fx, call, p.dn, o.cause ?? 'normal');
  setPartyState(p, PartyState.Released);
  call.parties.delete(p.key);
  fx.push({ type: 'left', connId: call.connId, key: p.key });
}

/** The call ends: routing is over, offers still out are withdrawn, timers stop, the Switch frees it. */
export function end(call: Call, fx: CallEffect[]): true {
  const r = call.routing;
  if (r && r.state !== RoutingState.Answered && r.state !== RoutingState.Dropped) r.state = transitionRouting(r.state, RoutingState.Dropped);
  for (const o of call.offers.values()) releaseLeg(fx, call, o.dn, 'normal');
  call.offers.clear();
  fx.push({ type: 'cancelTimer', name: 'router', connId: call.connId }, { type: 'cancelTimer', name: 'noanswer', connId: call.connId });
  switchCommand(fx, { kind: 'end', connId: call.connId });
  fx.push({ type: 'ended', call });
  return true;
}

function releaseAll(call: Call, state: CallState, fx: CallEffect[]): true {
  for (const p of [...call.parties.values()]) {
    if (p.state === PartyState.Queued) {
      fx.push({ type: 'cancelTimer', name: 'router', connId: call.connId });
      dropParty(call, p, fx);
    } else releaseParty(call, p, { CallState: state }, fx);
  }
  return end(call, fx);
}

function ring(call: Call, key: string, offer: Offer, fx: CallEffect[]): void {
  call.offers.delete(key);
  const p = addParty(call, key, offer.dn, PartyState.Ringing);
  fx.push({ type: 'joined', connId: call.connId, key });
  const other = offer.otherDn === 'origin' ? call.parties.get(call.originKey)?.dn : offer.otherDn;
  event(fx, 'EventRinging', call, p, { OtherDN: other, ThirdPartyDN: offer.thirdPartyDn, ThisDNRole: 'Destination' });
  if (offer.agentActivity) fx.push({ type: 'agentActivity', key });
  // No-answer supervision counts from the ringing.
  if (offer.noAnswerMs !== undefined && call.routing?.ringingKey === key) fx.push({ type: 'startTimer', name: 'noanswer', connId: call.connId, ms: offer.noAnswerMs });
}

function offer(call: Call, key: string, record: Offer, from: string, contact: string | undefined, fx: CallEffect[]): void {
  call.offers.set(key, record);
  const command: SwitchCommand = { kind: 'offer', connId: call.connId, dn: record.dn, from, userData: call.userData, mediaType: call.mediaType };
  if (contact !== undefined) command.contact = contact;
  if (call.ani !== undefined) command.ani = call.ani;
  if (call.mediaType === 'chat' && call.passTranscript !== undefined) command.passTranscript = call.passTranscript;
  switchCommand(fx, command);
}

/** seed 004, 4.1: EventReleased on the transferring DN only once the call connected at the recipient. */
function finishSingleStep(call: Call, fx: CallEffect[]): void {
  const s = call.singleStep;
  call.singleStep = undefined;
  if (!s) return;
  const from = call.parties.get(s.fromKey);
  if (!from) return;
  const target = call.parties.get(s.targetKey);
  releaseParty(call, from, { ReferenceID: s.referenceId, CallState: 'Transferred', OtherDN: target?.dn }, fx, { requester: s.clientId });
  for (const q of call.parties.values()) {
    if (q.key !== s.targetKey) event(fx, 'EventPartyChanged', call, q, { OtherDN: target?.dn, ThirdPartyDN: s.fromDn, CallState: 'Transferred' });
  }
}

function answered(call: Call, key: string, by: Requester | undefined, fx: CallEffect[]): void {
  const pending = call.offers.get(key);
  // A Switch may report the answer without ringing first (SIP 200 without 180).
  if (pending) ring(call, key, pending, fx);
  const p = call.parties.get(key);
  if (!p || p.state !== PartyState.Ringing) return;
  setPartyState(p, PartyState.Established);
  const r = call.routing;
  if (r?.ringingKey === key) {
    fx.push({ type: 'cancelTimer', name: 'noanswer', connId: call.connId });
    r.state = transitionRouting(r.state, RoutingState.Answered);
    r.ringingKey = undefined;
  }
  const dialing = [...call.parties.values()].filter((q) => q.state === PartyState.Dialing);
  for (const q of dialing) setPartyState(q, PartyState.Established);
  const other = otherParties(call, key)[0];
  event(fx, 'EventEstablished', call, p, { ReferenceID: by?.ref, OtherDN: other?.dn, ThisDNRole: 'Destination' }, by?.client);
  for (const q of dialing) event(fx, 'EventEstablished', call, q, { OtherDN: p.dn, ThisDNRole: 'Origination' });
  if (call.singleStep?.targetKey === key) finishSingleStep(call, fx);
}

function holdOrRetrieve(call: Call, key: string, hold: boolean, by: Requester | undefined, fx: CallEffect[]): void {
  const p = call.parties.get(key);
  if (!p || p.state !== (hold ? PartyState.Established : PartyState.Held)) return;
  setPartyState(p, hold ? PartyState.Held : PartyState.Established);
  event(fx, hold ? 'EventHeld' : 'EventRetrieved', call, p, { ReferenceID: by?.ref, OtherDN: otherParties(call, key)[0]?.dn }, by?.client);
}

/** A party hangs up: a routed or transferred call refused while ringing, an abandon, or a plain release. */
function release(call: Call, key: string, by: Requester | undefined, fromSwitch: boolean, fx: CallEffect[]): boolean {
  const p = call.parties.get(key);
  if (!p || p.state === PartyState.Queued) return false;
  const reply: EventAttrs = { ReferenceID: by?.ref, OtherDN: otherParties(call, key)[0]?.dn };
  const o: ReleaseOptions = { requester: by?.client, fromSwitch };
  const r = call.routing;
  // A routed call rejected at the destination goes back to the routing point.
  if (p.state === PartyState.Ringing && r?.ringingKey === key) {
    fx.push({ type: 'cancelTimer', name: 'noanswer', connId: call.connId });
    r.ringingKey = undefined;
    releaseParty(call, p, reply, fx, o);
    fx.push({ type: 'reroute', connId: call.connId, rpKey: r.rpKey });
    return false;
  }
  // A single-step transfer refused by its recipient: the transfer is dropped, the call stays.
  if (p.state === PartyState.Ringing && call.singleStep?.targetKey === key) {
    call.singleStep = undefined;
    releaseParty(call, p, reply, fx, o);
    return false;
  }
  const wasAnswered = [...call.parties.values()].some((q) => q.wasEstablished);
  if (!wasAnswered && key === call.originKey) {
    // The caller hangs up before an answer: EventAbandoned where the call was offered.
    releaseParty(call, p, { ...reply, CallState: 'Abandoned' }, fx, o);
    for (const q of [...call.parties.values()]) {
      dropParty(call, q, fx);
      event(fx, 'EventAbandoned', call, q, { OtherDN: p.dn, CallState: 'Abandoned' });
    }
    return end(call, fx);
  }
  releaseParty(call, p, { ...reply, CallState: 'Ok' }, fx, o);
  const rest = [...call.parties.values()];
  if (rest.filter(isLeg).length >= 2) {
    for (const q of rest) event(fx, 'EventPartyDeleted', call, q, { ThirdPartyDN: p.dn, OtherDN: p.dn });
    return false;
  }
  return releaseAll(call, 'Ok', fx);
}

function noAnswer(call: Call, input: Extract<CallInput, { type: 'noAnswer' }>, fx: CallEffect[]): void {
  const r = call.routing;
  if (r?.ringingKey !== input.key) return;
  r.ringingKey = undefined;
  const o: ReleaseOptions = { fromSwitch: input.fromSwitch, cause: input.cause };
  const p = call.parties.get(input.key);
  // A failure reported while ringing stops the supervision (the timer's own firing needs no cancel).
  if (p && input.fromSwitch) fx.push({ type: 'cancelTimer', name: 'noanswer', connId: call.connId });
  if (p) {
    dropParty(call, p, fx, o);
    event(fx, 'EventReleased', call, p, { CallState: input.callState });
    return;
  }
  const pending = call.offers.get(input.key);
  if (!pending) return;
  call.offers.delete(input.key);
  if (!input.fromSwitch) releaseLeg(fx, call, pending.dn, input.cause);
}

function offerFailed(call: Call, key: string, state: CallState, fx: CallEffect[]): boolean {
  // A single-step transfer that cannot reach its recipient is dropped; the call stays.
  if (call.singleStep?.targetKey === key) call.singleStep = undefined;
  const p = call.parties.get(key);
  if (p && isLeg(p)) releaseParty(call, p, { OtherDN: otherParties(call, key)[0]?.dn, CallState: state }, fx, { fromSwitch: true });
  else if (!call.offers.delete(key)) return false;
  if ([...call.parties.values()].filter(isLeg).length >= 2 || call.offers.size > 0) return false;
  return releaseAll(call, state, fx);
}

function queue(call: Call, key: string, dn: string, fx: CallEffect[]): void {
  const p = addParty(call, key, dn, PartyState.Queued);
  const prev = call.routing;
  const live = prev && prev.state !== RoutingState.Answered && prev.state !== RoutingState.Dropped;
  call.routing = { state: live ? transitionRouting(prev.state, RoutingState.Waiting) : RoutingState.Waiting, rpKey: key, rpDn: dn, redirections: prev?.redirections ?? 0 };
  fx.push({ type: 'joined', connId: call.connId, key });
  event(fx, 'EventQueued', call, p, { OtherDN: call.parties.get(call.originKey)?.dn });
}

function unqueue(call: Call, input: Extract<CallInput, { type: 'unqueue' }>, fx: CallEffect[]): void {
  const p = call.parties.get(input.key);
  if (!p) return;
  if (input.redirected && call.routing) call.routing.redirections++;
  fx.push({ type: 'cancelTimer', name: 'router', connId: call.connId });
  if (input.by) event(fx, 'EventRouteUsed', call, p, { ReferenceID: input.by.ref, OtherDN: input.target }, input.by.client);
  dropParty(call, p, fx);
  if (input.target !== undefined) event(fx, 'EventDiverted', call, p, { OtherDN: input.target, ThirdPartyDN: input.target });
}

/** Returns true when the call ended. */
function apply(call: Call, input: CallInput, fx: CallEffect[]): boolean {
  switch (input.type) {
    case 'dial': {
      const p = addParty(call, input.key, input.dn, PartyState.Dialing);
      fx.push({ type: 'joined', connId: call.connId, key: input.key });
      event(fx, 'EventDialing', call, p, { ReferenceID: input.by?.ref, OtherDN: input.otherDn, TransferConnID: input.transferConnId, ThisDNRole: 'Origination' }, input.by?.client);
      return false;
    }
    case 'offer': {
      const r = call.routing;
      const routed = input.routed && r ? input.routed : undefined;
      if (routed && r) {
        // No-answer supervision (seed 004, 3.1 and 3.17): only an answer counts as delivery.
        r.state = transitionRouting(r.state, RoutingState.Ringing);
        r.ringingKey = input.key;
        r.noAnswerAction = routed.noAnswerAction;
      }
      // EventRinging names the origin as it is when the DN rings.
      const record: Offer = { dn: input.dn, otherDn: 'origin', thirdPartyDn: input.thirdPartyDn, agentActivity: true };
      if (routed?.noAnswerMs !== undefined) record.noAnswerMs = routed.noAnswerMs;
      offer(call, input.key, record, input.from, input.contact, fx);
      return false;
    }
    case 'singleStep': {
      call.singleStep = { fromKey: input.fromKey, fromDn: input.fromDn, targetKey: input.key, referenceId: input.by.ref, clientId: input.by.client };
      const remaining = otherParties(call, input.fromKey).filter((q) => q.key !== input.key)[0];
      offer(call, input.key, { dn: input.dn, otherDn: remaining?.dn, thirdPartyDn: input.fromDn, agentActivity: false }, input.fromDn, input.contact, fx);
      return false;
    }
    case 'ringing': {
      const pending = call.offers.get(input.key);
      if (pending) ring(call, input.key, pending, fx);
      return false;
    }
    case 'answered':
      answered(call, input.key, input.by, fx);
      return false;
    case 'held':
    case 'retrieved':
      holdOrRetrieve(call, input.key, input.type === 'held', input.by, fx);
      return false;
    case 'release':
      return release(call, input.key, input.by, input.fromSwitch === true, fx);
    case 'leave': {
      const p = call.parties.get(input.key);
      if (p) releaseParty(call, p, { ReferenceID: input.by.ref, CallState: 'Transferred', OtherDN: input.otherDn }, fx, { requester: input.by.client });
      return false;
    }
    case 'noAnswer':
      noAnswer(call, input, fx);
      return false;
    case 'offerFailed':
      return offerFailed(call, input.key, input.callState, fx);
    case 'queue':
      queue(call, input.key, input.dn, fx);
      return false;
    case 'unqueue':
      unqueue(call, input, fx);
      return false;
    case 'releaseAll':
      return releaseAll(call, input.callState, fx);
    case 'setUserData':
      call.userData = input.userData;
      return false;
  }
}
