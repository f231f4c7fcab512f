/**
 * Child process for the crash tests: archives one mailbox with the app's real services (settings
 * from the environment) exactly as the queue worker does, and exits. The test SIGKILLs it.
 */
import { settings } from '../../shared/platform/settings';
import { buildArchiveServices } from '../../shared/archive/adapters/capture-services';
import { handleMailboxWork } from '../../shared/archive/capture/mailbox-run';

async function main() {
  const mailboxId = process.env.CRASH_MAILBOX_ID!;
  const services = buildArchiveServices(settings());
  // The harness times its kill from here, so kills land in the run, not in start-up.
  process.stdout.write('run started\n');
  const outcome = await handleMailboxWork(
    { mailboxId, reason: 'manual', runId: `crash-${process.pid}`, enqueuedAt: new Date().toISOString() },
    { ...services, queue: { enqueue: async () => undefined }, log: () => undefined },
    { runSeconds: 600, lockSeconds: 15 },
  );
  process.stdout.write(JSON.stringify({ status: outcome.status }) + '\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
