import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function ucc(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/ucc.js', 'check-config', ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ucc check-config', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ucc-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a valid file prints FILE: ok with the object counts and exits 0', () => {
    const r = ucc('config/tserver.yaml');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'config/tserver.yaml: ok (1 switch, 7 DNs, 3 places, 3 persons, 3 agent logins, 1 agent group, 1 application)\n');
  });

  test('an invalid file prints every file:line: message and exits 1', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'switches:\n  - name: SW\npersons:\n  - userName: a\n    annex: { uc: { contact: nope } }\n  - userName: a\n');
    const r = ucc(f);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${f}:5: persons[0].annex.uc.contact: must be a SIP URI\n${f}:6: persons[1].userName: duplicate user name 'a' (first defined at ${f}:4)\n`);
    assert.match(r.stderr, /2 errors/);
  });

  test('warnings are printed but the check passes', () => {
    const f = join(dir, 'warn.yaml');
    writeFileSync(f, 'applications:\n  - { name: T, type: tserver, options: { TServer: { wrap-up-tme: 5 } } }\n');
    const r = ucc(f);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /warn\.yaml:2: warning: applications\[0\]\.options\.TServer\.wrap-up-tme: unknown option in section TServer\n.*: ok \(/);
  });

  test('an unreadable file exits 2', () => {
    const r = ucc(join(dir, 'missing.yaml'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing\.yaml: cannot read: ENOENT/);
  });

  test('no file argument prints usage and exits 2', () => {
    const r = ucc();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Usage: ucc check-config FILE/);
  });
});
