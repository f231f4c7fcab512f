import type { PeopleEvent } from '../people/events';
import { SYSTEM_ACTOR } from '../platform/audit';
import type { TrainingCatalogue, TrainingModule } from './catalogue';
import { addDays, addMonths, assignmentId, calendarDay, daysBetween, type Assignment, type Completion, type Trainee } from './model';
import { AssignmentConflict, type AssignmentStore, type CatalogueState, type TraineeStore, type TrainingAudit } from './ports';

export interface TrainingDeps {
  trainees: TraineeStore;
  assignments: AssignmentStore;
  audit: TrainingAudit;
  catalogue: TrainingCatalogue;
  now: () => Date;
}

const today = (deps: TrainingDeps) => calendarDay(deps.now(), deps.catalogue.reminders.timeZone);

/**
 * Due date of a new cycle opened on `day`: N days after it, N days after the hire date (never
 * before the cycle opens: a long-serving employee given a new module gets the full N days), a
 * campaign's fixed date, or an annual window's closing day.
 */
export function dueDateFor(module: TrainingModule, day: string, hireDate: string | null): string {
  const due = module.due;
  if (module.recurrence.kind === 'annual-window') {
    const year = Number(day.slice(0, 4));
    const close = `${year}-${module.recurrence.closes}`;
    return close >= day ? close : `${year + 1}-${module.recurrence.closes}`;
  }
  if (due.kind === 'days-after-assignment') return addDays(day, due.days);
  if (due.kind === 'days-after-hire') {
    const hired = hireDate ? hireDate.slice(0, 10) : day;
    return addDays(hired > day ? hired : day, due.days);
  }
  return due.date;
}

/** When a completed module's next cycle opens, or null when it does not recur. */
export function nextCycleDate(module: TrainingModule, completedDay: string): string | null {
  const r = module.recurrence;
  if (r.kind === 'none') return null;
  if (r.kind === 'every-months') return addMonths(completedDay, r.months);
  const year = Number(completedDay.slice(0, 4));
  const opens = `${year}-${r.opens}`;
  // Completed before this year's window opened: it counts for that window's cycle only if inside it,
  // so the next cycle is this year's window; otherwise next year's.
  return opens > completedDay ? opens : `${year + 1}-${r.opens}`;
}

/** Records a completion on an open assignment (the evidence of the cycle) and schedules the next cycle. */
export function completed(assignment: Assignment, completion: Omit<Completion, 'cycle'>, module: TrainingModule, timeZone: string, now: Date): Assignment {
  const day = calendarDay(new Date(completion.completedAt), timeZone);
  return {
    ...assignment,
    status: 'completed',
    completions: [...assignment.completions, { ...completion, cycle: assignment.cycle }],
    nextCycleDate: nextCycleDate(module, day),
    pausedSince: null,
    updatedAt: now.toISOString(),
  };
}

function newAssignment(personId: string, module: TrainingModule, rules: string[], day: string, hireDate: string | null, now: Date): Assignment {
  return {
    id: assignmentId(personId, module.id),
    personId,
    moduleId: module.id,
    rules,
    hr: null,
    status: 'open',
    cycle: 1,
    cycleOpenedAt: now.toISOString(),
    dueDate: dueDateFor(module, day, hireDate),
    attempts: 0,
    completions: [],
    nextCycleDate: null,
    closedAt: null,
    closedReason: null,
    pausedSince: null,
    updatedAt: now.toISOString(),
  };
}

/**
 * The training subscription's handler: what a lifecycle event means for someone's training.
 * - joined / moved / updated: the rules are applied to the new job category and service; new
 *   modules are assigned (due dates from the hire date for onboarding modules), completed ones
 *   stay completed, open ones no rule gives any more are closed (never reminded again);
 * - leave-started pauses open assignments (due dates frozen), leave-ended resumes them with the
 *   due dates moved by the days spent on leave;
 * - left closes every open assignment and cancels future cycles.
 * Idempotent: an event whose version is not newer than the last applied changes nothing, and the
 * assignments are written before the trainee, so a crash in between replays to the same result.
 */
export async function followPeopleEvent(event: PeopleEvent, deps: TrainingDeps): Promise<{ applied: boolean; assigned: number; closed: number }> {
  const before = await deps.trainees.get(event.personId);
  if (before && event.version <= before.version) return { applied: false, assigned: 0, closed: 0 };
  const now = deps.now();
  const s = event.state;
  const trainee: Trainee = {
    personId: event.personId,
    serviceCode: s.serviceCode,
    jobCategoryCode: s.jobCategoryCode,
    managerId: s.managerId,
    language: s.language,
    status: s.status,
    hireDate: s.hireDate ?? before?.hireDate ?? null,
    version: event.version,
    leaveSince: s.status === 'on-leave' ? (before?.leaveSince ?? now.toISOString()) : null,
    updatedAt: now.toISOString(),
  };
  const counts = s.status === 'left' ? { assigned: 0, closed: await closeAll(trainee, deps) } : await reconcile(trainee, deps);
  await pauseOrResume(trainee, deps);
  await deps.trainees.save(trainee);
  return { applied: true, ...counts };
}

/** Saves with compare-and-swap, reading again after a conflict (a completion may land meanwhile). */
async function update(deps: TrainingDeps, id: string, change: (a: Assignment) => Assignment | null): Promise<Assignment | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.assignments.get(id);
    if (!current) return null;
    const next = change(current.assignment);
    if (!next) return null;
    try {
      await deps.assignments.save(next, current.etag);
      return next;
    } catch (e) {
      if (!(e instanceof AssignmentConflict)) throw e;
    }
  }
  throw new AssignmentConflict(id);
}

async function reconcile(trainee: Trainee, deps: TrainingDeps): Promise<{ assigned: number; closed: number }> {
  const now = deps.now();
  const day = today(deps);
  const wanted = deps.catalogue.modulesFor(trainee);
  const existing = new Map((await deps.assignments.forPerson(trainee.personId)).map((s) => [s.assignment.moduleId, s] as const));
  let assigned = 0;
  let closed = 0;
  for (const [moduleId, rules] of wanted) {
    const module = deps.catalogue.module(moduleId)!;
    const found = existing.get(moduleId);
    if (!found) {
      try {
        await deps.assignments.save(newAssignment(trainee.personId, module, rules, day, trainee.hireDate, now));
        assigned++;
        await deps.audit.record(SYSTEM_ACTOR, 'assigned', { personId: trainee.personId, moduleId, cycle: 1 });
      } catch (e) {
        // Created by a redelivery of this same event meanwhile: nothing more to do.
        if (!(e instanceof AssignmentConflict)) throw e;
      }
      continue;
    }
    const reopened = await update(deps, found.assignment.id, (a) => {
      if (a.status !== 'closed') return sameRules(a.rules, rules) ? null : { ...a, rules, updatedAt: now.toISOString() };
      // Given again (back from a move, or rehired): what was completed stays completed until its next cycle.
      const last = a.completions.at(-1);
      if (last && (a.nextCycleDate === null || a.nextCycleDate > day)) return { ...a, rules, status: 'completed', closedAt: null, closedReason: null, updatedAt: now.toISOString() };
      const cycle = last ? a.cycle + 1 : a.cycle;
      return { ...a, rules, status: 'open', cycle, cycleOpenedAt: now.toISOString(), dueDate: dueDateFor(module, day, trainee.hireDate), attempts: 0, closedAt: null, closedReason: null, pausedSince: null, updatedAt: now.toISOString() };
    });
    if (reopened?.status === 'open' && found.assignment.status === 'closed') {
      assigned++;
      await deps.audit.record(SYSTEM_ACTOR, 'assigned', { personId: trainee.personId, moduleId, cycle: reopened.cycle });
    }
  }
  for (const [moduleId, found] of existing) {
    if (wanted.has(moduleId)) continue;
    const result = await update(deps, found.assignment.id, (a) => {
      if (a.status !== 'open' || a.hr !== null) return a.rules.length ? { ...a, rules: [], updatedAt: now.toISOString() } : null;
      return { ...a, rules: [], status: 'closed', closedAt: now.toISOString(), closedReason: 'no-longer-assigned', updatedAt: now.toISOString() };
    });
    if (result?.status === 'closed' && found.assignment.status === 'open') {
      closed++;
      await deps.audit.record(SYSTEM_ACTOR, 'closed', { personId: trainee.personId, moduleId, cycle: result.cycle, step: 'no-longer-assigned' });
    }
  }
  return { assigned, closed };
}

async function closeAll(trainee: Trainee, deps: TrainingDeps): Promise<number> {
  const now = deps.now().toISOString();
  let closed = 0;
  for (const found of await deps.assignments.forPerson(trainee.personId)) {
    const result = await update(deps, found.assignment.id, (a) => {
      if (a.status === 'open') return { ...a, status: 'closed', closedAt: now, closedReason: 'left', pausedSince: null, nextCycleDate: null, updatedAt: now };
      // Completed stays completed (evidence), but no new cycle opens for someone who left.
      return a.nextCycleDate !== null ? { ...a, nextCycleDate: null, updatedAt: now } : null;
    });
    if (result?.status === 'closed' && found.assignment.status === 'open') {
      closed++;
      await deps.audit.record(SYSTEM_ACTOR, 'closed', { personId: trainee.personId, moduleId: found.assignment.moduleId, cycle: result.cycle, step: 'left' });
    }
  }
  return closed;
}

/** On leave: open assignments are paused. Back: their due dates move by the days spent on leave. */
async function pauseOrResume(trainee: Trainee, deps: TrainingDeps): Promise<void> {
  const now = deps.now();
  const tz = deps.catalogue.reminders.timeZone;
  for (const found of await deps.assignments.forPerson(trainee.personId)) {
    await update(deps, found.assignment.id, (a) => {
      if (a.status !== 'open') return null;
      if (trainee.status === 'on-leave') return a.pausedSince ? null : { ...a, pausedSince: trainee.leaveSince ?? now.toISOString(), updatedAt: now.toISOString() };
      if (!a.pausedSince) return null;
      const paused = Math.max(0, daysBetween(calendarDay(new Date(a.pausedSince), tz), calendarDay(now, tz)));
      return { ...a, dueDate: addDays(a.dueDate, paused), pausedSince: null, updatedAt: now.toISOString() };
    });
  }
}

/**
 * A new catalogue version (a module or rule added, a rule changed) applies to everyone at once, not
 * only at their next lifecycle event: each person on staff is reconciled with the new rules. Runs
 * with the daily cycles timer; idempotent (a second run finds nothing to change).
 */
export async function reassignIfCatalogueChanged(deps: TrainingDeps, state: CatalogueState): Promise<{ reassigned: number } | null> {
  if ((await state.appliedVersion()) === deps.catalogue.version) return null;
  let reassigned = 0;
  for (const trainee of await deps.trainees.all()) {
    if (trainee.status === 'left') continue;
    const { assigned, closed } = await reconcile(trainee, deps);
    await pauseOrResume(trainee, deps);
    if (assigned || closed) reassigned++;
  }
  await state.setAppliedVersion(deps.catalogue.version);
  return { reassigned };
}

/**
 * Recurrence: completed assignments whose next cycle is due open a new cycle (daily, before the
 * reminder pass). Nothing opens for someone who left or is on leave (it opens on return).
 */
export async function openDueCycles(deps: TrainingDeps): Promise<number> {
  const now = deps.now();
  const day = today(deps);
  const due = await deps.assignments.nextCycleDue(day);
  const trainees = await deps.trainees.many(due.map((s) => s.assignment.personId));
  let opened = 0;
  for (const found of due) {
    const trainee = trainees.get(found.assignment.personId);
    if (!trainee || trainee.status !== 'active') continue;
    const module = deps.catalogue.module(found.assignment.moduleId);
    if (!module) continue;
    const result = await update(deps, found.assignment.id, (a) =>
      a.status === 'completed' && a.nextCycleDate !== null && a.nextCycleDate <= day
        ? { ...a, status: 'open', cycle: a.cycle + 1, cycleOpenedAt: now.toISOString(), dueDate: dueDateFor(module, day, null), attempts: 0, nextCycleDate: null, updatedAt: now.toISOString() }
        : null,
    );
    if (result) {
      opened++;
      await deps.audit.record(SYSTEM_ACTOR, 'assigned', { personId: result.personId, moduleId: result.moduleId, cycle: result.cycle });
    }
  }
  return opened;
}

function sameRules(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

