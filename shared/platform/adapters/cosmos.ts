import type { Container, Database, IndexingPolicy } from '@azure/cosmos';

/**
 * The container, created with its database on first use (idempotent: every instance may race to
 * create it). Callers keep the promise, so each process creates a container at most once.
 */
export async function ensureContainer(database: Database, id: string, partitionKeyPath: string, indexingPolicy?: IndexingPolicy): Promise<Container> {
  await database.client.databases.createIfNotExists({ id: database.id });
  const { container } = await database.containers.createIfNotExists({ id, partitionKey: { paths: [partitionKeyPath] }, ...(indexingPolicy ? { indexingPolicy } : {}) });
  return container;
}
