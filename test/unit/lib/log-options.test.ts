// The seeds' [log] options parsed for the pino sink, and their errors as the loader reports them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSettingsFromSection, parseLogExpire, parseLogOutputs, parseLogSegment } from '../../../src/lib/log-options.ts';
import { parseConfigText } from '../../../src/config/config-loader.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';
import { inMemoryDemoYaml } from '../../support/demo-config.ts';

test('verbose maps to the four levels; all, segment and expire parse as the seed writes them', () => {
  assert.deepEqual(logSettingsFromSection({ verbose: 'all', all: 'stdout, logs/ucc', segment: '50 MB', expire: '3' }), {
    level: 'debug', outputs: [{ kind: 'stdout' }, { kind: 'file', path: 'logs/ucc.log' }], segment: { kind: 'size', bytes: 50 * 1024 * 1024 }, expire: { kind: 'files', count: 3 },
  });
  assert.equal(logSettingsFromSection({ Verbose: 'standard' }).level, 'warn');
  assert.equal(logSettingsFromSection({ verbose: 'none' }).level, 'silent');
  assert.equal(logSettingsFromSection({ verbose: 'interaction' }).level, 'info');
  assert.deepEqual(parseLogSegment('100'), { ok: true, value: { kind: 'size', bytes: 100 * 1024 } });
  assert.deepEqual(parseLogSegment('2 hr'), { ok: true, value: { kind: 'hours', hours: 2 } });
  assert.deepEqual(parseLogSegment('false'), { ok: true, value: undefined });
  assert.deepEqual(parseLogExpire('7 day'), { ok: true, value: { kind: 'days', days: 7 } });
  assert.equal(parseLogSegment('lots').ok, false);
  assert.deepEqual(parseLogExpire('0'), { ok: true, value: undefined }, '0 keeps every file, like false');
  assert.equal(parseLogExpire('3 weeks').ok, false);
  assert.equal(parseLogOutputs('network').ok, false);
  assert.deepEqual(parseLogOutputs('app.json'), { ok: true, value: [{ kind: 'file', path: 'app.json' }] });
});

test('a bad [log] value is a configuration error naming file, line and option', () => {
  const yaml = inMemoryDemoYaml().replace('  - name: UCC\n    type: ucc\n    options:\n', '  - name: UCC\n    type: ucc\n    options:\n      log: { segment: lots }\n');
  const loaded = parseConfigText(yaml, 'ops.yaml', { hashPasswords: false });
  assert.equal(loaded.ok, false);
  const text = !loaded.ok && loaded.error.kind !== 'unreadable' ? loaded.error.issues.map(formatIssue).join('\n') : '';
  assert.match(text, /^ops\.yaml:\d+: .*log\.segment: must be false, a size/m);
});
