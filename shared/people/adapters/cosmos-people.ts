import type { Container, Database } from '@azure/cosmos';
import { ensureContainer } from '../../platform/adapters/cosmos';
import type { PeopleEvent } from '../model';
import { EMPTY_SYNC_STATE, type PeopleHistory, type PeopleStore, type PersonRecord, type SyncState, type SyncStateStore } from '../ports';

export const PEOPLE_CONTAINER = 'people';
export const PEOPLE_HISTORY_CONTAINER = 'people-history';

type PersonDoc = PersonRecord & { type: 'person'; pending: boolean };
type StateDoc = SyncState & { id: 'sync-state'; type: 'sync-state' };
type HistoryDoc = PeopleEvent & { type: 'event' };

/**
 * People in Cosmos DB: one document per person (partition = person id) holding the facts, the
 * derived state and the outbox, so a change and its events are one write; the sync's state in one
 * document of the same container; the change history in its own container, one document per event
 * (id = event id, so recording twice is one record), partitioned by person.
 */
export class CosmosPeople implements PeopleStore, PeopleHistory {
  private people?: Promise<Container>;
  private history?: Promise<Container>;

  constructor(private readonly database: Database) {}

  private container(): Promise<Container> {
    return (this.people ??= ensureContainer(this.database, PEOPLE_CONTAINER, '/id'));
  }

  private historyContainer(): Promise<Container> {
    return (this.history ??= ensureContainer(this.database, PEOPLE_HISTORY_CONTAINER, '/personId'));
  }

  async get(ids: string[]): Promise<Map<string, PersonRecord>> {
    const c = await this.container();
    const found = new Map<string, PersonRecord>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 200) {
      const { resources } = await c.items
        .query<PersonDoc>({ query: "SELECT * FROM c WHERE c.type = 'person' AND ARRAY_CONTAINS(@ids, c.id)", parameters: [{ name: '@ids', value: unique.slice(i, i + 200) }] })
        .fetchAll();
      for (const doc of resources) found.set(doc.id, toRecord(doc));
    }
    return found;
  }

  async save(record: PersonRecord): Promise<void> {
    const c = await this.container();
    const doc: PersonDoc = { ...record, type: 'person', pending: record.outbox.length > 0 };
    await c.items.upsert(doc);
  }

  async withPendingEvents(): Promise<PersonRecord[]> {
    return this.query("SELECT * FROM c WHERE c.type = 'person' AND c.pending = true");
  }

  async clearOutbox(personId: string, eventIds: string[]): Promise<void> {
    const c = await this.container();
    // Compare-and-swap: the sync is the only writer, but an etag keeps a concurrent run from losing an event.
    for (let attempt = 0; ; attempt++) {
      const { resource, etag } = await c.item(personId, personId).read<PersonDoc>();
      if (!resource) return;
      const outbox = resource.outbox.filter((e) => !eventIds.includes(e.id));
      if (outbox.length === resource.outbox.length) return;
      try {
        await c.item(personId, personId).replace<PersonDoc>({ ...resource, outbox, pending: outbox.length > 0 }, { accessCondition: { type: 'IfMatch', condition: etag! } });
        return;
      } catch (e) {
        if ((e as { code?: number }).code !== 412 || attempt >= 5) throw e;
      }
    }
  }

  async dueToLeave(now: Date): Promise<PersonRecord[]> {
    return this.query("SELECT * FROM c WHERE c.type = 'person' AND c.state.status != 'left' AND IS_STRING(c.facts.leaveDateTime) AND c.facts.leaveDateTime <= @now", [{ name: '@now', value: now.toISOString() }]);
  }

  async all(): Promise<PersonRecord[]> {
    return this.query("SELECT * FROM c WHERE c.type = 'person'");
  }

  private async query(query: string, parameters: Array<{ name: string; value: string }> = []): Promise<PersonRecord[]> {
    const c = await this.container();
    const { resources } = await c.items.query<PersonDoc>({ query, parameters }).fetchAll();
    return resources.map(toRecord);
  }

  async record(events: PeopleEvent[]): Promise<void> {
    if (events.length === 0) return;
    const c = await this.historyContainer();
    for (const event of events) await c.items.upsert<HistoryDoc>({ ...event, type: 'event' });
  }

  async recent(options: { limit: number; personId?: string }): Promise<PeopleEvent[]> {
    const c = await this.historyContainer();
    const filter = options.personId ? ' WHERE c.personId = @person' : '';
    const { resources } = await c.items
      .query<HistoryDoc>({
        query: `SELECT TOP @limit * FROM c${filter} ORDER BY c.observedAt DESC`,
        parameters: [{ name: '@limit', value: options.limit }, ...(options.personId ? [{ name: '@person', value: options.personId }] : [])],
      })
      .fetchAll();
    return resources.map(toEvent);
  }
}

/** The sync's state: one document in the people container. */
export class CosmosSyncState implements SyncStateStore {
  private people?: Promise<Container>;

  constructor(private readonly database: Database) {}

  private container(): Promise<Container> {
    return (this.people ??= ensureContainer(this.database, PEOPLE_CONTAINER, '/id'));
  }

  async load(): Promise<SyncState> {
    const c = await this.container();
    const { resource } = await c.item('sync-state', 'sync-state').read<StateDoc>();
    if (!resource) return structuredClone(EMPTY_SYNC_STATE);
    const { catalogueVersion, users, groups, lastRun } = resource;
    return { catalogueVersion, users, groups, lastRun };
  }

  async save(state: SyncState): Promise<void> {
    const c = await this.container();
    await c.items.upsert<StateDoc>({ ...state, id: 'sync-state', type: 'sync-state' });
  }
}

function toRecord(doc: PersonDoc): PersonRecord {
  return { id: doc.id, facts: doc.facts, memberships: doc.memberships, state: doc.state, version: doc.version, catalogueVersion: doc.catalogueVersion, outbox: doc.outbox, updatedAt: doc.updatedAt };
}

function toEvent(doc: HistoryDoc): PeopleEvent {
  const { id, kind, personId, version, observedAt, changes, leftReason, state } = doc;
  return { id, kind, personId, version, observedAt, changes, ...(leftReason ? { leftReason } : {}), state };
}
