import { CosmosPeople } from '../../shared/people/adapters/cosmos-people';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { settings } from '../../shared/platform/settings';
import type { PeopleNames } from '../../shared/training/ports';
import { notifierPacer, reminderDeps } from '../../shared/training/adapters/reminder-services';
import { runReminderPass } from '../../shared/training/reminders/pass';
import { onTimer } from '../triggers';

/**
 * Training reminders (docs/decisions/0010-training.md, "Reminders"): the daily pass. The schedule
 * runs several times on weekdays; the first run in business hours sends, later ones only finish
 * what an earlier one left (every key is claimed once a day), and a run in quiet hours, on a
 * weekend or a holiday sends nothing.
 */

/** Names for the managers' digests, read from the people capability at send time, never stored. */
export function peopleNames(): PeopleNames {
  const people = new CosmosPeople(cosmosDatabase());
  return {
    async namesOf(ids) {
      const records = await people.get(ids);
      return new Map([...records].map(([id, record]) => [id, record.facts.displayName]));
    },
  };
}

onTimer('trainingReminders', {
  event: 'training.reminders',
  schedule: '%TRAINING_REMINDER_SCHEDULE%',
  async handle(log) {
    settings();
    const summary = await runReminderPass(reminderDeps(peopleNames()));
    // Counts only: who was reminded is in the training audit trail, by id.
    log.info('training.reminders', { ...summary, skipped: summary.skipped, pacing: notifierPacer()?.utilisation() });
  },
});
