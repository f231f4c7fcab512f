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
export async function startCosmosEmulator(
  options: { port?: number; host?: string; locations?: string[] } = {},
): Promise<CosmosEmulatorInstance> {
  const { createHttpServer } = await import('@vercel/cosmosdb-server');
  reportLocationsFromOptions();
  const server = createHttpServer();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  locationsByPort.set(port, options.locations ?? ['Canada Central']);
  const endpoint = `http://${host}:${port}`;
  return {
    port,
    endpoint,
    key: COSMOS_EMULATOR_KEY,
    connectionString: `AccountEndpoint=${endpoint}/;AccountKey=${COSMOS_EMULATOR_KEY};`,
    stop: () =>
      new Promise<void>((resolve) => {
        locationsByPort.delete(port);
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * The emulator answers every account read with one hard-coded location ("South Central US"). A real
 * account reports where its replicas are, and the residency guard reads exactly that, so each
 * emulator started here reports the locations it was given (Canada Central by default). Relies on
 * the emulator's internal Account class: the package is pinned to an exact version.
 */
const locationsByPort = new Map<number, string[]>();
let accountPatched = false;
function reportLocationsFromOptions(): void {
  if (accountPatched) return;
  accountPatched = true;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Account = require('@vercel/cosmosdb-server/lib/account').default as { prototype: { read(): any } };
  const originalRead = Account.prototype.read;
  Account.prototype.read = function patchedRead(this: { _port?: number }) {
    const account = originalRead.call(this);
    const endpoint: string | undefined = account?.writableLocations?.[0]?.databaseAccountEndpoint;
    const port = endpoint ? Number(new URL(endpoint).port) : NaN;
    const names = locationsByPort.get(port);
    if (!names) return account;
    const toLocations = () => names.map((name) => ({ name, databaseAccountEndpoint: endpoint }));
    return { ...account, writableLocations: toLocations(), readableLocations: toLocations() };
  };
}
