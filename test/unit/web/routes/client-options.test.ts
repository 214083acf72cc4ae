import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigIndex } from '../../../../src/config/config-index.ts';
import { emptyObjects } from '../../../../src/config/config-objects.ts';
import { OptionResolver } from '../../../../src/config/option-resolver.ts';
import { ClientOptionsReader } from '../../../../src/web/routes/client-options.ts';

function reader(app: Record<string, string | number | boolean>, person: Record<string, string | number | boolean> = {}, hostLocale = 'en-US') {
  const o = emptyObjects();
  o.persons.push({ userName: 'alice', agentLogins: [], annex: { 'uc-connector': person } });
  o.applications.push({ name: 'UCC', type: 'ucc', options: { 'uc-connector': app } });
  const view = new ConfigIndex(o);
  return new ClientOptionsReader(new OptionResolver({ view, application: 'UCC' }), view, 'UCC', hostLocale);
}

describe('ClientOptionsReader', () => {
  test('defaults from the option table when nothing is set', () => {
    const o = reader({}).forPerson('alice');
    assert.equal(o['enable-logout-menu'], false);
    assert.equal(o.locale, 'en');
    assert.equal(o['help-login-url'], '');
    assert.equal(o['userdata-title'], 'Case data');
    assert.equal(o['preview-shortkey-accept'], '');
    assert.deepEqual(o['userdata-preview-format'], []);
  });

  test('the Person annex overrides redirect-setup-enabled (seed 000 5.5)', () => {
    assert.equal(reader({ 'redirect-setup-enabled': false }, { 'redirect-setup-enabled': true }).forPerson('alice')['redirect-setup-enabled'], true);
  });

  test('numbered families come in number order, the bare name first, other names ignored', () => {
    const o = reader({
      'userdata-preview-format10': 'title: J, value: [j]',
      'userdata-preview-format2': 'title: B, value: [b]',
      'userdata-preview-format': 'title: A, value: [a]',
      'userdata-preview-formatX': 'ignored',
      'userdata-call-format1': 'title: C, value: [c]',
    }).forPerson('alice');
    assert.deepEqual(o['userdata-preview-format'], ['title: A, value: [a]', 'title: B, value: [b]', 'title: J, value: [j]']);
    assert.deepEqual(o['userdata-call-format'], ['title: C, value: [c]']);
  });

  test('locale=default is the host language when supported, else English (seed 000 4.20)', () => {
    assert.equal(reader({ locale: 'default' }, {}, 'de-AT').publicOptions().locale, 'de');
    assert.equal(reader({ locale: 'default' }, {}, 'ja-JP').publicOptions().locale, 'en');
    assert.equal(reader({ locale: 'ru' }, {}, 'de-AT').publicOptions().locale, 'ru');
  });

  test('the public options hold only what the Login screen shows', () => {
    assert.deepEqual(reader({ 'help-login-url': 'help/login.html', locale: 'de', 'enable-logout-menu': true }).publicOptions(), { 'help-login-url': 'help/login.html', locale: 'de' });
  });
});
