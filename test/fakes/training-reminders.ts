import type { Actor } from '../../shared/platform/audit';
import { parseTrainingCatalogue, type TrainingCatalogue } from '../../shared/training/catalogue';
import type { Assignment, Trainee } from '../../shared/training/model';
import { assignmentId } from '../../shared/training/model';
import {
  AssignmentConflict,
  type AssignmentStore, type Notifier, type NotifyOutcome, type PeopleNames, type ReminderKeyState, type ReminderLog, type ReminderNotification, type ReminderRecord,
  type StoredAssignment, type TraineeStore, type TrainingAudit, type TrainingAuditAction, type TrainingAuditTarget,
} from '../../shared/training/ports';
import { BusinessCalendar, loadHolidays } from '../../shared/training/reminders/schedule';
import type { ReminderDeps } from '../../shared/training/reminders/pass';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** In-memory fakes of the training ports the reminder pass uses, for use-case tests. */

export function reminderCatalogue(): TrainingCatalogue {
  return parseTrainingCatalogue(readFileSync(path.join(__dirname, '../../config/training-catalogue.json'), 'utf8'), 'test catalogue');
}

export function trainee(personId: string, overrides: Partial<Trainee> = {}): Trainee {
  return {
    personId, serviceCode: 'RT', jobCategoryCode: 'CONSEIL', managerId: null, language: 'fr-CA', status: 'active', hireDate: '2020-01-06', version: 1, leaveSince: null,
    updatedAt: '2026-01-01T00:00:00Z', ...overrides,
  };
}

export function assignment(personId: string, moduleId: string, dueDate: string, overrides: Partial<Assignment> = {}): Assignment {
  return {
    id: assignmentId(personId, moduleId), personId, moduleId, rules: ['everyone'], hr: null, status: 'open', cycle: 1, cycleOpenedAt: '2026-01-05T12:00:00Z', dueDate,
    attempts: 0, completions: [], nextCycleDate: null, closedAt: null, closedReason: null, pausedSince: null, updatedAt: '2026-01-05T12:00:00Z', ...overrides,
  };
}

export class FakeTrainees implements TraineeStore {
  readonly byId = new Map<string, Trainee>();
  async get(id: string) {
    return this.byId.get(id);
  }
  async many(ids: string[]) {
    return new Map(ids.filter((id) => this.byId.has(id)).map((id) => [id, this.byId.get(id)!]));
  }
  async save(t: Trainee) {
    this.byId.set(t.personId, t);
  }
  async all() {
    return [...this.byId.values()];
  }
}

export class FakeAssignments implements AssignmentStore {
  readonly docs = new Map<string, StoredAssignment>();
  private version = 0;
  /** Called on each get: lets a test complete an assignment "during" the pass. */
  onGet?: (id: string) => void;
  async get(id: string) {
    this.onGet?.(id);
    const d = this.docs.get(id);
    return d && structuredClone(d);
  }
  async forPerson(personId: string) {
    return [...this.docs.values()].filter((d) => d.assignment.personId === personId).map((d) => structuredClone(d));
  }
  async forPeople(ids: string[]) {
    return [...this.docs.values()].filter((d) => ids.includes(d.assignment.personId)).map((d) => structuredClone(d));
  }
  async open() {
    return [...this.docs.values()].filter((d) => d.assignment.status === 'open').map((d) => structuredClone(d));
  }
  async nextCycleDue(day: string) {
    return [...this.docs.values()].filter((d) => d.assignment.nextCycleDate !== null && d.assignment.nextCycleDate <= day);
  }
  async all() {
    return [...this.docs.values()].map((d) => structuredClone(d));
  }
  async save(a: Assignment, etag?: string) {
    const current = this.docs.get(a.id);
    if ((etag === undefined && current) || (etag !== undefined && current?.etag !== etag)) throw new AssignmentConflict(a.id);
    const next = `v${++this.version}`;
    this.docs.set(a.id, { assignment: structuredClone(a), etag: next });
    return next;
  }
  put(a: Assignment) {
    this.docs.set(a.id, { assignment: structuredClone(a), etag: `v${++this.version}` });
  }
  complete(id: string, at = '2026-01-05T12:00:00Z') {
    const d = this.docs.get(id)!;
    this.put({ ...d.assignment, status: 'completed', completions: [...d.assignment.completions, { cycle: d.assignment.cycle, completedAt: at, method: 'content' }] });
  }
}

export class FakeReminderLog implements ReminderLog {
  readonly records = new Map<string, ReminderRecord>();
  async claim(key: string, owner: string, at: string, takeOver?: (r: ReminderRecord) => boolean) {
    const current = this.records.get(key);
    if (current && !(takeOver?.(structuredClone(current)) ?? false)) return { claimed: false as const, record: structuredClone(current) };
    this.records.set(key, { key, state: 'claimed', owner, claimedAt: at, updatedAt: at });
    return { claimed: true as const };
  }
  async mark(key: string, owner: string, state: Exclude<ReminderKeyState, 'claimed'>, at: string, extra: { channel?: 'teams' | 'email'; detail?: string } = {}) {
    const current = this.records.get(key);
    if (!current || current.owner !== owner) return false;
    this.records.set(key, { ...current, state, updatedAt: at, ...extra });
    return true;
  }
  async get(key: string) {
    return this.records.get(key);
  }
  inState(state: ReminderKeyState) {
    return [...this.records.values()].filter((r) => r.state === state);
  }
}

export class FakeNotifier implements Notifier {
  readonly sent: Array<ReminderNotification & { channel: 'teams' | 'email' }> = [];
  /** People without the Teams app: they get e-mail. */
  readonly withoutApp = new Set<string>();
  readonly failing = new Set<string>();
  beforeSend?: (n: ReminderNotification) => void;
  paced = 0;
  async pace() {
    this.paced++;
    return () => undefined;
  }
  async send(n: ReminderNotification, stillWanted?: () => Promise<boolean>): Promise<NotifyOutcome> {
    this.beforeSend?.(n);
    if (stillWanted && !(await stillWanted())) return { ok: false, code: 'cancelled' };
    if (this.failing.has(n.recipientId)) return { ok: false, code: 'ErrorInvalidRecipients' };
    const channel = this.withoutApp.has(n.recipientId) ? 'email' : 'teams';
    this.sent.push({ ...n, channel });
    return { ok: true, channel };
  }
  to(id: string) {
    return this.sent.filter((n) => n.recipientId === id);
  }
}

export class FakeNames implements PeopleNames {
  async namesOf(ids: string[]) {
    return new Map(ids.map((id) => [id, `Nom ${id}`]));
  }
}

export class FakeAudit implements TrainingAudit {
  readonly records: Array<{ actor: string; action: TrainingAuditAction; target: TrainingAuditTarget; outcome: string }> = [];
  async record(actor: Actor, action: TrainingAuditAction, target: TrainingAuditTarget, outcome: 'allowed' | 'denied' = 'allowed') {
    this.records.push({ actor: actor.oid, action, target, outcome });
  }
}

export interface ReminderWorld {
  deps: ReminderDeps;
  trainees: FakeTrainees;
  assignments: FakeAssignments;
  log: FakeReminderLog;
  notifier: FakeNotifier;
  audit: FakeAudit;
  setNow(iso: string): void;
}

export function reminderWorld(calendar: BusinessCalendar = loadHolidays()): ReminderWorld {
  const trainees = new FakeTrainees();
  const assignments = new FakeAssignments();
  const log = new FakeReminderLog();
  const notifier = new FakeNotifier();
  const audit = new FakeAudit();
  let now = new Date('2026-03-02T14:00:00Z');
  const deps: ReminderDeps = {
    catalogue: reminderCatalogue(), calendar, trainees, assignments, log, notifier, names: new FakeNames(), audit,
    tabUrl: 'https://app.example/api/web/training.html', now: () => now, staleClaimMs: 0,
  };
  return { deps, trainees, assignments, log, notifier, audit, setNow: (iso) => (now = new Date(iso)) };
}
