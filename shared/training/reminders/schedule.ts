import type { BusinessCalendar } from '../../platform/business-calendar';
import type { ReminderPolicy } from '../catalogue';
import { calendarDay, type Assignment, type Trainee } from '../model';

/**
 * When reminders are due (docs/decisions/0010-training.md, "Reminders"). Pure: the pass asks which
 * step an open assignment is at on a calendar day, and whether an instant falls in quiet hours.
 * Everything counts in business days (Monday to Friday, Québec statutory holidays excluded) so a
 * long weekend neither fires a burst of reminders nor makes someone "overdue" over a holiday.
 */

// The calendar is the platform's (shared/platform/business-calendar.ts): re-exported for training's callers.
export { BusinessCalendar, HolidayFile, loadHolidays, parseHolidays } from '../../platform/business-calendar';

/** `before-7`, `before-1`, `due`, `overdue-3` (3 overdue business days), `overdue-6`, ... */
export type ReminderStep = `before-${number}` | 'due' | `overdue-${number}`;

export type Escalation = 'none' | 'manager' | 'direction';

export type NotDueReason = 'not-business-day' | 'not-open' | 'paused' | 'on-leave' | 'left' | 'no-step-today';

export type StepVerdict =
  | { due: true; step: ReminderStep; day: string; overdueBusinessDays: number; escalation: Escalation }
  | { due: false; reason: NotDueReason; overdueBusinessDays: number; escalation: Escalation };

/** Whether reminders may go to this person at all: only an active person, not on leave. */
export function reachable(trainee: Pick<Trainee, 'status' | 'leaveSince'>): 'yes' | 'on-leave' | 'left' {
  if (trainee.status === 'left') return 'left';
  if (trainee.status === 'on-leave' || trainee.leaveSince !== null) return 'on-leave';
  return 'yes';
}

/** Whether the assignment can be reminded about: open, not paused. */
export function remindable(assignment: Pick<Assignment, 'status' | 'pausedSince' | 'completions' | 'cycle'>): 'yes' | 'not-open' | 'paused' {
  // A completion of the current cycle closes it even if the status write raced with us.
  if (assignment.status !== 'open' || assignment.completions.some((c) => c.cycle === assignment.cycle)) return 'not-open';
  if (assignment.pausedSince !== null) return 'paused';
  return 'yes';
}

/**
 * The step an open assignment is at on `day`. The due reminder goes on the due date, or on the last
 * business day before it when the due date is a weekend or a holiday (the person still has time);
 * "before-N" goes N business days before that; overdue counts business days after the due date,
 * with a reminder every `overdueEveryBusinessDays`. Escalation is reported whatever the person's
 * own step: the digests list everyone overdue long enough, every business day.
 */
export function stepOn(day: string, assignment: Assignment, trainee: Trainee, policy: ReminderPolicy, calendar: BusinessCalendar): StepVerdict {
  const overdue = day > assignment.dueDate ? calendar.businessDaysBetween(assignment.dueDate, day) : 0;
  const escalation: Escalation = overdue >= policy.directionAfterBusinessDays ? 'direction' : overdue >= policy.managerAfterBusinessDays ? 'manager' : 'none';
  const no = (reason: NotDueReason, esc: Escalation = escalation): StepVerdict => ({ due: false, reason, overdueBusinessDays: overdue, escalation: esc });
  const person = reachable(trainee);
  if (person !== 'yes') return no(person, 'none');
  const open = remindable(assignment);
  if (open !== 'yes') return no(open, 'none');
  if (!calendar.isBusinessDay(day)) return no('not-business-day', 'none');
  const dueDay = calendar.onOrBefore(assignment.dueDate);
  const step = (s: ReminderStep): StepVerdict => ({ due: true, step: s, day, overdueBusinessDays: overdue, escalation });
  if (day === dueDay) return policy.onDueDate ? step('due') : no('no-step-today');
  if (day < dueDay) {
    const before = calendar.businessDaysBetween(day, dueDay);
    return policy.beforeDueBusinessDays.includes(before) ? step(`before-${before}`) : no('no-step-today');
  }
  if (overdue > 0 && overdue % policy.overdueEveryBusinessDays === 0) return step(`overdue-${overdue}`);
  return no('no-step-today');
}

/**
 * The step to send on `day`: today's, or, when today has none, the previous business day's (a pass
 * deferred by quiet hours, or one that did not run, is caught up the next business day; the
 * idempotency key carries the step's own day, so a step already sent is never sent again).
 */
export function stepToSend(day: string, assignment: Assignment, trainee: Trainee, policy: ReminderPolicy, calendar: BusinessCalendar): StepVerdict {
  const today = stepOn(day, assignment, trainee, policy, calendar);
  if (today.due || today.reason !== 'no-step-today') return today;
  const previous = calendar.addBusinessDays(day, -1);
  const yesterday = stepOn(previous, assignment, trainee, policy, calendar);
  return yesterday.due ? { ...yesterday, escalation: today.escalation, overdueBusinessDays: today.overdueBusinessDays } : today;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Local time (minutes since midnight) of an instant in a time zone; DST is Intl's business. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return get('hour') * 60 + get('minute');
}

/** Whether `at` falls in the policy's quiet hours (from inclusive, to exclusive; may wrap midnight). */
export function inQuietHours(at: Date, policy: Pick<ReminderPolicy, 'quietHours' | 'timeZone'>): boolean {
  const now = localMinutes(at, policy.timeZone);
  const from = minutesOf(policy.quietHours.from);
  const to = minutesOf(policy.quietHours.to);
  if (from === to) return false;
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** The calendar day a pass at `at` works for, in the policy's time zone. */
export const passDay = (at: Date, policy: Pick<ReminderPolicy, 'timeZone'>) => calendarDay(at, policy.timeZone);
