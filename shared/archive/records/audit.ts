import { randomUUID } from 'node:crypto';
import type { Container, Database } from '@azure/cosmos';
import { z } from 'zod';
import { CONTAINERS, PARTITION_KEY_PATHS } from '../model';
import { ensureContainer } from '../../platform/adapters/cosmos';

/**
 * The access log of the archive: every search, view, download, export, hold and disposition, who
 * (Entra object id) and when. It is evidence that access rules are honoured, so it must never hold
 * message content: no subject, no address, no body, no search terms. The schema is strict, so a
 * field that could carry content cannot slip in; search records only which filters were used.
 */
export const AuditAction = z.enum([
  'search',
  'view',
  'download-eml',
  'download-attachment',
  'export-create',
  'export-complete',
  'export-expire',
  'export-link',
  'hold-create',
  'hold-release',
  'disposition',
  'audit-query',
  'completeness-view',
  'integrity-view',
]);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditTarget = z
  .object({
    mailboxId: z.string().optional(),
    entryId: z.string().optional(),
    contentHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    holdId: z.string().optional(),
    exportId: z.string().optional(),
    attachmentIndex: z.number().int().nonnegative().optional(),
    /** For searches and exports: names of the filters used (never their values) and the result count. */
    filters: z.array(z.string()).optional(),
    dateFrom: z.string().optional(),
    dateTo: z.string().optional(),
    resultCount: z.number().int().nonnegative().optional(),
    ruleId: z.string().optional(),
  })
  .strict();
export type AuditTarget = z.infer<typeof AuditTarget>;

export const AuditRecord = z
  .object({
    id: z.string(),
    /** yyyy-mm of `at`: a month of audit is one partition, queries are targeted by month. */
    pk: z.string(),
    type: z.literal('audit'),
    at: z.string(),
    /** Entra object id of the person, or "system" for timers. */
    actor: z.string(),
    actorKind: z.enum(['user', 'app', 'system']),
    action: AuditAction,
    outcome: z.enum(['allowed', 'denied']),
    target: AuditTarget,
  })
  .strict();
export type AuditRecord = z.infer<typeof AuditRecord>;

export interface Actor {
  oid: string;
  kind: 'user' | 'app' | 'system';
}

export const SYSTEM_ACTOR: Actor = { oid: 'system', kind: 'system' };

export interface AuditQuery {
  from: Date;
  to: Date;
  actor?: string;
  action?: AuditAction;
  pageSize: number;
  continuation?: string;
}

export class AuditLog {
  private container: Promise<Container> | undefined;

  constructor(private readonly database: Database, private readonly now: () => Date = () => new Date()) {}

  private audit(): Promise<Container> {
    this.container ??= ensureContainer(this.database, CONTAINERS.audit, PARTITION_KEY_PATHS.audit).catch((e: unknown) => {
      this.container = undefined;
      throw e;
    });
    return this.container;
  }

  /** Writes one record; the strict schema rejects anything outside it (a programming error). */
  async record(actor: Actor, action: AuditAction, target: AuditTarget, outcome: 'allowed' | 'denied' = 'allowed'): Promise<AuditRecord> {
    const at = this.now().toISOString();
    const record = AuditRecord.parse({ id: randomUUID(), pk: at.slice(0, 7), type: 'audit', at, actor: actor.oid, actorKind: actor.kind, action, outcome, target });
    await (await this.audit()).items.create(record);
    return record;
  }

  /** Newest first, paged with Cosmos continuation tokens (the emulator has no OFFSET/LIMIT). */
  async query(q: AuditQuery): Promise<{ items: AuditRecord[]; continuation: string | null }> {
    const c = await this.audit();
    const months = monthsBetween(q.from, q.to);
    const where = ['c.type = "audit"', 'c.at >= @from', 'c.at <= @to', `c.pk IN (${months.map((_, i) => `@m${i}`).join(', ')})`];
    const parameters: { name: string; value: string }[] = [
      { name: '@from', value: q.from.toISOString() },
      { name: '@to', value: q.to.toISOString() },
      ...months.map((m, i) => ({ name: `@m${i}`, value: m })),
    ];
    if (q.actor) {
      where.push('c.actor = @actor');
      parameters.push({ name: '@actor', value: q.actor.toLowerCase() });
    }
    if (q.action) {
      where.push('c.action = @action');
      parameters.push({ name: '@action', value: q.action });
    }
    const iterator = c.items.query<AuditRecord>(
      { query: `SELECT * FROM c WHERE ${where.join(' AND ')} ORDER BY c.at DESC`, parameters },
      { maxItemCount: q.pageSize, continuationToken: q.continuation },
    );
    const page = await iterator.fetchNext();
    return { items: page.resources.map((r) => AuditRecord.parse(stripSystem(r))), continuation: page.continuationToken ?? null };
  }
}

function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor <= to && months.length < 240) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

/** Cosmos adds _rid, _etag, _ts...: drop them before the strict parse. */
export function stripSystem<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_'))) as T;
}
