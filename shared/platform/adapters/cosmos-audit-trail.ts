import type { Container, Database } from '@azure/cosmos';
import type { z } from 'zod';
import { monthsBetween, type AuditPage, type AuditQuery, type AuditRecordBase, type AuditTrail } from '../audit';
import { ensureContainer } from './cosmos';

/**
 * Cosmos DB adapter of a capability's AuditTrail: its own container, one partition per month (pk
 * yyyy-mm of `at`), so a query names the months of its range. Pages use Cosmos continuation tokens
 * (the emulator has no OFFSET/LIMIT), handed out base64url-wrapped so they travel in a URL. What is
 * read back is checked against the capability's strict schema again.
 */
export class CosmosAuditTrail<R extends AuditRecordBase> implements AuditTrail<R> {
  private container: Promise<Container> | undefined;

  constructor(
    private readonly database: Database,
    private readonly options: { container: string; schema: z.ZodType<R> },
  ) {}

  private audit(): Promise<Container> {
    this.container ??= ensureContainer(this.database, this.options.container, '/pk').catch((e: unknown) => {
      this.container = undefined;
      throw e;
    });
    return this.container;
  }

  async append(record: R): Promise<void> {
    await (await this.audit()).items.create(record);
  }

  async query(q: AuditQuery<R['action']>): Promise<AuditPage<R>> {
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
    const iterator = c.items.query<R>({ query: `SELECT * FROM c WHERE ${where.join(' AND ')} ORDER BY c.at DESC`, parameters }, { maxItemCount: q.pageSize, continuationToken });
    const page = await iterator.fetchNext();
    return {
      items: page.resources.map((r) => this.options.schema.parse(withoutSystemFields(r))),
      continuation: page.continuationToken ? Buffer.from(page.continuationToken, 'utf8').toString('base64url') : null,
    };
  }
}

/** Cosmos adds _rid, _etag, _ts...: not part of the record. */
function withoutSystemFields(doc: object): object {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_')));
}
