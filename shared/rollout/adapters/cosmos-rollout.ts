import type { Container, Database } from '@azure/cosmos';
import { lazyContainer } from '../../platform/adapters/cosmos';
import type { RunKind, RunRecord } from '../model';
import { RunConflict, type RunStore } from '../ports';

export const ROLLOUT_CONTAINER = 'rollout-runs';

const codeOf = (e: unknown) => (e as { code?: number }).code;

/** Cosmos DB's own fields (_etag, _ts...) are not part of the record. */
function withoutSystemFields(doc: Record<string, unknown>): RunRecord {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_') && k !== 'pk')) as unknown as RunRecord;
}

/** One document per run (pk /id): a few hundred services and people a year, read whole by the dashboard. */
export class CosmosRunStore implements RunStore {
  private readonly container: () => Promise<Container>;

  constructor(database: Database) {
    this.container = lazyContainer(database, ROLLOUT_CONTAINER, '/id');
  }

  async get(runId: string): Promise<{ record: RunRecord; etag: string } | undefined> {
    const { resource } = await (await this.container()).item(runId, runId).read<Record<string, unknown>>();
    if (!resource) return undefined;
    return { record: withoutSystemFields(resource), etag: String(resource._etag ?? '') };
  }

  async save(record: RunRecord, etag?: string): Promise<string> {
    const c = await this.container();
    try {
      if (etag === undefined) return (await c.items.create(record)).etag;
      return (await c.item(record.id, record.id).replace(record, { accessCondition: { type: 'IfMatch', condition: etag } })).etag;
    } catch (e) {
      // 409: created meanwhile; 412: changed since read; 404: deleted since read. The caller reads again.
      const code = codeOf(e);
      if (code === 409 || code === 412 || (code === 404 && etag !== undefined)) throw new RunConflict(record.id);
      throw e;
    }
  }

  async list(kind: RunKind | 'journeys', options: { since?: string; limit?: number } = {}): Promise<RunRecord[]> {
    const clauses = [kind === 'journeys' ? "c.kind != 'service'" : 'c.kind = @kind'];
    const parameters: Array<{ name: string; value: string | number }> = [{ name: '@kind', value: kind }];
    if (options.since) {
      clauses.push('c.updatedAt >= @since');
      parameters.push({ name: '@since', value: options.since });
    }
    const { resources } = await (await this.container()).items
      .query<Record<string, unknown>>({ query: `SELECT * FROM c WHERE ${clauses.join(' AND ')}`, parameters })
      .fetchAll();
    return resources
      .map(withoutSystemFields)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, options.limit ?? 2000);
  }
}
