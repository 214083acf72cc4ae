/**
 * The T-Server core's Switch section: what the Switch reports (switch-port.ts) as core inputs. An
 * inbound call becomes a call from the Trunk DN to the dialled DN; ringing, answered, held and
 * retrieved move the leg's party (answering the request that asked, if any); a failed delivery
 * goes the way of a no-answer when routed; the far end hanging up is a release (an abandon before
 * an answer). Events may come late: each handler re-checks the call, as timers do.
 */
import type { Call } from './call.ts';
import { hangUp } from './core-calls.ts';
import { CALLABLE, MAX_USERDATA_JSON_BYTES, MAX_USERDATA_PAIRS, type CoreContext, type ReplyKind } from './core-context.ts';
import { offerTo, SWITCH_FAILURES, undelivered } from './core-routing.ts';
import { PartyState } from './party-state.ts';
import type { SwitchCause, SwitchEvent } from './switch-port.ts';
import { dnKey } from './tserver-config.ts';
import { onCollected } from './core-treatments.ts';

/** Longest ANI / DNIS / DN name taken from the network. */
const MAX_NUMBER_LENGTH = 256;

export function switchEvent(c: CoreContext, e: SwitchEvent): void {
  if (e.kind === 'inbound') return inbound(c, e);
  if (e.kind === 'collected') return onCollected(c, e);
  const call = c.calls.get(e.connId);
  if (!call) return;
  const key = dnKey(e.dn);
  switch (e.kind) {
    case 'ringing':
      c.step(call.connId, { type: 'ringing', key });
      return;
    case 'answered':
      c.step(call.connId, { type: 'answered', key, by: c.takeReply(call.connId, 'answer', key) });
      return;
    case 'held':
      c.step(call.connId, { type: 'held', key, by: c.takeReply(call.connId, 'hold', key) });
      return;
    case 'retrieved':
      c.step(call.connId, { type: 'retrieved', key, by: c.takeReply(call.connId, 'retrieve', key) });
      return;
    case 'failed':
      return failed(c, call, key, e.cause, e.of, e.detail);
    case 'released': {
      const p = call.parties.get(key);
      if (p && p.state !== PartyState.Queued) hangUp(c, call.connId, key, undefined, true);
      else if (call.offers.has(key)) undeliverable(c, call, key, e.cause === 'normal' ? 'rejected' : e.cause);
      return;
    }
  }
}

/**
 * A call from the network: refused unless the Trunk and the dialled DN are served here; otherwise
 * accepted as a call from the Trunk (EventDialing there) delivered to the dialled DN, so a routing
 * point reports EventQueued and EventRouteRequest with ANI and DNIS (seed 004, 4.1).
 */
function inbound(c: CoreContext, e: Extract<SwitchEvent, { kind: 'inbound' }>): void {
  const refuse = (cause: SwitchCause): void => c.command({ kind: 'refuse', legRef: e.legRef, cause });
  const trunk = c.dns.get(dnKey(e.trunk));
  if (!trunk || trunk.type !== 'Trunk' || !trunk.inService) return refuse('rejected');
  if (e.from.length > MAX_NUMBER_LENGTH || e.to.length > MAX_NUMBER_LENGTH || (e.mediaType !== 'voice' && e.mediaType !== 'chat')) return refuse('error');
  if (e.userData.length > MAX_USERDATA_PAIRS || JSON.stringify(e.userData).length > MAX_USERDATA_JSON_BYTES) return refuse('error');
  const dest = c.dns.get(dnKey(e.to));
  if (!dest || !CALLABLE.has(dest.type) || !dest.inService) return refuse('unknownNumber');
  if (dest.dnd) return refuse('busy');
  const call = c.newCall('Inbound', trunk, e.userData, { mediaType: e.mediaType, ani: e.from, dnis: e.to });
  c.command({ kind: 'accept', legRef: e.legRef, connId: call.connId, dn: trunk.name });
  c.step(call.connId, { type: 'dial', key: trunk.key, dn: trunk.name, otherDn: dest.name });
  offerTo(c, call.connId, dest);
}

/** What a `failed` is about when the Switch does not say: the offer while one is out, else the request waiting for it. */
function failedCommand(c: CoreContext, call: Call, key: string): ReplyKind | 'offer' {
  if (call.offers.has(key) || call.parties.get(key)?.state === PartyState.Ringing) return 'offer';
  for (const kind of ['hold', 'retrieve', 'answer'] as const) if (c.hasReply(call.connId, kind, key)) return kind;
  return 'offer';
}

function failed(c: CoreContext, call: Call, key: string, cause: SwitchCause, of: ReplyKind | 'offer' | undefined, detail: string | undefined): void {
  const kind = of ?? failedCommand(c, call, key);
  if (kind === 'offer') return undeliverable(c, call, key, cause);
  const by = c.takeReply(call.connId, kind, key);
  const f = SWITCH_FAILURES[cause];
  if (by) c.sendError(by, f.code, `The switch could not ${kind} the call: ${detail ?? cause}.`, { ThisDN: call.parties.get(key)?.dn, ConnID: call.connId });
}

/** An offer the Switch could not deliver: routed calls go back to routing; a single-step transfer is dropped; other calls end. */
function undeliverable(c: CoreContext, call: Call, key: string, cause: SwitchCause): void {
  if (!call.offers.has(key) && call.parties.get(key)?.state !== PartyState.Ringing) return;
  if (call.routing?.ringingKey === key) return undelivered(c, call, key, cause, true);
  const f = SWITCH_FAILURES[cause];
  const s = call.singleStep?.targetKey === key ? call.singleStep : undefined;
  const dn = call.offers.get(key)?.dn ?? call.parties.get(key)?.dn ?? key;
  c.step(call.connId, { type: 'offerFailed', key, callState: f.callState });
  // The single-step transfer request learns why (its ReferenceID would otherwise never be answered).
  if (s) c.sendError({ client: s.clientId, ref: s.referenceId }, f.code, `'${dn}' ${f.text}; the transfer is dropped.`, { ThisDN: s.fromDn, ConnID: call.connId, OtherDN: dn });
}
