import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixture, postgresUrl, type StoreFixture } from '../../support/for-each-store.ts';
import type { SqlConfigStore } from '../../../src/store/sql-config-store.ts';
import pg from 'pg';
import { channelFor } from '../../../src/store/postgres-notifier.ts';
import { parseConfigText } from '../../../src/config/config-loader.ts';
import type { ChangeFeed, ConfigChange } from '../../../src/store/change-feed.ts';
import { OptionResolver } from '../../../src/config/option-resolver.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { UccError } from '../../../src/lib/errors.ts';

const yaml = `
switches: [{ name: SW }]
persons: [{ userName: alice }]
applications: [{ name: UCC, type: ucc, options: { uc-connector: { preview-expiration-timeout: 15000 } } }]
`;

/** The next change on a feed that matches, or a failure after `ms` (the change crosses a real socket). */
function nextChange(feed: ChangeFeed, match: (c: ConfigChange) => boolean, ms = 5000): Promise<ConfigChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching change within ${ms} ms`));
    }, ms);
    const off = feed.subscribe((c) => {
      if (!match(c)) return;
      clearTimeout(timer);
      off();
      resolve(c);
    });
  });
}

/** Two store instances on one fresh schema; `a` loads the configuration and `b` hears it as a remote reload. */
async function twoLoadedStores(fx: StoreFixture): Promise<{ a: SqlConfigStore; b: SqlConfigStore; bReload: ConfigChange }> {
  const a = await fx.open();
  const b = await fx.open();
  const cfg = parseConfigText(yaml, 'x.yaml');
  assert.ok(cfg.ok);
  const reloaded = nextChange(b.changes, (c) => c.kind === 'reload');
  await a.loadConfig(cfg.value.objects);
  return { a, b, bReload: await reloaded };
}

describe('PostgreSQL LISTEN/NOTIFY between two store instances', () => {
  test('an option set by one process reaches a second instance on the same schema, which reads it at once', async () => {
    const fx = await makeFixture('postgres');
    try {
      const { a, b, bReload } = await twoLoadedStores(fx);
      assert.deepEqual(bReload, { kind: 'reload', origin: 'remote' });
      assert.equal(b.get('persons', 'alice')?.userName, 'alice');

      const resolverB = new OptionResolver({ view: b, application: 'UCC' });
      assert.equal(resolverB.getNumber('uc-connector', 'preview-expiration-timeout'), 15000);
      const seen = nextChange(b.changes, (c) => c.kind === 'option');
      await a.setOption('applications', 'UCC', 'uc-connector', 'preview-expiration-timeout', 9000);
      assert.deepEqual(await seen, { kind: 'option', objectType: 'applications', key: 'UCC', section: 'uc-connector', option: 'preview-expiration-timeout', value: 9000, origin: 'remote' });
      assert.equal(resolverB.getNumber('uc-connector', 'preview-expiration-timeout'), 9000);

      const put = nextChange(a.changes, (c) => c.kind === 'object' && c.origin === 'remote');
      await b.putObject('persons', { userName: 'bob', agentLogins: [], annex: {} });
      assert.deepEqual(await put, { kind: 'object', objectType: 'persons', key: 'bob', action: 'put', origin: 'remote' });
      assert.equal(a.get('persons', 'bob')?.userName, 'bob');

      const del = nextChange(a.changes, (c) => c.kind === 'object' && c.action === 'delete');
      await b.deleteObject('persons', 'alice');
      assert.deepEqual(await del, { kind: 'object', objectType: 'persons', key: 'alice', action: 'delete', origin: 'remote' });
      assert.equal(a.get('persons', 'alice'), undefined);
    } finally {
      await fx.dispose();
    }
  });

  test('two processes setting different options of one object at once keep both (row read under lock)', async () => {
    const fx = await makeFixture('postgres');
    try {
      const { a, b } = await twoLoadedStores(fx);
      await Promise.all([
        a.setOption('applications', 'UCC', 'uc-connector', 'dnd-off-timeout', 1000),
        b.setOption('applications', 'UCC', 'uc-connector', 'itx-window-close-timeout', 2000),
      ]);
      const c = await fx.open();
      assert.deepEqual(c.get('applications', 'UCC')?.options['uc-connector'], { 'preview-expiration-timeout': 15000, 'dnd-off-timeout': 1000, 'itx-window-close-timeout': 2000 });
    } finally {
      await fx.dispose();
    }
  });

  test('an unreachable PostgreSQL is a clear UCC_ERR_STORE_UNREACHABLE', async () => {
    await assert.rejects(openStore({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test' }), (e: unknown) => e instanceof UccError && e.code === 'UCC_ERR_STORE_UNREACHABLE' && /127\.0\.0\.1:1\/test is not reachable/.test(e.message));
  });

  test('stores on different schemas do not hear each other', async () => {
    const one = await makeFixture('postgres');
    const two = await makeFixture('postgres');
    try {
      const a = await one.open();
      const b = await two.open();
      const heard: ConfigChange[] = [];
      b.changes.subscribe((c) => heard.push(c));
      await a.putObject('persons', { userName: 'zed', agentLogins: [], annex: {} });
      // A change that b does hear proves its listener works and that a's message would have arrived by now.
      const own = nextChange(b.changes, (c) => c.kind === 'object' && c.origin === 'remote');
      const b2 = await two.open();
      await b2.putObject('persons', { userName: 'yan', agentLogins: [], annex: {} });
      await own;
      assert.deepEqual(heard.map((c) => (c.kind === 'object' ? c.key : c.kind)), ['yan']);
      assert.equal(b.get('persons', 'zed'), undefined);
    } finally {
      await one.dispose();
      await two.dispose();
    }
  });

  test('a lost LISTEN connection is re-opened and the store reloads, so later changes still arrive', async () => {
    const fx = await makeFixture('postgres');
    const admin = new pg.Client({ connectionString: postgresUrl });
    try {
      const { a, b } = await twoLoadedStores(fx);
      // Kill every LISTEN connection of this schema's channel, as a server restart or a network cut would.
      await admin.connect();
      const schema = fx.settings.type === 'postgres' ? fx.settings.schema ?? 'public' : '';
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where query = $1', [`LISTEN "${channelFor(schema)}"`]);
      assert.equal(killed.rowCount, 2, 'both instances were listening');
      const reloaded = await nextChange(b.changes, (c) => c.kind === 'reload');
      assert.deepEqual(reloaded, { kind: 'reload', origin: 'remote' });
      const seen = nextChange(b.changes, (c) => c.kind === 'option');
      await a.setOption('applications', 'UCC', 'uc-connector', 'preview-expiration-timeout', 7000);
      assert.equal((await seen).kind, 'option');
      assert.equal(new OptionResolver({ view: b, application: 'UCC' }).getNumber('uc-connector', 'preview-expiration-timeout'), 7000);
    } finally {
      await admin.end();
      await fx.dispose();
    }
  });
});
