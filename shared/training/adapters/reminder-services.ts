import { CosmosAuditTrail } from '../../platform/adapters/cosmos-audit-trail';
import { cosmosDatabase, graph } from '../../platform/adapters/clients';
import { settings, type Settings } from '../../platform/settings';
import { TrainingAuditLog, TrainingAuditRecord } from '../audit-record';
import { loadTrainingCatalogue } from '../catalogue';
import type { PeopleNames } from '../ports';
import type { ReminderDeps } from '../reminders/pass';
import { loadHolidays } from '../../platform/business-calendar';
import { CosmosAssignments, CosmosTrainees, TRAINING_CONTAINERS } from './cosmos-training';
import { CosmosReminderLog } from './cosmos-reminder-log';
import { GraphNotifier } from './graph-notifier';
import { activityFeedPacer, resetActivityFeedPacerForTests } from '../../platform/adapters/graph-activity-feed';
import type { SlidingWindowPacer } from '../../platform/adapters/pacer';

/**
 * The reminder pass's ports as the function app builds them from its settings, once per process:
 * one pacer for every notification the process sends (the timer's pass and HR's resends on the
 * same instance share Microsoft's 5 per second). Names come from the people capability, which
 * functions/ composes and hands in.
 */
let built: { settings: Settings; deps: Omit<ReminderDeps, 'names'>; pacer: SlidingWindowPacer } | undefined;

export function reminderDeps(names: PeopleNames, s: Settings = settings()): ReminderDeps {
  if (!built || built.settings !== s) {
    const database = cosmosDatabase(s);
    const pacer = activityFeedPacer(s.training.notifyRatePerSecond);
    built = {
      settings: s,
      pacer,
      deps: {
        catalogue: loadTrainingCatalogue(s.training.catalogueFile),
        calendar: loadHolidays(s.training.holidaysFile),
        trainees: new CosmosTrainees(database),
        assignments: new CosmosAssignments(database),
        log: new CosmosReminderLog(database),
        notifier: new GraphNotifier({ client: graph(s), pacer, senderMailbox: s.training.senderMailbox ?? '' }),
        audit: new TrainingAuditLog(new CosmosAuditTrail(database, { container: TRAINING_CONTAINERS.audit, schema: TrainingAuditRecord })),
        tabUrl: s.training.tabUrl,
      },
    };
  }
  return { ...built.deps, names };
}

export function notifierPacer(): SlidingWindowPacer | undefined {
  return built?.pacer;
}

export function resetRemindersForTests(): void {
  built = undefined;
  resetActivityFeedPacerForTests();
}
