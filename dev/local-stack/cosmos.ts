import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CosmosClient } from '@azure/cosmos';

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

export interface CosmosEmulatorOptions {
  port?: number;
  host?: string;
  /** Locations the account reports (Canada Central by default). */
  locations?: string[];
  /**
   * Keeps the data between runs in this JSON file: loaded at start, written (atomically) a few
   * seconds after each change and at stop. Without it the data lives in memory only.
   */
  dataFile?: string;
  snapshotIntervalMs?: number;
}

/**
 * Starts @vercel/cosmosdb-server in this process over plain HTTP (its bundled TLS certificate
 * expired in 2021). Known gaps (see shared notes): no DISTINCT, GROUP BY, OFFSET/LIMIT, TTL, change
 * feed or atomic batches, so production code must not depend on them.
 */
export async function startCosmosEmulator(options: CosmosEmulatorOptions = {}): Promise<CosmosEmulatorInstance> {
  const { createHttpServer } = await import('@vercel/cosmosdb-server');
  reportLocationsFromOptions();
  // keepAlive: without it the emulator answers every request with "Connection: close", and each
  // SDK call pays a new TCP connection (the real service keeps connections open).
  const server = createHttpServer({ keepAlive: true });
  // Idle connections are closed after 10 minutes, not Node's 5 s: the SDK does not retry a write
  // whose pooled connection the server closed at that instant (ECONNRESET), and runs of the app
  // and tests leave connections idle for seconds all the time.
  server.keepAliveTimeout = 600_000;
  // Any request that is not a read may change data: the next snapshot is due.
  let dirty = false;
  server.prependListener('request', (req: { method?: string }) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') dirty = true;
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  locationsByPort.set(port, options.locations ?? ['Canada Central']);
  const endpoint = `http://${host}:${port}`;
  const dataFile = options.dataFile;
  let client: CosmosClient | undefined;
  let snapshots: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  if (dataFile) {
    const { CosmosClient } = require('@azure/cosmos') as typeof import('@azure/cosmos');
    client = new CosmosClient({ endpoint, key: COSMOS_EMULATOR_KEY, connectionPolicy: { enableEndpointDiscovery: false } });
    if (existsSync(dataFile)) await restoreSnapshot(client, JSON.parse(readFileSync(dataFile, 'utf8')) as Snapshot);
    dirty = false;
    const save = () => {
      if (!dirty) return writing;
      dirty = false;
      writing = writing.then(() => writeSnapshot(client!, dataFile)).catch(() => {
        dirty = true; // try again at the next tick
      });
      return writing;
    };
    snapshots = setInterval(() => void save(), options.snapshotIntervalMs ?? 2_000);
    snapshots.unref();
    return instance(async () => {
      clearInterval(snapshots);
      await save();
      client!.dispose();
    });
  }
  return instance(async () => {});

  function instance(beforeStop: () => Promise<void>): CosmosEmulatorInstance {
    return {
      port,
      endpoint,
      key: COSMOS_EMULATOR_KEY,
      connectionString: `AccountEndpoint=${endpoint}/;AccountKey=${COSMOS_EMULATOR_KEY};`,
      stop: async () => {
        await beforeStop();
        await new Promise<void>((resolve) => {
          locationsByPort.delete(port);
          server.closeAllConnections?.();
          server.close(() => resolve());
        });
      },
    };
  }
}

interface Snapshot {
  databases: { id: string; containers: { id: string; partitionKey: unknown; items: Record<string, unknown>[] }[] }[];
}

const SYSTEM_PROPERTIES = ['_rid', '_self', '_etag', '_attachments', '_ts'];

/** Reads every database, container and item through the SDK, as any client would. */
async function writeSnapshot(client: CosmosClient, file: string): Promise<void> {
  const snapshot: Snapshot = { databases: [] };
  const { resources: databases } = await client.databases.readAll().fetchAll();
  for (const db of databases) {
    const database = client.database(db.id);
    const { resources: containers } = await database.containers.readAll().fetchAll();
    const entry: Snapshot['databases'][number] = { id: db.id, containers: [] };
    for (const c of containers) {
      const { resources: items } = await database.container(c.id).items.readAll().fetchAll();
      const clean = items.map((item) => Object.fromEntries(Object.entries(item).filter(([k]) => !SYSTEM_PROPERTIES.includes(k))));
      entry.containers.push({ id: c.id, partitionKey: c.partitionKey, items: clean });
    }
    snapshot.databases.push(entry);
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(snapshot));
  renameSync(tmp, file);
}

async function restoreSnapshot(client: CosmosClient, snapshot: Snapshot): Promise<void> {
  for (const db of snapshot.databases) {
    const { database } = await client.databases.createIfNotExists({ id: db.id });
    for (const c of db.containers) {
      const { container } = await database.containers.createIfNotExists({ id: c.id, partitionKey: c.partitionKey as never });
      for (const item of c.items) await container.items.upsert(item);
    }
  }
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
