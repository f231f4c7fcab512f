import type { Container, Database } from '@azure/cosmos';
import { lazyContainer } from '../../platform/adapters/cosmos';
import type { RosterEntry } from '../plan';
import { SpaceRecordConflict, type RosterStore, type SpaceRecord, type SpaceStore } from '../ports';

export const COLLABORATION_CONTAINERS = {
  /** One document per space (pk /key): the ids behind its nodes, its status and last drift. */
  spaces: 'collaboration-spaces',
  /** One document per person (pk /personId), as the people stream last said. */
  roster: 'collaboration-roster',
} as const;

type RosterDoc = RosterEntry & { id: string; version: number };


/** Cosmos DB's own fields (_etag, _ts...) are not part of the record. */
function withoutSystemFields<T>(doc: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_') && k !== 'id')) as T;
}

const codeOf = (e: unknown) => (e as { code?: number }).code;

export class CosmosSpaceStore implements SpaceStore {
  private readonly container: () => Promise<Container>;

  constructor(database: Database) {
    this.container = lazyContainer(database, COLLABORATION_CONTAINERS.spaces, '/key');
  }

  async get(key: string): Promise<{ record: SpaceRecord; etag: string } | undefined> {
    const { resource } = await (await this.container()).item(key, key).read<Record<string, unknown>>();
    if (!resource) return undefined;
    return { record: withoutSystemFields<SpaceRecord>(resource), etag: String(resource._etag ?? '') };
  }

  async save(record: SpaceRecord, etag?: string): Promise<string> {
    const c = await this.container();
    const doc = { ...record, id: record.key };
    try {
      if (etag === undefined) return (await c.items.create(doc)).etag;
      return (await c.item(record.key, record.key).replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } })).etag;
    } catch (e) {
      // 409: created meanwhile; 412: changed since read; 404: deleted since read. The caller reads again.
      const code = codeOf(e);
      if (code === 409 || code === 412 || (code === 404 && etag !== undefined)) throw new SpaceRecordConflict(record.key);
      throw e;
    }
  }

  async all(): Promise<SpaceRecord[]> {
    const { resources } = await (await this.container()).items.query<Record<string, unknown>>('SELECT * FROM c').fetchAll();
    return resources.map((r) => withoutSystemFields<SpaceRecord>(r));
  }
}

export class CosmosRosterStore implements RosterStore {
  private readonly container: () => Promise<Container>;

  constructor(database: Database) {
    this.container = lazyContainer(database, COLLABORATION_CONTAINERS.roster, '/personId');
  }

  async all(): Promise<RosterEntry[]> {
    const { resources } = await (await this.container()).items.query<RosterDoc>('SELECT * FROM c').fetchAll();
    return resources.map(entryOf);
  }

  async get(personId: string): Promise<(RosterEntry & { version: number }) | undefined> {
    const { resource } = await (await this.container()).item(personId, personId).read<RosterDoc>();
    return resource ? { ...entryOf(resource), version: resource.version } : undefined;
  }

  /**
   * Events may come twice or out of order (a replay, a redelivery): a version older than or equal
   * to the one held changes nothing. Compare-and-swap on the ETag so two writers cannot both win.
   */
  async put(entry: RosterEntry & { version: number }): Promise<boolean> {
    const c = await this.container();
    const doc: RosterDoc = { id: entry.personId, personId: entry.personId, serviceCode: entry.serviceCode, jobCategoryCode: entry.jobCategoryCode, status: entry.status, ...(entry.language ? { language: entry.language } : {}), version: entry.version };
    for (;;) {
      const { resource, etag } = await c.item(entry.personId, entry.personId).read<RosterDoc>();
      if (resource && resource.version >= entry.version) return false;
      try {
        if (resource) await c.item(entry.personId, entry.personId).replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
        else await c.items.create(doc);
        return true;
      } catch (e) {
        const code = codeOf(e);
        if (code !== 409 && code !== 412) throw e;
        // Someone else wrote meanwhile: read again and compare versions.
      }
    }
  }
}

function entryOf(doc: RosterDoc): RosterEntry {
  // language: optional (notifications in the person's language; documents written before it have none).
  return { personId: doc.personId, serviceCode: doc.serviceCode, jobCategoryCode: doc.jobCategoryCode, status: doc.status, ...(doc.language ? { language: doc.language } : {}) };
}
