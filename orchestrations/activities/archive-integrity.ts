import * as df from 'durable-functions';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import type { IntegrityStatus } from '../../shared/archive/records/integrity-status';
import { createLogger, type Logger } from '../../shared/platform/logger';

/**
 * Durable activity: one integrity pass, the daily timer's own use case (seal yesterday's manifests,
 * then verify within ARCHIVE_INTEGRITY_BUDGET_MINUTES), so both write the verdicts the archive page
 * reads. Safe to run twice: sealing is idempotent and a second verification only re-verifies.
 */
export const ARCHIVE_INTEGRITY_ACTIVITY = 'archiveIntegrityPass';

export async function archiveIntegrityActivity(log: Logger): Promise<{ sealed: number; status: IntegrityStatus['status']; problemCount: number }> {
  const { sealed, status } = await recordsServices().passes.integrity();
  // As loud as the timer's pass: the affected entries and hashes (ids, never content).
  if (status.status === 'mismatch') log.error('archive.integrity.mismatch', { problemCount: status.problemCount, problems: status.problems.slice(0, 50) });
  else log.info('archive.integrity.ok', { sealed: sealed.length, daysVerified: status.daysVerified });
  // Ids and counts only travel in the orchestration's history.
  return { sealed: sealed.length, status: status.status, problemCount: status.problemCount };
}

df.app.activity(ARCHIVE_INTEGRITY_ACTIVITY, {
  handler: (_input: unknown, context) =>
    archiveIntegrityActivity(createLogger((level, line) => context[level === 'debug' ? 'debug' : level](line), { invocationId: context.invocationId })),
});
