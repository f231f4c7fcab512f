import { settings } from '../../shared/platform/settings';
import { MailboxWorkItem } from '../../shared/archive/model';
import { archiveServices } from '../../shared/archive/adapters/capture-services';
import { scheduleMailboxRuns } from '../../shared/archive/capture/schedule';
import { handleArchiveWork } from '../../shared/archive/capture/notifications';
import { notificationsEnabled } from '../../shared/archive/capture/subscriptions';
import { sweepOrphans } from '../../shared/archive/capture/orphan-sweep';
import { onQueue, onTimer, timerOccurrence } from '../triggers';

/**
 * Email archive capture: a timer enqueues one work item per mailbox, a queue-triggered worker
 * archives one mailbox, and a daily timer sweeps what crashed runs left behind. The domain lives
 * in shared/archive; these registrations only translate.
 */
const s = settings();

onTimer('archiveSchedule', {
  event: 'archive.schedule',
  schedule: '%ARCHIVE_SCHEDULE%',
  // Locally the first run starts with the host (npm start sets ARCHIVE_RUN_ON_STARTUP); never in Azure.
  runOnStartup: s.archive.runOnStartup && s.localMode && !s.deployed,
  async handle(log, timer) {
    const occurrence = timerOccurrence(timer);
    const services = archiveServices();
    // Listening mailboxes (change notifications) are only swept every ARCHIVE_LISTENING_SWEEP_MINUTES.
    const cadence = notificationsEnabled(services.notifications) ? { subscriptions: services.subscriptions, sweepMinutes: s.archive.notifications.sweepMinutes } : undefined;
    const result = await scheduleMailboxRuns(services, occurrence, s.archive.waves, cadence);
    log.info('archive.schedule', { enqueued: result.enqueued, inScope: result.inScope, listeningSkipped: result.listeningSkipped });
  },
});

onQueue('archiveMailbox', {
  event: 'archive.run',
  queueName: '%ARCHIVE_QUEUE_NAME%',
  schema: MailboxWorkItem,
  async handle(item, log) {
    const services = archiveServices();
    log.info('archive.run.start', { mailboxId: item.mailboxId, reason: item.reason, runId: item.runId });
    const outcome = await handleArchiveWork(item, { ...services, now: () => new Date(), log: (event, fields) => log.info(event, { mailboxId: item.mailboxId, ...fields }) }, {
      runSeconds: s.archive.runSeconds,
      lockSeconds: s.archive.lockSeconds,
      notifications: services.notifications,
      windowMs: s.archive.notifications.windowSeconds * 1000,
    });
    log.info('archive.run.end', {
      mailboxId: item.mailboxId,
      status: outcome.status,
      ...('result' in outcome ? { stored: outcome.result.stored, removed: outcome.result.removed } : 'reason' in outcome ? { reason: outcome.reason } : { event: outcome.event, mode: outcome.mode }),
    });
  },
});

onTimer('archiveSweep', {
  event: 'archive.sweep',
  schedule: '%ARCHIVE_SWEEP_SCHEDULE%',
  async handle(log) {
    const swept = await sweepOrphans(archiveServices(), { graceMs: s.archive.orphanGraceSeconds * 1000 });
    log.info('archive.sweep', { ...swept });
  },
});
