import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesShortkey, parseShortkey } from '../../../client/src/preview/shortkey.ts';

describe('preview hotkeys (seed 000 4.16)', () => {
  const cases: Array<{ rule: string; option: unknown; keys: string[] }> = [
    { rule: 'blank disables the hotkey', option: '', keys: [] },
    { rule: 'an unset option disables it', option: undefined, keys: [] },
    { rule: '#32 is the space bar', option: '#32', keys: [' '] },
    { rule: '#13 is Enter', option: '#13', keys: ['Enter'] },
    { rule: '#65 is A', option: '#65', keys: ['A'] },
    { rule: 'a code over 127 is invalid (disabled)', option: '#200', keys: [] },
    { rule: 'a non-printing code without a key name is invalid', option: '#7', keys: [] },
    { rule: 'a lone # is invalid', option: '#', keys: [] },
    { rule: '#x is invalid (a literal # is written ##)', option: '#x', keys: [] },
    { rule: '## starts with a literal #', option: '##a', keys: ['#', 'a'] },
    { rule: 'characters: any of them triggers, case as written', option: 'QqWw', keys: ['Q', 'q', 'W', 'w'] },
    { rule: 'over 255 characters is invalid', option: 'a'.repeat(256), keys: [] },
  ];
  for (const c of cases) test(c.rule, () => assert.deepEqual([...parseShortkey(c.option)].sort(), [...c.keys].sort()));

  test('matchesShortkey compares KeyboardEvent.key', () => {
    const k = parseShortkey('Aa');
    assert.equal(matchesShortkey(k, 'a'), true);
    assert.equal(matchesShortkey(k, 'b'), false);
    assert.equal(matchesShortkey(parseShortkey(''), ''), false);
  });
});
