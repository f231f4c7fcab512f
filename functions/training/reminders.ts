import { peopleNames } from '../../shared/people/adapters/people-services';
import { settings } from '../../shared/platform/settings';
import { notifierPacer, reminderDeps } from '../../shared/training/adapters/reminder-services';
import { runReminderPass } from '../../shared/training/reminders/pass';
import { loadHolidays } from '../../shared/training/reminders/schedule';
import { onTimer } from '../triggers';
import { useBusinessCalendar } from './training';

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
