import type { Container, Database, IndexingPolicy } from '@azure/cosmos';

/**
 * The container, created with its database on first use. Callers keep the promise, so a process
 * creates a container at most once; but several requests (or instances) may still race on a new
 * database or container. createIfNotExists is a read then a create, so the loser's create is
 * refused with 409 Conflict: that means "it exists now", and the loser goes on with it.
 */
export async function ensureContainer(database: Database, id: string, partitionKeyPath: string, indexingPolicy?: IndexingPolicy): Promise<Container> {
  await existsNow(() => database.client.databases.createIfNotExists({ id: database.id }));
  await existsNow(() => database.containers.createIfNotExists({ id, partitionKey: { paths: [partitionKeyPath] }, ...(indexingPolicy ? { indexingPolicy } : {}) }));
  return database.container(id);
}

async function existsNow(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: number | string }).code !== 409) throw error;
  }
}

/**
 * A container created on first use and remembered; a failed creation is tried again on the next
 * use instead of being remembered (the emulator or the account may come up late).
 */
export function lazyContainer(database: Database, id: string, partitionKeyPath: string): () => Promise<Container> {
  let container: Promise<Container> | undefined;
  return () =>
    (container ??= ensureContainer(database, id, partitionKeyPath).catch((e: unknown) => {
      container = undefined;
      throw e;
    }));
}
