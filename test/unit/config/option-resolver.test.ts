import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIndex } from '../../../src/config/config-index.ts';
import { OptionResolver, resolveOptionIn, type OptionContext } from '../../../src/config/option-resolver.ts';
import { knownOptions } from '../../../src/config/option-table.ts';
import { emptyObjects, type ConfigObjects, type OptionSections } from '../../../src/config/config-objects.ts';
import { declaredDefault } from '../../../src/config/option-table.ts';
import { UccError } from '../../../src/lib/errors.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';

/** A configuration where every level sets the options under test to a distinct value. */
function objects(over: { app?: OptionSections; dn?: OptionSections; login?: OptionSections; person?: OptionSections } = {}): ConfigObjects {
  const o = emptyObjects();
  o.switches.push({ name: 'SW', annex: {} });
  o.dns.push({ switch: 'SW', number: '1001', type: 'Extension', register: true, annex: over.dn ?? {} });
  o.dns.push({ switch: 'SW', number: '5000', type: 'Routing Point', register: true, annex: { TServer: { 'router-timeout': 3, 'default-dn': '7000' } } });
  o.agentLogins.push({ switch: 'SW', loginCode: '5001', annex: over.login ?? {} });
  o.persons.push({ userName: 'alice', agentLogins: [{ switch: 'SW', loginCode: '5001' }], annex: over.person ?? {} });
  o.applications.push({ name: 'TS', type: 'tserver', switch: 'SW', options: over.app ?? {} });
  o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': { 'redirect-setup-enabled': false } } });
  return o;
}

const all = {
  app: { TServer: { 'no-answer-action': 'none', 'wrap-up-time': 5 } },
  dn: { TServer: { 'no-answer-action': 'notready', 'wrap-up-time': 10 } },
  login: { TServer: { 'no-answer-action': 'logout', 'wrap-up-time': 'untimed' } },
};

describe('OptionResolver precedence (seed 004 5.9, seed 000 5.5)', () => {
  const cases: Array<{ rule: string; over: Parameters<typeof objects>[0]; app: string; section: string; name: string; ctx: OptionContext; value: unknown; source: string }> = [
    { rule: 'no-answer-action: Agent Login beats the Extension DN and the Application', over: all, app: 'TS', section: 'TServer', name: 'no-answer-action', ctx: { agentLogin: '5001', dn: '1001' }, value: 'logout', source: 'agentLogin' },
    { rule: 'no-answer-action: the Extension DN beats the Application', over: all, app: 'TS', section: 'TServer', name: 'no-answer-action', ctx: { dn: '1001' }, value: 'notready', source: 'dn' },
    { rule: 'no-answer-action: the Application applies without a DN or login value', over: { app: all.app }, app: 'TS', section: 'TServer', name: 'no-answer-action', ctx: { agentLogin: '5001', dn: '1001' }, value: 'none', source: 'application' },
    { rule: 'no-answer-action: the default applies when nothing is set', over: {}, app: 'TS', section: 'TServer', name: 'no-answer-action', ctx: {}, value: 'none', source: 'default' },
    { rule: 'wrap-up-time: the Agent Login override beats the Application [TServer]', over: all, app: 'TS', section: 'TServer', name: 'wrap-up-time', ctx: { agentLogin: { switch: 'SW', loginCode: '5001' } }, value: 'untimed', source: 'agentLogin' },
    { rule: 'wrap-up-time: the DN beats the Application', over: all, app: 'TS', section: 'TServer', name: 'wrap-up-time', ctx: { dn: { switch: 'SW', number: '1001' } }, value: 10, source: 'dn' },
    { rule: 'router-timeout: the Routing Point beats the Application', over: { app: { TServer: { 'router-timeout': 30 } } }, app: 'TS', section: 'TServer', name: 'router-timeout', ctx: { dn: '5000' }, value: 3, source: 'dn' },
    { rule: 'router-timeout: the Application applies to another DN', over: { app: { TServer: { 'router-timeout': 30 } } }, app: 'TS', section: 'TServer', name: 'router-timeout', ctx: { dn: '1001' }, value: 30, source: 'application' },
    { rule: 'an option not read on a level ignores it (legal-guard-time on a DN)', over: { dn: { TServer: { 'legal-guard-time': 9 } } }, app: 'TS', section: 'TServer', name: 'legal-guard-time', ctx: { dn: '1001' }, value: 0, source: 'default' },
    { rule: 'the Person annex beats the Application (redirect-setup-enabled)', over: { person: { 'UC-Connector': { 'redirect-setup-enabled': 'true' } } }, app: 'UCC', section: 'uc-connector', name: 'redirect-setup-enabled', ctx: { person: 'alice' }, value: true, source: 'person' },
    { rule: 'the Application applies to a Person without the annex option', over: {}, app: 'UCC', section: 'uc-connector', name: 'redirect-setup-enabled', ctx: { person: 'alice' }, value: false, source: 'application' },
    { rule: 'a DN number compares case-insensitively', over: { dn: { TServer: { 'no-answer-action': 'logout' } } }, app: 'TS', section: 'TServer', name: 'no-answer-action', ctx: { dn: '1001' }, value: 'logout', source: 'dn' },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      const r = new OptionResolver({ view: new ConfigIndex(objects(c.over)), application: c.app });
      assert.deepEqual(r.resolve(c.section, c.name, c.ctx), { value: c.value, source: c.source });
    });
  }
});

describe('OptionResolver values', () => {
  test('an invalid value falls back to the default with one logged warning', () => {
    const log = memoryLogger();
    const r = new OptionResolver({ view: new ConfigIndex(objects({ app: { TServer: { 'router-timeout': 'soon' } } })), application: 'TS', logger: log });
    assert.equal(r.getNumber('TServer', 'router-timeout'), 10);
    assert.equal(r.getNumber('TServer', 'router-timeout'), 10);
    const warnings = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.option, 'router-timeout');
    assert.equal(warnings[0]?.value, 'soon');
  });

  test('an invalid override falls back to the default, not to the next level', () => {
    const r = new OptionResolver({ view: new ConfigIndex(objects({ app: all.app, login: { TServer: { 'no-answer-action': 'explode' } } })), application: 'TS' });
    assert.deepEqual(r.resolve('TServer', 'no-answer-action', { agentLogin: '5001' }), { value: 'none', source: 'default' });
  });

  test('a change in the snapshot is seen by the next read', () => {
    const index = new ConfigIndex(objects({ app: { TServer: { 'wrap-up-time': 5 } } }));
    const r = new OptionResolver({ view: index, application: 'TS' });
    assert.equal(r.getSecondsOrUntimed('TServer', 'wrap-up-time'), 5);
    index.put('applications', { name: 'TS', type: 'tserver', switch: 'SW', options: { TServer: { 'wrap-up-time': 7 } } });
    assert.equal(r.getSecondsOrUntimed('TServer', 'wrap-up-time'), 7);
  });

  test('typed getters parse strings the way Genesys options are written', () => {
    const r = new OptionResolver({
      view: new ConfigIndex(
        objects({ app: { TServer: { 'agent-strict-id': 'true', 'no-answer-timeout': '20' }, 'Microsoft-OCS': { 'agent-status-ready': '3500, 3000-4499', contact: 'sip:ucc@example.test' } } }),
      ),
      application: 'TS',
    });
    assert.equal(r.getBoolean('TServer', 'agent-strict-id'), true);
    assert.equal(r.getNumber('TServer', 'no-answer-timeout'), 20);
    assert.deepEqual(r.getRangeList('Microsoft-OCS', 'agent-status-ready'), [{ from: 3500, to: 3500 }, { from: 3000, to: 4499 }]);
    assert.deepEqual(r.getRangeList('Microsoft-OCS', 'agent-status-logout'), [{ from: 18000, to: Infinity }]);
    assert.equal(r.getString('Microsoft-OCS', 'contact'), 'sip:ucc@example.test');
    assert.equal(r.getString('Microsoft-OCS', 'registrar-uri'), undefined);
  });

  test('reading an undeclared option or with the wrong getter is a programmer error', () => {
    const r = new OptionResolver({ view: new ConfigIndex(objects()), application: 'TS' });
    const code = (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_CONFIG_UNKNOWN_OPTION';
    assert.throws(() => r.getNumber('TServer', 'no-such-option'), code);
    assert.throws(() => r.getNumber('TServer', 'agent-strict-id'), code);
    assert.throws(() => r.getBoolean('TServer', 'wrap-up-time'), code);
  });

  test('declaredDefault reads the one table of defaults (section names match case-insensitively)', () => {
    assert.equal(declaredDefault('uc-connector', 'userdata-note-key'), 'KW_ITX_NOTES');
    assert.equal(declaredDefault('UC-Connector', 'enabled'), true);
    assert.throws(() => declaredDefault('uc-connector', 'display-name'), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_CONFIG_UNKNOWN_OPTION');
    assert.throws(() => declaredDefault('uc-connector', 'no-such-option'), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_CONFIG_UNKNOWN_OPTION');
  });
});

describe('resolveOptionIn: precedence over sections given by level (the T-Server core)', () => {
  const app = { 'no-answer-action': 'none', 'wrap-up-time': 5, 'legal-guard-time': 2 };
  const dn = { 'no-answer-action': 'notready', 'wrap-up-time': 10, 'legal-guard-time': 9 };
  const login = { 'no-answer-action': 'logout', 'wrap-up-time': 'untimed' };

  const cases: Array<{ rule: string; name: string; sections: Parameters<typeof resolveOptionIn>[2]; request?: string | number; value: unknown; source: string }> = [
    { rule: 'a request Extension beats every level', name: 'no-answer-action', sections: { agentLogin: login, dn, application: app }, request: 'notready', value: 'notready', source: 'request' },
    { rule: 'the Agent Login beats the DN and the Application', name: 'no-answer-action', sections: { agentLogin: login, dn, application: app }, value: 'logout', source: 'agentLogin' },
    { rule: 'the DN beats the Application', name: 'wrap-up-time', sections: { dn, application: app }, value: 10, source: 'dn' },
    { rule: 'the Application applies when no lower level sets it', name: 'wrap-up-time', sections: { agentLogin: {}, dn: {}, application: app }, value: 5, source: 'application' },
    { rule: 'the table default applies when nothing is set', name: 'router-timeout', sections: { dn: {}, application: {} }, value: 10, source: 'default' },
    { rule: 'a level the option is not declared on is not read (legal-guard-time on a DN)', name: 'legal-guard-time', sections: { dn, application: app }, value: 2, source: 'application' },
    { rule: 'the `not ready` spelling is read as notready', name: 'no-answer-action', sections: { dn: { 'no-answer-action': 'not ready' } }, value: 'notready', source: 'dn' },
    { rule: 'a DN-level contact (a SIP URI) for the SIP switch', name: 'contact', sections: { dn: { contact: 'sip:7001@pc.example.test:5060' } }, value: 'sip:7001@pc.example.test:5060', source: 'dn' },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      assert.deepEqual(resolveOptionIn('TServer', c.name, c.sections, { request: c.request }), { value: c.value, source: c.source });
    });
  }

  test('an invalid winning value gives the default and says where and why (no fall-through to a lower level)', () => {
    const r = resolveOptionIn('TServer', 'wrap-up-time', { agentLogin: { 'wrap-up-time': 'soon' }, application: app });
    assert.equal(r.value, 0);
    assert.equal(r.source, 'default');
    assert.deepEqual(r.invalid && { level: r.invalid.level, raw: r.invalid.raw }, { level: 'agentLogin', raw: 'soon' });
    const q = resolveOptionIn('TServer', 'no-answer-action', { application: app }, { request: 'sleep' });
    assert.equal(q.invalid?.level, 'request');
    assert.equal(q.value, 'none');
  });

  test('an undeclared option is a programmer error', () => {
    assert.throws(() => resolveOptionIn('TServer', 'no-such-option', {}), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_CONFIG_UNKNOWN_OPTION');
  });

  test('the SIP switch options are declared in [TServer] with their levels and defaults', () => {
    const got = Object.fromEntries(knownOptions.filter((o) => o.section === 'TServer' && ['contact', 'sip-enable-moh', 'sip-enable-100rel', 'reuse-sdp-on-reinvite', 'refer-enabled', 'dual-dialog-enabled', 'make-call-rfc3725-flow', 'sip-port-tls'].includes(o.name)).map((o) => [o.name, [o.default, o.levels.join('>')]]));
    assert.deepEqual(got, {
      'contact': [undefined, 'dn'],
      'sip-enable-moh': [false, 'application'],
      'sip-enable-100rel': [false, 'application'],
      'reuse-sdp-on-reinvite': [true, 'dn>application'],
      'refer-enabled': [false, 'dn>application'],
      'dual-dialog-enabled': [false, 'dn>application'],
      'make-call-rfc3725-flow': [1, 'dn>application'],
      'sip-port-tls': [0, 'application'],
    });
  });
});
