/**
 * Child process for the reminder crash test: one pass with the app's real services (settings from
 * the environment, instant from REMINDER_NOW), one key at a time, that SIGKILLs itself at
 * CRASH_AT=`claimed:N` (right after the N-th claim, nothing sent) or `sent:N` (right after the N-th
 * notification reached Graph, before it is marked sent). No CRASH_AT: a clean pass.
 */
import { reminderDeps } from '../../shared/training/adapters/reminder-services';
import { runReminderPass } from '../../shared/training/reminders/pass';

async function main() {
  const [point, count] = (process.env.CRASH_AT ?? '').split(':');
  const limit = Number(count ?? 0);
  let seen = 0;
  const names = { namesOf: async (ids: string[]) => new Map(ids.map((id) => [id, id])) };
  const summary = await runReminderPass({
    ...reminderDeps(names),
    now: () => new Date(process.env.REMINDER_NOW!),
    concurrency: 1,
    // The crashed pass is known dead: its claims may be taken over at once.
    staleClaimMs: 0,
    onKey: (event) => {
      if (event === point && ++seen === limit) process.kill(process.pid, 'SIGKILL');
    },
  });
  process.stdout.write(JSON.stringify(summary) + '\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
