import type { Logger } from '../../shared/platform/logger';
import { settings } from '../../shared/platform/settings';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { onTimer, timerHandler } from '../triggers';
import { fullTextIndexPass } from './full-text';

/**
 * The archive's daily records timers; the passes themselves are shared/archive/records/daily-passes.ts:
 * disposition (rules for unassigned entries, holds, disposition, expired exports) and integrity
 * (seal, then verify within a time budget, in turn). Here only: register and log.
 */
async function disposition(log: Logger): Promise<void> {
  const result = await recordsServices().passes.disposition();
  // Loud: a calendar the directory does not match assigns nothing until the file or the directory is fixed.
  if (result.calendarRefused) log.error('archive.retention.calendar-refused', { keys: result.calendarRefused });
  log.info('archive.disposition', { ...result });
}

async function integrity(log: Logger): Promise<void> {
  const { sealed, status } = await recordsServices().passes.integrity();
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
export const runFullTextIndexing = timerHandler({ event: 'archive.fulltext', handle: fullTextIndexPass });
// Catches the full-text index up with capture (docs/decisions/0020).
onTimer('archiveFullTextIndexTimer', { event: 'archive.fulltext', schedule: s.archive.searchSchedule, handle: fullTextIndexPass });
onTimer('archiveIntegrityTimer', { event: 'archive.integrity', schedule: s.archive.records.integritySchedule, handle: integrity });
