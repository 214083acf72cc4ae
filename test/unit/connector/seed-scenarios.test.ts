/**
 * Every row of seed 003's "Presence and Agent-Status Scenarios" table, seed 003's default mapping
 * table, and seed 000's Table 5 "Status Change Scenarios", each a test named with the row it quotes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KwHarness, presence, publishes, requests } from './support/kw-harness.ts';

/** "reflected in the Genesys environment ... set to Ready, NotReady, or LoggedOut" */
function manualChange(): void {
  const h = KwHarness.loggedIn(presence(3500));
  assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(6500) })), ['RequestAgentNotReady(busy)']);
  assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(18500) })), ['RequestAgentLogout']);
  assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500) })), ['RequestAgentLogin', 'RequestAgentReady(ready)']);
  assert.equal(h.state.confirmed.state, 'Ready');
}

/** "On accepting a routed call ... presence status is changed in the UC-client to Do Not Disturb" */
function acceptsCall(): void {
  const h = KwHarness.loggedIn(presence(3500), { pushOnCallStatus: true });
  assert.deepEqual(publishes(h.external({ message: 'EventRinging', ConnID: '00000000000000c1' })), [], 'ringing is not yet accepting');
  const fx = h.external({ message: 'EventEstablished', ConnID: '00000000000000c1' });
  assert.deepEqual(publishes(fx), ['9500'], 'oncall-status default 9500 = Do Not Disturb');
  const pub = fx.find((e) => e.type === 'publish');
  assert.ok(pub?.type === 'publish' && pub.presence?.availability === 'do-not-disturb');
  assert.deepEqual(publishes(h.external({ message: 'EventReleased', ConnID: '00000000000000c1' })), ['restore']);
}

/** "declines ... NotReady. After a configured NotReady timeout period (5 minutes by default) ... still Online ... back into Ready" */
function declinesPreview(): void {
  const h = KwHarness.loggedIn(presence(3500));
  assert.equal(h.config.dndOffTimeoutMs, 300_000, '5 minutes by default');
  assert.deepEqual(requests(h.input({ type: 'autoState', kind: 'preview-reject' })), ['RequestAgentNotReady(dnd)']);
  assert.equal(h.timers.get('auto-state'), h.now + 300_000);
  assert.deepEqual(requests(h.fire('auto-state')), ['RequestAgentReady(ready)']);
}

/** "DND in the UC Connector GUI ... NotReady, but does not otherwise affect their presence ... not mapped ... Only once ... Available ..." */
function unavailableForContactCenter(): void {
  const h = KwHarness.loggedIn(presence(3500));
  const fx = h.input({ type: 'connectorDnd', on: true });
  assert.deepEqual(requests(fx), ['RequestAgentNotReady(dnd)']);
  assert.deepEqual(publishes(fx), [], 'enterprise presence is not touched');
  assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(15500) })), [], 'presence changes not mapped');
  assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500) })), []);
  assert.deepEqual(requests(h.input({ type: 'connectorDnd', on: false })), ['RequestAgentReady(ready)'], 'mapping applies again');
}

/** "enters a meeting or is out of office ... idle ... reflected in the corresponding agent status" */
function automaticChange(): void {
  const h = KwHarness.loggedIn(presence(3500));
  // Calendar: Lync publishes Busy with the in-a-meeting activity; idle: Inactive (4500) then Away.
  const meeting = { ...presence(6500), activity: { token: 'in-a-meeting', text: null } };
  assert.deepEqual(requests(h.input({ type: 'presence', presence: meeting })), ['RequestAgentNotReady(busy)']);
  assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(3500) })), ['RequestAgentReady(ready)']);
  assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(4500) })), ['RequestAgentNotReady(idle)']);
  assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(15500) })), ['RequestAgentNotReady(away)']);
}

describe('seed 003, Presence and Agent-Status Scenarios', () => {
  test('"Manual change in UC-client. The Knowledge Worker changes status manually in the Lync or Skype for business client. Whatever change is made is reflected in the Genesys environment, with the emulated agent DN ... set to Ready, NotReady, or LoggedOut."', manualChange);
  test('"Knowledge Worker accepts a call. On accepting a routed call from the contact center, the Knowledge Worker\'s presence status is changed in the UC-client to Do Not Disturb."', acceptsCall);
  test('"Knowledge Worker declines a preview. ... changed (by default) to the agent status of NotReady. After a configured NotReady timeout period (5 minutes by default), ... if the Microsoft status is still Online, then the Knowledge Worker is put back into the Ready agent status."', declinesPreview);
  test('"Knowledge Worker is unavailable for contact-center work. The Knowledge Worker changes status to Do Not Disturb in the UC Connector GUI. This sets their Genesys agent status (by default) to NotReady, but does not otherwise affect their presence status ... regular Microsoft presence status changes are not mapped ... Only once the Knowledge Worker indicates that they are again Available ..."', unavailableForContactCenter);
  test('"Automatic change in UC Connector client. ... aware if the Knowledge Worker enters a meeting or is out of office ... detects when the user has been idle for a while, and this is also captured"', automaticChange);
});

describe('seed 003, default mapping table', () => {
  test('"Online → Ready"', () => {
    const h = KwHarness.loggedIn(null);
    assert.deepEqual(requests(h.input({ type: 'presence', presence: presence('online', { source: 'pidf' }) })), ['RequestAgentReady(ready)']);
  });
  test('"Offline → LoggedOut"', () => {
    const h = KwHarness.loggedIn(null);
    assert.deepEqual(requests(h.input({ type: 'presence', presence: presence('offline', { source: 'pidf' }) })), ['RequestAgentLogout']);
  });
  test('"Any other status → NotReady + Reason code"', () => {
    for (const [a, word] of [['busy', 'busy'], ['do-not-disturb', 'dnd'], ['be-right-back', 'be-right-back'], ['away', 'away']] as const) {
      const h = KwHarness.loggedIn(presence(3500));
      assert.deepEqual(requests(h.input({ type: 'presence', presence: presence(a, { source: 'pidf' }) })), [`RequestAgentNotReady(${word})`], a);
    }
  });
  test('"Push On-Call Status ... when the Knowledge Worker receives a call, UC Connector updates the Knowledge Worker UC status to the default Do Not Disturb. This status setting is configurable (see oncall-status)"', () => {
    const h = KwHarness.loggedIn(presence(3500), { pushOnCallStatus: true, onCallStatus: 6500 });
    assert.deepEqual(publishes(h.external({ message: 'EventEstablished', ConnID: '00000000000000c2' })), ['6500']);
  });
  test('"Presence Connector Mode ... map Genesys agent states to Microsoft presence states, and then push the Microsoft presence state ... as it changes in Genesys" (presence-sync-mode)', () => {
    const h = new KwHarness({ syncMode: 'push' });
    h.tserver = { state: 'Ready', workMode: 'ManualIn' };
    assert.deepEqual(publishes(h.input({ type: 'autoRegister' })), ['3500']);
    assert.deepEqual(publishes(h.external({ message: 'EventAgentNotReady', AgentWorkMode: 'AfterCallWork' })), ['6500:Working after call']);
  });
});

describe('seed 000, Table 5: Status Change Scenarios', () => {
  test('"Manual change in UC-client. ... Whatever change is made is reflected in the Genesys environment, with the emulated agent DN that represents the Knowledge Worker being set to Ready, NotReady, or LoggedOut."', manualChange);
  test('"Knowledge Worker accepts a call. On accepting a routed call from the contact center, the Knowledge Worker\'s presence status is changed in the UC-client to Do Not Disturb."', acceptsCall);
  test('"Knowledge Worker declines a preview. ... NotReady. After a configured NotReady timeout period (5 minutes by default), the Knowledge Worker\'s agent status is updated to whatever their current presence status is in the UC-client."', () => {
    declinesPreview();
    // "whatever their current presence status is": a presence that changed meanwhile wins.
    const h = KwHarness.loggedIn(presence(3500));
    h.input({ type: 'autoState', kind: 'preview-reject' });
    h.input({ type: 'presence', presence: presence(12500) });
    assert.deepEqual(requests(h.fire('auto-state')), ['RequestAgentNotReady(be-right-back)']);
  });
  test('"Knowledge Worker is unavailable for contact-center work. The Knowledge Worker changes status to Do Not Disturb in the UC Connector GUI ... When this setting is enabled, regular UC-client status changes are not mapped ..."', unavailableForContactCenter);
  test('"Automatic change in UC Connector client. Most UC Clients are integrated with the user\'s calendar ... Similarly, UC Clients detect when the user has been idle for a while"', automaticChange);
});
