/**
 * Migrations of the configuration tables. Each table keeps the object's identity as `object_key`
 * (see objectKey in config/config-objects.ts) next to typed columns; annex and options are JSON.
 */
import type { Kysely } from 'kysely';
import type { StoreMigration } from './store-migration.ts';

/** The configuration schema, in order. */
export const configMigrations: readonly StoreMigration[] = [
  {
    name: '0001-config-objects',
    async up(db: Kysely<unknown>, { json }) {
      await db.schema.createTable('cfg_switch').addColumn('object_key', 'text', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull()).addColumn('annex', json, (c) => c.notNull()).execute();
      await db.schema
        .createTable('cfg_dn')
        .addColumn('object_key', 'text', (c) => c.primaryKey())
        .addColumn('switch', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('register', 'integer', (c) => c.notNull())
        .addColumn('association', 'text')
        .addColumn('annex', json, (c) => c.notNull())
        .execute();
      await db.schema.createTable('cfg_place').addColumn('object_key', 'text', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull()).addColumn('dns', json, (c) => c.notNull()).execute();
      await db.schema
        .createTable('cfg_person')
        .addColumn('object_key', 'text', (c) => c.primaryKey())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('default_place', 'text')
        .addColumn('agent_logins', json, (c) => c.notNull())
        .addColumn('annex', json, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('cfg_agent_login')
        .addColumn('object_key', 'text', (c) => c.primaryKey())
        .addColumn('switch', 'text', (c) => c.notNull())
        .addColumn('login_code', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('annex', json, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('cfg_agent_group')
        .addColumn('object_key', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('members', json, (c) => c.notNull())
        .addColumn('annex', json, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('cfg_application')
        .addColumn('object_key', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('switch', 'text')
        .addColumn('options', json, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['cfg_application', 'cfg_agent_group', 'cfg_agent_login', 'cfg_person', 'cfg_place', 'cfg_dn', 'cfg_switch']) await db.schema.dropTable(t).ifExists().execute();
    },
  },
  {
    // T-Lib clients authenticate as Applications (docs/protocols/tlib.md 1.1): their password hash.
    name: '0002-application-password',
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('cfg_application').addColumn('password_hash', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('cfg_application').dropColumn('password_hash').execute();
    },
  },
];
