import type { Database, Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RelayReply } from '../../shared/relay/contract';

/**
 * Remembers every request the agent has seen, on its own disk, so a request is handled once even
 * when Service Bus delivers it twice (lock lost, agent killed, sender retry). Outlives message
 * locks and agent restarts. States:
 *   started  the agent began work (if it died, the request is simply worked again: reads are idempotent)
 *   replied  the reply is stored but may not have reached Service Bus: a redelivery replays it
 *   sent     the reply went out: a redelivery is completed without a second reply
 * Rows are kept `retentionHours`, far beyond any message's time to live.
 */
export type SeenRequest =
  | { state: 'new' }
  | { state: 'started' }
  | { state: 'replied'; reply: RelayReply }
  | { state: 'sent' };

export interface IdempotencyStore {
  /** Records that work on `id` starts, and says what was already known about it. */
  begin(id: string): SeenRequest;
  saveReply(reply: RelayReply): void;
  markSent(id: string): void;
  purge(now?: number): number;
  close(): void;
}

export function openIdempotencyStore(dataDir: string, retentionHours: number): IdempotencyStore {
  mkdirSync(dataDir, { recursive: true });
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  const db: Database = new BetterSqlite3(path.join(dataDir, 'requests.sqlite'));
  // WAL survives a killed process (only power loss can drop the last commits with NORMAL).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('started', 'replied', 'sent')),
    reply TEXT,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
  const find: Statement<[string], { state: string; reply: string | null }> = db.prepare('SELECT state, reply FROM requests WHERE id = ?');
  const insert = db.prepare("INSERT INTO requests (id, state, updated_at) VALUES (?, 'started', ?)");
  const reply = db.prepare("UPDATE requests SET state = 'replied', reply = ?, updated_at = ? WHERE id = ?");
  const sent = db.prepare("UPDATE requests SET state = 'sent', updated_at = ? WHERE id = ?");
  const purge = db.prepare('DELETE FROM requests WHERE updated_at < ?');
  const begin = db.transaction((id: string): SeenRequest => {
    const row = find.get(id);
    if (!row) {
      insert.run(id, Date.now());
      return { state: 'new' };
    }
    if (row.state === 'sent') return { state: 'sent' };
    if (row.state === 'replied' && row.reply) return { state: 'replied', reply: JSON.parse(row.reply) as RelayReply };
    return { state: 'started' };
  });
  return {
    begin: (id) => begin.immediate(id),
    saveReply: (r) => void reply.run(JSON.stringify(r), Date.now(), r.requestId),
    markSent: (id) => void sent.run(Date.now(), id),
    purge: (now = Date.now()) => purge.run(now - retentionHours * 3_600_000).changes,
    close: () => db.close(),
  };
}
