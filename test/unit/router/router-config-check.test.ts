/** `ucc check-config` catches a bad `[router]` strategy with file:line (the loader runs the section rules). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/config-loader.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';

function issues(text: string): string[] {
  const r = parseConfigText(text, 'cfg.yaml', { hashPasswords: false });
  if (r.ok) return r.value.warnings.map(formatIssue);
  if (r.error.kind === 'unreadable') return ['unreadable'];
  return r.error.issues.map(formatIssue);
}

const rp = (router: string): string => `switches:\n  - name: SW\ndns:\n  - number: '5000'\n    switch: SW\n    type: Routing Point\n    annex:\n      router:\n${router}`;

describe('[router] sections in the configuration', () => {
  const cases: Array<{ rule: string; router: string; expected: string[] }> = [
    { rule: 'a valid strategy passes', router: '        target: Sales\n        selection: broadcast\n', expected: [] },
    { rule: 'an unknown selection is an error on its line', router: '        target: Sales\n        selection: random\n', expected: ['cfg.yaml:10: dns[0].annex.router.selection: must be one of targeted, round-robin, longest-idle, broadcast'] },
    { rule: 'a missing target is an error on the section', router: '        selection: broadcast\n', expected: ['cfg.yaml:8: dns[0].annex.router: target: is required (the agent group name)'] },
    { rule: 'targeted with an agent group is an error on selection', router: '        target: Sales\n        selection: targeted\n', expected: ['cfg.yaml:10: dns[0].annex.router.selection: targeted needs target-type kw or userdata; an agent group takes round-robin, longest-idle or broadcast'] },
    { rule: 'broadcast without preview is an error', router: '        target: Sales\n        selection: broadcast\n        preview: false\n', expected: ['cfg.yaml:10: dns[0].annex.router.selection: broadcast needs preview = true (the first to accept wins)'] },
    { rule: 'a bad max-attempts is an error on its line', router: '        target: Sales\n        max-attempts: 0\n', expected: ['cfg.yaml:10: dns[0].annex.router.max-attempts: must be an integer >= 1'] },
    { rule: 'a misspelt option is a warning', router: '        target: Sales\n        max-atempts: 2\n', expected: ['cfg.yaml:10: warning: dns[0].annex.router.max-atempts: unknown option in section router'] },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      assert.deepEqual(issues(rp(c.router)), c.expected);
    });
  }
});
