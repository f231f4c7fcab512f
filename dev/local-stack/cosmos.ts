import type { AddressInfo } from 'node:net';

/** The Cosmos DB emulator's published key (public, documented by Microsoft; not a secret). */
export const COSMOS_EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface CosmosEmulatorInstance {
  port: number;
  endpoint: string;
  key: string;
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts @vercel/cosmosdb-server in this process over plain HTTP (its bundled TLS certificate
 * expired in 2021). Data lives in memory only. Known gaps (see shared notes): no DISTINCT, GROUP BY,
 * OFFSET/LIMIT, TTL, change feed or atomic batches, so production code must not depend on them.
 */
export async function startCosmosEmulator(options: { port?: number; host?: string } = {}): Promise<CosmosEmulatorInstance> {
  const { createHttpServer } = await import('@vercel/cosmosdb-server');
  const server = createHttpServer();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host}:${port}`;
  return {
    port,
    endpoint,
    key: COSMOS_EMULATOR_KEY,
    connectionString: `AccountEndpoint=${endpoint}/;AccountKey=${COSMOS_EMULATOR_KEY};`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
