import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, loadConfigFile, type LoadOptions } from '../../../src/config/config-loader.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';
import { verifyPassword } from '../../../src/config/password-hash.ts';

/** The formatted issues of a configuration text (errors and warnings), or [] when it is valid without warnings. */
function issues(text: string, options: LoadOptions = {}, file = 'cfg.yaml'): string[] {
  const r = parseConfigText(text, file, { hashPasswords: false, ...options });
  if (r.ok) return r.value.warnings.map(formatIssue);
  if (r.error.kind === 'unreadable') return [`unreadable ${r.error.file}`];
  return r.error.issues.map(formatIssue);
}

const base = `switches:
  - name: SW
`;

describe('configuration errors name file, line and path', () => {
  const cases: Array<{ rule: string; yaml: string; expected: string[] }> = [
    { rule: 'YAML syntax errors are reported with their line', yaml: 'switches:\n  - name: SW\n   bad: [\n', expected: ['cfg.yaml:3: Sequence item without - indicator', 'cfg.yaml:4: Flow sequence in block collection must be sufficiently indented and end with a ]'] },
    { rule: 'a key written twice in one map is an error', yaml: 'switches:\n  - name: A\n    name: B\n', expected: ['cfg.yaml:3: Map keys must be unique'] },
    { rule: 'an unknown top-level key is an error', yaml: 'swiches: []\n', expected: ['cfg.yaml:1: swiches: unknown key'] },
    { rule: 'an unknown key inside an object is an error (typos must not pass)', yaml: base + 'persons:\n  - userName: a\n    frstName: A\n', expected: ['cfg.yaml:5: persons[0].frstName: unknown key'] },
    { rule: 'a missing required key points at its object', yaml: base + 'persons:\n  - firstName: A\n', expected: ['cfg.yaml:4: persons[0].userName: is required'] },
    { rule: 'a wrong type says what was expected', yaml: base + 'persons:\n  - userName: a\n    agentLogins: 5001\n', expected: ['cfg.yaml:5: persons[0].agentLogins: must be a list'] },
    { rule: 'a DN type outside the seed list is an error', yaml: base + 'dns:\n  - { number: 1, type: Phone, switch: SW }\n', expected: ['cfg.yaml:4: dns[0].type: must be one of Extension, ACD Queue, Routing Point, External Routing Point, Virtual Queue, Trunk, Trunk Group, Voice over IP Service'] },
    { rule: 'an option value is a scalar', yaml: base + 'applications:\n  - name: T\n    type: tserver\n    options:\n      TServer:\n        wrap-up-time: [1]\n', expected: ['cfg.yaml:8: applications[0].options.TServer.wrap-up-time: must be a string, number or boolean'] },
    { rule: 'several errors are reported at once, in line order', yaml: 'swiches: []\npersons:\n  - {}\n  - userName: 7\n', expected: ['cfg.yaml:1: swiches: unknown key', 'cfg.yaml:3: persons[0].userName: is required', 'cfg.yaml:4: persons[1].userName: must be a non-empty string'] },
    {
      rule: 'a known option with an invalid value is an error',
      yaml: base + 'persons:\n  - userName: a\n  - userName: b\n    annex:\n      uc:\n        contact: bob@example.test\n',
      expected: ['cfg.yaml:8: persons[1].annex.uc.contact: must be a SIP URI'],
    },
    { rule: 'an unknown option name in a known section is a warning', yaml: base + 'applications:\n  - name: T\n    type: tserver\n    options: { TServer: { wrap-up-tme: 5 } }\n', expected: ['cfg.yaml:6: warning: applications[0].options.TServer.wrap-up-tme: unknown option in section TServer'] },
    { rule: 'options in sections without a known-options list pass silently', yaml: base + 'applications:\n  - name: T\n    type: tserver\n    options: { my-section: { anything: 5 } }\n', expected: [] },
    {
      rule: 'an option set where it is not read is a warning',
      yaml: base + 'dns:\n  - number: 1001\n    type: Extension\n    switch: SW\n    annex: { TServer: { legal-guard-time: 5 } }\n',
      expected: ['cfg.yaml:7: warning: dns[0].annex.TServer.legal-guard-time: not read on a DN (set it on an Agent Login or an Application)'],
    },
    { rule: 'duplicate switch names name both lines', yaml: 'switches:\n  - name: SW\n  - name: SW\n', expected: ["cfg.yaml:3: switches[1].name: duplicate switch 'SW' (first defined at cfg.yaml:2)"] },
    {
      rule: 'duplicate DN numbers compare case-insensitively (seed 004 2.2) and name both lines',
      yaml: base + 'dns:\n  - { number: "sip:DN1@x", type: Extension, switch: SW }\n  - { number: "sip:dn1@x", type: Extension, switch: SW }\n',
      expected: ["cfg.yaml:5: dns[1].number: duplicate DN 'sip:dn1@x' on switch 'SW' (first defined at cfg.yaml:4)"],
    },
    { rule: 'the same DN number on two switches is allowed', yaml: 'switches: [{ name: A }, { name: B }]\ndns:\n  - { number: 1, type: Extension, switch: A }\n  - { number: 1, type: Extension, switch: B }\n', expected: [] },
    {
      rule: 'duplicate user names name both lines',
      yaml: base + 'persons:\n  - userName: alice\n  - userName: bob\n  - userName: alice\n',
      expected: ["cfg.yaml:6: persons[2].userName: duplicate user name 'alice' (first defined at cfg.yaml:4)"],
    },
    {
      rule: 'duplicate login codes on one switch name both lines',
      yaml: base + 'agentLogins:\n  - { loginCode: 5001, switch: SW }\n  - { loginCode: "5001", switch: SW }\n',
      expected: ["cfg.yaml:5: agentLogins[1].loginCode: duplicate agent login '5001' on switch 'SW' (first defined at cfg.yaml:4)"],
    },
    { rule: 'duplicate application, place and group names are errors', yaml: base + 'places: [{ name: P }, { name: P }]\nagentGroups: [{ name: G }, { name: G }]\napplications: [{ name: A, type: ucc }, { name: A, type: router }]\n', expected: ["cfg.yaml:3: places[1].name: duplicate place 'P' (first defined at cfg.yaml:3)", "cfg.yaml:4: agentGroups[1].name: duplicate agent group 'G' (first defined at cfg.yaml:4)", "cfg.yaml:5: applications[1].name: duplicate application 'A' (first defined at cfg.yaml:5)"] },
    { rule: 'a DN on an unknown switch is an error', yaml: base + 'dns:\n  - { number: 1, type: Extension, switch: SX }\n', expected: ["cfg.yaml:4: dns[0].switch: unknown switch 'SX'"] },
    { rule: 'a place with an unknown DN is an error', yaml: base + 'places:\n  - name: P\n    dns: ["1001"]\n', expected: ["cfg.yaml:5: places[0].dns[0]: unknown DN '1001'"] },
    {
      rule: 'an ambiguous DN reference asks for the switch',
      yaml: 'switches: [{ name: A }, { name: B }]\ndns:\n  - { number: 1, type: Extension, switch: A }\n  - { number: 1, type: Extension, switch: B }\nplaces:\n  - { name: P, dns: [1] }\n  - { name: Q, dns: [{ switch: B, number: 1 }] }\n',
      expected: ["cfg.yaml:6: places[0].dns[0]: ambiguous DN '1' (on switches A, B): write { switch, number }"],
    },
    { rule: 'a person with an unknown agent login, place or an agent group with an unknown member', yaml: base + 'persons:\n  - userName: a\n    agentLogins: [9]\n    defaultPlace: P\nagentGroups:\n  - { name: G, members: [a, zed] }\n', expected: ["cfg.yaml:5: persons[0].agentLogins[0]: unknown agent login '9'", "cfg.yaml:6: persons[0].defaultPlace: unknown place 'P'", "cfg.yaml:8: agentGroups[0].members[1]: unknown person 'zed'"] },
    {
      rule: 'one agent login given to two persons is an error naming both lines',
      yaml: base + 'agentLogins: [{ loginCode: 1, switch: SW }]\npersons:\n  - { userName: a, agentLogins: [1] }\n  - { userName: b, agentLogins: [1] }\n',
      expected: ["cfg.yaml:6: persons[1].agentLogins[0]: agent login '1' already belongs to another person (at cfg.yaml:5)"],
    },
    { rule: 'password and passwordHash together are an error', yaml: base + 'persons:\n  - { userName: a, password: x, passwordHash: y }\n', expected: ['cfg.yaml:4: persons[0].password: give password or passwordHash, not both'] },
    { rule: 'a malformed passwordHash is an error', yaml: base + 'persons:\n  - userName: a\n    passwordHash: md5$abc\n', expected: ['cfg.yaml:5: persons[0].passwordHash: must be scrypt$N$r$p$salt$hash (see docs/configuration.md)'] },
    { rule: 'a postgres store needs a url', yaml: 'store: { type: postgres }\n', expected: ['cfg.yaml:1: store: a postgres store needs url'] },
    { rule: 'a schema name must be a lower-case identifier', yaml: 'store: { type: postgres, url: "postgres://x/y", schema: "Bad-Name" }\n', expected: ['cfg.yaml:1: store.schema: must be a lower-case SQL identifier'] },
  ];
  for (const c of cases) {
    test(c.rule, () => {
      assert.deepEqual(issues(c.yaml), c.expected);
    });
  }
});

describe('include:', () => {
  const files: Record<string, string> = {
    'conf/main.yaml': 'include: [people.yaml]\nswitches:\n  - name: SW\npersons:\n  - userName: alice\n',
    'conf/people.yaml': 'persons:\n  - userName: bob\n  - userName: alice\n',
    'conf/loop-a.yaml': 'include: [loop-b.yaml]\n',
    'conf/loop-b.yaml': 'include: [loop-a.yaml]\n',
    'conf/store.yaml': 'store: { type: sqlite }\n',
  };
  const readFile = (p: string): string => {
    const t = files[p];
    if (t === undefined) throw new Error(`ENOENT: no such file '${p}'`);
    return t;
  };
  const run = (file: string, text: string) => issues(text, { readFile }, file);

  test('a duplicate across files names both files and lines', () => {
    assert.deepEqual(run('conf/main.yaml', files['conf/main.yaml']!), ["conf/people.yaml:3: persons[1].userName: duplicate user name 'alice' (first defined at conf/main.yaml:5)"]);
  });
  test('an include cycle is an error at the include line', () => {
    assert.deepEqual(run('conf/loop-a.yaml', files['conf/loop-a.yaml']!), ['conf/loop-b.yaml:1: include[0]: include cycle: loop-a.yaml includes this file again']);
  });
  test('a missing include is an error', () => {
    assert.deepEqual(run('conf/x.yaml', 'switches: []\ninclude:\n  - nope.yaml\n'), ["conf/x.yaml:3: include[0]: cannot read conf/nope.yaml: ENOENT: no such file 'conf/nope.yaml'"]);
  });
  test('store settings are only allowed in the top-level file', () => {
    assert.deepEqual(run('conf/x.yaml', 'include: [store.yaml]\n'), ['conf/store.yaml:1: store: only allowed in the top-level file']);
  });
  test('listen settings are only allowed in the top-level file', () => {
    const r = parseConfigText('include: [l.yaml]\n', 'conf/x.yaml', { readFile: (p) => (p === 'conf/l.yaml' ? 'listen: { http: 0 }\n' : readFile(p)) });
    assert.ok(!r.ok && r.error.kind === 'invalid');
    assert.deepEqual(r.error.issues.map(formatIssue), ['conf/l.yaml:1: listen: only allowed in the top-level file']);
  });
  test('listen settings override the defaults key by key, and a port outside 0..65535 is an error', () => {
    const r = parseConfigText('listen: { http: 0 }\n', 'x.yaml');
    assert.ok(r.ok);
    assert.deepEqual(r.value.settings.listen, { host: '127.0.0.1', tlib: 7000, http: 0 });
    const bad = parseConfigText('listen:\n  tlib: 70000\n', 'x.yaml');
    assert.ok(!bad.ok && bad.error.kind === 'invalid');
    assert.match(formatIssue(bad.error.issues[0]!), /^x\.yaml:2: listen\.tlib: /);
  });
  test('presence mode sip takes the adapter settings, with defaults for listen and register', () => {
    const r = parseConfigText('presence: { mode: sip, aor: "sip:ucc@example.test", proxy: "sip:10.0.0.2:5060" }\n', 'p.yaml');
    assert.ok(r.ok);
    assert.deepEqual(r.value.settings.presence, { mode: 'sip', aor: 'sip:ucc@example.test', proxy: 'sip:10.0.0.2:5060', listen: [{ protocol: 'udp', host: '127.0.0.1', port: 5070 }], register: false });
  });
  test('presence mode sip without aor or proxy, or with half a digest account, is an error', () => {
    assert.deepEqual(issues('presence:\n  mode: sip\n  username: u\n', {}, 'p.yaml'), [
      "p.yaml:1: presence: mode sip needs aor (the connector's SIP address)",
      'p.yaml:1: presence: mode sip needs proxy (the presence server)',
      'p.yaml:1: presence: username and password go together',
    ]);
  });
  test('presence.listen receiveBufferBytes (SO_RCVBUF) reaches the adapter settings; udp only, bounded', () => {
    const doc = (item: string) => `presence:\n  mode: sip\n  aor: "sip:ucc@example.test"\n  proxy: "sip:10.0.0.2:5060"\n  listen:\n    - ${item}\n`;
    const r = parseConfigText(doc('{ protocol: udp, port: 5070, receiveBufferBytes: 4194304 }'), 'p.yaml');
    assert.ok(r.ok);
    assert.ok(r.value.settings.presence.mode === 'sip');
    assert.deepEqual(r.value.settings.presence.listen, [{ protocol: 'udp', host: '127.0.0.1', port: 5070, receiveBufferBytes: 4194304 }]);
    assert.deepEqual(issues(doc('{ protocol: tcp, port: 5070, receiveBufferBytes: 4194304 }'), {}, 'p.yaml'), ['p.yaml:6: presence.listen[0].receiveBufferBytes: only for protocol udp']);
    const small = issues(doc('{ protocol: udp, port: 5070, receiveBufferBytes: 1024 }'), {}, 'p.yaml');
    assert.equal(small.length, 1);
    assert.match(small[0] ?? '', /^p\.yaml:6: presence\.listen\[0\]\.receiveBufferBytes: /);
  });
  test('presence.listen limits (maxConnections, maxConnectionsPerAddress, stallTimeoutMs) reach the adapter settings; tcp and tls only', () => {
    const doc = (item: string) => `presence:\n  mode: sip\n  aor: "sip:ucc@example.test"\n  proxy: "sip:10.0.0.2:5060;transport=tcp"\n  listen:\n    - ${item}\n`;
    const r = parseConfigText(doc('{ protocol: tcp, port: 5070, maxConnections: 200, maxConnectionsPerAddress: 20, stallTimeoutMs: 0 }'), 'p.yaml');
    assert.ok(r.ok);
    assert.ok(r.value.settings.presence.mode === 'sip');
    assert.deepEqual(r.value.settings.presence.listen, [{ protocol: 'tcp', host: '127.0.0.1', port: 5070, maxConnections: 200, maxConnectionsPerAddress: 20, stallTimeoutMs: 0 }]);
    assert.deepEqual(issues(doc('{ protocol: udp, port: 5070, stallTimeoutMs: 1000 }'), {}, 'p.yaml'), ['p.yaml:6: presence.listen[0].stallTimeoutMs: only for protocols tcp and tls']);
    assert.deepEqual(issues(doc('{ protocol: tcp, port: 5070, maxConnections: 5, maxConnectionsPerAddress: 6 }'), {}, 'p.yaml'), ['p.yaml:6: presence.listen[0].maxConnectionsPerAddress: must not exceed maxConnections (5)']);
    const zero = issues(doc('{ protocol: tls, port: 5071, maxConnections: 0 }'), {}, 'p.yaml');
    assert.ok(zero.some((m) => /^p\.yaml:6: presence\.listen\[0\]\.maxConnections: /.test(m)), zero.join('\n'));
  });
  test('listen.httpLimits sets the web caps; a per-address cap above its total or WebSockets above connections is an error', () => {
    const r = parseConfigText('listen:\n  http: 8080\n  httpLimits: { maxConnections: 400, maxConnectionsPerAddress: 100, maxWebSockets: 200, maxWebSocketsPerAddress: 50 }\n', 'l.yaml');
    assert.ok(r.ok);
    assert.deepEqual(r.value.settings.listen.httpLimits, { maxConnections: 400, maxConnectionsPerAddress: 100, maxWebSockets: 200, maxWebSocketsPerAddress: 50 });
    assert.deepEqual(issues('listen:\n  httpLimits:\n    maxConnections: 10\n    maxConnectionsPerAddress: 20\n    maxWebSockets: 11\n', {}, 'l.yaml'), [
      'l.yaml:4: listen.httpLimits.maxConnectionsPerAddress: must not exceed maxConnections (10)',
      'l.yaml:5: listen.httpLimits.maxWebSockets: must not exceed maxConnections (10)',
    ]);
    const unknown = issues('listen:\n  httpLimits: { maxSockets: 3 }\n', {}, 'l.yaml');
    assert.equal(unknown.length, 1);
    assert.match(unknown[0] ?? '', /^l\.yaml:2: listen\.httpLimits/);
  });
  test('sip settings under presence mode standalone are an error', () => {
    assert.deepEqual(issues('presence:\n  mode: standalone\n  proxy: "sip:x@y"\n', {}, 'p.yaml'), ['p.yaml:3: presence.proxy: only for mode sip']);
  });
  test('objects of included files are loaded', () => {
    const r = parseConfigText('include: [people.yaml]\n', 'conf/y.yaml', { readFile: (p) => (p === 'conf/people.yaml' ? 'persons: [{ userName: bob }]\n' : readFile(p)) });
    assert.ok(r.ok);
    assert.deepEqual(r.value.objects.persons.map((p) => p.userName), ['bob']);
    assert.deepEqual(r.value.files, ['conf/y.yaml', 'conf/people.yaml']);
  });
});

describe('loading', () => {
  test('plaintext passwords are hashed with scrypt and never kept', () => {
    const r = parseConfigText(base + 'agentLogins: [{ loginCode: 1, switch: SW, password: lp }]\npersons:\n  - { userName: a, password: hunter2 }\n', 'cfg.yaml');
    assert.ok(r.ok);
    const p = r.value.objects.persons[0]!;
    assert.ok(!JSON.stringify(r.value).includes('hunter2'));
    assert.ok(verifyPassword('hunter2', p.passwordHash ?? ''));
    assert.ok(verifyPassword('lp', r.value.objects.agentLogins[0]?.passwordHash ?? ''));
  });

  test('numbers are kept as text, register defaults to true and references are resolved', () => {
    const r = parseConfigText(base + 'dns:\n  - { number: 1001, type: Extension, switch: SW }\nplaces: [{ name: P, dns: [1001] }]\nagentLogins: [{ loginCode: 5001, switch: SW }]\npersons: [{ userName: a, agentLogins: [5001], defaultPlace: P }]\n', 'cfg.yaml');
    assert.ok(r.ok);
    assert.deepEqual(r.value.objects.dns[0], { switch: 'SW', number: '1001', type: 'Extension', register: true, annex: {} });
    assert.deepEqual(r.value.objects.places[0], { name: 'P', dns: [{ switch: 'SW', number: '1001' }] });
    assert.deepEqual(r.value.objects.persons[0], { userName: 'a', agentLogins: [{ switch: 'SW', loginCode: '5001' }], defaultPlace: 'P', annex: {} });
  });

  test('an empty file is a valid empty configuration with default settings', () => {
    const r = parseConfigText('', 'empty.yaml');
    assert.ok(r.ok);
    assert.deepEqual(r.value.settings, { store: { type: 'sqlite', path: ':memory:' }, presence: { mode: 'standalone' }, listen: { host: '127.0.0.1', tlib: 7000, http: 8080 } });
    assert.equal(r.value.objects.persons.length, 0);
    assert.equal(r.value.storeAt, undefined, 'no store setting to point at');
  });

  test('the store setting keeps its location, for errors met when the store opens', () => {
    const sqlite = parseConfigText('# demo\nstore:\n  type: sqlite\n  path: data/ucc.sqlite\n', 'cfg.yaml');
    assert.ok(sqlite.ok);
    assert.deepEqual(sqlite.value.settings.store, { type: 'sqlite', path: 'data/ucc.sqlite' });
    assert.deepEqual(sqlite.value.storeAt, { file: 'cfg.yaml', line: 4, path: 'store.path' });
    const pg = parseConfigText('store:\n  type: postgres\n  url: postgres://db.example.test/ucc\n', 'pg.yaml');
    assert.ok(pg.ok);
    assert.deepEqual(pg.value.storeAt, { file: 'pg.yaml', line: 3, path: 'store.url' });
  });

  test('a file that cannot be read is reported as unreadable, not as invalid', () => {
    const r = loadConfigFile('/nonexistent/ucc.yaml');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.kind, 'unreadable');
  });
});
