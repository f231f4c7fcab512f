import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { ARCHIVE_INTEGRITY_ACTIVITY } from '../activities/archive-integrity';

/**
 * "Verify now" from the archive page: one verification pass (seal, then verify within the budget)
 * as a durable orchestration, never inside the request: a pass may take up to
 * ARCHIVE_INTEGRITY_BUDGET_MINUTES (20 by default), far beyond the 230 s an HTTP call may last, and
 * work started without awaiting it could be frozen or lost when the instance scales in. The activity
 * is checkpointed and retried by the runtime and runs under functionTimeout (host.json, 30 min).
 */
export const ARCHIVE_INTEGRITY_VERIFY = 'archiveIntegrityVerify';

df.app.orchestration(ARCHIVE_INTEGRITY_VERIFY, function* (context: OrchestrationContext) {
  return yield context.df.callActivity(ARCHIVE_INTEGRITY_ACTIVITY, context.df.getInput());
});
