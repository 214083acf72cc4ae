/**
 * The reporting role's tables: the offer ledger (one row per knowledge worker offered a preview)
 * and the agent-state history. Times are epoch milliseconds (bigint).
 */
import type { Kysely } from 'kysely';
import type { StoreMigration } from '../store/store-migration.ts';

export const reportingMigrations: readonly StoreMigration[] = [
  {
    name: '0401-reporting-ledger-and-history',
    async up(db: Kysely<unknown>, { json }) {
      await db.schema
        .createTable('rep_preview_offer')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conn_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('routing_point', 'text')
        .addColumn('dn', 'text')
        .addColumn('offered_at', 'bigint', (c) => c.notNull())
        .addColumn('outcome', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('latency_ms', 'bigint')
        .addColumn('reason', 'text')
        .execute();
      await db.schema.createIndex('rep_preview_offer_conn').on('rep_preview_offer').columns(['conn_id', 'agent_id']).execute();
      await db.schema.createIndex('rep_preview_offer_offered').on('rep_preview_offer').columns(['offered_at']).execute();
      await db.schema
        .createTable('rep_agent_state')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text')
        .addColumn('dn', 'text')
        .addColumn('previous_state', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('work_mode', 'text')
        .addColumn('reasons', json)
        .addColumn('cause', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rep_agent_state_agent').on('rep_agent_state').columns(['agent_id', 'at', 'seq']).execute();
    },
    async down(db) {
      await db.schema.dropTable('rep_agent_state').ifExists().execute();
      await db.schema.dropTable('rep_preview_offer').ifExists().execute();
    },
  },
  {
    // The run (`<instance>#<run>`, src/store/instance-runs.ts) that made the offer: a restart
    // closes the open offers of its instance's previous runs.
    name: '0402-offer-instance-run',
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('rep_preview_offer').addColumn('instance_run', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('rep_preview_offer').dropColumn('instance_run').execute();
    },
  },
  {
    // Chat transcripts (docs/chat.md): every message and routing event of a chat, in order; and
    // the media type of each offer (voice or chat).
    name: '0403-chat-transcripts',
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rep_chat_transcript')
        .addColumn('conn_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sender_role', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rep_chat_transcript_pk', ['conn_id', 'seq'])
        .execute();
      await db.schema.alterTable('rep_preview_offer').addColumn('media_type', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('rep_preview_offer').dropColumn('media_type').execute();
      await db.schema.dropTable('rep_chat_transcript').ifExists().execute();
    },
  },
];
