import type { Container, Database } from '@azure/cosmos';
import { lazyContainer } from '../../platform/adapters/cosmos';
import type { Assignment, Trainee } from '../model';
import { AssignmentConflict, type AssignmentStore, type CatalogueState, type StoredAssignment, type TraineeStore } from '../ports';

export const TRAINING_CONTAINERS = {
  /** One document per person (pk /personId). */
  trainees: 'training-trainees',
  /** One document per person and module (pk /personId): a person's assignments are one partition. */
  assignments: 'training-assignments',
  /** The training audit trail (pk /pk = yyyy-mm). */
  audit: 'training-audit',
  /** One small document per connector: where its last complete run started (pk /id). */
  connectors: 'training-connectors',
} as const;

type TraineeDoc = Trainee & { id: string };
type AssignmentDoc = Assignment & { _etag?: string };


export class CosmosTrainees implements TraineeStore {
  private readonly container: () => Promise<Container>;

  constructor(database: Database) {
    this.container = lazyContainer(database, TRAINING_CONTAINERS.trainees, '/personId');
  }

  async get(personId: string): Promise<Trainee | undefined> {
    const { resource } = await (await this.container()).item(personId, personId).read<TraineeDoc>();
    return resource ? strip(resource) : undefined;
  }

  async many(personIds: string[]): Promise<Map<string, Trainee>> {
    const c = await this.container();
    const found = new Map<string, Trainee>();
    const ids = [...new Set(personIds)];
    for (let i = 0; i < ids.length; i += 200) {
      const { resources } = await c.items.query<TraineeDoc>({ query: 'SELECT * FROM c WHERE ARRAY_CONTAINS(@ids, c.personId) AND NOT IS_DEFINED(c.type)', parameters: [{ name: '@ids', value: ids.slice(i, i + 200) }] }).fetchAll();
      for (const doc of resources) found.set(doc.personId, strip(doc));
    }
    return found;
  }

  async save(trainee: Trainee): Promise<void> {
    await (await this.container()).items.upsert<TraineeDoc>({ ...trainee, id: trainee.personId });
  }

  async all(): Promise<Trainee[]> {
    const { resources } = await (await this.container()).items.query<TraineeDoc>("SELECT * FROM c WHERE NOT IS_DEFINED(c.type)").fetchAll();
    return resources.map(strip);
  }
}

/** The catalogue version applied to everyone: one document in the trainees container, apart from them. */
export class CosmosCatalogueState implements CatalogueState {
  private readonly container: () => Promise<Container>;

  constructor(database: Database) {
    this.container = lazyContainer(database, TRAINING_CONTAINERS.trainees, '/personId');
  }

  async appliedVersion(): Promise<string | null> {
    const { resource } = await (await this.container()).item(STATE_ID, STATE_ID).read<{ version: string }>();
    return resource?.version ?? null;
  }

  async setAppliedVersion(version: string): Promise<void> {
    await (await this.container()).items.upsert({ id: STATE_ID, personId: STATE_ID, type: 'catalogue-state', version });
  }
}

const STATE_ID = 'catalogue-state';

export class CosmosAssignments implements AssignmentStore {
  private readonly container: () => Promise<Container>;

  constructor(database: Database) {
    this.container = lazyContainer(database, TRAINING_CONTAINERS.assignments, '/personId');
  }

  async get(id: string): Promise<StoredAssignment | undefined> {
    const personId = id.split('|')[0]!;
    const { resource } = await (await this.container()).item(id, personId).read<AssignmentDoc>();
    return resource ? stored(resource) : undefined;
  }

  async forPerson(personId: string): Promise<StoredAssignment[]> {
    return this.query({ query: 'SELECT * FROM c WHERE c.personId = @p', parameters: [{ name: '@p', value: personId }] });
  }

  async forPeople(personIds: string[]): Promise<StoredAssignment[]> {
    const result: StoredAssignment[] = [];
    const ids = [...new Set(personIds)];
    for (let i = 0; i < ids.length; i += 200) {
      result.push(...(await this.query({ query: 'SELECT * FROM c WHERE ARRAY_CONTAINS(@ids, c.personId)', parameters: [{ name: '@ids', value: ids.slice(i, i + 200) }] })));
    }
    return result;
  }

  async open(): Promise<StoredAssignment[]> {
    return this.query({ query: "SELECT * FROM c WHERE c.status = 'open'", parameters: [] });
  }

  async nextCycleDue(day: string): Promise<StoredAssignment[]> {
    return this.query({ query: "SELECT * FROM c WHERE c.status = 'completed' AND IS_STRING(c.nextCycleDate) AND c.nextCycleDate <= @d", parameters: [{ name: '@d', value: day }] });
  }

  async all(): Promise<StoredAssignment[]> {
    return this.query({ query: 'SELECT * FROM c', parameters: [] });
  }

  async save(assignment: Assignment, etag?: string): Promise<string> {
    const c = await this.container();
    try {
      if (etag === undefined) {
        const { etag: created } = await c.items.create<Assignment>(assignment);
        return created!;
      }
      const { etag: replaced } = await c.item(assignment.id, assignment.personId).replace<Assignment>(assignment, { accessCondition: { type: 'IfMatch', condition: etag } });
      return replaced!;
    } catch (e) {
      const code = (e as { code?: number }).code;
      // 409: created meanwhile; 412: changed since read. Either way the caller reads again.
      if (code === 409 || code === 412) throw new AssignmentConflict(assignment.id);
      throw e;
    }
  }

  private async query(spec: { query: string; parameters: Array<{ name: string; value: string | string[] }> }): Promise<StoredAssignment[]> {
    const { resources } = await (await this.container()).items.query<AssignmentDoc>(spec).fetchAll();
    return resources.map(stored);
  }
}

function stored(doc: AssignmentDoc): StoredAssignment {
  const { _etag, ...rest } = doc;
  const assignment = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith('_'))) as unknown as Assignment;
  return { assignment, etag: _etag ?? '' };
}

function strip(doc: TraineeDoc): Trainee {
  const { personId, serviceCode, jobCategoryCode, managerId, language, status, hireDate, version, leaveSince, updatedAt } = doc;
  return { personId, serviceCode, jobCategoryCode, managerId, language, status, hireDate, version, leaveSince, updatedAt };
}
