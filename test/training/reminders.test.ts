import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment, Trainee } from '../../shared/training/model';
import { reminderKey, resendReminder, runReminderPass } from '../../shared/training/reminders/pass';
import { assignment, trainee } from '../fakes/training-reminders';
import { startReminderStack, type ReminderStack } from './reminders-stack';
import { runWorker as run } from '../support/child-worker';

/**
 * The reminder pass end to end: Cosmos DB emulator (trainees, assignments, the reminder log, the
 * audit trail) and the Microsoft 365 sandbox (activity feed with its 5/s limit, e-mail fallback),
 * through the app's own adapters and Graph client.
 */
let stack: ReminderStack;
// Monday 2026-03-09, 10:00 in Montréal.
const NOW = '2026-03-09T14:00:00Z';

beforeAll(async () => {
  stack = await startReminderStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function seed(people: Array<{ t: Trainee; a: Assignment[] }>) {
  const deps = stack.deps(NOW);
  for (const { t, a } of people) {
    await deps.trainees.save(t);
    for (const x of a) await deps.assignments.save(x);
  }
}

const sentTo = async (kind = 'activityNotificationSent') => (await stack.control.writes(kind)).map((w) => (kind === 'mailSent' ? (w.details.to as string[])[0] : (w.details.userId as string)));

describe('reminder pass on the emulators and the sandbox', { timeout: 120_000 }, () => {
  it('sends due steps through the activity feed, e-mail when the app is not installed, none to leave/left/completed, none twice', async () => {
    const staff = stack.sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled).slice(0, 8);
    const [fr, en, noApp, onLeave, left, done, later, mgr] = staff.map((u) => u.id) as [string, string, string, string, string, string, string, string];
    await stack.control.clearWrites();
    await stack.control.setTeamsAppNotInstalled([noApp]);
    await seed([
      { t: trainee(fr, { managerId: mgr }), a: [assignment(fr, 'CYBER-BASE', '2026-03-18'), assignment(fr, 'CYBER-PHISH', '2026-03-02')] },
      { t: trainee(en, { language: 'en', managerId: mgr }), a: [assignment(en, 'CYBER-BASE', '2026-03-10')] },
      { t: trainee(noApp), a: [assignment(noApp, 'CYBER-BASE', '2026-03-09')] },
      { t: trainee(onLeave, { status: 'on-leave', leaveSince: '2026-03-01T00:00:00Z' }), a: [assignment(onLeave, 'CYBER-BASE', '2026-03-18')] },
      { t: trainee(left, { status: 'left' }), a: [assignment(left, 'CYBER-BASE', '2026-03-18')] },
      { t: trainee(done), a: [assignment(done, 'CYBER-BASE', '2026-03-18', { status: 'completed', completions: [{ cycle: 1, completedAt: '2026-03-05T12:00:00Z', method: 'quiz', score: 1 }] })] },
      { t: trainee(later), a: [assignment(later, 'CYBER-BASE', '2026-05-29')] },
      { t: trainee(mgr, { jobCategoryCode: 'GESTION' }), a: [] },
    ]);

    const summary = await runReminderPass(stack.deps(NOW));
    expect(summary).toMatchObject({ due: 3, sent: 3, failed: 0, byChannel: { teams: 3, email: 1 }, digests: { manager: 1, direction: 0 } });
    expect((await sentTo()).sort()).toEqual([fr, en, mgr].sort());
    const mail = await stack.control.writes('mailSent');
    expect(mail).toHaveLength(1);
    // From the service mailbox, to the person's address read from Graph at send time (never stored).
    expect(mail[0]!.details).toMatchObject({ from: stack.sandbox.tenant.users.find((u) => u.userPrincipalName === stack.env.TRAINING_SENDER_MAILBOX)!.id, to: [expect.stringMatching(/@/)], bodyContentType: 'HTML' });
    const feed = await stack.control.writes('activityNotificationSent');
    const toEn = feed.find((w) => w.details.userId === en)!;
    expect(toEn.details).toMatchObject({ activityType: 'trainingReminder', topic: { source: 'text', webUrl: stack.env.TRAINING_TAB_URL } });
    expect(toEn.details.previewText).toMatch(/is due by March 10, 2026/);
    expect(feed.find((w) => w.details.userId === mgr)!.details).toMatchObject({ activityType: 'trainingDigest' });
    expect(await stack.deps(NOW).log.get(reminderKey(fr, 'CYBER-BASE', 'before-7', '2026-03-09'))).toMatchObject({ state: 'sent', channel: 'teams' });

    // Again the same day: nothing more.
    expect(await runReminderPass(stack.deps(NOW))).toMatchObject({ sent: 0, digests: { manager: 0 } });
    expect(await stack.control.writes('activityNotificationSent')).toHaveLength(3);
    await stack.control.setTeamsAppNotInstalled([]);
  });

  it('a completion written (etag CAS) while the pass runs wins', async () => {
    const [p] = stack.sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled).slice(10, 11).map((u) => u.id) as [string];
    await stack.control.clearWrites();
    await seed([{ t: trainee(p), a: [assignment(p, 'TEAMS-ESPACES', '2026-03-10')] }]);
    const deps = stack.deps(NOW);
    const assignments = Object.create(deps.assignments) as typeof deps.assignments;
    let completed = false;
    assignments.get = async (id) => {
      if (!completed && id === `${p}|TEAMS-ESPACES`) {
        completed = true;
        const current = (await deps.assignments.get(id))!;
        await deps.assignments.save({ ...current.assignment, status: 'completed', completions: [{ cycle: 1, completedAt: NOW, method: 'content' }] }, current.etag);
      }
      return deps.assignments.get(id);
    };
    const summary = await runReminderPass({ ...deps, assignments });
    expect(completed).toBe(true);
    expect(summary.skipped['not-open']).toBe(1);
    expect((await sentTo()).filter((id) => id === p)).toEqual([]);
  });

  it('HR resend goes once an hour, never to someone who left', async () => {
    const [p, gone] = stack.sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled).slice(12, 14).map((u) => u.id) as [string, string];
    await seed([{ t: trainee(p), a: [assignment(p, 'CYBER-BASE', '2026-05-29')] }, { t: trainee(gone, { status: 'left' }), a: [assignment(gone, 'CYBER-BASE', '2026-05-29')] }]);
    const hr = { oid: 'hr-oid', kind: 'user' as const };
    expect(await resendReminder(stack.deps(NOW), p, 'CYBER-BASE', hr)).toEqual({ kind: 'sent', channel: 'teams' });
    expect(await resendReminder(stack.deps('2026-03-09T14:30:00Z'), p, 'CYBER-BASE', hr)).toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 1800 });
    expect(await resendReminder(stack.deps(NOW), gone, 'CYBER-BASE', hr)).toEqual({ kind: 'left' });
  });
});

function runWorker(crashAt?: string) {
  return run(path.join(__dirname, 'reminders-crash-worker.ts'), { REMINDER_NOW: '2026-03-16T14:00:00Z', ...(crashAt ? { CRASH_AT: crashAt } : {}) });
}

describe('reminder pass crash safety (SIGKILL mid-pass)', { timeout: 180_000 }, () => {
  it('killed after a claim, then after a send, then a clean run: every reminder delivered, none twice', async () => {
    // Monday 2026-03-16: before-7 for everyone due Wednesday 2026-03-25.
    const people = stack.sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled).slice(20, 26).map((u) => u.id);
    await seed(people.map((id) => ({ t: trainee(id), a: [assignment(id, 'ARCHIVE-POLICY', '2026-03-25')] })));
    await stack.control.clearWrites();

    expect((await runWorker('claimed:3')).outcome).toBe('killed');
    expect((await runWorker('sent:2')).outcome).toBe('killed');
    const clean = await runWorker();
    expect(clean, clean.out).toMatchObject({ outcome: 'exited', code: 0 });
    expect(JSON.parse(clean.out.trim().split('\n').at(-1)!)).toMatchObject({ unknown: 1 });

    const delivered = (await stack.control.writes('activityNotificationSent')).map((w) => w.details.userId as string).filter((id) => people.includes(id));
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered.sort()).toEqual([...people].sort());
    // A further run sends nothing.
    await runWorker();
    expect((await stack.control.writes('activityNotificationSent')).filter((w) => people.includes(w.details.userId as string))).toHaveLength(people.length);
  });
});
