// The decisions of `npm test`'s first step (scripts/ensure-peers.mjs), without running dpkg or apt:
// which Debian peers are missing, install them as root or stop with one line, start PostgreSQL.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEBIAN_PEERS, installCommand, missingPeers, parseDpkgStatus, peerPlan, postgresPlan, postgresTarget } from '../../../scripts/ensure-peers.mjs';

describe('the peer list', () => {
  test('holds the SIP peers, Chromium, and the voice peers rtpengine and sox, once each', () => {
    for (const p of ['kamailio', 'kamailio-presence-modules', 'sip-tester', 'sipsak', 'baresip-core', 'sqlite3', 'openssl', 'chromium', 'rtpengine-daemon', 'sox']) {
      assert.ok(DEBIAN_PEERS.includes(p), p);
    }
    assert.equal(new Set(DEBIAN_PEERS).size, DEBIAN_PEERS.length);
  });

  test('is in one place: npm test runs the script first, and .ci/run names no package', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.test ?? '', /^node scripts\/ensure-peers\.mjs && /);
    const ci = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');
    for (const p of DEBIAN_PEERS) assert.ok(!new RegExp(`\\b${p}\\b`).test(ci.replace(/^#.*$/gm, '')), `.ci/run names ${p}`);
    assert.match(ci, /^npm test$/m);
  });
});

describe('parseDpkgStatus', () => {
  test('counts installed and held packages, not removed, half-installed or unknown ones', () => {
    const out = [
      'kamailio install ok installed',
      'sox hold ok installed',
      'chromium deinstall ok config-files',
      'baresip-core install ok half-configured',
      'sipsak install reinstreq half-installed',
      'openssl:amd64 install ok installed',
      '',
    ].join('\n');
    assert.deepEqual([...parseDpkgStatus(out)].sort(), ['kamailio', 'openssl', 'sox']);
  });
});

describe('peerPlan', () => {
  test('nothing missing: nothing to do, root or not', () => {
    const installed = new Set(DEBIAN_PEERS);
    assert.deepEqual(missingPeers(installed), []);
    assert.deepEqual(peerPlan({ missing: [], isRoot: false, hasApt: true }), { action: 'none' });
    assert.deepEqual(peerPlan({ missing: [], isRoot: true, hasApt: false }), { action: 'none' });
  });

  test('root installs exactly the missing peers, in list order', () => {
    const installed = new Set(DEBIAN_PEERS.filter((p) => p !== 'sox' && p !== 'kamailio'));
    const missing = missingPeers(installed);
    assert.deepEqual(missing, ['kamailio', 'sox']);
    assert.deepEqual(peerPlan({ missing, isRoot: true, hasApt: true }), { action: 'install', packages: ['kamailio', 'sox'] });
  });

  test('not root: one line naming the missing packages and the apt-get command', () => {
    const plan = peerPlan({ missing: ['rtpengine-daemon', 'sox'], isRoot: false, hasApt: true });
    assert.equal(plan.action, 'fail');
    if (plan.action !== 'fail') return;
    assert.ok(!plan.line.includes('\n'), plan.line);
    assert.match(plan.line, /missing Debian packages: rtpengine-daemon sox\b/);
    assert.ok(plan.line.includes(installCommand(['rtpengine-daemon', 'sox'])), plan.line);
    assert.equal(installCommand(['sox']), 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends sox');
  });

  test('no dpkg/apt-get (not Debian): fails naming the packages, even as root', () => {
    const plan = peerPlan({ missing: ['sox'], isRoot: true, hasApt: false });
    assert.equal(plan.action, 'fail');
    assert.match(plan.action === 'fail' ? plan.line : '', /no dpkg\/apt-get: sox$/);
  });
});

describe('postgresPlan', () => {
  test('running: nothing; down as root: pg_ctlcluster on the installed version; down otherwise: one line', () => {
    assert.deepEqual(postgresPlan({ ready: true, isRoot: false, versions: [] }), { action: 'none' });
    assert.deepEqual(postgresPlan({ ready: false, isRoot: true, versions: ['15'] }), { action: 'start', command: ['pg_ctlcluster', '--skip-systemctl-redirect', '15', 'main', 'start'] });
    const notRoot = postgresPlan({ ready: false, isRoot: false, versions: ['15'] });
    assert.deepEqual(notRoot, { action: 'fail', line: 'ensure-peers: PostgreSQL is not running on 127.0.0.1:5432; start it as root: pg_ctlcluster --skip-systemctl-redirect 15 main start' });
    const none = postgresPlan({ ready: false, isRoot: true, versions: [], where: '127.0.0.1:5433' });
    assert.match(none.action === 'fail' ? none.line : '', /not running on 127\.0\.0\.1:5433 and no cluster is in \/etc\/postgresql/);
  });

  test('the target follows UCC_TEST_POSTGRES_URL; only a loopback server is started', () => {
    assert.deepEqual(postgresTarget(''), { host: '127.0.0.1', port: 5432, local: true });
    assert.deepEqual(postgresTarget('postgres://postgres@127.0.0.1:5433/test'), { host: '127.0.0.1', port: 5433, local: true });
    assert.deepEqual(postgresTarget('postgres://u:p@db.example.test/test'), { host: 'db.example.test', port: 5432, local: false });
  });
});
