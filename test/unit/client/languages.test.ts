import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogues, translate } from '../../../client/src/i18n/catalogues.ts';
import { resolveLanguage, supportedLanguages } from '../../../client/src/i18n/languages.ts';

describe('client language resolution (seed 000 4.20): browser, then locale option, then English', () => {
  const cases: Array<{ rule: string; browser: string[] | undefined; locale: string | undefined; want: string }> = [
    { rule: 'the browser preference wins when supported', browser: ['de-DE', 'en'], locale: 'fr', want: 'de' },
    { rule: 'a region subtag counts as its language', browser: ['fr-CA'], locale: 'en', want: 'fr' },
    { rule: 'unsupported browser languages are skipped in order', browser: ['ja', 'pt-BR', 'ru'], locale: 'fr', want: 'ru' },
    { rule: 'no supported browser language: the locale option', browser: ['ja', 'zh-Hans'], locale: 'it', want: 'it' },
    { rule: 'no browser languages at all: the locale option', browser: [], locale: 'es', want: 'es' },
    { rule: 'undefined navigator.languages: the locale option', browser: undefined, locale: 'de', want: 'de' },
    { rule: 'an unsupported locale option: English', browser: ['ja'], locale: 'pt', want: 'en' },
    { rule: 'no locale option: English', browser: ['ja'], locale: undefined, want: 'en' },
    { rule: 'locale=default unresolved by the server: English', browser: [], locale: 'default', want: 'en' },
    { rule: 'case does not matter', browser: ['ES-419'], locale: undefined, want: 'es' },
    { rule: 'underscore separators are read', browser: ['it_IT'], locale: undefined, want: 'it' },
  ];
  for (const c of cases) test(c.rule, () => assert.equal(resolveLanguage(c.browser, c.locale), c.want));
});

describe('client catalogues', () => {
  test('the six languages are en, fr, de, it, ru, es', () => assert.deepEqual([...supportedLanguages], ['en', 'fr', 'de', 'it', 'ru', 'es']));

  test('every catalogue has exactly the English keys, none empty', () => {
    const keys = Object.keys(catalogues.en).sort();
    for (const l of supportedLanguages) {
      assert.deepEqual(Object.keys(catalogues[l]).sort(), keys, l);
      for (const [k, v] of Object.entries(catalogues[l])) assert.ok(v.trim() !== '', `${l} ${k}`);
    }
  });

  test('placeholders are the same in every language', () => {
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    for (const l of supportedLanguages) {
      for (const [k, v] of Object.entries(catalogues.en)) assert.equal(ph(catalogues[l][k as keyof typeof catalogues.en]), ph(v), `${l} ${k}`);
    }
  });

  test('translate fills placeholders and leaves unknown ones', () => {
    assert.equal(translate('fr', 'login.throttled', { seconds: 42 }), 'Trop de tentatives. Réessayez dans 42 s.');
    assert.equal(translate('en', 'login.throttled'), 'Too many attempts. Try again in {seconds} s.');
  });
});
