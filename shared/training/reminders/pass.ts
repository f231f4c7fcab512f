import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, type Actor } from '../../platform/audit';
import type { TrainingCatalogue } from '../catalogue';
import type { Assignment, Trainee } from '../model';
import { assignmentId } from '../model';
import type { AssignmentStore, Notifier, NotifyOutcome, PeopleNames, ReminderLog, ReminderNotification, ReminderRecord, TraineeStore, TrainingAudit } from '../ports';
import { renderDigest, renderReminder, type DigestEntry } from './messages';
import { inQuietHours, passDay, reachable, remindable, stepToSend, type BusinessCalendar, type ReminderStep } from './schedule';

/**
 * The daily reminder pass and HR's resend (docs/decisions/0010-training.md, "Reminders").
 *
 * Each notification has an idempotency key, claimed in the ReminderLog before anything is sent:
 * claimed -> (assignment and person re-read) -> sending -> sent | failed | skipped. A pass that dies
 * leaves the key `claimed` (provably nothing sent: the next pass takes it over and sends) or
 * `sending` (the request may have reached Graph: the next pass marks it `unknown` and never sends
 * it again). At most once, then: a reminder lost once is followed by the next step a few business
 * days later and by the manager's digest, while a duplicate teaches people to ignore the feed.
 */

export const JOB_CATEGORY_DIRECTION = 'DIRECTION';

export interface ReminderDeps {
  catalogue: TrainingCatalogue;
  calendar: BusinessCalendar;
  trainees: TraineeStore;
  assignments: AssignmentStore;
  log: ReminderLog;
  notifier: Notifier;
  names: PeopleNames;
  audit: TrainingAudit;
  /** The training tab every notification opens. */
  tabUrl: string;
  now?: () => Date;
  /** A key still `claimed` or `sending` after this long belongs to a pass that died (default 2 min). */
  staleClaimMs?: number;
  /** Keys worked on at once (each is a few database round trips around one request); the notifier paces the requests (default 16). */
  concurrency?: number;
  /** Test seam for the crash test: called after each step of a key's life. */
  onKey?: (event: 'claimed' | 'sending' | 'sent', key: string) => void | Promise<void>;
}

export interface PassSummary {
  day: string;
  /** Why nothing was sent: a weekend or holiday, or a pass started in quiet hours (the next pass sends). */
  deferred: 'not-business-day' | 'quiet-hours' | null;
  /** Holiday file does not cover this year: holidays are counted as business days until it does. */
  calendarCovers: boolean;
  due: number;
  sent: number;
  failed: number;
  /** Keys found already sent, failed or skipped (a second pass the same day, a catch-up). */
  alreadyHandled: number;
  /** Found `sending` from a dead pass: never sent again (at most once). */
  unknown: number;
  /** Nothing to send after the re-read: completed meanwhile, left, on leave, paused. */
  skipped: Record<string, number>;
  digests: { manager: number; direction: number; failed: number };
  byChannel: { teams: number; email: number };
}

export const reminderKey = (personId: string, moduleId: string, step: string, day: string) => `${personId}|${moduleId}|${step}|${day}`;
export const digestKey = (level: 'manager' | 'direction', recipientId: string, day: string) => `digest|${level}|${recipientId}|${day}`;
export const resendKey = (personId: string, moduleId: string) => `resend|${personId}|${moduleId}`;

interface DueItem {
  assignment: Assignment;
  trainee: Trainee;
  step: ReminderStep;
  stepDay: string;
  overdueBusinessDays: number;
}

interface Escalated {
  assignment: Assignment;
  trainee: Trainee;
  level: 'manager' | 'direction';
  overdueBusinessDays: number;
}

async function eachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

type KeyOutcome =
  | { kind: 'sent'; channel: 'teams' | 'email' }
  | { kind: 'failed'; code: string }
  | { kind: 'already' }
  | { kind: 'unknown' }
  | { kind: 'skipped'; reason: string };

/**
 * One key's life. `check` re-reads what decides whether to send (the assignment, the person): once
 * after the claim, and once more by the notifier right before the request leaves, so a completion
 * recorded before that last look wins.
 */
async function deliverOnce(
  deps: ReminderDeps,
  owner: string,
  key: string,
  check: () => Promise<{ send: ReminderNotification } | { skip: string }>,
): Promise<KeyOutcome> {
  const now = () => (deps.now ?? (() => new Date()))();
  const stale = deps.staleClaimMs ?? 120_000;
  let previous: ReminderRecord | undefined;
  const claim = await deps.log.claim(key, owner, now().toISOString(), (record) => {
    const abandoned = (record.state === 'claimed' || record.state === 'sending') && now().getTime() - Date.parse(record.updatedAt) >= stale;
    if (abandoned) previous = record;
    return abandoned;
  });
  if (!claim.claimed) return { kind: 'already' };
  if (previous?.state === 'sending') {
    // The dead pass may have reached Graph: sending again could make a duplicate.
    await deps.log.mark(key, owner, 'unknown', now().toISOString(), { detail: 'pass-died-while-sending' });
    return { kind: 'unknown' };
  }
  await deps.onKey?.('claimed', key);
  // A first look spares the rate's turns for what is already moot; the look that counts is the
  // last one, made by the notifier right before the request leaves (after any wait for the rate).
  const verdict = await check();
  if ('skip' in verdict) {
    await deps.log.mark(key, owner, 'skipped', now().toISOString(), { detail: verdict.skip });
    return { kind: 'skipped', reason: verdict.skip };
  }
  const done = await deps.notifier.pace();
  let outcome: NotifyOutcome;
  let lastSkip = '';
  try {
    if (!(await deps.log.mark(key, owner, 'sending', now().toISOString()))) return { kind: 'already' };
    await deps.onKey?.('sending', key);
    outcome = await deps.notifier.send(verdict.send, async () => {
      const last = await check();
      if ('skip' in last) lastSkip = last.skip;
      return !('skip' in last);
    });
  } finally {
    done();
  }
  await deps.onKey?.('sent', key);
  if (!outcome.ok && outcome.code === 'cancelled') {
    await deps.log.mark(key, owner, 'skipped', now().toISOString(), { detail: lastSkip });
    return { kind: 'skipped', reason: lastSkip };
  }
  if (!outcome.ok) {
    await deps.log.mark(key, owner, 'failed', now().toISOString(), { detail: outcome.code });
    return { kind: 'failed', code: outcome.code };
  }
  await deps.log.mark(key, owner, 'sent', now().toISOString(), { channel: outcome.channel });
  return { kind: 'sent', channel: outcome.channel };
}

/** Re-reads an assignment and its person: whether a reminder may still go. */
async function stillRemindable(deps: ReminderDeps, personId: string, moduleId: string, cycle: number): Promise<{ ok: true; assignment: Assignment; trainee: Trainee } | { ok: false; reason: string }> {
  const [stored, trainee] = await Promise.all([deps.assignments.get(assignmentId(personId, moduleId)), deps.trainees.get(personId)]);
  if (!stored || !trainee) return { ok: false, reason: 'not-found' };
  if (stored.assignment.cycle !== cycle) return { ok: false, reason: 'not-open' };
  const open = remindable(stored.assignment);
  if (open !== 'yes') return { ok: false, reason: open };
  const person = reachable(trainee);
  if (person !== 'yes') return { ok: false, reason: person };
  return { ok: true, assignment: stored.assignment, trainee };
}

export async function runReminderPass(deps: ReminderDeps): Promise<PassSummary> {
  const at = (deps.now ?? (() => new Date()))();
  const policy = deps.catalogue.reminders;
  const day = passDay(at, policy);
  const summary: PassSummary = {
    day, deferred: null, calendarCovers: deps.calendar.covers(day), due: 0, sent: 0, failed: 0, alreadyHandled: 0, unknown: 0, skipped: {},
    digests: { manager: 0, direction: 0, failed: 0 }, byChannel: { teams: 0, email: 0 },
  };
  if (!deps.calendar.isBusinessDay(day)) return { ...summary, deferred: 'not-business-day' };
  if (inQuietHours(at, policy)) return { ...summary, deferred: 'quiet-hours' };

  const owner = `pass-${randomUUID()}`;
  const open = await deps.assignments.open();
  const trainees = await deps.trainees.many([...new Set(open.map((s) => s.assignment.personId))]);
  const due: DueItem[] = [];
  const escalated: Escalated[] = [];
  for (const { assignment } of open) {
    const trainee = trainees.get(assignment.personId);
    if (!trainee || !deps.catalogue.module(assignment.moduleId)) continue;
    const verdict = stepToSend(day, assignment, trainee, policy, deps.calendar);
    if (verdict.due) due.push({ assignment, trainee, step: verdict.step, stepDay: verdict.day, overdueBusinessDays: verdict.overdueBusinessDays });
    if (verdict.escalation !== 'none') escalated.push({ assignment, trainee, level: verdict.escalation, overdueBusinessDays: verdict.overdueBusinessDays });
  }
  summary.due = due.length;

  const tally = (outcome: KeyOutcome) => {
    if (outcome.kind === 'sent') summary.byChannel[outcome.channel]++;
    if (outcome.kind === 'already') summary.alreadyHandled++;
    if (outcome.kind === 'unknown') summary.unknown++;
    if (outcome.kind === 'skipped') summary.skipped[outcome.reason] = (summary.skipped[outcome.reason] ?? 0) + 1;
  };

  // Digests are worked on alongside the reminders: both share the feed's rate, and a digest's list
  // is re-read when it goes, so starting early costs nothing and keeps the feed busy to the end.
  const digests = sendDigests(deps, owner, day, escalated, summary, tally);
  await eachLimited(due, deps.concurrency ?? 16, async (item) => {
    const { personId, moduleId, cycle } = item.assignment;
    const key = reminderKey(personId, moduleId, item.step, item.stepDay);
    const outcome = await deliverOnce(deps, owner, key, async () => {
      const now = await stillRemindable(deps, personId, moduleId, cycle);
      if (!now.ok) return { skip: now.reason };
      const module = deps.catalogue.module(moduleId)!;
      return {
        send: renderReminder({
          recipientId: personId, language: now.trainee.language, moduleTitle: module.title[now.trainee.language], dueDate: now.assignment.dueDate,
          step: item.step, overdueBusinessDays: item.overdueBusinessDays, url: deps.tabUrl,
        }),
      };
    });
    tally(outcome);
    if (outcome.kind === 'sent') {
      summary.sent++;
      await deps.audit.record(SYSTEM_ACTOR, 'reminder-sent', { personId, moduleId, cycle, step: item.step, channel: outcome.channel });
    }
    if (outcome.kind === 'failed') summary.failed++;
  });

  await digests;
  return summary;
}

/** One digest per recipient, level and day, listing all their overdue people. */
async function sendDigests(deps: ReminderDeps, owner: string, day: string, escalated: Escalated[], summary: PassSummary, tally: (o: KeyOutcome) => void): Promise<void> {
  if (escalated.length === 0) return;
  const recipients = new Map<string, { level: 'manager' | 'direction'; recipientId: string; items: Escalated[] }>();
  const add = (level: 'manager' | 'direction', recipientId: string, item: Escalated) => {
    if (recipientId === item.trainee.personId) return;
    const id = `${level}|${recipientId}`;
    const entry = recipients.get(id) ?? { level, recipientId, items: [] };
    entry.items.push(item);
    recipients.set(id, entry);
  };
  let direction: Trainee[] | undefined;
  for (const item of escalated) {
    if (item.trainee.managerId) add('manager', item.trainee.managerId, item);
    if (item.level === 'direction' && item.trainee.serviceCode) {
      direction ??= (await deps.trainees.all()).filter((t) => t.jobCategoryCode === JOB_CATEGORY_DIRECTION && reachable(t) === 'yes');
      for (const head of direction.filter((t) => t.serviceCode === item.trainee.serviceCode)) add('direction', head.personId, item);
    }
  }
  const people = await deps.trainees.many([...new Set([...recipients.values()].map((r) => r.recipientId))]);
  await eachLimited([...recipients.values()], 2, async ({ level, recipientId, items }) => {
    const recipient = people.get(recipientId);
    const outcome = await deliverOnce(deps, owner, digestKey(level, recipientId, day), async () => {
      if (!recipient) return { skip: 'not-found' };
      const person = reachable(recipient);
      if (person !== 'yes') return { skip: person };
      // Re-read every listed assignment: someone who completed during the pass is not listed.
      const still = await Promise.all(items.map(async (i) => ((await stillRemindable(deps, i.assignment.personId, i.assignment.moduleId, i.assignment.cycle)).ok ? i : null)));
      const listed = still.filter((i): i is Escalated => i !== null);
      if (listed.length === 0) return { skip: 'nothing-overdue' };
      const names = await deps.names.namesOf([...new Set(listed.map((i) => i.trainee.personId))]);
      const entries: DigestEntry[] = listed.map((i) => ({
        name: names.get(i.trainee.personId) ?? i.trainee.personId,
        moduleTitle: deps.catalogue.module(i.assignment.moduleId)!.title[recipient.language],
        dueDate: i.assignment.dueDate,
        overdueBusinessDays: i.overdueBusinessDays,
      }));
      return { send: renderDigest(recipientId, recipient.language, level, entries, deps.tabUrl) };
    });
    tally(outcome);
    if (outcome.kind === 'sent') {
      summary.digests[level]++;
      await deps.audit.record(SYSTEM_ACTOR, 'digest-sent', { personId: recipientId, step: level, count: items.length, channel: outcome.channel });
    }
    if (outcome.kind === 'failed') summary.digests.failed++;
  });
}

export type ResendOutcome =
  | { kind: 'sent'; channel: 'teams' | 'email' }
  | { kind: 'not-found' }
  | { kind: 'not-open' | 'paused' | 'left' | 'on-leave' }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'failed'; code: string };

const RESEND_INTERVAL_MS = 3_600_000;

/**
 * HR's "send the reminder again": any day, any hour (HR chose to), whatever the step, but never to
 * someone who left or is on leave, nor for a completed or paused assignment; at most once an hour
 * per person and module, so a double click or an impatient retry does not become two messages.
 */
export async function resendReminder(deps: ReminderDeps, personId: string, moduleId: string, actor: Actor): Promise<ResendOutcome> {
  const now = (deps.now ?? (() => new Date()))();
  const current = await stillRemindable(deps, personId, moduleId, (await deps.assignments.get(assignmentId(personId, moduleId)))?.assignment.cycle ?? -1);
  if (!current.ok) {
    await deps.audit.record(actor, 'reminder-resent', { personId, moduleId }, 'denied');
    return { kind: current.reason === 'not-found' ? 'not-found' : (current.reason as 'not-open' | 'paused' | 'left' | 'on-leave') };
  }
  const key = resendKey(personId, moduleId);
  const owner = `resend-${randomUUID()}`;
  const claim = await deps.log.claim(key, owner, now.toISOString(), (record) => record.state === 'failed' || record.state === 'skipped' || now.getTime() - Date.parse(record.claimedAt) >= RESEND_INTERVAL_MS);
  if (!claim.claimed) {
    return { kind: 'rate-limited', retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(claim.record.claimedAt) + RESEND_INTERVAL_MS - now.getTime()) / 1000)) };
  }
  // Re-read after the claim, as the pass does: a completion in between wins.
  const again = await stillRemindable(deps, personId, moduleId, current.assignment.cycle);
  if (!again.ok) {
    await deps.log.mark(key, owner, 'skipped', new Date().toISOString(), { detail: again.reason });
    return { kind: again.reason === 'not-found' ? 'not-found' : (again.reason as 'not-open') };
  }
  const policy = deps.catalogue.reminders;
  const day = passDay(now, policy);
  const overdue = day > again.assignment.dueDate ? deps.calendar.businessDaysBetween(again.assignment.dueDate, day) : 0;
  const step: ReminderStep = overdue > 0 ? `overdue-${overdue}` : day === again.assignment.dueDate ? 'due' : `before-${Math.max(1, deps.calendar.businessDaysBetween(day, again.assignment.dueDate))}`;
  const module = deps.catalogue.module(moduleId);
  if (!module) return { kind: 'not-found' };
  const done = await deps.notifier.pace();
  let outcome: NotifyOutcome;
  try {
    await deps.log.mark(key, owner, 'sending', new Date().toISOString());
    outcome = await deps.notifier.send(
      renderReminder({ recipientId: personId, language: again.trainee.language, moduleTitle: module.title[again.trainee.language], dueDate: again.assignment.dueDate, step, overdueBusinessDays: overdue, url: deps.tabUrl }),
      async () => (await stillRemindable(deps, personId, moduleId, again.assignment.cycle)).ok,
    );
  } finally {
    done();
  }
  if (!outcome.ok && outcome.code === 'cancelled') {
    await deps.log.mark(key, owner, 'skipped', new Date().toISOString(), { detail: 'not-open' });
    return { kind: 'not-open' };
  }
  if (!outcome.ok) {
    await deps.log.mark(key, owner, 'failed', new Date().toISOString(), { detail: outcome.code });
    return { kind: 'failed', code: outcome.code };
  }
  await deps.log.mark(key, owner, 'sent', new Date().toISOString(), { channel: outcome.channel });
  await deps.audit.record(actor, 'reminder-resent', { personId, moduleId, cycle: again.assignment.cycle, step: 'resend', channel: outcome.channel });
  return { kind: 'sent', channel: outcome.channel };
}
