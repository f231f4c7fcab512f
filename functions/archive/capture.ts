import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../../shared/platform/settings';
import { createLogger } from '../../shared/platform/logger';
import { MailboxWorkItem } from '../../shared/archive/model';
import { archiveServices } from '../../shared/archive/adapters/capture-services';
import { scheduleMailboxRuns } from '../../shared/archive/capture/schedule';
import { handleMailboxWork } from '../../shared/archive/capture/mailbox-run';
import { sweepOrphans } from '../../shared/archive/capture/orphan-sweep';

/**
 * Email archive capture: a timer enqueues one work item per mailbox, a queue-triggered worker
 * archives one mailbox, and a daily timer sweeps what crashed runs left behind. The domain lives
 * in shared/archive; these registrations only translate.
 */
const s = settings();

function logger(context: InvocationContext) {
  return createLogger((level, line) => context[level === 'debug' ? 'debug' : level](line), { invocationId: context.invocationId });
}

app.timer('archiveSchedule', {
  schedule: '%ARCHIVE_SCHEDULE%',
  // Locally the first run starts with the host (npm start sets ARCHIVE_RUN_ON_STARTUP); never in Azure.
  runOnStartup: s.archive.runOnStartup && s.localMode && !s.deployed,
  handler: async (timer: Timer, context: InvocationContext) => {
    const log = logger(context);
    const occurrence = new Date(timer.scheduleStatus?.last ?? Date.now());
    const result = await scheduleMailboxRuns(archiveServices(), occurrence);
    log.info('archive.schedule', { enqueued: result.enqueued, inScope: result.inScope });
  },
});

app.serviceBusQueue('archiveMailbox', {
  connection: 'ServiceBusConnection',
  queueName: '%ARCHIVE_QUEUE_NAME%',
  handler: async (message: unknown, context: InvocationContext) => {
    const log = logger(context);
    const item = MailboxWorkItem.parse(typeof message === 'string' ? JSON.parse(message) : message);
    const services = archiveServices();
    log.info('archive.run.start', { mailboxId: item.mailboxId, reason: item.reason, runId: item.runId });
    const outcome = await handleMailboxWork(item, { ...services, log: (event, fields) => log.info(event, { mailboxId: item.mailboxId, ...fields }) }, {
      runSeconds: s.archive.runSeconds,
      lockSeconds: s.archive.lockSeconds,
    });
    log.info('archive.run.end', { mailboxId: item.mailboxId, status: outcome.status, ...('result' in outcome ? { stored: outcome.result.stored } : { reason: outcome.reason }) });
  },
});

app.timer('archiveSweep', {
  schedule: '%ARCHIVE_SWEEP_SCHEDULE%',
  handler: async (_timer: Timer, context: InvocationContext) => {
    const services = archiveServices();
    const swept = await sweepOrphans(services, { graceMs: s.archive.orphanGraceSeconds * 1000 });
    logger(context).info('archive.sweep', { ...swept });
  },
});
