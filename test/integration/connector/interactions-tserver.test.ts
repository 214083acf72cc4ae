/**
 * The interaction tracker against the real T-Server over the framed in-memory T-Lib link: a call
 * to the KW's DN rings, is answered, held, retrieved, gets notes, is conferenced with a third DN
 * and transferred; a refused request comes back with the T-Server's ErrorCode.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionTracker } from '../../../src/connector/interactions/interaction-tracker.ts';
import type { Interaction, InteractionChange } from '../../../src/connector/interactions/interaction-machine.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import type { TlibEvent } from '../../../src/tlib/messages/message-catalogue.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { createTServerConfig } from '../../../src/tserver/tserver-config.ts';

describe('InteractionTracker with the T-Server', () => {
  const clock = new ManualClock();
  const server = new TServer({
    config: createTServerConfig({ switchName: 'SW', dns: [{ name: '7001', type: 'Extension' }, { name: '7002', type: 'Extension' }, { name: '7003', type: 'Extension' }, { name: 'RP1', type: 'RoutingPoint' }] }),
    clock,
  });
  const kwLink = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInMemory() }, clock, reconnect: false });
  const others = new TlibClient({ target: { kind: 'memory', connect: () => server.connectInMemory() }, clock, reconnect: false });
  const tracker = new InteractionTracker({ tlib: kwLink, clock });
  const changes: InteractionChange[] = [];
  const waiters: Array<() => void> = [];
  tracker.on('change', (_u, c) => {
    changes.push(c);
    for (const w of waiters.splice(0)) w();
  });

  /** Resolves when a change matches (the in-memory link delivers on later ticks). */
  async function change(pred: (c: InteractionChange) => boolean): Promise<InteractionChange> {
    for (let i = 0; i < 200; i++) {
      const hit = changes.find(pred);
      if (hit) {
        changes.splice(changes.indexOf(hit), 1);
        return hit;
      }
      await new Promise<void>((r) => {
        waiters.push(r);
        setImmediate(r);
      });
    }
    throw new Error('no matching interaction change');
  }
  const stateIs = (connId: string, state: Interaction['state']) => (c: InteractionChange) => c.type === 'upsert' && c.interaction.connId === connId && c.interaction.state === state;

  before(async () => {
    await kwLink.connect();
    await others.connect();
    await kwLink.registerAddress('7001');
    await others.registerAddress('7002');
    await others.registerAddress('7003');
    tracker.track('alice', '7001');
  });
  after(async () => {
    tracker.stop();
    kwLink.close();
    others.close();
    await server.close();
  });

  let connId = '';
  test('an incoming call rings, is answered, held and retrieved', async () => {
    const dialed = (await others.request({ message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001', UserData: [['custname', 'Анна']] })) as TlibEvent & { ConnID: string };
    connId = dialed.ConnID;
    const ringing = await change(stateIs(connId, 'ringing'));
    assert.deepEqual(ringing.interaction.userData, [['custname', 'Анна']]);
    assert.equal(ringing.interaction.otherDn, '7002');
    assert.equal((await tracker.answer('alice', connId)).ok, true);
    await change(stateIs(connId, 'established'));
    assert.equal((await tracker.hold('alice', connId)).ok, true);
    await change(stateIs(connId, 'held'));
    assert.equal((await tracker.retrieve('alice', connId)).ok, true);
    await change(stateIs(connId, 'established'));
  });

  test('notes are saved to the call UserData under the note key', async () => {
    assert.equal((await tracker.saveNotes('alice', connId, 'KW_ITX_NOTES', 'called back')).ok, true);
    const c = await change((x) => x.type === 'upsert' && x.interaction.userData.some(([k, v]) => k === 'KW_ITX_NOTES' && v === 'called back'));
    assert.deepEqual(c.interaction.userData, [['custname', 'Анна'], ['KW_ITX_NOTES', 'called back']]);
  });

  test('a request the T-Server refuses comes back with its ErrorCode', async () => {
    const r = await tracker.transfer('alice', connId, 'no-such-dn');
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.error.kind === 'tlib' && typeof r.error.code === 'number' && r.error.code > 0, JSON.stringify(!r.ok && r.error));
  });

  test('two-step conference: completes once the consulted DN answers', async () => {
    const r = await tracker.conference('alice', connId, '7003');
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    const consult = r.value.consultConnId;
    await change(stateIs(consult, 'dialing'));
    await others.request({ message: 'RequestAnswerCall', ThisDN: '7003', ConnID: consult });
    await change((c) => c.type === 'closed' && c.interaction.connId === consult);
    const added = await change((c) => c.type === 'upsert' && c.interaction.connId === connId && c.interaction.parties.includes('7003'));
    assert.equal(added.interaction.state, 'established');
  });

  test('release ends the conference call at the KW DN', async () => {
    assert.equal((await tracker.release('alice', connId)).ok, true);
    await change((c) => c.type === 'closed' && c.interaction.connId === connId);
    assert.deepEqual(tracker.interactionsOf('alice'), []);
  });

  async function establishedCall(): Promise<string> {
    const dialed = (await others.request({ message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001' })) as TlibEvent & { ConnID: string };
    await change(stateIs(dialed.ConnID, 'ringing'));
    await tracker.answer('alice', dialed.ConnID);
    await change(stateIs(dialed.ConnID, 'established'));
    return dialed.ConnID;
  }

  test('single-step transfer to a contact point (routing point) closes the call at the KW DN at once', async () => {
    const id = await establishedCall();
    const r = await tracker.transfer('alice', id, 'RP1');
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    await change((c) => c.type === 'closed' && c.interaction.connId === id);
    assert.deepEqual(tracker.interactionsOf('alice'), []);
  });

  test('single-step transfer to an extension: reported under way after the grace time, the call closes when the target answers', async () => {
    const id = await establishedCall();
    const pending = tracker.transfer('alice', id, '7003');
    clock.advance(2000);
    assert.deepEqual(await pending, { ok: true, value: undefined });
    assert.equal(tracker.interactionsOf('alice')?.[0]?.state, 'established', 'still on the call until 7003 answers');
    await others.request({ message: 'RequestAnswerCall', ThisDN: '7003', ConnID: id });
    await change((c) => c.type === 'closed' && c.interaction.connId === id);
  });
});
