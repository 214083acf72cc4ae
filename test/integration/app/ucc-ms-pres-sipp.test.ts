// The whole app (the composition root `ucc start` uses) on a `presence: { mode: ms-pres }` file,
// against SIPp playing the Lync / SfB Front End (test/peers/sipp/ms-pres-front-end.xml; the Debian
// SIPp has no TLS, so UDP and TCP): REGISTER, the batch SUBSCRIBE for the auto-registered KW, the
// piggybacked aggregateState 3500, BENOTIFYs 6500 and 15500, a NOTIFY 3500. The KW's emulated agent
// in the T-Server follows: Ready, NotReady, Ready. `ucc check-config` runs as a real process on the
// same file. SIPp's timers are real, so the app runs on the system clock.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type App } from '../../../src/app/build-app.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';
import { loadConfigFile } from '../../../src/config/config-loader.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import { MsPresPlatform } from '../../../src/uc/ms-pres/ms-pres-platform.ts';
import { freePort } from '../../support/free-port.ts';
import { startPeer, waitFor } from '../../support/peer-process.ts';
import { startSipp } from '../../support/sipp.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
type Event = TlibEvent & Record<string, unknown>;

/** Resolves once SIPp has bound its port (read from /proc/net, so we never take the port ourselves). */
async function sippListening(port: number, protocol: 'udp' | 'tcp'): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const bound = (): boolean => readFileSync(`/proc/net/${protocol}`, 'utf8').split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    return cols[1]?.endsWith(hex) === true && (protocol === 'udp' || cols[3] === '0A');
  });
  await waitFor(`SIPp to bind ${protocol} ${port}`, bound, 5_000);
}

function msPresConfig(protocol: 'udp' | 'tcp', sippPort: number, sipPort: number): string {
  return `store: { type: sqlite, path: ":memory:" }
presence:
  mode: ms-pres
  registrar-uri: "sip:127.0.0.1:${sippPort};transport=${protocol}"
  contact: "sip:ucc@contoso.com"
  listen:
    - { protocol: ${protocol}, host: 127.0.0.1, port: ${sipPort} }
  registerExpires: 3600
  subscribeExpires: 3600
  maxBatchSize: 100
listen: { host: 127.0.0.1, tlib: 0, http: 0 }
switches: [ { name: SW } ]
dns:
  - { number: "7001", type: Extension, switch: SW }
places: [ { name: P_alice, dns: ["7001"] } ]
agentLogins: [ { loginCode: A7001, switch: SW } ]
persons:
  - { userName: alice, agentLogins: [A7001], defaultPlace: P_alice, annex: { Microsoft-OCS: { contact: "sip:alice@contoso.com" } } }
applications:
  - { name: TServer_SW, type: tserver, switch: SW }
  - { name: UCC, type: ucc, options: { uc-connector: { user-auto-registration: true } } }
`;
}

/** `ucc check-config FILE` as a user runs it: exit code and output. */
async function checkConfig(file: string): Promise<{ code: number | string; output: string }> {
  const p = startPeer('ucc check-config', process.execPath, [join(root, 'bin/ucc.js'), 'check-config', file]);
  try {
    return { code: await p.exited, output: p.output() };
  } finally {
    await p.stop();
  }
}

const stateNames: Record<string, string> = { EventAgentReady: 'Ready', EventAgentNotReady: 'NotReady', EventAgentLogout: 'LoggedOut' };

/** The agent state events of 7001 from the first Ready on (the login's own NotReady comes before it). */
function fromFirstReady(events: Event[]): Event[] {
  const mine = events.filter((e) => e.ThisDN === '7001' && stateNames[e.message] !== undefined);
  const first = mine.findIndex((e) => e.message === 'EventAgentReady');
  return first < 0 ? [] : mine.slice(first);
}

/** Those states, consecutive repeats folded. */
function agentStates(events: Event[]): string[] {
  const out: string[] = [];
  for (const e of fromFirstReady(events)) {
    const s = stateNames[e.message]!;
    if (out.at(-1) !== s) out.push(s);
  }
  return out;
}

const reasonStatus = (e: Event): unknown => (e.Reasons as Array<[string, unknown]> | undefined)?.find(([k]) => k === 'KW_UC_STATUS')?.[1];

for (const protocol of ['udp', 'tcp'] as const) {
  describe(`ucc with presence mode ms-pres against SIPp playing the Front End (${protocol})`, { timeout: 60_000 }, () => {
    test('check-config accepts the file; the KW agent follows the aggregateState: 3500 Ready, 6500 NotReady, 3500 Ready', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ucc-ms-pres-'));
      const sippPort = await freePort();
      // -m 2: the REGISTER call (with its un-REGISTER) and the SUBSCRIBE call (with its unsubscribe).
      const run = startSipp({ scenario: 'ms-pres-front-end.xml', localPort: sippPort, transport: protocol, timeoutSeconds: 30, extraArgs: ['-m', '2', '-nr'] });
      let app: App | undefined;
      try {
        const file = join(dir, 'ms-pres.yaml');
        writeFileSync(file, msPresConfig(protocol, sippPort, await freePort()));
        const checked = await checkConfig(file);
        assert.equal(checked.code, 0, checked.output);
        assert.match(checked.output, /ms-pres\.yaml: ok \(1 switch, 1 DN, 1 place, 1 person, 1 agent login, 0 agent groups, 2 applications\)/);

        await sippListening(sippPort, protocol);
        const loaded = loadConfigFile(file, { hashPasswords: false });
        if (!loaded.ok) assert.fail(loaded.error.kind === 'unreadable' ? loaded.error.message : loaded.error.issues.map(formatIssue).join('\n'));
        app = await buildApp(loaded.value, { logger: silentLogger });
        assert.ok(app.uc instanceof MsPresPlatform);
        // Watch the KW's DN before the adapter starts: the first state arrives with the SUBSCRIBE's 200.
        const events: Event[] = [];
        const observer = app.tserver.attach((e) => events.push(e as Event));
        observer.request({ message: 'RequestRegisterAddress', ThisDN: '7001', ReferenceID: 1 } as TlibRequest);
        await app.listen();
        assert.equal(app.uc.connectionState, 'connected');

        await waitFor('Ready, NotReady, then Ready again', () => agentStates(events).join() === 'Ready,NotReady,Ready', 15_000,
          () => `${agentStates(events).join()}\n${run.messages()}`);
        assert.equal(app.connector.knowledgeWorker('alice')?.agentState, 'Ready');
        assert.equal(app.connector.knowledgeWorker('alice')?.presence?.availabilityCode, 3500);
        // The NotReady came from the BENOTIFY's 6500 (busy), then 15500 (away) kept the agent NotReady.
        const notReady = fromFirstReady(events).filter((e) => e.message === 'EventAgentNotReady').map(reasonStatus);
        assert.deepEqual(notReady, ['busy', 'away'], JSON.stringify(notReady));
        assert.equal(app.uc.status.users, 1);

        observer.close();
        await app.close();
        app = undefined;
        assert.equal(await run.exitCode, 0, run.messages());
        assert.match(run.messages(), /SUBSCRIBE sip:ucc@contoso\.com/);
      } finally {
        await app?.close();
        await run.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test('check-config refuses an ms-pres file without registrar-uri and with a tls listener but no certificate, naming file, line and option', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-ms-pres-bad-'));
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'presence:\n  mode: ms-pres\n  contact: "sip:ucc@contoso.com"\n  listen: [{ protocol: tls, port: 5061 }]\n');
    const r = await checkConfig(file);
    assert.equal(r.code, 1, r.output);
    assert.ok(r.output.includes(`${file}:1: presence: mode ms-pres needs registrar-uri (the pool's SIP URI)`), r.output);
    assert.ok(r.output.includes(`${file}:4: presence.listen[0]: a tls listener needs presence.tls`), r.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
