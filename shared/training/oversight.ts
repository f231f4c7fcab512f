import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Actor } from '../platform/audit';
import type { AppRole } from '../platform/roles';
import { completed, type TrainingDeps } from './assignments';
import { calendarDay, type Assignment, type Trainee } from './model';
import { AssignmentConflict, type PeopleNames } from './ports';

/**
 * What managers and HR see and do: a manager's team, compliance by service, job category and
 * module, the overdue list and its CSV, a completion recorded by hand (with a reason, audited), and
 * completions imported from another platform with a validation report. Names come from the people
 * capability at read time; training stores none.
 */
export const HR_ROLES: readonly AppRole[] = ['HR', 'ITAdmin'];

export interface Viewer {
  oid: string;
  roles: readonly AppRole[];
}

/** Business days between two calendar days (holidays and weekends excluded); see reminders. */
export interface BusinessCalendar {
  businessDaysBetween(from: string, to: string): number;
}

/** Weekdays only: what the calendar falls back to without a holiday list. */
export const WEEKDAYS: BusinessCalendar = {
  businessDaysBetween(from, to) {
    let days = 0;
    for (let d = new Date(`${from}T12:00:00Z`); d.toISOString().slice(0, 10) < to; d.setUTCDate(d.getUTCDate() + 1)) {
      const next = new Date(d.getTime() + 86_400_000);
      if (next.getUTCDay() !== 0 && next.getUTCDay() !== 6) days++;
    }
    return days;
  },
};

export type Text = { 'fr-CA': string; en: string };
type Labels = { services: Map<string, Text>; jobCategories: Map<string, Text> };

export interface OversightDeps extends TrainingDeps {
  names: PeopleNames;
  calendar: BusinessCalendar;
  /** Service and job category names from the people catalogue. */
  labels: Labels;
  /** Resolves an imported line's user principal name to an object id (Entra ID), or null. */
  idOfUpn?: (upn: string) => Promise<string | null>;
}

export interface Tally {
  assigned: number;
  completed: number;
  overdue: number;
}

export interface ComplianceFilter {
  service?: string;
  jobCategory?: string;
  moduleId?: string;
}

const MAX_IMPORT_LINES = 5_000;

export class TrainingOversight {
  constructor(private readonly deps: OversightDeps) {}

  private today(): string {
    return calendarDay(this.deps.now(), this.deps.catalogue.reminders.timeZone);
  }

  private overdueDays(a: Assignment, day: string): number {
    return a.status === 'open' && !a.pausedSince && a.dueDate < day ? this.deps.calendar.businessDaysBetween(a.dueDate, day) : 0;
  }

  private items(assignments: Assignment[], day: string) {
    return assignments
      .filter((a) => a.status !== 'closed' && this.deps.catalogue.module(a.moduleId))
      .map((a) => ({ moduleId: a.moduleId, title: this.deps.catalogue.module(a.moduleId)!.title, status: a.status, dueDate: a.dueDate, overdue: this.overdueDays(a, day) > 0, overdueBusinessDays: this.overdueDays(a, day), paused: a.pausedSince !== null }))
      .sort((x, y) => Number(y.overdue) - Number(x.overdue) || x.dueDate.localeCompare(y.dueDate) || x.moduleId.localeCompare(y.moduleId));
  }

  /** A manager's direct reports who are on staff, with each one's modules. */
  async team(viewer: Viewer) {
    if (!viewer.roles.includes('Manager')) return { kind: 'forbidden' } as const;
    const day = this.today();
    const reports = (await this.deps.trainees.all()).filter((t) => t.managerId === viewer.oid && t.status !== 'left');
    const assignments = await this.deps.assignments.forPeople(reports.map((t) => t.personId));
    const names = await this.deps.names.namesOf(reports.map((t) => t.personId));
    const people = reports
      .map((t) => ({ personId: t.personId, displayName: names.get(t.personId) ?? null, onLeave: t.status === 'on-leave', items: this.items(assignments.filter((s) => s.assignment.personId === t.personId).map((s) => s.assignment), day) }))
      .sort((a, b) => (a.displayName ?? '').localeCompare(b.displayName ?? '', 'fr-CA'));
    return { kind: 'ok' as const, value: { people, overdue: people.reduce((n, p) => n + p.items.filter((i) => i.overdue).length, 0) } };
  }

  /** Whether `viewer` manages `personId` (the manager's remind button is for their own people). */
  async manages(viewer: Viewer, personId: string): Promise<boolean> {
    return viewer.roles.includes('Manager') && (await this.deps.trainees.get(personId))?.managerId === viewer.oid;
  }

  async compliance(viewer: Viewer, filter: ComplianceFilter) {
    if (!viewer.roles.some((r) => HR_ROLES.includes(r))) return { kind: 'forbidden' } as const;
    const day = this.today();
    const trainees = new Map((await this.deps.trainees.all()).filter((t) => t.status !== 'left').map((t) => [t.personId, t]));
    const rows = (await this.deps.assignments.all())
      .map((s) => s.assignment)
      .filter((a) => a.status !== 'closed' && trainees.has(a.personId) && this.deps.catalogue.module(a.moduleId))
      .map((a) => ({ a, t: trainees.get(a.personId)! }))
      .filter(({ a, t }) => (!filter.service || t.serviceCode === filter.service) && (!filter.jobCategory || t.jobCategoryCode === filter.jobCategory) && (!filter.moduleId || a.moduleId === filter.moduleId));
    const tally = (key: (r: { a: Assignment; t: Trainee }) => string | null) => {
      const map = new Map<string | null, Tally>();
      for (const r of rows) {
        const k = key(r);
        const x = map.get(k) ?? { assigned: 0, completed: 0, overdue: 0 };
        x.assigned++;
        if (r.a.status === 'completed') x.completed++;
        if (this.overdueDays(r.a, day) > 0) x.overdue++;
        map.set(k, x);
      }
      return map;
    };
    const labelled = (map: Map<string | null, Tally>, labels: Map<string, Text>) =>
      [...map.entries()].map(([code, t]) => ({ code, names: code === null ? null : (labels.get(code) ?? null), ...t })).sort((x, y) => (x.code ?? '~').localeCompare(y.code ?? '~'));
    const overdueRows = rows.filter(({ a }) => this.overdueDays(a, day) > 0);
    const names = await this.deps.names.namesOf([...new Set(overdueRows.map(({ a }) => a.personId))]);
    return {
      kind: 'ok' as const,
      value: {
        byService: labelled(tally((r) => r.t.serviceCode), this.deps.labels.services),
        byJobCategory: labelled(tally((r) => r.t.jobCategoryCode), this.deps.labels.jobCategories),
        byModule: [...tally((r) => r.a.moduleId).entries()].map(([moduleId, t]) => ({ moduleId: moduleId!, title: this.deps.catalogue.module(moduleId!)!.title, ...t })),
        overdue: overdueRows
          .map(({ a, t }) => ({
            personId: a.personId,
            displayName: names.get(a.personId) ?? null,
            serviceCode: t.serviceCode,
            serviceNames: t.serviceCode ? (this.deps.labels.services.get(t.serviceCode) ?? null) : null,
            moduleId: a.moduleId,
            title: this.deps.catalogue.module(a.moduleId)!.title,
            dueDate: a.dueDate,
            overdueBusinessDays: this.overdueDays(a, day),
          }))
          .sort((x, y) => y.overdueBusinessDays - x.overdueBusinessDays || (x.displayName ?? '').localeCompare(y.displayName ?? '', 'fr-CA')),
        catalogueVersion: this.deps.catalogue.version,
      },
    };
  }

  /** The overdue list as CSV (French headers, UTF-8 with a BOM so Excel reads the accents). */
  async complianceCsv(viewer: Viewer, filter: ComplianceFilter, actor: Actor) {
    const report = await this.compliance(viewer, filter);
    if (report.kind !== 'ok') return report;
    const rows = report.value.overdue.map((o) => [o.displayName ?? '', o.serviceNames?.['fr-CA'] ?? '', o.title['fr-CA'], o.dueDate, o.overdueBusinessDays]);
    const csv = stringify([['Nom', 'Service', 'Formation', 'Échéance', 'Jours ouvrables de retard'], ...rows]);
    await this.deps.audit.record(actor, 'report-exported', { count: rows.length });
    return { kind: 'ok' as const, value: `\uFEFF${csv}` };
  }

  /** A completion recorded by HR (training taken elsewhere, on paper): reason required, audited. */
  async completeByHand(viewer: Viewer, actor: Actor, input: { personId: string; moduleId: string; completedAt: string; reason: string }) {
    if (!viewer.roles.some((r) => HR_ROLES.includes(r))) return { kind: 'forbidden' } as const;
    const module = this.deps.catalogue.module(input.moduleId);
    if (!module) return { kind: 'unknown-module' } as const;
    if (input.completedAt > this.today()) return { kind: 'future-date' } as const;
    const outcome = await this.complete(input.personId, input.moduleId, { completedAt: `${input.completedAt}T12:00:00.000Z`, method: 'manual', recordedBy: actor.oid, reason: input.reason });
    if (outcome !== 'completed') return { kind: outcome } as const;
    await this.deps.audit.record(actor, 'manual-completion', { personId: input.personId, moduleId: input.moduleId });
    return { kind: 'ok' as const };
  }

  /**
   * An explicit assignment by HR (a module no rule gives this person, or a due date of HR's own):
   * kept while no rule gives it (a move does not close it), reason required, audited. A module the
   * person already has open gets HR's due date; a completed one opens a new cycle only when asked.
   */
  async assignByHand(viewer: Viewer, actor: Actor, input: { personId: string; moduleId: string; dueDate: string; reason: string; newCycle?: boolean }) {
    if (!viewer.roles.some((r) => HR_ROLES.includes(r))) return { kind: 'forbidden' } as const;
    const module = this.deps.catalogue.module(input.moduleId);
    if (!module) return { kind: 'unknown-module' } as const;
    const trainee = await this.deps.trainees.get(input.personId);
    if (!trainee || trainee.status === 'left') return { kind: 'unknown-person' } as const;
    if (input.dueDate < this.today()) return { kind: 'past-date' } as const;
    const now = this.deps.now().toISOString();
    const hr = { by: actor.oid, at: now, reason: input.reason };
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.deps.assignments.get(`${input.personId}|${input.moduleId}`);
      const current = found?.assignment;
      if (current?.status === 'completed' && !input.newCycle) return { kind: 'already-completed' } as const;
      const next: Assignment = current
        ? current.status === 'open'
          ? { ...current, hr, dueDate: input.dueDate, updatedAt: now }
          : { ...current, hr, status: 'open', cycle: current.completions.length ? current.cycle + 1 : current.cycle, cycleOpenedAt: now, dueDate: input.dueDate, attempts: 0, nextCycleDate: null, closedAt: null, closedReason: null, pausedSince: trainee.status === 'on-leave' ? now : null, updatedAt: now }
        : {
            id: `${input.personId}|${input.moduleId}`, personId: input.personId, moduleId: input.moduleId, rules: [], hr, status: 'open', cycle: 1, cycleOpenedAt: now, dueDate: input.dueDate,
            attempts: 0, completions: [], nextCycleDate: null, closedAt: null, closedReason: null, pausedSince: trainee.status === 'on-leave' ? now : null, updatedAt: now,
          };
      try {
        await this.deps.assignments.save(next, found?.etag);
      } catch (e) {
        if (e instanceof AssignmentConflict) continue;
        throw e;
      }
      await this.deps.audit.record(actor, 'hr-assigned', { personId: input.personId, moduleId: input.moduleId, cycle: next.cycle });
      return { kind: 'ok' as const, value: { cycle: next.cycle, dueDate: next.dueDate } };
    }
    throw new AssignmentConflict(`${input.personId}|${input.moduleId}`);
  }

  private async complete(personId: string, moduleId: string, completion: Parameters<typeof completed>[1]): Promise<'completed' | 'not-assigned' | 'not-open'> {
    const module = this.deps.catalogue.module(moduleId)!;
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.deps.assignments.get(`${personId}|${moduleId}`);
      if (!found) return 'not-assigned';
      if (found.assignment.status !== 'open') return 'not-open';
      try {
        await this.deps.assignments.save(completed(found.assignment, completion, module, this.deps.catalogue.reminders.timeZone, this.deps.now()), found.etag);
        return 'completed';
      } catch (e) {
        if (!(e instanceof AssignmentConflict)) throw e;
      }
    }
    return 'not-open';
  }

  /**
   * Completions from another platform (CSV: personId or userPrincipalName, moduleId, completedAt,
   * source). Every line is checked first; the report names each refused line, field and problem.
   * With dryRun nothing is written; otherwise the accepted lines complete their open assignment
   * (already completed: nothing to do, counted as accepted).
   */
  async importCompletions(viewer: Viewer, actor: Actor, csv: string, dryRun: boolean) {
    if (!viewer.roles.some((r) => HR_ROLES.includes(r))) return { kind: 'forbidden' } as const;
    let records: Array<Record<string, string>>;
    try {
      records = parse(csv.replace(/^\uFEFF/, ''), { columns: (header: string[]) => header.map((h) => h.trim()), skip_empty_lines: true, trim: true, relax_column_count: false }) as Array<Record<string, string>>;
    } catch (e) {
      return { kind: 'unreadable' as const, problem: (e as Error).message };
    }
    if (records.length > MAX_IMPORT_LINES) return { kind: 'too-many' as const, max: MAX_IMPORT_LINES };
    const day = this.today();
    const rejected: Array<{ line: number; field: string; problem: Text }> = [];
    const accepted: Array<{ personId: string; moduleId: string; completedAt: string; source: string }> = [];
    for (const [i, r] of records.entries()) {
      const line = i + 2; // the header is line 1
      const reject = (field: string, problem: Text) => rejected.push({ line, field, problem });
      let personId = r.personId?.trim() || null;
      if (!personId && r.userPrincipalName) personId = this.deps.idOfUpn ? await this.deps.idOfUpn(r.userPrincipalName.trim()) : null;
      const module = this.deps.catalogue.module(r.moduleId ?? '');
      const date = /^\d{4}-\d{2}-\d{2}$/.test(r.completedAt ?? '') && !Number.isNaN(Date.parse(`${r.completedAt}T12:00:00Z`)) ? r.completedAt! : null;
      if (!personId || !(await this.deps.trainees.get(personId))) {
        reject(r.personId ? 'personId' : 'userPrincipalName', { 'fr-CA': 'Personne inconnue du personnel.', en: 'Unknown staff member.' });
        continue;
      }
      if (!module) {
        reject('moduleId', { 'fr-CA': `Formation inconnue : « ${r.moduleId ?? ''} ».`, en: `Unknown training module: "${r.moduleId ?? ''}".` });
        continue;
      }
      if (!date) {
        reject('completedAt', { 'fr-CA': 'Date invalide (format attendu : AAAA-MM-JJ).', en: 'Invalid date (expected YYYY-MM-DD).' });
        continue;
      }
      if (date > day) {
        reject('completedAt', { 'fr-CA': 'Date dans le futur : refusée.', en: 'Date in the future: refused.' });
        continue;
      }
      if (!(await this.deps.assignments.get(`${personId}|${module.id}`))) {
        reject('moduleId', { 'fr-CA': 'Cette formation n’est pas attribuée à cette personne.', en: 'This module is not assigned to this person.' });
        continue;
      }
      accepted.push({ personId, moduleId: module.id, completedAt: date, source: (r.source ?? '').slice(0, 100) });
    }
    let applied = 0;
    if (!dryRun) {
      for (const a of accepted) {
        const outcome = await this.complete(a.personId, a.moduleId, { completedAt: `${a.completedAt}T12:00:00.000Z`, method: 'import', recordedBy: actor.oid, source: a.source });
        if (outcome === 'completed') applied++;
      }
      await this.deps.audit.record(actor, 'completions-imported', { count: applied });
    }
    return { kind: 'ok' as const, value: { accepted: accepted.length, rejected, applied: !dryRun, completed: applied } };
  }
}
