import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../../src/config/config-loader.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';
import { findSection } from '../../../src/config/config-objects.ts';

const dir = 'config';
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

describe('the example configurations in config/', () => {
  test('there are examples, including demo.yaml and tserver.yaml', () => {
    assert.ok(files.includes('demo.yaml') && files.includes('tserver.yaml'), files.join(', '));
  });
  for (const f of files) {
    test(`${f} is valid, without warnings`, () => {
      const r = loadConfigFile(join(dir, f), { hashPasswords: false });
      if (!r.ok) assert.fail(r.error.kind === 'unreadable' ? r.error.message : r.error.issues.map(formatIssue).join('\n'));
      assert.deepEqual(r.value.warnings.map(formatIssue), []);
      assert.ok(r.value.objects.persons.length > 0);
    });
  }
  test('demo.yaml is the embedded default: SQLite store, standalone presence, KWs with agent logins and places, a KW group, routing points', () => {
    const r = loadConfigFile(join(dir, 'demo.yaml'), { hashPasswords: false });
    assert.ok(r.ok);
    const o = r.value.objects;
    assert.equal(r.value.settings.store.type, 'sqlite');
    assert.equal(r.value.settings.presence.mode, 'standalone');
    const supervisor = (p: (typeof o.persons)[number]) => findSection(p.annex, 'uc')?.['role'] === 'supervisor';
    assert.ok(o.persons.filter((p) => !supervisor(p)).every((p) => p.agentLogins.length > 0 && p.defaultPlace !== undefined));
    assert.ok(o.persons.some((p) => supervisor(p) && p.agentLogins.length === 0), 'a supervisor who is not a KW (docs/supervisor.md)');
    assert.ok(o.agentGroups.length > 0);
    assert.ok(o.dns.some((d) => d.type === 'Routing Point'));
  });
  test('tserver.yaml has extensions, a routing point, a queue, a trunk, agent logins and persons', () => {
    const r = loadConfigFile(join(dir, 'tserver.yaml'), { hashPasswords: false });
    assert.ok(r.ok);
    const types = new Set(r.value.objects.dns.map((d) => d.type));
    for (const t of ['Extension', 'Routing Point', 'ACD Queue', 'Trunk'] as const) assert.ok(types.has(t), t);
    assert.ok(r.value.objects.agentLogins.length > 0);
  });
});
