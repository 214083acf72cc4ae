#!/usr/bin/env node
// The first step of `npm test`: makes this Debian machine ready for the real-peer tests, which fail
// (never skip) when a peer is missing. It installs the missing Debian packages with apt-get when it
// runs as root, and otherwise stops at once with one line naming them and the command to run. Then it
// starts PostgreSQL (the store tests) when it is down. This file holds the one list of the peers.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The Debian packages the tests drive (bookworm names). */
export const DEBIAN_PEERS = Object.freeze([
  // The SIP presence server of the sip-simple tests, with the modules its configurations load.
  'kamailio', 'kamailio-presence-modules', 'kamailio-xml-modules', 'kamailio-tls-modules',
  'kamailio-utils-modules', 'kamailio-sqlite-modules',
  // SIP peers: SIPp (Debian calls it sip-tester), sipsak, and baresip as a UA.
  'sip-tester', 'sipsak', 'baresip-core',
  // Kamailio's presence database, and the test certificates.
  'sqlite3', 'openssl',
  // The browser tests (playwright-core drives Debian's Chromium, never a downloaded one).
  'chromium',
  // The voice tests: rtpengine relays the media, sox makes and measures the audio.
  'rtpengine-daemon', 'sox',
]);

/** The command that installs `packages`, as one shell line. */
export function installCommand(packages) {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/**
 * The installed packages in `dpkg-query -W -f='${Package} ${Status}\n' ...` output. Status is
 * "want flag state": `install ok installed` and `hold ok installed` are there; a package removed
 * with its configuration left reads `deinstall ok config-files`, a failed install `half-configured`.
 */
export function parseDpkgStatus(output) {
  const installed = new Set();
  for (const line of output.split('\n')) {
    const [name, , flag, state] = line.trim().split(/\s+/);
    if (name && flag === 'ok' && state === 'installed') installed.add(name.replace(/:.*$/, ''));
  }
  return installed;
}

/** The peers of `wanted` that are not in `installed`, in list order. */
export function missingPeers(installed, wanted = DEBIAN_PEERS) {
  return wanted.filter((p) => !installed.has(p));
}

/**
 * What to do about the missing peers: nothing, install them (as root, where apt-get is), or fail
 * with one line that names them and the command to run.
 */
export function peerPlan({ missing, isRoot, hasApt }) {
  if (missing.length === 0) return { action: 'none' };
  if (!hasApt) return { action: 'fail', line: `ensure-peers: the tests need these Debian bookworm packages and this machine has no dpkg/apt-get: ${missing.join(' ')}` };
  if (isRoot) return { action: 'install', packages: [...missing] };
  return { action: 'fail', line: `ensure-peers: missing Debian packages: ${missing.join(' ')}. Install them as root (or run npm test as root): sudo sh -c '${installCommand(missing)}'` };
}

/**
 * What to do about PostgreSQL: nothing when it answers, start the cluster in /etc/postgresql when
 * root can, or fail with one line.
 */
export function postgresPlan({ ready, isRoot, versions, where = '127.0.0.1:5432' }) {
  if (ready) return { action: 'none' };
  const version = versions[0];
  if (!version) return { action: 'fail', line: `ensure-peers: PostgreSQL is not running on ${where} and no cluster is in /etc/postgresql (the store tests need it; set UCC_TEST_POSTGRES_URL for another server)` };
  const command = `pg_ctlcluster --skip-systemctl-redirect ${version} main start`;
  if (isRoot) return { action: 'start', command: ['pg_ctlcluster', '--skip-systemctl-redirect', version, 'main', 'start'] };
  return { action: 'fail', line: `ensure-peers: PostgreSQL is not running on ${where}; start it as root: ${command}` };
}

/** Host and port of the store tests' PostgreSQL (test/support/for-each-store.ts reads the same variable). */
export function postgresTarget(url = process.env.UCC_TEST_POSTGRES_URL) {
  if (!url) return { host: '127.0.0.1', port: 5432, local: true };
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port: Number(u.port || 5432), local: host === 'localhost' || host === '::1' || host.startsWith('127.') };
}

/** Runs a command to its end; every command is bounded (1 minute unless `options.timeout` says). */
function run(cmd, args, options = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000, ...options });
}

/** apt-get's bounds: the package lists, and the packages (Chromium and Kamailio are large). */
const APT_TIMEOUT_MS = { update: 10 * 60_000, install: 30 * 60_000 };

function fail(line) {
  process.stderr.write(line + '\n');
  process.exit(1);
}

function installedPeers() {
  // Exit status 1 only says some package is unknown to dpkg; the others are still listed.
  const r = run('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...DEBIAN_PEERS]);
  if (r.error) return undefined;
  return parseDpkgStatus(r.stdout ?? '');
}

function ensurePackages(isRoot) {
  const installed = installedPeers();
  const hasApt = installed !== undefined && !run('apt-get', ['--version']).error;
  const plan = peerPlan({ missing: installed ? missingPeers(installed) : [...DEBIAN_PEERS], isRoot, hasApt });
  if (plan.action === 'fail') fail(plan.line);
  if (plan.action === 'none') return;
  process.stdout.write(`ensure-peers: installing Debian peers: ${plan.packages.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps = [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...plan.packages]];
  for (const args of steps) {
    const r = run('apt-get', args, { env, timeout: APT_TIMEOUT_MS[args[0]] });
    if (r.status !== 0) {
      process.stderr.write((r.stdout ?? '') + (r.stderr ?? ''));
      const why = r.error?.code === 'ETIMEDOUT' ? `took over ${APT_TIMEOUT_MS[args[0]] / 60_000} minutes` : `exit ${r.status ?? r.error?.message}`;
      fail(`ensure-peers: apt-get ${args[0]} failed (${why}); run it by hand: ${installCommand(plan.packages)}`);
    }
  }
  const still = missingPeers(installedPeers() ?? new Set(), plan.packages);
  if (still.length > 0) fail(`ensure-peers: apt-get did not install: ${still.join(' ')}`);
}

function postgresReady(target) {
  return run('pg_isready', ['-q', '-h', target.host, '-p', String(target.port)]).status === 0;
}

function ensurePostgres(isRoot) {
  const target = postgresTarget();
  if (postgresReady(target)) return;
  if (!target.local) fail(`ensure-peers: PostgreSQL at ${target.host}:${target.port} (UCC_TEST_POSTGRES_URL) does not answer`);
  let versions = [];
  try {
    versions = readdirSync('/etc/postgresql').sort((a, b) => Number(b) - Number(a)); // newest first
  } catch {
    // No cluster: the plan says so.
  }
  const plan = postgresPlan({ ready: false, isRoot, versions, where: `${target.host}:${target.port}` });
  if (plan.action === 'fail') fail(plan.line);
  process.stdout.write('ensure-peers: starting PostgreSQL\n');
  const r = run(plan.command[0], plan.command.slice(1));
  if (r.status !== 0) fail(`ensure-peers: ${plan.command.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error?.message)).trim().split('\n')[0]}`);
  // Bounded wait: 50 probes, 200 ms apart.
  for (let i = 0; i < 50; i++) {
    if (postgresReady(target)) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  fail(`ensure-peers: PostgreSQL was started but does not answer on ${target.host}:${target.port} after 10 s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const isRoot = process.getuid?.() === 0;
  ensurePackages(isRoot);
  ensurePostgres(isRoot);
}
