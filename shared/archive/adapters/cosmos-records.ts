import type { Container } from '@azure/cosmos';
import { ConcurrentChange, type DisposalRecords, type ExportRecords, type IntegrityRecords, type LegalHoldRecords, type Versioned } from '../ports';
import { disposalId, DisposalEvidence } from '../records/disposal-evidence';
import { ExportRecord } from '../records/export-request';
import { DayVerdict, IntegrityStatus } from '../records/integrity-status';
import { LegalHold } from '../records/legal-hold';
import { isCosmosStatus, stripSystem, versioned, type RecordsStore } from './records-store';

/**
 * Cosmos DB adapters of the records kept in `archive-records` (partition key /pk): legal holds
 * (pk "hold"), disposal evidence ("disposal"), exports ("export") and integrity verdicts
 * ("integrity"). Each partition is one kind of record, so every query here stays in one partition.
 */
abstract class RecordsPartition {
  constructor(private readonly store: RecordsStore) {}

  protected records(): Promise<Container> {
    return this.store.recordsContainer();
  }
}

export class CosmosLegalHoldRecords extends RecordsPartition implements LegalHoldRecords {
  async create(hold: LegalHold): Promise<void> {
    await (await this.records()).items.create(hold);
  }

  async list(): Promise<LegalHold[]> {
    const { resources } = await (await this.records()).items
      .query<LegalHold>({ query: 'SELECT * FROM c WHERE c.pk = "hold" ORDER BY c.createdAt DESC' }, { partitionKey: 'hold' })
      .fetchAll();
    return resources.map((r) => LegalHold.parse(stripSystem(r)));
  }

  async get(id: string): Promise<LegalHold | undefined> {
    const { resource } = await (await this.records()).item(id, 'hold').read<LegalHold>();
    return resource ? LegalHold.parse(stripSystem(resource)) : undefined;
  }

  async setAppliedCount(id: string, appliedCount: number): Promise<void> {
    await (await this.records()).item(id, 'hold').patch([{ op: 'set', path: '/appliedCount', value: appliedCount }]);
  }

  async setApplyState(id: string, state: Partial<Pick<LegalHold, 'appliedCount' | 'applyStatus' | 'applyStartedAt' | 'applyCompletedAt'>>): Promise<void> {
    const operations = Object.entries(state).map(([field, value]) => ({ op: 'set' as const, path: `/${field}`, value }));
    if (operations.length) await (await this.records()).item(id, 'hold').patch(operations);
  }

  async markReleased(id: string, releasedBy: string, releasedAt: string): Promise<void> {
    await (await this.records()).item(id, 'hold').patch([
      { op: 'set', path: '/status', value: 'released' },
      { op: 'set', path: '/releasedBy', value: releasedBy },
      { op: 'set', path: '/releasedAt', value: releasedAt },
    ]);
  }
}

export class CosmosDisposalRecords extends RecordsPartition implements DisposalRecords {
  async save(evidence: DisposalEvidence): Promise<void> {
    await (await this.records()).items.upsert(evidence);
  }

  async get(entryId: string): Promise<DisposalEvidence | undefined> {
    const { resource } = await (await this.records()).item(disposalId(entryId), 'disposal').read<DisposalEvidence>();
    return resource ? DisposalEvidence.parse(stripSystem(resource)) : undefined;
  }

  async pending(): Promise<DisposalEvidence[]> {
    const { resources } = await (await this.records()).items
      .query<DisposalEvidence>({ query: 'SELECT * FROM c WHERE c.pk = "disposal" AND c.status = "pending"' }, { partitionKey: 'disposal' })
      .fetchAll();
    return resources.map((r) => DisposalEvidence.parse(stripSystem(r)));
  }

  async page(size: number, continuation?: string): Promise<{ items: DisposalEvidence[]; continuation: string | null }> {
    const page = await (await this.records()).items
      .query<DisposalEvidence>({ query: 'SELECT * FROM c WHERE c.pk = "disposal" ORDER BY c.decidedAt DESC' }, { partitionKey: 'disposal', maxItemCount: size, continuationToken: continuation })
      .fetchNext();
    return { items: page.resources.map((r) => DisposalEvidence.parse(stripSystem(r))), continuation: page.continuationToken ?? null };
  }
}

export class CosmosExportRecords extends RecordsPartition implements ExportRecords {
  async create(record: ExportRecord): Promise<void> {
    await (await this.records()).items.create(record);
  }

  async read(id: string): Promise<Versioned<ExportRecord> | undefined> {
    const { resource, etag } = await (await this.records()).item(id, 'export').read<ExportRecord>();
    return resource ? { ...ExportRecord.parse(stripSystem(resource)), etag: etag! } : undefined;
  }

  async replace(record: ExportRecord, ifMatch?: string): Promise<string> {
    try {
      const { etag } = await (await this.records()).item(record.id, 'export').replace(record, ifMatch ? { accessCondition: { type: 'IfMatch', condition: ifMatch } } : undefined);
      return etag!;
    } catch (error) {
      if (isCosmosStatus(error, 412)) throw new ConcurrentChange();
      throw error;
    }
  }

  async finishedBefore(cutoff: string): Promise<Versioned<ExportRecord>[]> {
    const { resources } = await (await this.records()).items
      .query<ExportRecord & { _etag: string }>(
        {
          query: 'SELECT * FROM c WHERE c.pk = "export" AND (c.status = "completed" OR c.status = "failed") AND c.completedAt < @cutoff',
          parameters: [{ name: '@cutoff', value: cutoff }],
        },
        { partitionKey: 'export' },
      )
      .fetchAll();
    return resources.map((r) => ({ ...ExportRecord.parse(stripSystem(r)), etag: versioned(r).etag }));
  }

  async list(): Promise<ExportRecord[]> {
    const { resources } = await (await this.records()).items.query<ExportRecord>('SELECT * FROM c WHERE c.pk = "export" ORDER BY c.createdAt DESC', { partitionKey: 'export' }).fetchAll();
    return resources.map((r) => ExportRecord.parse(stripSystem(r)));
  }
}

export class CosmosIntegrityRecords extends RecordsPartition implements IntegrityRecords {
  async verdicts(): Promise<DayVerdict[]> {
    const { resources } = await (await this.records()).items
      .query<DayVerdict>({ query: 'SELECT * FROM c WHERE c.pk = "integrity" AND c.type = "integrity-day"' }, { partitionKey: 'integrity' })
      .fetchAll();
    return resources.map((r) => DayVerdict.parse(stripSystem(r)));
  }

  async saveVerdict(verdict: DayVerdict): Promise<void> {
    await (await this.records()).items.upsert(verdict);
  }

  async saveStatus(status: IntegrityStatus): Promise<void> {
    await (await this.records()).items.upsert(status);
  }

  async status(): Promise<IntegrityStatus | undefined> {
    try {
      const { resource } = await (await this.records()).item('integrity', 'integrity').read<IntegrityStatus>();
      return resource ? IntegrityStatus.parse(stripSystem(resource)) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw error;
    }
  }
}
