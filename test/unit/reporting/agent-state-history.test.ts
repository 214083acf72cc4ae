/**
 * Agent-state history from a real T-Server session: the agent's client and the statistics talk
 * framed T-Lib in memory; the history follows the statistics into the store (SQLite and PostgreSQL).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../support/for-each-store.ts';
import { setup } from '../tserver/harness.ts';
import { StatService } from '../../../src/stats/stat-service.ts';
import { AgentStateHistory } from '../../../src/reporting/agent-state-history.ts';
import { reportingMigrations } from '../../../src/reporting/reporting-migrations.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';

async function until(what: string, pred: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(pred(), `timed out waiting for ${what}`);
}

forEachStore((name, makeStore) => {
  describe(`agent-state history on ${name}`, () => {
    test('login, NotReady with reasons, Ready, a call with after-call work, Ready again, logout', async () => {
      const fx = await makeStore();
      const w = setup({ options: { 'wrap-up-time': 10 } });
      const target = { kind: 'memory' as const, connect: () => w.server.connectInMemory() };
      const statsLink = new TlibClient({ target, clock: w.clock, reconnect: false });
      const agent = new TlibClient({ target, clock: w.clock, reconnect: false });
      const stats = new StatService({ config: { agents: [{ agentId: 'a1', userName: 'alice' }], groups: [], dns: ['7001', '7002'] }, clock: w.clock });
      try {
        const store = await fx.open({ migrations: reportingMigrations });
        const history = new AgentStateHistory(store.db);
        history.follow(stats);
        await stats.connect(statsLink);
        const t0 = w.clock.now();
        const state = (): string | undefined => stats.agent('a1')?.state;

        await agent.connect();
        await agent.registerAddress('7001');
        await agent.registerAddress('7002');
        await agent.request({ message: 'RequestAgentLogin', ThisDN: '7001', AgentID: 'a1', AgentWorkMode: 'ManualIn' });
        await until('Ready', () => state() === 'Ready');
        w.clock.advance(1000);
        await agent.request({ message: 'RequestAgentNotReady', ThisDN: '7001', AgentWorkMode: 'AuxWork', Reasons: [['KW_UC_STATUS', 'away']] });
        await until('NotReady', () => state() === 'NotReady');
        w.clock.advance(1000);
        await agent.request({ message: 'RequestAgentReady', ThisDN: '7001', Reasons: [['KW_UC_STATUS', 'ready']] });
        await until('Ready', () => state() === 'Ready');
        w.clock.advance(1000);
        const dial = await agent.request({ message: 'RequestMakeCall', ThisDN: '7002', OtherDN: '7001' });
        const connId = (dial as { ConnID?: string }).ConnID as string;
        await until('Busy', () => state() === 'Busy');
        await agent.request({ message: 'RequestAnswerCall', ThisDN: '7001', ConnID: connId });
        w.clock.advance(1000);
        await agent.request({ message: 'RequestReleaseCall', ThisDN: '7001', ConnID: connId });
        await until('AfterCallWork', () => state() === 'AfterCallWork');
        w.clock.advance(10_000);
        await until('Ready after ACW', () => state() === 'Ready');
        await agent.request({ message: 'RequestAgentLogout', ThisDN: '7001' });
        await until('LoggedOut', () => state() === 'LoggedOut');
        await history.flush();

        const rows = await history.history('a1');
        assert.deepEqual(rows.map((r) => [r.previousState, r.state, r.at - t0, r.cause, r.reasons ?? null]), [
          ['LoggedOut', 'Ready', 0, 'EventAgentLogin', null],
          ['Ready', 'NotReady', 1000, 'EventAgentNotReady', [['KW_UC_STATUS', 'away']]],
          ['NotReady', 'Ready', 2000, 'EventAgentReady', [['KW_UC_STATUS', 'ready']]],
          ['Ready', 'Busy', 3000, 'EventRinging', [['KW_UC_STATUS', 'ready']]],
          // The T-Server announces ACW before EventReleased: a detail row while still Busy.
          ['Busy', 'Busy', 4000, 'EventAgentNotReady', null],
          ['Busy', 'AfterCallWork', 4000, 'EventReleased', null],
          ['AfterCallWork', 'Ready', 14000, 'EventAgentReady', null],
          ['Ready', 'LoggedOut', 14000, 'EventAgentLogout', null],
        ]);
        assert.ok(rows.every((r) => r.userName === 'alice'));
        assert.equal(rows[0]?.dn, '7001');
        assert.equal(rows.find((r) => r.state === 'AfterCallWork')?.workMode, 'AfterCallWork');
        assert.deepEqual((await history.history('a1', { from: t0 + 1000, to: t0 + 3000 })).map((r) => r.state), ['NotReady', 'Ready']);
        assert.deepEqual(await history.history('nobody'), []);
        history.stop();
      } finally {
        stats.close();
        statsLink.close();
        agent.close();
        await w.server.close();
        await fx.dispose();
      }
    });
  });
});
