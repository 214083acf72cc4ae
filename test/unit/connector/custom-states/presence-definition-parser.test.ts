import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { badgeIconOf, parsePresenceDefinition } from '../../../../src/connector/custom-states/presence-definition-parser.ts';
import { builtInPresenceDefinition } from '../../../../src/connector/custom-states/built-in-presence-definition.ts';

const NS = 'http://genesyslab.com/schemas/ucc/presence';
const doc = (body: string, ns = NS) => `<?xml version="1.0"?>\n<presence xmlns="${ns}">\n${body}\n</presence>`;
const ready = (id: string, extra = '') => `<state id="${id}"${extra}><display><menuText>M ${id}</menuText><statusText>S ${id}</statusText></display><genesysAgent ready="true"/></state>`;

function parseOk(xml: string) {
  const r = parsePresenceDefinition(xml);
  if (!r.ok) assert.fail(`expected valid, got ${JSON.stringify(r.error.issues)}`);
  return r.value;
}
function parseErr(xml: string) {
  const r = parsePresenceDefinition(xml);
  if (r.ok) assert.fail('expected invalid');
  return r.error.issues;
}

describe('presence definition: document validity (seed 000 L5950-5960)', () => {
  const invalid: Array<{ rule: string; xml: string; message: RegExp; line?: number }> = [
    { rule: 'a namespace mismatch makes the document invalid', xml: doc(ready('a'), 'urn:other'), message: /namespace/, line: 2 },
    { rule: 'no namespace at all is a mismatch', xml: `<presence>${ready('a')}</presence>`, message: /namespace/ },
    { rule: 'a root other than <presence> is invalid', xml: `<states xmlns="${NS}">${ready('a')}</states>`, message: /root element is <states>/ },
    { rule: 'a document without a valid state is invalid', xml: doc('<state id="x"><display/><genesysAgent ready="true"/></state>'), message: /no valid state/ },
    { rule: 'a document with no state at all is invalid', xml: doc('<auto/>'), message: /no valid state/ },
    { rule: 'malformed XML is invalid', xml: doc('<state id="a">'), message: /well-formed/ },
    { rule: 'a DOCTYPE (entity expansion) is refused', xml: `<!DOCTYPE presence [<!ENTITY x "y">]>${doc(ready('a'))}`, message: /DOCTYPE/ },
    { rule: 'a bare & is reported with its line', xml: doc(`${ready('a')}\n<state id="b">&</state>`), message: /bare '&'/, line: 4 },
  ];
  for (const c of invalid) {
    test(c.rule, () => {
      const issues = parseErr(c.xml);
      const e = issues.find((i) => i.severity === 'error');
      assert.ok(e);
      assert.match(e.message, c.message);
      if (c.line !== undefined) assert.equal(e.line, c.line);
    });
  }

  test('one valid state makes the document valid; the invalid ones are warnings with their lines', () => {
    const { definition, warnings } = parseOk(doc(`${ready('a')}\n<state id="predefReady"><display><menuText>x</menuText></display><genesysAgent ready="true"/></state>`));
    assert.deepEqual(definition.states.map((s) => s.id), ['a']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /reserved/);
    assert.equal(warnings[0]!.line, 4);
  });

  test('a prefixed root in the right namespace is read', () => {
    const { definition } = parseOk(`<p:presence xmlns:p="${NS}"><p:state id="a"><p:display><p:statusText>A</p:statusText></p:display><p:genesysAgent ready="false"/></p:state></p:presence>`);
    assert.equal(definition.states[0]?.display.default?.statusText, 'A');
  });
});

describe('presence definition: states', () => {
  const stateCases: Array<{ rule: string; body: string; ids: string[]; warning?: RegExp }> = [
    { rule: 'ids must be unique: the first definition wins', body: `${ready('a')}<state id="a"><display><menuText>second</menuText></display><genesysAgent ready="false"/></state>`, ids: ['a'], warning: /defined again/ },
    { rule: 'an id with whitespace is ignored', body: `${ready('ok')}<state id="has space"><display><menuText>x</menuText></display><genesysAgent ready="true"/></state>`, ids: ['ok'], warning: /whitespace/ },
    { rule: 'a missing id is ignored', body: `${ready('ok')}<state><display><menuText>x</menuText></display><genesysAgent ready="true"/></state>`, ids: ['ok'], warning: /needs an id/ },
    ...['predefLogoutMenu', 'predefLoggedOut', 'predefOutOfService', 'predefReady', 'predefPartReady', 'predefNotReady', 'predefDND'].map((id) => ({
      rule: `reserved id ${id} is refused`, body: `${ready('ok')}<state id="${id}"><display><menuText>x</menuText></display><genesysAgent ready="true"/></state>`, ids: ['ok'], warning: /reserved/,
    })),
    { rule: 'a display entry without menuText or statusText does not count', body: `${ready('ok')}<state id="b"><display></display><genesysAgent ready="true"/></state>`, ids: ['ok'], warning: /needs menuText or statusText/ },
    { rule: 'a state without genesysAgent is ignored', body: `${ready('ok')}<state id="b"><display><menuText>x</menuText></display></state>`, ids: ['ok'], warning: /no valid genesysAgent/ },
    { rule: 'ready must be an xs:boolean', body: `${ready('ok')}<state id="b"><display><menuText>x</menuText></display><genesysAgent ready="yes"/></state>`, ids: ['ok'], warning: /ready="true" or "false"/ },
    { rule: 'an unknown mode for NotReady drops that genesysAgent', body: `${ready('ok')}<state id="b"><display><menuText>x</menuText></display><genesysAgent ready="false" mode="coffee"/></state>`, ids: ['ok'], warning: /mode 'coffee'/ },
    { rule: 'an unsupported language entry is ignored', body: `${ready('ok')}<state id="b"><display language="ja"><menuText>x</menuText></display><genesysAgent ready="true"/></state>`, ids: ['ok'], warning: /language 'ja' is not supported/ },
    { rule: 'composite is not implemented and ignored', body: `${ready('ok')}<composite/>`, ids: ['ok'], warning: /composite/ },
  ];
  for (const c of stateCases) {
    test(c.rule, () => {
      const { definition, warnings } = parseOk(doc(c.body));
      assert.deepEqual(definition.states.map((s) => s.id), c.ids);
      if (c.warning) assert.ok(warnings.some((w) => c.warning!.test(w.message)), JSON.stringify(warnings));
    });
  }

  test('display texts per language; statusText also read as stateText (the narrative name)', () => {
    const { definition } = parseOk(doc(`<state id="acw"><display><statusText>Working after call</statusText></display><display language="fr"><statusText>Travail apres appel</statusText></display><display language="DE"><stateText>Arbeiten nach Anruf</stateText></display><genesysAgent ready="false" mode="acw"/></state>`));
    const s = definition.states[0]!;
    assert.deepEqual(s.display, { default: { statusText: 'Working after call' }, fr: { statusText: 'Travail apres appel' }, de: { statusText: 'Arbeiten nach Anruf' } });
  });

  test('genesysAgent: mode ignored when ready; reason in reasons or extensions with keyname default ReasonCode; ext="true" means extensions', () => {
    const { definition } = parseOk(doc(`
      <state id="r"><display><menuText>r</menuText></display><genesysAgent ready="true" mode="acw"/></state>
      <state id="a"><display><menuText>a</menuText></display><genesysAgent ready="false" mode="away"><reason>timeout</reason></genesysAgent></state>
      <state id="b"><display><menuText>b</menuText></display><genesysAgent ready="0" mode="auxwork"><reason in="extensions" keyname="Code">7</reason></genesysAgent></state>
      <state id="c"><display><menuText>c</menuText></display><genesysAgent ready="false" mode="nodisconnect"><reason ext="true">500</reason></genesysAgent></state>`));
    const byId = Object.fromEntries(definition.states.map((s) => [s.id, s.agent]));
    assert.deepEqual(byId['r'], [{ ready: true, mode: 'none', reason: null }]);
    assert.deepEqual(byId['a'], [{ ready: false, mode: 'away', reason: { in: 'reasons', keyName: 'ReasonCode', value: 'timeout' } }]);
    assert.deepEqual(byId['b'], [{ ready: false, mode: 'auxwork', reason: { in: 'extensions', keyName: 'Code', value: '7' } }]);
    assert.deepEqual(byId['c'], [{ ready: false, mode: 'nodisconnect', reason: { in: 'extensions', keyName: 'ReasonCode', value: '500' } }]);
  });

  const icons: Array<[string, string]> = [
    ['/icons/iconName.png', '/icons/iconName-badge.png'],
    ['away.png', 'away-badge.png'],
    ['http://example.test/i/x.v2.png?s=1', 'http://example.test/i/x.v2-badge.png?s=1'],
    ['tag:ucc.genesyslab.com,2013:icons/status/ready', 'tag:ucc.genesyslab.com,2013:icons/status/ready-badge'],
    ['/dir.d/noext', '/dir.d/noext-badge'],
  ];
  for (const [main, badge] of icons) test(`badge of ${main} is ${badge}`, () => assert.equal(badgeIconOf(main), badge));

  test('a state keeps its icon and derived badge', () => {
    const { definition } = parseOk(doc(ready('a', ' icon="/icons/a.png"')));
    assert.deepEqual(definition.states[0]!.icon, { main: '/icons/a.png', badge: '/icons/a-badge.png' });
  });
});

describe('presence definition: auto events (seed 000 L6090-6120)', () => {
  const base = `${ready('ready')}<state id="rej"><display><statusText>r</statusText></display><genesysAgent ready="false"/></state>`;
  const autoCases: Array<{ rule: string; auto: string; expect: Record<string, unknown>; warning?: RegExp }> = [
    { rule: 'onevent and postevent naming valid states are kept', auto: '<event name="preview-reject" onevent="rej" postevent="ready"/>', expect: { 'preview-reject': { onEvent: 'rej', postEvent: 'ready' } } },
    { rule: 'an onevent naming no state drops the event', auto: '<event name="preview-timeout" onevent="nope"/>', expect: {}, warning: /onevent 'nope'/ },
    { rule: 'a postevent naming no state is dropped, the event kept', auto: '<event name="preview-reject" onevent="rej" postevent="nope"/>', expect: { 'preview-reject': { onEvent: 'rej', postEvent: null } }, warning: /postevent 'nope'/ },
    { rule: 'only preview-reject, preview-timeout and preview-redirect are accepted', auto: '<event name="preview-cancel" onevent="rej"/>', expect: {}, warning: /not one of/ },
    { rule: 'the first event of a name wins', auto: '<event name="preview-redirect" onevent="rej"/><event name="preview-redirect" onevent="ready"/>', expect: { 'preview-redirect': { onEvent: 'rej', postEvent: null } }, warning: /defined again/ },
    { rule: 'at most 4 events are read', auto: '<event name="x1" onevent="rej"/><event name="x2" onevent="rej"/><event name="x3" onevent="rej"/><event name="x4" onevent="rej"/><event name="preview-reject" onevent="rej"/>', expect: {}, warning: /only 4/ },
    { rule: 'an onevent naming a refused (reserved) state drops the event', auto: '<event name="preview-timeout" onevent="predefNotReady"/>', expect: {}, warning: /names no valid state/ },
  ];
  for (const c of autoCases) {
    test(c.rule, () => {
      const { definition, warnings } = parseOk(doc(`${base}<auto>${c.auto}</auto>`));
      assert.deepEqual(definition.auto, c.expect);
      if (c.warning) assert.ok(warnings.some((w) => c.warning!.test(w.message)), JSON.stringify(warnings));
    });
  }
});

describe('shipped documents', () => {
  test('config/presence.xml is valid with no warnings', () => {
    const { definition, warnings } = parseOk(readFileSync(new URL('../../../../config/presence.xml', import.meta.url), 'utf8'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(definition.states.map((s) => s.id), ['ready', 'lunch', 'auto-away', 'away', 'busy-preview', 'reject', 'acw', 'not-ready']);
    assert.deepEqual(definition.auto['preview-reject'], { onEvent: 'reject', postEvent: 'ready' });
  });

  test('the built-in definition has the two pre-8.0.300 states in six languages', () => {
    assert.deepEqual(builtInPresenceDefinition.states.map((s) => s.display.default?.menuText), ['Set Do Not Disturb On', 'Set Do Not Disturb Off']);
    for (const s of builtInPresenceDefinition.states) assert.deepEqual(Object.keys(s.display).sort(), ['de', 'default', 'es', 'fr', 'it', 'ru']);
  });

  test('an oversized document is refused, not parsed', () => {
    const big = doc(ready('a') + `<!-- ${'x'.repeat(300 * 1024)} -->`);
    assert.match(parseErr(big)[0]!.message, /over the limit/);
  });
});
