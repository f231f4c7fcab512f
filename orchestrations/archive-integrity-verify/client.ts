import * as df from 'durable-functions';
import { ARCHIVE_INTEGRITY_VERIFY } from '.';

/** One fixed instance id makes a second request while a pass runs a no-op. */
const INSTANCE_ID = 'archive-integrity-verify';
const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew']);

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
