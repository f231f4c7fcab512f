import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { ARCHIVE_INTEGRITY_ACTIVITY } from '../activities/archive-integrity';

/**
 * "Verify now" from the archive page: one verification pass (seal, then verify within the budget)
 * as a durable orchestration, never inside the request: a pass may take up to
 * ARCHIVE_INTEGRITY_BUDGET_MINUTES (20 by default), far beyond the 230 s an HTTP call may last, and
 * work started without awaiting it could be frozen or lost when the instance scales in. The activity
 * is checkpointed and retried by the runtime and runs under functionTimeout (host.json, 30 min).
 * One fixed instance id makes a second request while a pass runs a no-op.
 */
export const ARCHIVE_INTEGRITY_VERIFY = 'archiveIntegrityVerify';
const INSTANCE_ID = 'archive-integrity-verify';
const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew']);

df.app.orchestration(ARCHIVE_INTEGRITY_VERIFY, function* (context: OrchestrationContext) {
  return yield context.df.callActivity(ARCHIVE_INTEGRITY_ACTIVITY, context.df.getInput());
});

/** The durable client binding an HTTP function needs to start the pass. */
export const durableClientInput = df.input.durableClient();

/** Starts a pass unless one is running; says which. */
export async function startIntegrityVerification(context: Parameters<typeof df.getClient>[0], requestedAt: string): Promise<'started' | 'already-running'> {
  const client = df.getClient(context);
  let running = false;
  try {
    const status = await client.getStatus(INSTANCE_ID);
    running = RUNNING.has(String(status?.runtimeStatus));
  } catch {
    running = false; // never started: no instance yet
  }
  if (running) return 'already-running';
  await client.startNew(ARCHIVE_INTEGRITY_VERIFY, { instanceId: INSTANCE_ID, input: { requestedAt } });
  return 'started';
}
