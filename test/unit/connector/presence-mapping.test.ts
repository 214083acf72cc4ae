import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mapPresence, matchCodeLists, ucStatusWord } from '../../../src/connector/presence-mapping.ts';
import { defaultKwConfig, parseNoteTrigger, type KwConfig } from '../../../src/connector/kw-config.ts';
import { parseRangeList } from '../../../src/config/option-value.ts';
import type { NumberRange } from '../../../src/config/option-value.ts';
import { presence } from './support/kw-harness.ts';

const ranges = (s: string): NumberRange[] => {
  const r = parseRangeList(s);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

const describeTarget = (c: KwConfig, p: ReturnType<typeof presence>): string => {
  const m = mapPresence(p, c);
  if (!m.target) return `none by ${m.rule}`;
  if (m.target.state === 'Ready' || m.target.state === 'NotReady') {
    const status = m.target.reasons.find(([k]) => k === 'KW_UC_STATUS')?.[1];
    const note = m.target.reasons.find(([k]) => k === 'KW_UC_NOTE')?.[1];
    return `${m.target.state}(${String(status)},${String(note)}) by ${m.rule}`;
  }
  return `${m.target.state} by ${m.rule}`;
};

describe('default mapping (seed 003 table; seed 000 Table 4 / Table 8)', () => {
  const rows: Array<[string, ReturnType<typeof presence>, string]> = [
    ['Online (3500) → Ready with KW_UC_STATUS ready', presence(3500), 'Ready(ready,) by agent-status-ready'],
    ['Offline (18500) → LoggedOut', presence(18500), 'LoggedOut by agent-status-logout'],
    ['Busy (6500) → NotReady + busy', presence(6500), 'NotReady(busy,) by agent-status-notready'],
    ['Do Not Disturb (9500) → NotReady + dnd', presence(9500), 'NotReady(dnd,) by agent-status-notready'],
    ['Be Right Back (12500) → NotReady + be-right-back', presence(12500), 'NotReady(be-right-back,) by agent-status-notready'],
    ['Away (15500) → NotReady + away', presence(15500), 'NotReady(away,) by agent-status-notready'],
    ['Inactive (4500, idle) → NotReady + idle', presence(4500), 'NotReady(idle,) by agent-status-notready'],
    ['the note travels as KW_UC_NOTE', presence(6500, { note: 'In a meeting' }), 'NotReady(busy,In a meeting) by agent-status-notready'],
    ['PIDF online (no MS-PRES code given) maps by its typical code', presence('online', { code: null, source: 'pidf' }), 'Ready(ready,) by agent-status-ready'],
    ['PIDF away maps to NotReady + away', presence('away', { source: 'pidf' }), 'NotReady(away,) by agent-status-notready'],
    ['MS-PRES 1000 (the codec says unknown; Table 14 says Available) → Ready + ready', { ...presence(1000), availability: 'unknown' }, 'Ready(ready,) by agent-status-ready'],
    ['unknown presence with no code leaves the agent alone', presence('unknown', { code: null }), 'none by unknown-presence'],
    ['a negative code matches no list → NotReady + reason ("any other status")', presence(-5), 'NotReady(unknown,) by no-list-matched'],
  ];
  for (const [name, p, want] of rows) test(name, () => assert.equal(describeTarget(defaultKwConfig, p), want));
});

describe('range lists agent-status-ready / -notready / -logout', () => {
  const rows: Array<[string, Partial<KwConfig>, number, string]> = [
    ['single code: notready "6500" claims only 6500', { agentStatusReady: [], agentStatusNotReady: ranges('6500'), agentStatusLogout: [] }, 6500, 'NotReady'],
    ['single code: 6501 matches nothing → NotReady by no-list-matched', { agentStatusReady: [], agentStatusNotReady: ranges('6500'), agentStatusLogout: [] }, 6501, 'NotReady/no-list-matched'],
    ['closed range a-b: ready "3000-4499" includes both ends', { agentStatusReady: ranges('3000-4499') }, 4499, 'Ready'],
    ['open range a-: logout "18000-" includes 999999', {}, 999_999, 'LoggedOut'],
    ['list with spaces: "3500, 3000-4499"', { agentStatusReady: ranges('3500, 3000-4499') }, 3500, 'Ready'],
    ['overlap: a single code beats a range (notready "3500" vs ready 0-4499)', { agentStatusNotReady: ranges('3500,4500-17999') }, 3500, 'NotReady'],
    ['overlap: the narrower range wins (logout 0-2999 vs ready 0-4499)', { agentStatusLogout: ranges('18500,0-2999,18000-') }, 1000, 'LoggedOut'],
    ['overlap: outside the narrow range the wide one still applies (3500 → Ready)', { agentStatusLogout: ranges('18500,0-2999,18000-') }, 3500, 'Ready'],
    ['overlap: the open range is the widest (notready 4500-18000 beats logout 18000-)', { agentStatusNotReady: ranges('6500,9500,12500,15500,4500-18000') }, 18000, 'NotReady'],
    ['overlap tie: equal width → LoggedOut beats NotReady beats Ready', { agentStatusReady: ranges('7000'), agentStatusNotReady: ranges('7000'), agentStatusLogout: ranges('7000') }, 7000, 'LoggedOut'],
    ['overlap tie: NotReady beats Ready', { agentStatusReady: ranges('7000'), agentStatusNotReady: ranges('7000') }, 7000, 'NotReady'],
  ];
  for (const [name, cfg, code, want] of rows) {
    test(name, () => {
      const c = { ...defaultKwConfig, ...cfg };
      const m = mapPresence(presence(code), c);
      const got = m.target?.state ?? 'none';
      assert.equal(m.rule === 'no-list-matched' ? `${got}/no-list-matched` : got, want);
    });
  }

  test('matchCodeLists reports the winning range', () => {
    assert.deepEqual(matchCodeLists(1000, { ready: ranges('0-4499'), notReady: [], logout: ranges('0-2999') }), { state: 'LoggedOut', range: { from: 0, to: 2999 } });
    assert.equal(matchCodeLists(5, { ready: [], notReady: [], logout: [] }), null);
  });
});

describe('note triggers agent-onnote-tstatus<x>', () => {
  const rows: Array<[string, string, ReturnType<typeof parseNoteTrigger>]> = [
    ['seed example "NotReady, I am busy"', 'NotReady, I am busy', { option: 'o', state: 'NotReady', note: 'I am busy' }],
    ['"not ready, ..." (the seed\'s valid-values spelling)', 'not ready, Lunch', { option: 'o', state: 'NotReady', note: 'Lunch' }],
    ['"ready, ..."', 'ready, Back', { option: 'o', state: 'Ready', note: 'Back' }],
    ['"logout, ..."', 'logout, Gone home', { option: 'o', state: 'LoggedOut', note: 'Gone home' }],
    ['a note may hold commas', 'ready, yes, really', { option: 'o', state: 'Ready', note: 'yes, really' }],
    ['no comma → invalid', 'ready', undefined],
    ['unknown state → invalid', 'sleeping, zzz', undefined],
    ['empty note → invalid', 'ready,  ', undefined],
  ];
  for (const [name, value, want] of rows) test(`parse: ${name}`, () => assert.deepEqual(parseNoteTrigger('o', value), want));

  const cfg: KwConfig = { ...defaultKwConfig, noteTriggers: [{ option: 'agent-onnote-tstatus1', state: 'NotReady', note: 'I am busy' }, { option: 'agent-onnote-tstatus2', state: 'LoggedOut', note: 'Gone home' }, { option: 'agent-onnote-tstatus3', state: 'Ready', note: 'I am busy' }] };
  const rows2: Array<[string, ReturnType<typeof presence>, string]> = [
    ['a matching note sets NotReady although Online', presence(3500, { note: 'I am busy' }), 'NotReady(ready,I am busy) by agent-onnote-tstatus'],
    ['matching ignores case and surrounding blanks', presence(3500, { note: '  i AM busy ' }), 'NotReady(ready,  i AM busy ) by agent-onnote-tstatus'],
    ['logout trigger', presence(6500, { note: 'Gone home' }), 'LoggedOut by agent-onnote-tstatus'],
    ['the lowest <x> wins when two options share a note', presence(3500, { note: 'I am busy' }), 'NotReady(ready,I am busy) by agent-onnote-tstatus'],
    ['a note that matches no trigger falls back to the code lists', presence(3500, { note: 'I am busy today' }), 'Ready(ready,I am busy today) by agent-status-ready'],
  ];
  for (const [name, p, want] of rows2) test(`match: ${name}`, () => assert.equal(describeTarget(cfg, p), want));
});

test('ucStatusWord names every availability', () => {
  assert.deepEqual(['online', 'busy', 'do-not-disturb', 'be-right-back', 'away', 'offline'].map((a) => ucStatusWord(a as 'online')), ['ready', 'busy', 'dnd', 'be-right-back', 'away', 'offline']);
});
