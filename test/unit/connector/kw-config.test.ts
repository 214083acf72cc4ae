import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { emptyObjects, type ConfigObjects, type OptionSections } from '../../../src/config/config-objects.ts';
import { OptionResolver } from '../../../src/config/option-resolver.ts';
import { defaultKwConfig, readNoteTriggers, resolveKwConfig } from '../../../src/connector/kw-config.ts';

function objects(app: OptionSections, annex: OptionSections = {}): ConfigObjects {
  const o = emptyObjects();
  o.applications.push({ name: 'UCC', type: 'ucc', options: app });
  o.persons.push({ userName: 'alice', agentLogins: [], annex });
  o.persons.push({ userName: 'bob', agentLogins: [], annex: {} });
  return o;
}

function resolve(app: OptionSections, annex: OptionSections = {}, person = 'alice') {
  const view = new ConfigIndex(objects(app, annex));
  return resolveKwConfig(new OptionResolver({ view, application: 'UCC' }), view, 'UCC', person);
}

describe('KwConfig precedence: Person annex over Application over default', () => {
  const rows: Array<[string, OptionSections, OptionSections, (c: ReturnType<typeof resolve>) => unknown, unknown]> = [
    ['defaults when nothing is set', {}, {}, (c) => [c.agentStatusReady, c.agentStatusNotReady, c.agentStatusLogout, c.onCallStatus, c.pushOnCallStatus, c.syncMode], [[{ from: 0, to: 4499 }], [{ from: 4500, to: 17999 }], [{ from: 18000, to: Infinity }], 9500, false, 'pull']],
    ['Application agent-status-ready applies', { 'Microsoft-OCS': { 'agent-status-ready': '3500, 3000-4499' } }, {}, (c) => c.agentStatusReady, [{ from: 3500, to: 3500 }, { from: 3000, to: 4499 }]],
    ['Person agent-status-ready overrides the Application', { 'Microsoft-OCS': { 'agent-status-ready': '0-4499' } }, { 'Microsoft-OCS': { 'agent-status-ready': '3500' } }, (c) => c.agentStatusReady, [{ from: 3500, to: 3500 }]],
    ['Person enable-push-oncall-status / oncall-status override the Application', { 'Microsoft-OCS': { 'enable-push-oncall-status': 'false', 'oncall-status': 9500 } }, { 'Microsoft-OCS': { 'enable-push-oncall-status': 'true', 'oncall-status': '6500' } }, (c) => [c.pushOnCallStatus, c.onCallStatus], [true, 6500]],
    ['Person presence-sync-mode overrides the Application (section spelled UC-Connector on the annex)', { 'uc-connector': { 'presence-sync-mode': 'pull' } }, { 'UC-Connector': { 'presence-sync-mode': 'push' } }, (c) => c.syncMode, 'push'],
    ['an invalid Person value falls back to the default (not to the Application)', { 'Microsoft-OCS': { 'oncall-status': 6500 } }, { 'Microsoft-OCS': { 'oncall-status': 'loud' } }, (c) => c.onCallStatus, 9500],
    ['uc-connector options: dnd-off-timeout, user-unregister-timeout, login-queue', { 'uc-connector': { 'dnd-off-timeout': 1000, 'user-unregister-timeout': 2000, 'login-queue': 'Q9' } }, {}, (c) => [c.dndOffTimeoutMs, c.userUnregisterTimeoutMs, c.loginQueue], [1000, 2000, 'Q9']],
    ['ACW / legal guard options', { 'Microsoft-OCS': { 'presence-acw-status': 9500, 'presence-acw-note': 'ACW', 'presence-lg-status': 12500, 'presence-lg-note': 'LG', 'presence-note-policy': 'strip' } }, {}, (c) => [c.acwStatus, c.acwNote, c.lgStatus, c.lgNote, c.notePolicy], [9500, 'ACW', 12500, 'LG', 'strip']],
  ];
  for (const [name, app, annex, pick, want] of rows) test(name, () => assert.deepEqual(pick(resolve(app, annex)), want));

  test('another Person without an annex reads the Application value', () => {
    const c = resolve({ 'Microsoft-OCS': { 'agent-status-ready': '0-4499' } }, { 'Microsoft-OCS': { 'agent-status-ready': '3500' } }, 'bob');
    assert.deepEqual(c.agentStatusReady, [{ from: 0, to: 4499 }]);
  });

  test('the retry settings are OpenUCC defaults, overridable by the shell', () => {
    const view = new ConfigIndex(objects({}));
    const c = resolveKwConfig(new OptionResolver({ view, application: 'UCC' }), view, 'UCC', 'alice', { retryInitialMs: 5 });
    assert.equal(c.retryInitialMs, 5);
    assert.equal(c.retryMaxMs, defaultKwConfig.retryMaxMs);
  });
});

describe('agent-onnote-tstatus<x> reading', () => {
  test('options are ordered by <x>, the bare name first; invalid values are reported and skipped', () => {
    const view = new ConfigIndex(objects({ 'Microsoft-OCS': { 'agent-onnote-tstatus10': 'ready, ten', 'agent-onnote-tstatus2': 'NotReady, I am busy', 'agent-onnote-tstatus': 'logout, bye', 'agent-onnote-tstatus3': 'nonsense' } }));
    const bad: string[] = [];
    const t = readNoteTriggers(view, 'UCC', (o) => bad.push(o));
    assert.deepEqual(t.map((x) => `${x.option}:${x.state}:${x.note}`), ['agent-onnote-tstatus:LoggedOut:bye', 'agent-onnote-tstatus2:NotReady:I am busy', 'agent-onnote-tstatus10:Ready:ten']);
    assert.deepEqual(bad, ['agent-onnote-tstatus3']);
  });
  test('no Application or no section → no triggers', () => {
    assert.deepEqual(readNoteTriggers(new ConfigIndex(objects({})), 'UCC'), []);
    assert.deepEqual(readNoteTriggers(new ConfigIndex(objects({})), 'nope'), []);
  });
});
