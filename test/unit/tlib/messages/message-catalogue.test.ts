import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageCatalogue, messageNames, requestNames, eventNames, isRequestName, isEventName, allowedAttributes,
  attributeRules, isAttributeName, tlibErrors, TErr, tlibErrorMessage,
} from '../../../../src/tlib/index.ts';
import type { TlibMessageOf, TlibRequest, TlibEvent, ReplyNameOf } from '../../../../src/tlib/index.ts';

describe('T-Library message catalogue', () => {
  test('every message name is a T-Library Request*/Event* name and its kind matches the prefix', () => {
    for (const n of messageNames) {
      const kind = messageCatalogue[n].kind;
      assert.ok(kind === 'request' ? n.startsWith('Request') : n.startsWith('Event'), n);
    }
    assert.equal(requestNames.length + eventNames.length, messageNames.length);
  });

  test('every attribute a message names is a known attribute, and none is both required and optional', () => {
    for (const n of messageNames) {
      const s = messageCatalogue[n];
      for (const a of [...s.required, ...s.optional]) assert.ok(isAttributeName(a), `${n}.${a}`);
      const req = new Set<string>(s.required);
      for (const a of s.optional) assert.ok(!req.has(a), `${n}: ${a} is required and optional`);
    }
  });

  test('every request names a reply that is an event in the catalogue', () => {
    for (const n of requestNames) {
      const reply = (messageCatalogue[n] as { reply?: string }).reply;
      assert.ok(reply && isEventName(reply), `${n} -> ${String(reply)}`);
    }
  });

  test('the messages issue 3 asks for are all present', () => {
    const wanted = [
      'RequestAgentLogin', 'RequestAgentLogout', 'RequestAgentReady', 'RequestAgentNotReady', 'RequestSetDNDOn', 'RequestSetDNDOff',
      'EventAgentLogin', 'EventAgentLogout', 'EventAgentReady', 'EventAgentNotReady', 'EventDNDOn', 'EventDNDOff',
      'RequestRegisterAddress', 'RequestUnregisterAddress', 'RequestQueryAddress', 'EventRegistered', 'EventUnregistered', 'EventAddressInfo',
      'RequestMakeCall', 'RequestAnswerCall', 'RequestReleaseCall', 'RequestHoldCall', 'RequestRetrieveCall',
      'RequestInitiateTransfer', 'RequestCompleteTransfer', 'RequestSingleStepTransfer', 'RequestInitiateConference', 'RequestCompleteConference',
      'EventDialing', 'EventRinging', 'EventEstablished', 'EventReleased', 'EventHeld', 'EventRetrieved', 'EventPartyChanged',
      'EventPartyAdded', 'EventPartyDeleted', 'EventAbandoned', 'RequestAttachUserData', 'RequestUpdateUserData', 'RequestDeleteUserData',
      'RequestDeletePair', 'EventAttachedDataChanged', 'EventQueued', 'EventRouteRequest', 'RequestRouteCall', 'EventRouteUsed', 'EventDiverted',
      'RequestDistributeUserEvent', 'EventUserEvent', 'EventACK', 'EventError', 'EventLinkConnected', 'EventLinkDisconnected',
    ];
    for (const w of wanted) assert.ok((messageNames as string[]).includes(w), w);
  });

  test('requests allow ReferenceID, Reasons and Extensions; events also allow EventSequenceNumber', () => {
    assert.ok(allowedAttributes('RequestAgentReady').has('Reasons'));
    assert.ok(allowedAttributes('RequestAgentReady').has('ReferenceID'));
    assert.ok(!allowedAttributes('RequestAgentReady').has('EventSequenceNumber'));
    assert.ok(allowedAttributes('EventAgentReady').has('EventSequenceNumber'));
    assert.ok(!allowedAttributes('RequestAgentReady').has('ConnID'));
  });

  test('enumerated attributes list their values; ConnID has its own rule', () => {
    const wm = attributeRules.AgentWorkMode;
    assert.equal(wm.kind, 'enum');
    if (wm.kind === 'enum') for (const m of ['ManualIn', 'AutoIn', 'AfterCallWork', 'AuxWork', 'LegalGuard', 'NoCallDisconnect', 'WalkAway']) assert.ok(wm.values.includes(m), m);
    const rt = attributeRules.RouteType;
    if (rt.kind === 'enum') for (const r of ['Default', 'Reject', 'CallDisconnect']) assert.ok(rt.values.includes(r));
    assert.equal(attributeRules.ConnID.kind, 'connId');
    assert.equal(attributeRules.UserData.kind, 'kvList');
    assert.ok(isRequestName('RequestAgentLogin') && !isRequestName('EventAgentLogin') && !isRequestName('nope'));
  });

  test('the TypeScript types follow the catalogue (compile-time checks)', () => {
    const login: TlibMessageOf<'RequestAgentLogin'> = { message: 'RequestAgentLogin', ThisDN: '5001', AgentID: 'a1', AgentWorkMode: 'AutoIn', ReferenceID: 3 };
    // @ts-expect-error AgentID is required on RequestAgentLogin
    const bad: TlibMessageOf<'RequestAgentLogin'> = { message: 'RequestAgentLogin', ThisDN: '5001' };
    const anyReq: TlibRequest = login;
    const ev: TlibEvent = { message: 'EventError', ErrorCode: 56, ReferenceID: 3 };
    const reply: ReplyNameOf<'RequestAgentLogin'> = 'EventAgentLogin';
    assert.equal(anyReq.message, 'RequestAgentLogin');
    assert.equal(ev.message, 'EventError');
    assert.equal(reply, 'EventAgentLogin');
    assert.equal(bad.message, 'RequestAgentLogin');
  });
});

describe('T-Library error codes', () => {
  test('the table has every code issue 3 names, with the seed 004 §8.1 text', () => {
    for (const c of [56, 58, 59, 71, 98, 236, 237, 291, 470, 481, 563, 1703, 1706, 1707]) assert.ok(tlibErrors.has(c), String(c));
    assert.equal(tlibErrors.get(1706)?.name, 'TERR_SOFT_AGENT_ALREADY_LOGGED_IN');
    assert.equal(tlibErrorMessage(56), 'Connection ID in request is invalid.');
    assert.equal(tlibErrorMessage(99999), 'T-Library error 99999.');
  });

  test('TErr names and the table agree in both directions', () => {
    for (const [name, code] of Object.entries(TErr)) assert.equal(tlibErrors.get(code)?.name, name);
    assert.equal(Object.keys(TErr).length, tlibErrors.size);
  });
});
