import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTServerConfig, parseNoAnswerAction, parseWrapUpTime, readTServerOptions, TSERVER_OPTION_DEFAULTS } from '../../../src/tserver/tserver-config.ts';
import { tserverConfigFromObjects } from '../../../src/tserver/tserver-config-binding.ts';
import { loadConfigFile } from '../../../src/config/config-loader.ts';
import { UccError } from '../../../src/lib/errors.ts';
import { defaultOptionTable } from '../../../src/config/option-table.ts';

describe('TServerConfig', () => {
  test('defaults apply to options not given', () => {
    assert.deepEqual(readTServerOptions({}), TSERVER_OPTION_DEFAULTS);
  });

  test('the defaults are the option table\'s (src/config/option-table.ts), with the values they always had', () => {
    assert.deepEqual(TSERVER_OPTION_DEFAULTS, {
      'agent-strict-id': false, 'logout-on-disconnect': true, 'auto-logout-timeout': 0, 'auto-logout-ready': false, 'wrap-up-time': 0, 'legal-guard-time': 0,
      'timed-acw-in-idle': true, 'default-dn': undefined, 'default-redirection-limit': 5, 'router-timeout': 10, 'no-answer-timeout': 15, 'no-answer-action': 'none', 'im-reporting': 'default', 'pass-transcript-to-agent': true,
    });
    for (const [name, value] of Object.entries(TSERVER_OPTION_DEFAULTS)) {
      assert.equal(defaultOptionTable.find('TServer', name)?.default, value ?? '', name);
    }
  });

  test('DN and Agent Login annex options are checked against the option table kinds', () => {
    assert.throws(() => createTServerConfig({ dns: [{ name: '7001', type: 'Extension', options: { contact: 'pc7001:5060' } }] }), /DN 7001: option contact/);
    assert.throws(() => createTServerConfig({ agentLogins: [{ agentId: 'a1', options: { 'wrap-up-time': 'soon' } }] }), /Agent Login a1: option wrap-up-time/);
    assert.doesNotThrow(() => createTServerConfig({ dns: [{ name: '7001', type: 'Extension', options: { contact: 'sip:7001@pc7001.example.test:5060', 'legal-guard-time': 'not read on a DN' } }] }));
  });

  const wrap: Array<[unknown, unknown]> = [[0, 0], ['30', 30], [12, 12], ['untimed', 'untimed'], ['UNTIMED', 'untimed'], ['-1', undefined], ['soon', undefined], ['', undefined]];
  for (const [input, want] of wrap) test(`wrap-up-time ${JSON.stringify(input)} -> ${String(want)}`, () => assert.equal(parseWrapUpTime(input as string), want));

  const actions: Array<[string, unknown]> = [['none', 'none'], ['not ready', 'notready'], ['notready', 'notready'], ['logout', 'logout'], ['NOT_READY', 'notready'], ['sleep', undefined]];
  for (const [input, want] of actions) test(`no-answer-action '${input}' -> ${String(want)}`, () => assert.equal(parseNoAnswerAction(input), want));

  test('an invalid option value is a configuration error naming the option', () => {
    assert.throws(() => createTServerConfig({ options: { 'router-timeout': 'later' } }), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_CONFIG_INVALID' && /router-timeout/.test(e.message));
  });

  test('DNs differing only by case are refused (MSG_TS_COMMON_DN_MISCONFIGURED)', () => {
    assert.throws(() => createTServerConfig({ dns: [{ name: 'sip:dn1', type: 'Extension' }, { name: 'sip:DN1', type: 'Extension' }] }), /MSG_TS_COMMON_DN_MISCONFIGURED/);
  });

  test('non-ASCII DN names and unknown DN types are refused', () => {
    assert.throws(() => createTServerConfig({ dns: [{ name: 'sip:jörg@lab', type: 'Extension' }] }), /non-ASCII/);
    assert.throws(() => createTServerConfig({ dns: [{ name: 'x', type: 'Phone' as never }] }), /unknown type/);
  });

  test('binding: config/tserver.yaml gives the switch, its DNs with annex options, the agent logins and the Application options', () => {
    const loaded = loadConfigFile('config/tserver.yaml', { hashPasswords: false });
    assert.ok(loaded.ok);
    const bound = tserverConfigFromObjects(loaded.value.objects);
    assert.ok(bound.ok, bound.ok ? '' : bound.error);
    const c = bound.value;
    assert.equal(c.switchName, 'SIP_Switch');
    assert.deepEqual(c.dns.map((d) => `${d.name}:${d.type}`), ['1001:Extension', '1002:Extension', '1003:Extension', '5000:RoutingPoint', '7000:ACDQueue', '7100:VirtualQueue', '9000:Trunk']);
    assert.equal(c.dns.find((d) => d.name === '5000')?.options?.['router-timeout'], 5);
    assert.equal(c.agentLogins.find((a) => a.agentId === '5003')?.options?.['wrap-up-time'], 'untimed');
    assert.equal(readTServerOptions(c.options)['agent-strict-id'], true);
    assert.equal(readTServerOptions(c.options)['default-dn'], '7000');
  });

  test('binding: no tserver application is an error', () => {
    const r = tserverConfigFromObjects({ switches: [], dns: [], places: [], persons: [], agentLogins: [], agentGroups: [], applications: [] });
    assert.equal(r.ok, false);
  });
});
