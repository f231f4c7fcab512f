/**
 * Child process for the people crash test: one sync run with the app's real services (settings
 * from the environment) that SIGKILLs itself at a chosen point, where a crash hurts most:
 * `after-store:N` right after the N-th change is stored with its events (nothing published yet),
 * `after-publish:N` right after the N-th publish (one per page of changes) (the outbox not yet cleared). No CRASH_AT: a clean run.
 */
import { peopleSyncDeps } from '../../shared/people/adapters/people-services';
import { syncPeople } from '../../shared/people/sync';

async function main() {
  const [point, count] = (process.env.CRASH_AT ?? '').split(':');
  const limit = Number(count ?? 0);
  const deps = peopleSyncDeps();
  let stored = 0;
  let published = 0;
  const die = () => process.kill(process.pid, 'SIGKILL');
  const store = Object.create(deps.store) as typeof deps.store;
  store.save = async (record) => {
    await deps.store.save(record);
    if (point === 'after-store' && record.outbox.length > 0 && ++stored === limit) die();
  };
  const publisher = {
    publish: async (events: Parameters<typeof deps.publisher.publish>[0]) => {
      await deps.publisher.publish(events);
      if (point === 'after-publish' && ++published === limit) die();
    },
  };
  const summary = await syncPeople({ ...deps, store, publisher });
  process.stdout.write(JSON.stringify({ events: summary.events, mode: summary.mode }) + '\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
