import type { TestProject } from 'vitest/node';
import { startAzurite, type AzuriteInstance } from '../../dev/local-stack/azurite';
import { startCosmosEmulator, type CosmosEmulatorInstance } from '../../dev/local-stack/cosmos';

/**
 * One Azurite and one Cosmos DB emulator for the whole run, on free ports, stopped afterwards.
 * Tests reach them with `inject('azurite')` / `inject('cosmos')`; each test file uses its own
 * containers/databases (see test/support/emulators.ts) so files can run in parallel.
 */
export default async function setup(project: TestProject) {
  let azurite: AzuriteInstance | undefined;
  let cosmos: CosmosEmulatorInstance | undefined;
  try {
    [azurite, cosmos] = await Promise.all([startAzurite(), startCosmosEmulator()]);
  } catch (e) {
    await azurite?.stop();
    await cosmos?.stop();
    throw e;
  }
  project.provide('azurite', { connectionString: azurite.connectionString, blobPort: azurite.blobPort, queuePort: azurite.queuePort, tablePort: azurite.tablePort });
  project.provide('cosmos', { endpoint: cosmos.endpoint, key: cosmos.key, connectionString: cosmos.connectionString });
  return async () => {
    await Promise.all([azurite?.stop(), cosmos?.stop()]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    azurite: { connectionString: string; blobPort: number; queuePort: number; tablePort: number };
    cosmos: { endpoint: string; key: string; connectionString: string };
  }
}
