/**
 * Cross-process change notification on PostgreSQL: writers `pg_notify` inside their transaction (so
 * the message is delivered only on commit), every store instance LISTENs on a dedicated connection.
 * The channel is per schema, so stores on different schemas never hear each other.
 */
import { backoffDelay } from '../lib/backoff.ts';
import pg from 'pg';
import { sql, type Transaction } from 'kysely';
import type { ObjectType } from '../config/config-objects.ts';
import type { Clock, TimerHandle } from '../lib/clock.ts';
import { SystemClock } from '../lib/clock.ts';
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

/** Reconnection delays of the LISTEN connection: doubling from `initialMs` up to `maxMs`. */
export interface ListenBackoff {
  initialMs: number;
  maxMs: number;
}

export class PostgresNotifier {
  private client: pg.Client | undefined;
  private onChange: ((change: RemoteChange) => void) | undefined;
  private retry: TimerHandle | undefined;
  /** Failed reconnects in a row (the backoff attempt). */
  private failures = 0;
  private closed = false;
  /** Times the LISTEN connection was re-established (tests and metrics). */
  reconnects = 0;

  constructor(
    private readonly connection: pg.ClientConfig,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly clock: Clock = new SystemClock(),
    private readonly backoff: ListenBackoff = { initialMs: 200, maxMs: 10_000 },
  ) {
  }

  /** Sends a change inside the writer's transaction. */
  async notify(trx: Transaction<unknown>, change: RemoteChange): Promise<void> {
    await sql`select pg_notify(${this.channel}, ${JSON.stringify(change)})`.execute(trx);
  }

  /** Opens the listening connection; a lost one is re-opened with backoff (see `reconnect`). */
  async start(onChange: (change: RemoteChange) => void): Promise<void> {
    this.onChange = onChange;
    await this.open();
  }

  private async open(): Promise<void> {
    const client = new pg.Client(this.connection);
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel || !msg.payload) return;
      try {
        this.onChange?.(JSON.parse(msg.payload) as RemoteChange);
      } catch (e) {
        this.logger.warn('ignored a malformed config notification', { error: (e as Error).message });
      }
    });
    // 'error' and 'end' both mean the LISTEN is gone: changes would be missed from here on.
    const lost = (why: string): void => {
      if (this.client !== client || this.closed) return;
      this.client = undefined;
      this.logger.error('config change listener connection lost; reconnecting', { error: why });
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', (e) => lost(e.message));
    client.on('end', () => lost('connection ended'));
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
    this.client = client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    const delay = backoffDelay(++this.failures, { baseMs: this.backoff.initialMs, maxMs: this.backoff.maxMs });
    this.retry = this.clock.setTimer(delay, () => {
      this.retry = undefined;
      void this.reconnect();
    });
  }

  /** Re-opens the LISTEN, then asks for a full reload: notifications sent while it was down are lost. */
  private async reconnect(): Promise<void> {
    try {
      await this.open();
    } catch (e) {
      this.logger.warn('config change listener reconnect failed', { error: (e as Error).message });
      this.scheduleReconnect();
      return;
    }
    if (this.closed) return;
    this.reconnects++;
    this.failures = 0;
    this.logger.info('config change listener reconnected; reloading');
    this.onChange?.({ from: '', kind: 'reload' });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clock.cancel(this.retry);
    this.retry = undefined;
    const c = this.client;
    this.client = undefined;
    if (c) await c.end();
  }
}
