import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderCandidates, kwKey } from '../../../src/router/agent-selection.ts';
import type { AvailableAgent } from '../../../src/stats/stat-types.ts';

const kw = (name: string, readySince: number): AvailableAgent => ({ agentId: `id-${name}`, userName: name, dn: `dn-${name}`, readySince });
const names = (l: AvailableAgent[]): string[] => l.map(kwKey);

describe('orderCandidates', () => {
  const all = [kw('carol', 30), kw('alice', 10), kw('bob', 20), kw('dave', 5)];
  const cases: Array<{ rule: string; mode: Parameters<typeof orderCandidates>[0]; available: AvailableAgent[]; tried?: string[]; cursor?: string; expected: string[] }> = [
    { rule: 'round-robin starts at the first KW in name order without a cursor', mode: 'round-robin', available: all, expected: ['alice', 'bob', 'carol', 'dave'] },
    { rule: 'round-robin continues after the cursor and wraps', mode: 'round-robin', available: all, cursor: 'bob', expected: ['carol', 'dave', 'alice', 'bob'] },
    { rule: 'round-robin skips an unavailable KW and resumes the order', mode: 'round-robin', available: [kw('alice', 1), kw('bob', 1), kw('dave', 1)], cursor: 'bob', expected: ['dave', 'alice', 'bob'] },
    { rule: 'round-robin with the cursor KW gone continues with the next name', mode: 'round-robin', available: [kw('alice', 1), kw('dave', 1)], cursor: 'bob', expected: ['dave', 'alice'] },
    { rule: 'round-robin wraps to the start after the last name', mode: 'round-robin', available: all, cursor: 'dave', expected: ['alice', 'bob', 'carol', 'dave'] },
    { rule: 'tried KWs are never offered again for the call', mode: 'round-robin', available: all, tried: ['carol'], cursor: 'bob', expected: ['dave', 'alice', 'bob'] },
    { rule: 'longest-idle offers the smallest readySince first', mode: 'longest-idle', available: all, expected: ['dave', 'alice', 'bob', 'carol'] },
    { rule: 'longest-idle leaves tried KWs out', mode: 'longest-idle', available: all, tried: ['dave'], expected: ['alice', 'bob', 'carol'] },
    { rule: 'broadcast takes every available KW', mode: 'broadcast', available: all, expected: ['carol', 'alice', 'bob', 'dave'] },
    { rule: 'nobody available gives no candidate', mode: 'broadcast', available: [], expected: [] },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      assert.deepEqual(names(orderCandidates(c.mode, c.available, new Set(c.tried ?? []), c.cursor)), c.expected);
    });
  }
  test('the input list is not modified', () => {
    const input = [kw('b', 2), kw('a', 1)];
    orderCandidates('round-robin', input, new Set(), undefined);
    assert.deepEqual(names(input), ['b', 'a']);
  });
});
