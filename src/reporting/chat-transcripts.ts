/**
 * Chat transcripts in the store (SQLite or PostgreSQL, table `rep_chat_transcript`): the chat
 * switch's {@link TranscriptSink}. Rows are written in order through one write queue, off the
 * relay path; a failed write is logged, never thrown at a chat. The text is stored as sent (the
 * store is not a log: `hide-sensitive-data` masks the logs, not the transcript).
 */
import type { Kysely } from 'kysely';
import { silentLogger, type Logger } from '../lib/logger.ts';
import type { TranscriptEntry, TranscriptSink } from '../switch/chat/chat-endpoint.ts';
import { WriteQueue } from './write-queue.ts';

interface TranscriptTable {
  rep_chat_transcript: { conn_id: string; seq: number; kind: string; sender_role: string; sender: string; text: string; at: number | string };
}

/** Most rows one transcript read returns. */
const MAX_ROWS = 5000;
/** Rows written in one INSERT. */
const BATCH = 200;

export class ChatTranscripts implements TranscriptSink {
  private readonly db: Kysely<TranscriptTable>;
  private readonly queue: WriteQueue;
  private pending: TranscriptEntry[] = [];

  constructor(db: Kysely<unknown>, logger: Logger = silentLogger) {
    this.db = db as unknown as Kysely<TranscriptTable>;
    this.queue = new WriteQueue(logger);
  }

  append(entry: TranscriptEntry): void {
    this.pending.push(entry);
    // One queued write takes every row appended before it runs (a burst is one INSERT per BATCH).
    if (this.pending.length === 1) void this.queue.run('chat transcript rows', () => this.write());
  }

  private async write(): Promise<void> {
    while (this.pending.length > 0) {
      const rows = this.pending.splice(0, BATCH);
      await this.db
        .insertInto('rep_chat_transcript')
        .values(rows.map((e) => ({ conn_id: e.connId, seq: e.seq, kind: e.kind, sender_role: e.from, sender: e.sender, text: e.text, at: e.at })))
        .execute();
    }
  }

  /** Resolves once every appended row is written. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** A chat's transcript in order. */
  async transcript(connId: string): Promise<TranscriptEntry[]> {
    const rows = await this.db.selectFrom('rep_chat_transcript').selectAll().where('conn_id', '=', connId).orderBy('seq').limit(MAX_ROWS).execute();
    return rows.map((r) => ({ connId: r.conn_id, seq: Number(r.seq), kind: r.kind as TranscriptEntry['kind'], from: r.sender_role as TranscriptEntry['from'], sender: r.sender, text: r.text, at: Number(r.at) }));
  }

  /** Whether the KW on `dn` took part in the chat (a `joined <dn>` event). */
  async handledBy(connId: string, dn: string): Promise<boolean> {
    const row = await this.db.selectFrom('rep_chat_transcript').select('seq').where('conn_id', '=', connId).where('kind', '=', 'event').where('text', '=', `joined ${dn}`).limit(1).executeTakeFirst();
    return row !== undefined;
  }
}
