/**
 * IM treatments on a routing point (seed 004 3.14): a chat call waiting on a routing point gets
 * PlayAnnouncement (the `TEXT` of each `PROMPT` item sent to the customer, in order),
 * CollectDigits (the customer's next message is the digits) or PlayAnnouncementAndDigits (both).
 * `TOTAL_TIMEOUT` (seconds) bounds the wait; without it the T-Server waits for the reply. The
 * texts and the reply travel through the Switch (`sendText`, `collect`, `collected`).
 */
import { kvGet, TErr, type KvList, type TlibRequest, type TreatmentType } from '../tlib/index.ts';
import type { Call } from './call.ts';
import { ev, RequestError, type CoreContext, type RequestContext } from './core-context.ts';
import { PartyState } from './party-state.ts';
import type { SwitchEvent } from './switch-port.ts';

/** Most PROMPT items taken from one request; more are refused. */
export const MAX_PROMPTS = 32;
/** Longest TEXT of one prompt, in characters. */
export const MAX_PROMPT_TEXT = 4096;
/** Longest reply taken as digits. */
export const MAX_COLLECTED = 4096;

/** A treatment running on a call (one at a time). */
export interface RunningTreatment {
  type: TreatmentType;
  rpKey: string;
  originDn: string;
}

const timerName = (connId: string): string => `treatment:${connId}`;

/** The `TEXT`s of `PROMPT` in item order, or a reason they cannot be used. */
export function promptTexts(parms: KvList | undefined): string[] | string {
  const prompt = kvGet(parms, 'PROMPT');
  if (prompt === undefined) return [];
  if (!Array.isArray(prompt)) return 'PROMPT must be a list of numbered lists with TEXT';
  if (prompt.length > MAX_PROMPTS) return `PROMPT has more than ${MAX_PROMPTS} items`;
  const items = [...prompt].sort((a, b) => Number(a[0]) - Number(b[0]));
  const out: string[] = [];
  for (const [n, item] of items) {
    const text = Array.isArray(item) ? kvGet(item, 'TEXT') : undefined;
    if (typeof text !== 'string') return `PROMPT item ${n} has no TEXT`;
    if (text.length > MAX_PROMPT_TEXT) return `PROMPT item ${n}: TEXT is longer than ${MAX_PROMPT_TEXT} characters`;
    out.push(text);
  }
  return out;
}

/** TOTAL_TIMEOUT in seconds (0 = none), or a reason it is unusable. */
function totalTimeout(parms: KvList | undefined): number | string {
  const v = kvGet(parms, 'TOTAL_TIMEOUT');
  if (v === undefined) return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,6}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : 'TOTAL_TIMEOUT must be a whole number of seconds';
}

export function applyTreatment(c: CoreContext, ctx: RequestContext, req: Extract<TlibRequest, { message: 'RequestApplyTreatment' }>): void {
  const rp = c.thisDn(req.ThisDN);
  const call = c.lookupCall(req.ConnID);
  const base = { ThisDN: rp.name, ConnID: call.connId, TreatmentType: req.TreatmentType };
  const notApplied = (code: number, message: string): void => c.send(ctx.client, ev('EventTreatmentNotApplied', { ReferenceID: ctx.ref, ...base, ErrorCode: code, ErrorMessage: message }));
  const p = call.parties.get(rp.key);
  if (!p || p.state !== PartyState.Queued) throw new RequestError(TErr.TERR_PARTY_NOT_ON_CALL, { ThisDN: rp.name, ConnID: call.connId });
  if (call.mediaType !== 'chat') return notApplied(TErr.TERR_UNSUP_OPER, 'Only IM treatments are supported: the call is not a chat.');
  const origin = call.parties.get(call.originKey);
  if (!origin) return notApplied(TErr.TERR_INVALID_STATE, 'The chat has no customer party.');
  const texts = req.TreatmentType === 'CollectDigits' ? [] : promptTexts(req.TreatmentParms);
  if (typeof texts === 'string') return notApplied(TErr.TERR_BAD_PARAM, texts);
  const timeout = req.TreatmentType === 'PlayAnnouncement' ? 0 : totalTimeout(req.TreatmentParms);
  if (typeof timeout === 'string') return notApplied(TErr.TERR_BAD_PARAM, timeout);
  stopTreatment(c, call);
  c.emitCall('EventTreatmentApplied', call, p, { ReferenceID: ctx.ref, TreatmentType: req.TreatmentType, TreatmentParms: req.TreatmentParms }, ctx.client);
  if (texts.length > 0) c.command({ kind: 'sendText', connId: call.connId, dn: origin.dn, texts });
  if (req.TreatmentType === 'PlayAnnouncement') {
    c.emitCall('EventTreatmentEnd', call, p, { TreatmentType: req.TreatmentType });
    return;
  }
  call.treatment = { type: req.TreatmentType, rpKey: rp.key, originDn: origin.dn };
  c.command({ kind: 'collect', connId: call.connId, dn: origin.dn, on: true });
  if (timeout > 0) c.startTimer(timerName(call.connId), timeout * 1000);
}

/** The customer replied while digits are collected: EventTreatmentEnd with CollectedDigits. */
export function onCollected(c: CoreContext, e: Extract<SwitchEvent, { kind: 'collected' }>): void {
  const call = c.calls.get(e.connId);
  if (!call?.treatment) return;
  endTreatment(c, call, e.digits.slice(0, MAX_COLLECTED));
}

/** TOTAL_TIMEOUT expired: EventTreatmentEnd without digits. */
export function onTreatmentTimeout(c: CoreContext, connId: string): void {
  const call = c.calls.get(connId);
  if (call?.treatment) endTreatment(c, call, undefined);
}

function endTreatment(c: CoreContext, call: Call, digits: string | undefined): void {
  const t = call.treatment!;
  stopTreatment(c, call);
  const p = call.parties.get(t.rpKey);
  if (p) c.emitCall('EventTreatmentEnd', call, p, { TreatmentType: t.type, CollectedDigits: digits });
}

/** Ends a running treatment without an event: the call left the routing point, or another treatment replaces it. */
export function stopTreatment(c: CoreContext, call: Call): void {
  const t = call.treatment;
  if (!t) return;
  call.treatment = undefined;
  c.cancelTimer(timerName(call.connId));
  c.command({ kind: 'collect', connId: call.connId, dn: t.originDn, on: false });
}
