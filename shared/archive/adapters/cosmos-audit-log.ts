import type { Container, Database } from '@azure/cosmos';
import { ensureContainer } from '../../platform/adapters/cosmos';
import { CONTAINERS, PARTITION_KEY_PATHS } from '../model';
import type { AuditTrail } from '../ports';
import { AuditRecord, type AuditPage, type AuditQuery } from '../records/audit-record';
import { stripSystem } from './records-store';

/**
 * Cosmos DB adapter of AuditTrail: container `archive-audit`, one partition per month (pk yyyy-mm
 * of `at`), so a query names the months of its range. Pages use Cosmos continuation tokens (the
 * emulator has no OFFSET/LIMIT), handed out base64url-wrapped so they travel in a URL.
 */
export class CosmosAuditTrail implements AuditTrail {
  private container: Promise<Container> | undefined;

  constructor(private readonly database: Database) {}

  private audit(): Promise<Container> {
    this.container ??= ensureContainer(this.database, CONTAINERS.audit, PARTITION_KEY_PATHS.audit).catch((e: unknown) => {
      this.container = undefined;
      throw e;
    });
    return this.container;
  }

  async append(record: AuditRecord): Promise<void> {
    await (await this.audit()).items.create(record);
  }

  async query(q: AuditQuery): Promise<AuditPage> {
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
    const continuationToken = q.continuation ? Buffer.from(q.continuation, 'base64url').toString('utf8') : undefined;
    const iterator = c.items.query<AuditRecord>({ query: `SELECT * FROM c WHERE ${where.join(' AND ')} ORDER BY c.at DESC`, parameters }, { maxItemCount: q.pageSize, continuationToken });
    const page = await iterator.fetchNext();
    return {
      items: page.resources.map((r) => AuditRecord.parse(stripSystem(r))),
      continuation: page.continuationToken ? Buffer.from(page.continuationToken, 'utf8').toString('base64url') : null,
    };
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
