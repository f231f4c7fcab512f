import { app } from '@azure/functions';
import { z } from 'zod';
import { peopleNames } from '../../shared/people/adapters/people-services';
import { ApiError } from '../../shared/platform/api-error';
import type { Principal } from '../../shared/platform/auth';
import { settings } from '../../shared/platform/settings';
import { notifierPacer, reminderDeps } from '../../shared/training/adapters/reminder-services';
import { resendReminder, runReminderPass } from '../../shared/training/reminders/pass';
import { loadHolidays } from '../../shared/platform/business-calendar';
import { endpoint } from '../http/endpoint';
import { onTimer } from '../triggers';
import { managesPerson, useBusinessCalendar } from './training';

/**
 * Training reminders (docs/decisions/0010-training.md, "Reminders"): the daily pass. The schedule
 * runs several times on weekdays; the first run in business hours sends, later ones only finish
 * what an earlier one left (every key is claimed once a day), and a run in quiet hours, on a
 * weekend or a holiday sends nothing.
 */

// The Québec holiday calendar, for the reports' overdue days too; a broken file stops the app here, named.
useBusinessCalendar(loadHolidays(settings().training.holidaysFile));

onTimer('trainingReminders', {
  event: 'training.reminders',
  schedule: '%TRAINING_REMINDER_SCHEDULE%',
  async handle(log) {
    const summary = await runReminderPass(reminderDeps(peopleNames()));
    // Counts only: who was reminded is in the training audit trail, by id.
    log.info('training.reminders', { ...summary, pacing: notifierPacer()?.utilisation() });
  },
});

/** A manager's "Relancer" or HR's "send again": the same rules (never to someone on leave or gone, once an hour). */
async function resend(principal: Principal, personId: string, moduleId: string) {
  const outcome = await resendReminder(reminderDeps(peopleNames()), personId, moduleId, { oid: principal.oid, kind: principal.kind });
  switch (outcome.kind) {
    case 'sent':
      return { status: 202, body: { sentAt: new Date().toISOString(), channel: outcome.channel } };
    case 'rate-limited':
      throw new ApiError(429, 'rate-limited', 'training.remindRateLimited', { minutes: Math.ceil(outcome.retryAfterSeconds / 60) });
    case 'not-found':
      throw new ApiError(404, 'not-assigned', 'training.personNotAssigned');
    case 'failed':
      throw new ApiError(502, 'remind-failed', 'training.remindFailed');
    default:
      throw new ApiError(409, outcome.kind, 'training.notRemindable');
  }
}

const personParams = z.object({ personId: z.string().regex(/^[0-9a-f-]{36}$/i, 'expected a person id') });
const moduleBody = z.object({ moduleId: z.string().regex(/^[A-Z][A-Z0-9-]{1,39}$/, 'expected a module id') });

export const trainingTeamRemind = endpoint({
  roles: ['Manager'],
  params: personParams,
  body: moduleBody,
  async handle({ principal, params, body }) {
    if (!(await managesPerson(principal, params.personId))) throw new ApiError(403, 'not-your-team', 'training.notYourTeam');
    return resend(principal, params.personId, body.moduleId);
  },
});

export const trainingResend = endpoint({
  roles: ['HR', 'ITAdmin'],
  body: moduleBody.extend(personParams.shape),
  async handle({ principal, body }) {
    return resend(principal, body.personId, body.moduleId);
  },
});

app.http('trainingTeamRemind', { methods: ['POST'], authLevel: 'anonymous', route: 'api/training/team/{personId}/remind', handler: trainingTeamRemind });
app.http('trainingResend', { methods: ['POST'], authLevel: 'anonymous', route: 'api/training/reminders/resend', handler: trainingResend });
