// The embedded default keeps its data: the app started twice on one SQLite file finds the offer
// ledger, the agent-state history and the router's decision of the first run. A store file that
// cannot be opened is an error naming the configuration file, line and option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../../src/app/build-app.ts';
import { parseConfigText } from '../../../src/config/config-loader.ts';
import { UccError } from '../../../src/lib/errors.ts';
import { SystemClock } from '../../../src/lib/clock.ts';
import { AgentStateHistory, type AgentStateRow } from '../../../src/reporting/agent-state-history.ts';
import { OfferLedger, type OfferRow } from '../../../src/reporting/offer-ledger.ts';
import { ReservationStore } from '../../../src/store/reservation-store.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';

const configYaml = (path: string): string => `
store:
  type: sqlite
  path: ${JSON.stringify(path)}
switches: [{ name: SW }]
dns:
  - { number: "7001", type: Extension, switch: SW }
  - { number: "5000", type: Routing Point, switch: SW, annex: { router: { target-type: agent-group, target: Sales, selection: round-robin } } }
  - { number: "9000", type: Trunk, switch: SW }
places: [{ name: P1, dns: ["7001"] }]
agentLogins: [{ loginCode: A7001, switch: SW }]
persons:
  - { userName: alice, agentLogins: [A7001], defaultPlace: P1, annex: { uc: { contact: "sip:alice@example.test" } } }
agentGroups: [{ name: Sales, members: [alice] }]
applications:
  - { name: TS, type: tserver, switch: SW, options: { TServer: { router-timeout: 0 } } }
  - { name: UCC, type: ucc, options: { uc-connector: { user-auto-registration: true } } }
listen: { tlib: 0, http: 0 }
`;

async function start(path: string): Promise<App> {
  const loaded = parseConfigText(configYaml(path), 'restart.yaml', { hashPasswords: false });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  const app = await buildApp(loaded.value);
  try {
    await app.listen();
  } catch (e) {
    await app.close();
    throw e;
  }
  return app;
}

/** Polls `read` until `done` holds (bounded: 10 s). */
async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('started twice on one SQLite file, the app still has the offer ledger, the agent-state history and the call\'s winner', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-restart-'));
  // The folder does not exist yet: opening the store creates it.
  const file = join(dir, 'data', 'nested', 'openucc.sqlite');
  try {
    let connId = '';
    let offers: OfferRow[] = [];
    let history: AgentStateRow[] = [];
    let winner: Awaited<ReturnType<ReservationStore['winner']>>;
    const first = await start(file);
    try {
      assert.ok(existsSync(file), 'the store file and its folders were created');
      assert.ok(first.uc instanceof StandalonePlatform);
      const delivered: string[] = [];
      const remove = first.routing.sessions.add({
        id: 'restart-session', userName: 'alice',
        send: (m) => {
          if (m.type === 'preview') delivered.push(m.id);
          return true;
        },
      });
      first.uc.setPresence('alice', 'online');
      await until('alice Ready in stats', async () => first.routing.stats.agent('alice')?.state, (s) => s === 'Ready');
      const events: Array<Record<string, unknown>> = [];
      const observer = first.tserver.attach((e) => events.push(e as Record<string, unknown>));
      observer.request({ message: 'RequestRegisterAddress', ThisDN: '7001', ReferenceID: 1 } as never);
      observer.request({ message: 'RequestRegisterAddress', ThisDN: '9000', ReferenceID: 2 } as never);
      observer.request({ message: 'RequestMakeCall', ThisDN: '9000', OtherDN: '5000', UserData: [['Customer', 'Ada']], ReferenceID: 3 } as never);
      await until('the preview delivered to alice', async () => delivered.length, (n) => n === 1);
      assert.ok(first.routing.previews.accept('alice', delivered[0]!).ok);
      const ringing = await until('the call ringing at alice', async () => events.find((e) => e.message === 'EventRinging' && e.ThisDN === '7001'), (e) => e !== undefined);
      connId = String(ringing?.ConnID);
      offers = await until('the accepted offer in the ledger', () => new OfferLedger(first.store.db).offers({ connId }), (r) => r.length === 1 && r[0]?.outcome === 'accepted');
      history = await until('alice\'s agent-state history', () => new AgentStateHistory(first.store.db).history('A7001'), (r) => r.some((h) => h.state === 'Ready'));
      winner = await new ReservationStore(first.store.db, new SystemClock(), first.store.dialect).winner(connId);
      assert.equal(winner?.agent, 'alice', 'the router decided the call for alice');
      observer.close();
      remove();
    } finally {
      await first.close();
    }

    const second = await start(file);
    try {
      assert.deepEqual(await new OfferLedger(second.store.db).offers({ connId }), offers, 'the offer ledger survived the restart');
      const after = await new AgentStateHistory(second.store.db).history('A7001');
      assert.deepEqual(after.slice(0, history.length), history, 'the agent-state history survived the restart');
      const decided = await new ReservationStore(second.store.db, new SystemClock(), second.store.dialect).winner(connId);
      assert.deepEqual(decided, winner, 'the router\'s decision for the call survived the restart');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store file that cannot be opened: the error names the configuration file, line, option and the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-badstore-'));
  try {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'a file where the store wants a folder');
    const bad = join(blocker, 'openucc.sqlite');
    await assert.rejects(start(bad), (e: unknown) => {
      assert.ok(e instanceof UccError);
      assert.equal(e.code, 'UCC_ERR_STORE_UNREACHABLE');
      assert.ok(e.message.startsWith(`restart.yaml:4: store.path: cannot open the SQLite file ${bad}: `), e.message);
      return true;
    });
    // A file that is not an SQLite database is named the same way.
    const foreign = join(dir, 'foreign.sqlite');
    writeFileSync(foreign, 'x'.repeat(4096));
    await assert.rejects(start(foreign), /^UccError: restart\.yaml:4: store\.path: cannot open the SQLite file .*foreign\.sqlite: file is not a database/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
