import { describe, expect, it } from 'vitest';
import { digestKey, reminderKey, resendReminder, runReminderPass } from '../../shared/training/reminders/pass';
import { assignment, reminderWorld, trainee } from '../fakes/training-reminders';

// Monday 2026-03-09, 10:00 in Montréal (EDT since the day before).
const MONDAY_10H = '2026-03-09T14:00:00Z';
const HR = { oid: 'hr-1', kind: 'user' as const };

function world() {
  const w = reminderWorld();
  w.setNow(MONDAY_10H);
  return w;
}

describe('reminder pass (use case, fakes)', () => {
  it('sends each due step once, in the person’s language, and audits ids only', async () => {
    const w = world();
    w.trainees.byId.set('fr', trainee('fr'));
    w.trainees.byId.set('en', trainee('en', { language: 'en' }));
    w.trainees.byId.set('later', trainee('later'));
    w.assignments.put(assignment('fr', 'CYBER-BASE', '2026-03-18')); // before-7 today
    w.assignments.put(assignment('en', 'CYBER-BASE', '2026-03-10')); // before-1 today
    w.assignments.put(assignment('later', 'CYBER-BASE', '2026-04-30')); // nothing

    const summary = await runReminderPass(w.deps);
    expect(summary).toMatchObject({ day: '2026-03-09', deferred: null, due: 2, sent: 2, failed: 0 });
    expect(w.notifier.to('fr')[0]!.preview).toMatch(/La formation « .+ » est à terminer d’ici le 18 mars 2026/);
    expect(w.notifier.to('en')[0]!.preview).toMatch(/The training ".+" is due by March 10, 2026 \(1 business day\)/);
    expect(w.log.records.get(reminderKey('fr', 'CYBER-BASE', 'before-7', '2026-03-09'))).toMatchObject({ state: 'sent', channel: 'teams' });
    expect(w.audit.records).toContainEqual({ actor: 'system', action: 'reminder-sent', target: { personId: 'fr', moduleId: 'CYBER-BASE', cycle: 1, step: 'before-7', channel: 'teams' }, outcome: 'allowed' });
    expect(JSON.stringify(w.audit.records)).not.toMatch(/Nom |formation/);

    // A second pass the same day sends nothing more.
    const again = await runReminderPass(w.deps);
    expect(again).toMatchObject({ sent: 0, alreadyHandled: 2 });
    expect(w.notifier.sent).toHaveLength(2);
  });

  it('weekends, holidays and quiet hours send nothing; the next pass catches up', async () => {
    const w = world();
    w.trainees.byId.set('p', trainee('p'));
    w.assignments.put(assignment('p', 'CYBER-BASE', '2026-03-18'));
    w.setNow('2026-03-07T15:00:00Z'); // Saturday
    expect(await runReminderPass(w.deps)).toMatchObject({ deferred: 'not-business-day', sent: 0 });
    w.setNow('2026-04-03T15:00:00Z'); // Good Friday
    expect(await runReminderPass(w.deps)).toMatchObject({ deferred: 'not-business-day', sent: 0 });
    w.setNow('2026-03-09T22:30:00Z'); // Monday 18:30: quiet
    expect(await runReminderPass(w.deps)).toMatchObject({ deferred: 'quiet-hours', sent: 0 });
    w.setNow('2026-03-10T13:00:00Z'); // Tuesday 09:00: Monday's before-7 is caught up
    expect(await runReminderPass(w.deps)).toMatchObject({ sent: 1 });
    expect(w.log.records.has(reminderKey('p', 'CYBER-BASE', 'before-7', '2026-03-09'))).toBe(true);
    w.setNow('2026-03-11T13:00:00Z'); // Wednesday: nothing (two days late is too late; next step on 03-17)
    expect(await runReminderPass(w.deps)).toMatchObject({ due: 0, sent: 0 });
  });

  it('never reminds someone on leave or who left, nor about a paused or completed assignment', async () => {
    const w = world();
    w.trainees.byId.set('leave', trainee('leave', { status: 'on-leave', leaveSince: '2026-03-01T00:00:00Z' }));
    w.trainees.byId.set('left', trainee('left', { status: 'left' }));
    w.trainees.byId.set('paused', trainee('paused'));
    w.trainees.byId.set('done', trainee('done'));
    for (const id of ['leave', 'left', 'paused', 'done']) w.assignments.put(assignment(id, 'CYBER-BASE', '2026-03-18', id === 'paused' ? { pausedSince: '2026-03-02T00:00:00Z' } : {}));
    w.assignments.complete('done|CYBER-BASE');
    expect(await runReminderPass(w.deps)).toMatchObject({ due: 0, sent: 0 });
    expect(w.notifier.sent).toEqual([]);
  });

  it('a completion recorded during the pass wins: re-read after the claim, skipped', async () => {
    const w = world();
    for (const id of ['a', 'b', 'c']) {
      w.trainees.byId.set(id, trainee(id));
      w.assignments.put(assignment(id, 'CYBER-BASE', '2026-03-18'));
    }
    // The pass lists all three; b completes before its re-read.
    w.assignments.onGet = (id) => {
      if (id === 'b|CYBER-BASE' && w.assignments.docs.get(id)!.assignment.status === 'open') w.assignments.complete(id);
    };
    const summary = await runReminderPass(w.deps);
    expect(summary).toMatchObject({ due: 3, sent: 2, skipped: { 'not-open': 1 } });
    expect(w.notifier.to('b')).toEqual([]);
    expect(w.log.records.get(reminderKey('b', 'CYBER-BASE', 'before-7', '2026-03-09'))).toMatchObject({ state: 'skipped', detail: 'not-open' });
  });

  it('someone leaving or going on leave during the pass is skipped too', async () => {
    const w = world();
    w.trainees.byId.set('x', trainee('x'));
    w.assignments.put(assignment('x', 'CYBER-BASE', '2026-03-18'));
    w.assignments.onGet = () => w.trainees.byId.set('x', trainee('x', { status: 'left' }));
    expect(await runReminderPass(w.deps)).toMatchObject({ sent: 0, skipped: { left: 1 } });
  });

  it('crash between claim and send: the next pass sends it; crash while sending: never again (at most once)', async () => {
    const w = world();
    for (const id of ['claimed', 'sending']) {
      w.trainees.byId.set(id, trainee(id));
      w.assignments.put(assignment(id, 'CYBER-BASE', '2026-03-18'));
    }
    const at = '2026-03-09T13:59:00Z';
    await w.log.claim(reminderKey('claimed', 'CYBER-BASE', 'before-7', '2026-03-09'), 'dead-pass', at);
    await w.log.claim(reminderKey('sending', 'CYBER-BASE', 'before-7', '2026-03-09'), 'dead-pass', at);
    await w.log.mark(reminderKey('sending', 'CYBER-BASE', 'before-7', '2026-03-09'), 'dead-pass', 'sending', at);

    // A live pass's claims are left alone while fresh.
    const fresh = await runReminderPass({ ...w.deps, staleClaimMs: 120_000 });
    expect(fresh).toMatchObject({ sent: 0, alreadyHandled: 2 });

    const summary = await runReminderPass(w.deps);
    expect(summary).toMatchObject({ sent: 1, unknown: 1 });
    expect(w.notifier.to('claimed')).toHaveLength(1);
    expect(w.notifier.to('sending')).toHaveLength(0);
    expect(w.log.records.get(reminderKey('sending', 'CYBER-BASE', 'before-7', '2026-03-09'))).toMatchObject({ state: 'unknown' });
  });

  it('a failed send is recorded failed, audited nowhere, and not retried the same day', async () => {
    const w = world();
    w.trainees.byId.set('f', trainee('f'));
    w.assignments.put(assignment('f', 'CYBER-BASE', '2026-03-18'));
    w.notifier.failing.add('f');
    expect(await runReminderPass(w.deps)).toMatchObject({ sent: 0, failed: 1 });
    expect(w.log.records.get(reminderKey('f', 'CYBER-BASE', 'before-7', '2026-03-09'))).toMatchObject({ state: 'failed', detail: 'ErrorInvalidRecipients' });
    expect(w.audit.records).toEqual([]);
  });

  it('escalation: one digest a day per manager listing all their overdue people; direction of the service later', async () => {
    const w = world();
    w.trainees.byId.set('mgr', trainee('mgr', { jobCategoryCode: 'GESTION' }));
    w.trainees.byId.set('dir', trainee('dir', { jobCategoryCode: 'DIRECTION', language: 'en' }));
    w.trainees.byId.set('dir-other', trainee('dir-other', { jobCategoryCode: 'DIRECTION', serviceCode: 'AF' }));
    w.trainees.byId.set('dir-leave', trainee('dir-leave', { jobCategoryCode: 'DIRECTION', status: 'on-leave', leaveSince: '2026-03-01T00:00:00Z' }));
    for (const id of ['e1', 'e2', 'e3', 'e4']) w.trainees.byId.set(id, trainee(id, { managerId: 'mgr' }));
    // Monday 03-09: due 03-02 is 5 overdue business days (manager); due 2026-02-16 is 15 (direction).
    w.assignments.put(assignment('e1', 'CYBER-BASE', '2026-03-02'));
    w.assignments.put(assignment('e1', 'CYBER-PHISH', '2026-03-02'));
    w.assignments.put(assignment('e2', 'CYBER-BASE', '2026-02-16'));
    w.assignments.put(assignment('e3', 'CYBER-BASE', '2026-03-03')); // 4: not yet
    w.assignments.put(assignment('e4', 'CYBER-BASE', '2026-03-02'));
    w.assignments.complete('e4|CYBER-BASE');

    const summary = await runReminderPass(w.deps);
    expect(summary.digests).toEqual({ manager: 1, direction: 1, failed: 0 });
    const [managerDigest] = w.notifier.to('mgr');
    expect(w.notifier.to('mgr')).toHaveLength(1);
    expect(managerDigest!.activityType).toBe('trainingDigest');
    expect(managerDigest!.subject).toBe('Formations en retard dans votre équipe : 2 personnes');
    expect(managerDigest!.preview).not.toMatch(/Nom/);
    expect(managerDigest!.bodyHtml).toContain('Nom e1');
    expect(managerDigest!.bodyHtml).toContain('Nom e2');
    expect(managerDigest!.bodyHtml).not.toContain('Nom e3');
    expect(managerDigest!.bodyHtml).not.toContain('Nom e4');
    const [directionDigest] = w.notifier.to('dir');
    expect(directionDigest!.subject).toBe('Overdue training in your service: 1 person');
    expect(directionDigest!.bodyHtml).toContain('Nom e2');
    expect(w.notifier.to('dir-other')).toEqual([]);
    expect(w.notifier.to('dir-leave')).toEqual([]);
    expect(w.audit.records.filter((r) => r.action === 'digest-sent').map((r) => r.target)).toEqual(
      expect.arrayContaining([{ personId: 'mgr', step: 'manager', count: 3, channel: 'teams' }, { personId: 'dir', step: 'direction', count: 1, channel: 'teams' }]),
    );
    expect(w.log.records.get(digestKey('manager', 'mgr', '2026-03-09'))).toMatchObject({ state: 'sent' });

    // Same day again: no second digest. Next business day: a new one.
    await runReminderPass(w.deps);
    expect(w.notifier.to('mgr')).toHaveLength(1);
    w.setNow('2026-03-10T13:30:00Z');
    await runReminderPass(w.deps);
    expect(w.notifier.to('mgr')).toHaveLength(2);
  });

  it('a digest drops people who completed during the pass, and is skipped when none is left', async () => {
    const w = world();
    w.trainees.byId.set('mgr', trainee('mgr'));
    w.trainees.byId.set('e1', trainee('e1', { managerId: 'mgr' }));
    w.trainees.byId.set('e2', trainee('e2', { managerId: 'mgr' }));
    w.assignments.put(assignment('e1', 'CYBER-BASE', '2026-03-02'));
    w.assignments.put(assignment('e2', 'CYBER-BASE', '2026-03-02'));
    // e2 completes as soon as anything reads its assignment again (the digest's re-read).
    w.assignments.onGet = (id) => {
      if (id === 'e2|CYBER-BASE' && w.assignments.docs.get(id)!.assignment.status === 'open') w.assignments.complete(id);
    };
    expect((await runReminderPass(w.deps)).digests.manager).toBe(1);
    expect(w.notifier.to('mgr')[0]!.bodyHtml).toContain('Nom e1');
    expect(w.notifier.to('mgr')[0]!.bodyHtml).not.toContain('Nom e2');
    expect(w.notifier.to('mgr')[0]!.subject).toMatch(/: 1 personne$/);
    // Next day, e1 completes too: no digest at all.
    w.assignments.complete('e1|CYBER-BASE');
    w.setNow('2026-03-10T14:00:00Z');
    const next = await runReminderPass(w.deps);
    expect(next.digests.manager).toBe(0);
  });

  it('a completion recorded while the request waits for the rate cancels it (the last look)', async () => {
    const w = world();
    w.trainees.byId.set('late', trainee('late'));
    w.assignments.put(assignment('late', 'CYBER-BASE', '2026-03-18'));
    w.notifier.beforeSend = () => w.assignments.complete('late|CYBER-BASE');
    expect(await runReminderPass(w.deps)).toMatchObject({ sent: 0, skipped: { 'not-open': 1 } });
    expect(w.notifier.sent).toEqual([]);
  });

  it('e-mail when the Teams app is not installed for the person', async () => {
    const w = world();
    w.trainees.byId.set('noapp', trainee('noapp'));
    w.assignments.put(assignment('noapp', 'CYBER-BASE', '2026-03-18'));
    w.notifier.withoutApp.add('noapp');
    expect(await runReminderPass(w.deps)).toMatchObject({ sent: 1, byChannel: { teams: 0, email: 1 } });
  });
});

describe('HR resend', () => {
  it('sends whatever the step, once an hour per person and module, audited with HR as actor', async () => {
    const w = world();
    w.trainees.byId.set('p', trainee('p'));
    w.assignments.put(assignment('p', 'CYBER-BASE', '2026-04-30'));
    expect(await resendReminder(w.deps, 'p', 'CYBER-BASE', HR)).toEqual({ kind: 'sent', channel: 'teams' });
    expect(await resendReminder(w.deps, 'p', 'CYBER-BASE', HR)).toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 3600 });
    w.setNow('2026-03-09T15:00:00Z');
    expect(await resendReminder(w.deps, 'p', 'CYBER-BASE', HR)).toMatchObject({ kind: 'sent' });
    expect(w.notifier.to('p')).toHaveLength(2);
    expect(w.audit.records.filter((r) => r.action === 'reminder-resent')).toEqual([
      { actor: 'hr-1', action: 'reminder-resent', target: { personId: 'p', moduleId: 'CYBER-BASE', cycle: 1, step: 'resend', channel: 'teams' }, outcome: 'allowed' },
      { actor: 'hr-1', action: 'reminder-resent', target: { personId: 'p', moduleId: 'CYBER-BASE', cycle: 1, step: 'resend', channel: 'teams' }, outcome: 'allowed' },
    ]);
  });

  it('refuses for someone who left or is on leave, a completed assignment, an unknown one', async () => {
    const w = world();
    w.trainees.byId.set('left', trainee('left', { status: 'left' }));
    w.trainees.byId.set('leave', trainee('leave', { status: 'on-leave', leaveSince: '2026-03-01T00:00:00Z' }));
    w.trainees.byId.set('done', trainee('done'));
    for (const id of ['left', 'leave', 'done']) w.assignments.put(assignment(id, 'CYBER-BASE', '2026-03-18'));
    w.assignments.complete('done|CYBER-BASE');
    expect(await resendReminder(w.deps, 'left', 'CYBER-BASE', HR)).toEqual({ kind: 'left' });
    expect(await resendReminder(w.deps, 'leave', 'CYBER-BASE', HR)).toEqual({ kind: 'on-leave' });
    expect(await resendReminder(w.deps, 'done', 'CYBER-BASE', HR)).toEqual({ kind: 'not-open' });
    expect(await resendReminder(w.deps, 'nobody', 'CYBER-BASE', HR)).toEqual({ kind: 'not-found' });
    expect(w.notifier.sent).toEqual([]);
    expect(w.audit.records.every((r) => r.outcome === 'denied')).toBe(true);
  });

  it('a failed resend can be tried again at once', async () => {
    const w = world();
    w.trainees.byId.set('p', trainee('p'));
    w.assignments.put(assignment('p', 'CYBER-BASE', '2026-04-30'));
    w.notifier.failing.add('p');
    expect(await resendReminder(w.deps, 'p', 'CYBER-BASE', HR)).toMatchObject({ kind: 'failed' });
    w.notifier.failing.delete('p');
    expect(await resendReminder(w.deps, 'p', 'CYBER-BASE', HR)).toMatchObject({ kind: 'sent' });
  });
});
