import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expire, initialSocketState, reconnectDelay, reduceSocketMessage, type KwSocketState } from '../../../client/src/socket/kw-socket-state.ts';
import { fractionLeft, secondsLeft } from '../../../client/src/preview/countdown.ts';
import { keyedFields, kvRecord, kvText, shouldPopup, visibleSections } from '../../../client/src/interactions/call-display.ts';

const preview = (id: string, remaining = 15000, extra: Record<string, unknown> = {}) => ({ type: 'preview', id, connId: `c-${id}`, dn: '5000', mediaType: 'voice', userData: [['custname', 'Анна']], deadline: 0, remaining, canRedirect: false, ...extra });
const call = (connId: string, state = 'ringing', extra: Record<string, unknown> = {}) => ({ type: 'interaction', interaction: { connId, state, otherDn: '555', parties: [], userData: [], callType: null, startedAt: 1, updatedAt: 1, actions: ['answer'], ...extra } });
const apply = (msgs: unknown[], now = 1000, s: KwSocketState = initialSocketState) => msgs.reduce<KwSocketState>((acc, m) => reduceSocketMessage(acc, m, now), s);

describe('KW socket state', () => {
  test('a preview gets a local deadline: receipt time + remaining (server clock skew does not matter)', () => {
    const s = apply([preview('p1', 15000)], 1000);
    assert.equal(s.previews[0]?.localDeadline, 16000);
  });

  test('preview-closed moves the preview to the closed list with its outcome', () => {
    const s = apply([preview('p1'), { type: 'preview-closed', id: 'p1', outcome: 'taken' }]);
    assert.deepEqual(s.previews, []);
    assert.deepEqual(s.closedPreviews.map((c) => c.outcome), ['taken']);
  });

  test('an accepted preview marks its call as coming from a preview; a rejected one does not', () => {
    assert.deepEqual(apply([preview('p1'), { type: 'preview-closed', id: 'p1', outcome: 'accepted' }]).previewConnIds, ['c-p1']);
    assert.deepEqual(apply([preview('p1'), { type: 'preview-closed', id: 'p1', outcome: 'rejected' }]).previewConnIds, []);
  });

  test('an unknown outcome or malformed message changes nothing', () => {
    const s = apply([preview('p1')]);
    assert.equal(reduceSocketMessage(s, { type: 'preview-closed', id: 'p1', outcome: 'exploded' }, 1), s);
    assert.equal(reduceSocketMessage(s, { type: 'preview', id: 5 }, 1), s);
    assert.equal(reduceSocketMessage(s, 'hello', 1), s);
    assert.equal(reduceSocketMessage(s, { type: 'nope' }, 1), s);
  });

  test('interaction upserts by ConnID; previousConnId replaces the renamed call', () => {
    const s = apply([call('a'), call('a', 'established'), { ...call('b', 'established'), previousConnId: 'a' }]);
    assert.deepEqual(s.interactions.map((i) => [i.connId, i.state]), [['b', 'established']]);
  });

  test('interaction-closed keeps the call as released until itx-window-close-timeout', () => {
    const s = apply([call('a', 'established'), { type: 'interaction-closed', connId: 'a' }], 1000);
    assert.equal(s.interactions[0]?.state, 'released');
    assert.deepEqual(s.interactions[0]?.actions, []);
    assert.equal(expire(s, 1000 + 8999, 5000, 9000).interactions.length, 1);
    assert.equal(expire(s, 1000 + 9000, 5000, 9000).interactions.length, 0);
  });

  test('closed-preview notices expire; expire returns the same state when nothing expires', () => {
    const s = apply([preview('p1'), { type: 'preview-closed', id: 'p1', outcome: 'timeout' }], 1000);
    assert.equal(expire(s, 2000, 5000, 9000), s);
    assert.deepEqual(expire(s, 6000, 5000, 9000).closedPreviews, []);
  });

  test('lists are capped at 50 entries', () => {
    const s = apply(Array.from({ length: 60 }, (_, i) => preview(`p${i}`)));
    assert.equal(s.previews.length, 50);
    assert.equal(s.previews[0]?.id, 'p10');
  });

  test('reconnect backoff: doubling from 0.5 s to 30 s, jitter ±20%', () => {
    assert.equal(reconnectDelay(0, 0.5), 500);
    assert.equal(reconnectDelay(3, 0.5), 4000);
    assert.equal(reconnectDelay(50, 0.5), 30000);
    assert.equal(reconnectDelay(0, 0), 400);
    assert.equal(reconnectDelay(0, 1), 600);
  });
});

describe('preview countdown', () => {
  test('whole seconds, rounded up, never negative', () => {
    assert.equal(secondsLeft(16000, 1000), 15);
    assert.equal(secondsLeft(16000, 1800), 15);
    assert.equal(secondsLeft(16000, 15001), 1);
    assert.equal(secondsLeft(16000, 16000), 0);
    assert.equal(secondsLeft(16000, 20000), 0);
  });
  test('fraction left is clamped to 0..1', () => {
    assert.equal(fractionLeft(16000, 8500, 15000), 0.5);
    assert.equal(fractionLeft(16000, 0, 15000), 1);
    assert.equal(fractionLeft(16000, 17000, 15000), 0);
    assert.equal(fractionLeft(16000, 1000, 0), 0);
  });
});

describe('call display rules', () => {
  const ud = [['custname', '<b>Анна</b>'], ['custname', 'second'], ['n', 7], ['nested', [['k', 'v']]]] as const;
  test('the first value of a repeated key is shown; numbers as text; nested lists are not text', () => {
    assert.equal(kvRecord(ud)['custname'], '<b>Анна</b>');
    assert.equal(kvText(ud, 'n'), '7');
    assert.equal(kvText(ud, 'nested'), '');
    assert.equal(kvText(ud, 'missing'), '');
  });
  test('a key named __proto__ is a plain key', () => {
    assert.equal(kvText([['__proto__', 'x']], '__proto__'), 'x');
  });
  test('keyed fields keep option order and their key', () => {
    assert.deepEqual(keyedFields(['title: N, value: [n]', 'bad', 'title: Customer, value: [custname]', 'title: X, value: [missing]'], kvRecord(ud)), [
      { key: 'n', title: 'N', value: '7' },
      { key: 'custname', title: 'Customer', value: '<b>Анна</b>' },
    ]);
  });
  const c = (userData: Array<[string, string]>) => ({ connId: 'c', state: 'ringing' as const, otherDn: null, parties: [], userData, callType: null, startedAt: 0, updatedAt: 0, actions: [] });
  test('popup-udata-key: blank pops every call; set pops only calls with the key; preview calls always', () => {
    assert.equal(shouldPopup(c([]), '', false), true);
    assert.equal(shouldPopup(c([]), 'CRM', false), false);
    assert.equal(shouldPopup(c([['CRM', '1']]), 'CRM', false), true);
    assert.equal(shouldPopup(c([]), 'CRM', true), true);
  });
  test('while ringing, userdata-*-onringing decide; once established everything shows', () => {
    const off = { userDataOnRinging: false, notesOnRinging: false, contactOnRinging: false };
    assert.deepEqual(visibleSections('ringing', off), { caseData: false, notes: false, contact: false });
    assert.deepEqual(visibleSections('ringing', { ...off, userDataOnRinging: true }), { caseData: true, notes: false, contact: false });
    assert.deepEqual(visibleSections('established', off), { caseData: true, notes: true, contact: true });
  });
});
