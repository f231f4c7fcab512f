import type { Logger } from '../../shared/platform/logger';
import { settings } from '../../shared/platform/settings';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { assignMissingRetention } from '../../shared/archive/records/retention-assigner';
import { verifyArchive } from '../../shared/archive/records/integrity';
import { SYSTEM_ACTOR } from '../../shared/archive/records/audit';
import { onTimer, timerHandler } from '../triggers';

/**
 * The archive's daily records timers: disposition (after giving unassigned entries their rule and
 * tagging entries new holds cover; then the files of exports past their retention) and integrity (seal yesterday's manifest, then verify within a time budget, in turn).
 */
async function disposition(log: Logger): Promise<void> {
  const services = recordsServices();
  const assigned = await assignMissingRetention(services.store, services.calendar, services.lock);
  const result = await services.disposition.run();
  const expiredExports = await services.exports.expire(services.settings.archive.records.exportRetentionDays);
  for (const exportId of expiredExports) await services.audit.record(SYSTEM_ACTOR, 'export-expire', { exportId });
  log.info('archive.disposition', { assigned, ...result, expiredExports: expiredExports.length });
}

async function integrity(log: Logger): Promise<void> {
  const services = recordsServices();
  const sealed = await services.manifests.seal();
  // Within a budget: the whole archive is too large to re-read every day; each pass continues
  // with the days verified longest ago (shared/archive/records/integrity.ts).
  const status = await verifyArchive(
    { manifests: services.manifests, store: services.store, content: services.content, now: services.now },
    { budgetMs: services.settings.archive.records.integrityBudgetMinutes * 60_000 },
  );
  if (status.status === 'mismatch') {
    // Loud: an error line naming the affected entries and hashes (ids, never content); health turns unhealthy.
    log.error('archive.integrity.mismatch', { problemCount: status.problemCount, problems: status.problems.slice(0, 50) });
  } else {
    log.info('archive.integrity.ok', { sealed: sealed.length, manifests: status.manifestsChecked, entries: status.entriesChecked, blobs: status.blobsRehashed, daysSealed: status.daysSealed, daysVerified: status.daysVerified, oldestVerdictAt: status.oldestVerdictAt });
  }
}

// Schedules from the parsed settings (with their defaults), so an app without the setting still runs them.
const s = settings();
export const runDisposition = timerHandler({ event: 'archive.disposition', handle: disposition });
export const runIntegrity = timerHandler({ event: 'archive.integrity', handle: integrity });
onTimer('archiveDispositionTimer', { event: 'archive.disposition', schedule: s.archive.records.dispositionSchedule, handle: disposition });
onTimer('archiveIntegrityTimer', { event: 'archive.integrity', schedule: s.archive.records.integritySchedule, handle: integrity });
