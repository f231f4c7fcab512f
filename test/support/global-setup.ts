import type { TestProject } from 'vitest/node';
import { startAzurite, type AzuriteInstance } from '../../dev/local-stack/azurite';
import { startCosmosEmulator, type CosmosEmulatorInstance } from '../../dev/local-stack/cosmos';
import { startSearchEmulator, type SearchEmulator } from '../../dev/search-emulator';

/**
 * One Azurite, one Cosmos DB emulator and one Azure AI Search emulator for the whole run, on free
 * ports, stopped afterwards. Tests reach them with `inject('azurite')` / `inject('cosmos')` /
 * `inject('search')`; each test file uses its own containers/databases/indexes (see
 * test/support/emulators.ts) so files can run in parallel.
 */
export default async function setup(project: TestProject) {
  let azurite: AzuriteInstance | undefined;
  let cosmos: CosmosEmulatorInstance | undefined;
  let search: SearchEmulator | undefined;
  try {
    [azurite, cosmos, search] = await Promise.all([startAzurite(), startCosmosEmulator(), startSearchEmulator()]);
  } catch (e) {
    await azurite?.stop();
    await cosmos?.stop();
    await search?.stop();
    throw e;
  }
  project.provide('azurite', { connectionString: azurite.connectionString, blobPort: azurite.blobPort, queuePort: azurite.queuePort, tablePort: azurite.tablePort });
  project.provide('cosmos', { endpoint: cosmos.endpoint, key: cosmos.key, connectionString: cosmos.connectionString });
  project.provide('search', { endpoint: search.endpoint, apiKey: search.apiKey, queryKey: search.queryKey });
  return async () => {
    await Promise.all([azurite?.stop(), cosmos?.stop(), search?.stop()]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    azurite: { connectionString: string; blobPort: number; queuePort: number; tablePort: number };
    cosmos: { endpoint: string; key: string; connectionString: string };
    search: { endpoint: string; apiKey: string; queryKey: string };
  }
}
