import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { combinedIndicator, type ChannelAgentState } from '../../../client/src/state/channel-indicator.ts';
import { safeHelpUrl } from '../../../client/src/safe-url.ts';
import { stateIconSource } from '../../../client/src/state/state-icon-source.ts';
import { currentStateValue, parseStateChoice } from '../../../client/src/state/state-choice.ts';
import { arrivedIds, flashingTitle } from '../../../client/src/attention/title-flash.ts';
import type { KnowledgeWorker, StateDisplay } from '../../../client/src/api.ts';

describe('combined channel indicator (seed 000 L1622-1640)', () => {
  const cases: Array<[string, ChannelAgentState[], string]> = [
    ['one Ready channel: ready', ['Ready'], 'ready'],
    ['all NotReady: not-ready', ['NotReady', 'NotReady'], 'not-ready'],
    ['some Ready, some not: partial-ready', ['Ready', 'NotReady'], 'partial-ready'],
    ['Ready and LoggedOut: partial-ready', ['LoggedOut', 'Ready'], 'partial-ready'],
    ['NotReady and LoggedOut: not-ready (a channel is logged in)', ['LoggedOut', 'NotReady'], 'not-ready'],
    ['all LoggedOut: logout', ['LoggedOut', 'LoggedOut'], 'logout'],
    ['no channel: logout', [], 'logout'],
  ];
  for (const [rule, states, want] of cases) test(rule, () => assert.equal(combinedIndicator(states), want));
});

describe('custom state icons and badges (seed 000 4.12)', () => {
  const cases: Array<[string, string | null, ReturnType<typeof stateIconSource>]> = [
    ['a predefined tag icon is drawn by the client', 'tag:ucc.genesyslab.com,2013:icons/status/dnd', { kind: 'predefined', name: 'dnd' }],
    ['a predefined tag badge draws the same mark', 'tag:ucc.genesyslab.com,2013:icons/status/ready-badge', { kind: 'predefined', name: 'ready' }],
    ['an unknown tag shows nothing', 'tag:ucc.genesyslab.com,2013:icons/status/"><x', null],
    ['a relative path is an image', '/icons/lunch.png', { kind: 'image', url: '/icons/lunch.png' }],
    ['an https URL is an image', 'https://cdn.example.test/i.png', { kind: 'image', url: 'https://cdn.example.test/i.png' }],
    ['javascript: shows nothing', 'javascript:alert(1)', null],
    ['no icon shows nothing', null, null],
  ];
  for (const [rule, src, want] of cases) test(rule, () => assert.deepEqual(stateIconSource(src), want));
});

describe('help URLs (seed 000 4.19)', () => {
  const cases: Array<[string, string]> = [
    ['help/login.html', 'help/login.html'],
    ['/help/login.html', '/help/login.html'],
    ['https://help.example.test/login', 'https://help.example.test/login'],
    ['HTTP://help.example.test/', 'HTTP://help.example.test/'],
    ['javascript:alert(1)', ''],
    [' JavaScript:alert(1)', ''],
    ['data:text/html,<script>', ''],
    ['//evil.example.test/x', ''],
    ['', ''],
  ];
  for (const [input, want] of cases) test(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => assert.equal(safeHelpUrl(input), want));
});

describe('client source rules', () => {
  test('no innerHTML or dangerouslySetInnerHTML anywhere in the client: user data is rendered as text', () => {
    const root = fileURLToPath(new URL('../../../client/src', import.meta.url));
    const files: string[] = [];
    const walk = (p: string) => {
      for (const e of readdirSync(p)) {
        const f = join(p, e);
        if (statSync(f).isDirectory()) walk(f);
        else files.push(f);
      }
    };
    walk(root);
    assert.ok(files.length >= 8);
    for (const f of files) assert.doesNotMatch(readFileSync(f, 'utf8'), /innerHTML|dangerouslySetInnerHTML|insertAdjacentHTML|document\.write/, f);
  });

  test('the screens carry the stable data-testid attributes the browser tests use', () => {
    const src = (name: string) => readFileSync(new URL(`../../../client/src/screens/${name}`, import.meta.url), 'utf8');
    const all = src('login-screen.tsx') + src('main-window.tsx') + src('state-control.tsx');
    for (const id of ['login-form', 'login-username', 'login-password', 'login-submit', 'login-help', 'login-error', 'kw-name', 'state-indicator', 'state-menu', 'dnd-option', 'ready-button', 'custom-state-option', 'logout', 'tab-channels', 'tab-interactions', 'channels-indicator', 'interaction-list']) {
      assert.match(all, new RegExp(`data-testid="${id}"`), id);
    }
  });
});

describe('the one state control: option values', () => {
  const kw = (o: Partial<KnowledgeWorker>): KnowledgeWorker => ({ userName: 'a', dn: '7001', agentState: 'Ready', workMode: null, connectorDnd: false, autoState: null, presence: null, ...o });
  const display = (id: string, kind: 'custom' | 'predefined', menu: string[]): StateDisplay => ({ state: { kind, id, statusText: id, icon: null, badge: null }, menu: menu.map((m) => ({ id: m, menuText: m, icon: null })) }) as unknown as StateDisplay;
  test('values parse to choices; anything else is no choice', () => {
    assert.deepEqual(parseStateChoice('ready'), { kind: 'ready' });
    assert.deepEqual(parseStateChoice('cc-unavailable'), { kind: 'cc-unavailable' });
    assert.deepEqual(parseStateChoice('away'), { kind: 'presence', availability: 'away' });
    assert.deepEqual(parseStateChoice('custom:lunch'), { kind: 'custom', id: 'lunch' });
    assert.equal(parseStateChoice('sleeping'), undefined);
  });
  test('the value shown: connector DND, a presence other than Available, a custom state of the menu, the presence, else Ready', () => {
    assert.equal(currentStateValue(null, null, true), '');
    assert.equal(currentStateValue(kw({ connectorDnd: true, presence: { availability: 'online', note: null } }), display('lunch', 'custom', ['lunch']), true), 'cc-unavailable');
    assert.equal(currentStateValue(kw({ presence: { availability: 'online', note: null } }), display('lunch', 'custom', ['lunch']), true), 'custom:lunch');
    assert.equal(currentStateValue(kw({ presence: { availability: 'away', note: null } }), display('lunch', 'custom', ['lunch']), true), 'away', 'the presence the KW set explains the state');
    assert.equal(currentStateValue(kw({ presence: { availability: 'online', note: null } }), display('x', 'custom', ['lunch']), true), 'online');
    assert.equal(currentStateValue(kw({ presence: { availability: 'away', note: null } }), null, false), 'ready', 'a UC platform presence is not a choice here');
    assert.equal(currentStateValue(kw({ agentState: 'NotReady', autoState: 'preview-timeout' }), null, false), '');
  });
});

describe('preview attention', () => {
  test('the title alternates only while attention is needed', () => {
    assert.deepEqual([0, 1, 2].map((t) => flashingTitle('Ann - OpenUCC', 'Preview!', t, true)), ['● Preview!', 'Ann - OpenUCC', '● Preview!']);
    assert.equal(flashingTitle('Ann - OpenUCC', 'Preview!', 0, false), 'Ann - OpenUCC');
  });
  test('arrived previews are the ids not seen before', () => {
    assert.deepEqual(arrivedIds(new Set(['a']), [{ id: 'a' }, { id: 'b' }]), ['b']);
    assert.deepEqual(arrivedIds(new Set(['a', 'b']), [{ id: 'a' }]), []);
  });
});
