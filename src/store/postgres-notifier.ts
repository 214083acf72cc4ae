/**
 * Cross-process change notification on PostgreSQL: writers `pg_notify` inside their transaction (so
 * the message is delivered only on commit), every store instance LISTENs on a dedicated connection.
 * The channel is per schema, so stores on different schemas never hear each other.
 */
import pg from 'pg';
import { sql, type Transaction } from 'kysely';
import type { ObjectType } from '../config/config-objects.ts';
import type { Logger } from '../lib/logger.ts';

/** What crosses the wire: which object changed; receivers re-read it from the database. */
export interface RemoteChange {
  /** The writing store instance (it ignores its own messages). */
  from: string;
  kind: 'option' | 'object' | 'reload';
  objectType?: ObjectType;
  key?: string;
  section?: string;
  option?: string;
}

/** The NOTIFY channel of a schema. */
export function channelFor(schema: string): string {
  return `ucc_config_${schema}`.slice(0, 63);
}

export class PostgresNotifier {
  private client: pg.Client | undefined;

  constructor(
    private readonly connection: pg.ClientConfig,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  /** Sends a change inside the writer's transaction. */
  async notify(trx: Transaction<unknown>, change: RemoteChange): Promise<void> {
    await sql`select pg_notify(${this.channel}, ${JSON.stringify(change)})`.execute(trx);
  }

  /** Opens the listening connection. */
  async start(onChange: (change: RemoteChange) => void): Promise<void> {
    const client = new pg.Client(this.connection);
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel || !msg.payload) return;
      try {
        onChange(JSON.parse(msg.payload) as RemoteChange);
      } catch (e) {
        this.logger.warn('ignored a malformed config notification', { error: (e as Error).message });
      }
    });
    // FIXME(issue 3): reconnect and reload after a lost LISTEN connection; for now it is logged.
    client.on('error', (e) => this.logger.error('config change listener connection failed', { error: e.message }));
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
    this.client = client;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.end();
  }
}
