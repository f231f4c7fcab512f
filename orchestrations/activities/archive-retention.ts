import * as df from 'durable-functions';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import type { ReassignBatch, ReassignJob } from '../../shared/archive/records/retention-reassign';

/**
 * Durable activities of a retention re-assignment: one batch of entries, then the closing audit.
 * A batch is restartable (entries already moved no longer match), so the runtime's retry of a
 * failed or lost activity redoes nothing twice. Ids and counts only travel in the history.
 */
export const ARCHIVE_REASSIGN_BATCH = 'archiveRetentionReassignBatch';
export const ARCHIVE_REASSIGN_DONE = 'archiveRetentionReassignDone';

/** Entries per batch: each is a few point operations, so a batch stays far below the function timeout. */
export const REASSIGN_BATCH_SIZE = 500;

df.app.activity(ARCHIVE_REASSIGN_BATCH, {
  handler: (job: ReassignJob): Promise<ReassignBatch> => recordsServices().reassignment.batch(job, REASSIGN_BATCH_SIZE),
});

df.app.activity(ARCHIVE_REASSIGN_DONE, {
  handler: (input: { job: ReassignJob; reassigned: number }): Promise<void> => recordsServices().reassignment.completed(input.job, input.reassigned),
});
