import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { ARCHIVE_REASSIGN_BATCH, ARCHIVE_REASSIGN_DONE } from '../activities/archive-retention';
import type { KeptLonger, ReassignBatch, ReassignJob } from '../../shared/archive/records/retention-reassign';

/**
 * A records manager's re-assignment of one mailbox's entries to a retention rule, in the
 * background: a mailbox may hold hundreds of thousands of entries, far beyond the 230 s an HTTP
 * call may last. Batches run one after the other; the custom status shows the progress, the output
 * the entries whose WORM policy could not be shortened.
 */
export const ARCHIVE_RETENTION_REASSIGN = 'archiveRetentionReassign';

/** The entries listed as kept longer in the output; the count is always complete. */
const KEPT_LONGER_LISTED = 1000;

export interface ReassignOutput {
  reassigned: number;
  keptLongerCount: number;
  keptLonger: KeptLonger[];
}

df.app.orchestration(ARCHIVE_RETENTION_REASSIGN, function* (context: OrchestrationContext) {
  const job = context.df.getInput<ReassignJob>();
  const output: ReassignOutput = { reassigned: 0, keptLongerCount: 0, keptLonger: [] };
  for (;;) {
    const batch = (yield context.df.callActivityWithRetry(ARCHIVE_REASSIGN_BATCH, new df.RetryOptions(30_000, 3), job)) as ReassignBatch;
    output.reassigned += batch.reassigned;
    output.keptLongerCount += batch.keptLonger.length;
    output.keptLonger.push(...batch.keptLonger.slice(0, Math.max(0, KEPT_LONGER_LISTED - output.keptLonger.length)));
    context.df.setCustomStatus({ reassigned: output.reassigned, keptLongerCount: output.keptLongerCount });
    if (batch.done) break;
  }
  yield context.df.callActivity(ARCHIVE_REASSIGN_DONE, { job, reassigned: output.reassigned });
  return output;
});
