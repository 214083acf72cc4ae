import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { forEachStore } from '../../support/for-each-store.ts';
import { parseConfigText } from '../../../src/config/config-loader.ts';
import type { ConfigObjects } from '../../../src/config/config-objects.ts';
import type { ConfigChange } from '../../../src/store/change-feed.ts';
import { OptionResolver } from '../../../src/config/option-resolver.ts';
import { UccError } from '../../../src/lib/errors.ts';
import { memoryLogger } from '../../../src/lib/logger.ts';

const yaml = `
switches: [{ name: SW }]
dns:
  - { number: "1001", type: Extension, switch: SW, annex: { TServer: { no-answer-action: notready } } }
  - { number: "Sip:RP@x", type: Routing Point, switch: SW, association: "5000" }
places: [{ name: P1, dns: ["1001"] }]
agentLogins:
  - { loginCode: "5001", switch: SW, password: pw }
persons:
  - { userName: alice, firstName: Alice, password: secret, agentLogins: ["5001"], defaultPlace: P1, annex: { uc: { contact: "sip:alice@example.test" } } }
  - { userName: bob }
agentGroups: [{ name: G, members: [alice, bob] }]
applications:
  - { name: TS, type: tserver, switch: SW, options: { TServer: { wrap-up-time: 5 } } }
`;

function objects(): ConfigObjects {
  const r = parseConfigText(yaml, 'store.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.objects;
}

forEachStore((name, makeStore) => {
  describe(`ConfigStore on ${name}`, () => {
    test('migrations create the config tables on a fresh database and record 0001-config-objects and 0002-application-password', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open();
        const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
        assert.deepEqual(rows.rows.map((r) => r.name), ['0001-config-objects', '0002-application-password']);
        for (const t of ['cfg_switch', 'cfg_dn', 'cfg_place', 'cfg_person', 'cfg_agent_login', 'cfg_agent_group', 'cfg_application']) {
          const c = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(store.db);
          assert.equal(Number(c.rows[0]?.n), 0, t);
        }
        // A second open on the same database finds nothing left to migrate.
        const again = await fx.open();
        assert.equal(again.list('persons').length, 0);
      } finally {
        await fx.dispose();
      }
    });

    test('another role adds its own table through a later migration', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open({
          migrations: [
            {
              name: '0100-offer-ledger',
              async up(db, ctx) {
                await db.schema.createTable('offer_ledger').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('data', ctx.json).execute();
              },
            },
          ],
        });
        const db = store.db.withTables<{ offer_ledger: { id: string; data: string } }>();
        await db.insertInto('offer_ledger').values({ id: 'o1', data: JSON.stringify({ a: 1 }) }).execute();
        const rows = await db.selectFrom('offer_ledger').selectAll().execute();
        assert.equal(rows.length, 1);
        const names = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
        assert.deepEqual(names.rows.map((r) => r.name), ['0001-config-objects', '0002-application-password', '0100-offer-ledger']);
      } finally {
        await fx.dispose();
      }
    });

    test('a badly named migration is refused before anything runs', async () => {
      const fx = await makeStore();
      try {
        await assert.rejects(fx.open({ migrations: [{ name: 'offers', up: async () => undefined }] }), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_STORE_MIGRATION');
      } finally {
        await fx.dispose();
      }
    });

    test('loadConfig stores every object and a second instance reads the same objects back', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open();
        const events: ConfigChange[] = [];
        store.changes.subscribe((c) => events.push(c));
        await store.loadConfig(objects());
        assert.deepEqual(events, [{ kind: 'reload', origin: 'local' }]);
        assert.equal(store.list('persons').length, 2);
        const alice = store.get('persons', 'alice');
        assert.equal(alice?.firstName, 'Alice');
        assert.match(alice?.passwordHash ?? '', /^scrypt\$/);
        assert.deepEqual(alice?.agentLogins, [{ switch: 'SW', loginCode: '5001' }]);
        assert.equal(store.findDn('sip:rp@X'.replace('X', 'x'))?.association, '5000');
        assert.equal(store.get('dns', 'SW/sip:rp@x')?.number, 'Sip:RP@x');
        // What was written is what a fresh reader sees (row mapping round trip on this dialect).
        const other = await fx.open();
        assert.deepEqual(sortObjects(other.snapshot()), sortObjects(store.snapshot()));
        assert.deepEqual(sortObjects(store.snapshot()), sortObjects(objects(), store.snapshot()));
      } finally {
        await fx.dispose();
      }
    });

    test('putObject and deleteObject change the snapshot and notify subscribers synchronously after commit', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open();
        await store.loadConfig(objects());
        const events: ConfigChange[] = [];
        store.changes.subscribe((c) => events.push(c));
        const p = store.putObject('persons', { userName: 'carol', agentLogins: [], annex: {} });
        assert.equal(events.length, 0, 'nothing before the commit');
        await p;
        assert.deepEqual(events, [{ kind: 'object', objectType: 'persons', key: 'carol', action: 'put', origin: 'local' }]);
        assert.equal(store.get('persons', 'carol')?.userName, 'carol');
        assert.equal(await store.deleteObject('persons', 'carol'), true);
        assert.equal(await store.deleteObject('persons', 'carol'), false);
        assert.equal(store.get('persons', 'carol'), undefined);
        assert.equal(events.length, 2);
        assert.deepEqual(events[1], { kind: 'object', objectType: 'persons', key: 'carol', action: 'delete', origin: 'local' });
      } finally {
        await fx.dispose();
      }
    });

    test('setOption updates the option, keeps the section spelling, and an OptionResolver sees it at once', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open();
        await store.loadConfig(objects());
        const resolver = new OptionResolver({ view: store, application: 'TS' });
        assert.equal(resolver.getSecondsOrUntimed('TServer', 'wrap-up-time'), 5);
        const events: ConfigChange[] = [];
        store.changes.subscribe((c) => events.push(c));
        await store.setOption('applications', 'TS', 'tserver', 'wrap-up-time', 'untimed');
        assert.deepEqual(events, [{ kind: 'option', objectType: 'applications', key: 'TS', section: 'tserver', option: 'wrap-up-time', value: 'untimed', origin: 'local' }]);
        assert.deepEqual(store.get('applications', 'TS')?.options, { TServer: { 'wrap-up-time': 'untimed' } });
        assert.equal(resolver.getSecondsOrUntimed('TServer', 'wrap-up-time'), 'untimed');
        // An annex option on an Agent Login overrides it for that agent.
        await store.setOption('agentLogins', 'SW/5001', 'TServer', 'wrap-up-time', 20);
        assert.equal(resolver.getSecondsOrUntimed('TServer', 'wrap-up-time', { agentLogin: '5001' }), 20);
        // Removing the last option removes the section.
        await store.setOption('agentLogins', 'SW/5001', 'TServer', 'wrap-up-time', undefined);
        assert.deepEqual(store.get('agentLogins', 'SW/5001')?.annex, {});
        await assert.rejects(store.setOption('persons', 'nobody', 'uc', 'contact', 'sip:x@y'), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_CONFIG_OBJECT_NOT_FOUND');
      } finally {
        await fx.dispose();
      }
    });

    test('a listener that throws is logged and the others still get the change', async () => {
      const fx = await makeStore();
      try {
        const log = memoryLogger();
        const store = await fx.open({ logger: log });
        await store.loadConfig(objects());
        let got = 0;
        store.changes.subscribe(() => {
          throw new Error('boom');
        });
        const off = store.changes.subscribe(() => got++);
        await store.setOption('persons', 'bob', 'uc', 'contact', 'sip:bob@example.test');
        assert.equal(got, 1);
        assert.ok(log.lines.some((l) => l.msg === 'config change listener failed' && l.error === 'boom'));
        off();
        await store.setOption('persons', 'bob', 'uc', 'contact', 'sip:bob2@example.test');
        assert.equal(got, 1, 'unsubscribed');
      } finally {
        await fx.dispose();
      }
    });

    test('stored objects are frozen so a reader cannot change the snapshot', async () => {
      const fx = await makeStore();
      try {
        const store = await fx.open();
        await store.loadConfig(objects());
        const alice = store.get('persons', 'alice');
        assert.throws(() => {
          (alice as { firstName?: string }).firstName = 'Mallory';
        });
        assert.equal(store.get('persons', 'alice')?.firstName, 'Alice');
      } finally {
        await fx.dispose();
      }
    });
  });
});

/** Objects sorted by key, for comparing what went in with what came out (JSON columns may reorder keys). */
function sortObjects(o: ConfigObjects, withHashesFrom?: ConfigObjects): string {
  const copy = structuredClone(o);
  // Password hashes are salted per load: compare the stored ones.
  if (withHashesFrom) {
    for (const p of copy.persons) p.passwordHash = withHashesFrom.persons.find((q) => q.userName === p.userName)?.passwordHash;
    for (const a of copy.agentLogins) a.passwordHash = withHashesFrom.agentLogins.find((q) => q.loginCode === a.loginCode)?.passwordHash;
  }
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canon(x)])) : v;
  const lists = Object.fromEntries(Object.entries(copy).map(([k, list]) => [k, (list as unknown[]).map(canon).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))]));
  return JSON.stringify(canon(lists));
}
