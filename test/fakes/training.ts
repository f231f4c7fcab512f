import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TrainingDeps } from '../../shared/training/assignments';
import { parseTrainingCatalogue, type TrainingCatalogue } from '../../shared/training/catalogue';
import type { Assignment, Trainee } from '../../shared/training/model';
import { AssignmentConflict, type AssignmentStore, type StoredAssignment, type TraineeStore, type TrainingAudit, type TrainingAuditAction, type TrainingAuditTarget } from '../../shared/training/ports';
import type { Actor } from '../../shared/platform/audit';
import { eventId, type PeopleEvent } from '../../shared/people/model';

/** In-memory fakes of the training ports, for use-case tests. */

export function trainingCatalogue(edit?: (file: Record<string, unknown> & { modules: Array<Record<string, unknown>> }) => void): TrainingCatalogue {
  const file = JSON.parse(readFileSync(path.join(__dirname, '../../config/training-catalogue.json'), 'utf8')) as Record<string, unknown> & { modules: Array<Record<string, unknown>> };
  edit?.(file);
  return parseTrainingCatalogue(JSON.stringify(file), 'test');
}

export class MemoryTrainees implements TraineeStore {
  readonly byId = new Map<string, Trainee>();
  async get(personId: string) {
    const t = this.byId.get(personId);
    return t ? structuredClone(t) : undefined;
  }
  async many(ids: string[]) {
    return new Map(ids.flatMap((id) => (this.byId.has(id) ? [[id, structuredClone(this.byId.get(id)!)] as const] : [])));
  }
  async save(t: Trainee) {
    this.byId.set(t.personId, structuredClone(t));
  }
  async all() {
    return [...this.byId.values()].map((t) => structuredClone(t));
  }
}

export class MemoryAssignments implements AssignmentStore {
  readonly docs = new Map<string, { assignment: Assignment; etag: number }>();
  private seq = 0;
  /** Runs before each save: a test changes the document meanwhile (a completion mid-pass). */
  beforeSave: ((a: Assignment) => void) | undefined;

  private out(d: { assignment: Assignment; etag: number }): StoredAssignment {
    return { assignment: structuredClone(d.assignment), etag: String(d.etag) };
  }
  async get(id: string) {
    const d = this.docs.get(id);
    return d ? this.out(d) : undefined;
  }
  async forPerson(personId: string) {
    return [...this.docs.values()].filter((d) => d.assignment.personId === personId).map((d) => this.out(d));
  }
  async forPeople(ids: string[]) {
    return [...this.docs.values()].filter((d) => ids.includes(d.assignment.personId)).map((d) => this.out(d));
  }
  async open() {
    return [...this.docs.values()].filter((d) => d.assignment.status === 'open').map((d) => this.out(d));
  }
  async nextCycleDue(day: string) {
    return [...this.docs.values()].filter((d) => d.assignment.status === 'completed' && d.assignment.nextCycleDate !== null && d.assignment.nextCycleDate <= day).map((d) => this.out(d));
  }
  async all() {
    return [...this.docs.values()].map((d) => this.out(d));
  }
  async save(a: Assignment, etag?: string) {
    this.beforeSave?.(a);
    const current = this.docs.get(a.id);
    if (etag === undefined ? current !== undefined : !current || String(current.etag) !== etag) throw new AssignmentConflict(a.id);
    const next = { assignment: structuredClone(a), etag: ++this.seq };
    this.docs.set(a.id, next);
    return String(next.etag);
  }
  assignment(personId: string, moduleId: string): Assignment | undefined {
    return this.docs.get(`${personId}|${moduleId}`)?.assignment;
  }
}

export class MemoryTrainingAudit implements TrainingAudit {
  readonly records: Array<{ actor: string; action: TrainingAuditAction; target: TrainingAuditTarget; outcome: string }> = [];
  async record(actor: Actor, action: TrainingAuditAction, target: TrainingAuditTarget, outcome = 'allowed') {
    this.records.push({ actor: actor.oid, action, target, outcome });
  }
}

export function trainingWorld(options: { catalogue?: TrainingCatalogue; now?: Date } = {}) {
  const trainees = new MemoryTrainees();
  const assignments = new MemoryAssignments();
  const audit = new MemoryTrainingAudit();
  const clock = { now: options.now ?? new Date('2026-12-07T14:00:00Z') };
  const deps: TrainingDeps = { trainees, assignments, audit, catalogue: options.catalogue ?? trainingCatalogue(), now: () => clock.now };
  return { trainees, assignments, audit, clock, deps };
}

/** A people event as the people sync publishes it. */
export function peopleEvent(personId: string, kind: PeopleEvent['kind'], version: number, state: Partial<PeopleEvent['state']> = {}): PeopleEvent {
  return {
    id: eventId(personId, version, kind),
    kind,
    personId,
    version,
    observedAt: '2026-12-07T14:00:00Z',
    changes: [],
    state: { status: kind === 'left' ? 'left' : kind === 'leave-started' ? 'on-leave' : 'active', serviceCode: 'RT', jobCategoryCode: 'CONSEIL', managerId: 'boss', language: 'fr-CA', hireDate: '2026-12-01T00:00:00Z', ...state },
  };
}

export class MemoryCatalogueState {
  version: string | null = null;
  async appliedVersion() {
    return this.version;
  }
  async setAppliedVersion(v: string) {
    this.version = v;
  }
}
