/**
 * Completing a consultation (seed 004, 4.1): RequestCompleteTransfer and RequestCompleteConference
 * move the consulted parties into the main call and end the consultation. A pure step over the two
 * calls, with the call reducer's effects (call-reducer.ts).
 */
import { addParty, copyCall, otherParties, type Call } from './call.ts';
import { end, event, releaseParty, switchCommand, type CallEffect, type Requester } from './call-reducer.ts';
import { PartyState } from './party-state.ts';

/** The result of completing a consultation: the main call and the consultation (undefined: ended). */
export interface CompletionStep {
  main: Call;
  consult: Call | undefined;
  effects: CallEffect[];
}

/**
 * RequestCompleteTransfer / RequestCompleteConference by the DN `key` (the core checked that the
 * consultation is established): the consulted parties move into the main call, the consultation
 * ends. Event order as seed 004, 4.1.
 */
export function reduceCompletion(mainCall: Call, consultCall: Call, input: { kind: 'transfer' | 'conference'; key: string; by: Requester }): CompletionStep {
  const main = copyCall(mainCall);
  const consult = copyCall(consultCall);
  const fx: CallEffect[] = [];
  const a = main.parties.get(input.key);
  const aConsult = consult.parties.get(input.key);
  if (!a || !aConsult) return { main: mainCall, consult: consultCall, effects: [] };
  const added = otherParties(consult, input.key);
  const before = otherParties(main, input.key);
  for (const q of added) {
    switchCommand(fx, { kind: 'move', connId: consult.connId, toConnId: main.connId, dn: q.dn });
    consult.parties.delete(q.key);
    fx.push({ type: 'left', connId: consult.connId, key: q.key });
    addParty(main, q.key, q.dn, PartyState.Established);
    fx.push({ type: 'joined', connId: main.connId, key: q.key });
  }
  const by = input.by;
  if (input.kind === 'transfer') {
    // seed 004, 4.1: EventReleased (with the ReferenceID), then EventPartyChanged.
    releaseParty(main, a, { ReferenceID: by.ref, CallState: 'Transferred', OtherDN: added[0]?.dn }, fx, { requester: by.client });
    releaseParty(consult, aConsult, { CallState: 'Transferred' }, fx);
    end(consult, fx);
    for (const b of before) event(fx, 'EventPartyChanged', main, b, { OtherDN: added[0]?.dn, ThirdPartyDN: a.dn, CallState: 'Transferred' });
    for (const q of added) {
      const moved = main.parties.get(q.key);
      if (moved) event(fx, 'EventPartyChanged', main, moved, { PreviousConnID: consult.connId, OtherDN: before[0]?.dn, ThirdPartyDN: a.dn, CallState: 'Transferred' });
    }
    return { main, consult: undefined, effects: fx };
  }
  // seed 004, 4.1: EventReleased* (consultation), EventRetrieved (through the Switch), EventPartyAdded, EventPartyChanged.
  releaseParty(consult, aConsult, { ReferenceID: by.ref, CallState: 'Conferenced' }, fx, { requester: by.client });
  end(consult, fx);
  if (a.state === PartyState.Held) switchCommand(fx, { kind: 'retrieve', connId: main.connId, dn: a.dn });
  for (const q of added) {
    for (const m of [a, ...before]) event(fx, 'EventPartyAdded', main, m, { ThirdPartyDN: q.dn, OtherDN: q.dn, CallState: 'Conferenced' });
    const moved = main.parties.get(q.key);
    if (moved) event(fx, 'EventPartyChanged', main, moved, { PreviousConnID: consult.connId, OtherDN: a.dn, ThirdPartyDN: a.dn, CallState: 'Conferenced' });
  }
  return { main, consult: undefined, effects: fx };
}
