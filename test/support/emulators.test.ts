import { describe, expect, inject, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { CosmosClient } from '@azure/cosmos';
import { randomUUID } from 'node:crypto';

describe('embedded emulators used by the test suite', () => {
  it('Azurite accepts a conditional create once and refuses the second', async () => {
    const blob = BlobServiceClient.fromConnectionString(inject('azurite').connectionString);
    const container = blob.getContainerClient(`t-${randomUUID()}`);
    await container.create();
    const b = container.getBlockBlobClient('a.txt');
    await b.upload('bonjour', 7, { conditions: { ifNoneMatch: '*' } });
    await expect(b.upload('autre', 5, { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({ statusCode: 409 });
    expect((await b.downloadToBuffer()).toString()).toBe('bonjour');
  });

  it('the Cosmos emulator stores and queries items', async () => {
    const { endpoint, key } = inject('cosmos');
    const client = new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });
    const { database } = await client.databases.createIfNotExists({ id: `t-${randomUUID()}` });
    const { container } = await database.containers.createIfNotExists({ id: 'c', partitionKey: { paths: ['/pk'] } });
    await container.items.create({ id: '1', pk: 'a', n: 1 });
    const { resources } = await container.items.query({ query: 'SELECT * FROM c WHERE c.pk = @pk', parameters: [{ name: '@pk', value: 'a' }] }).fetchAll();
    expect(resources.map((r) => r.n)).toEqual([1]);
  });
});

describe('Cosmos emulator account locations', () => {
  it('reports Canada Central by default, as the local stack account', async () => {
    const { endpoint, key } = inject('cosmos');
    const client = new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });
    const { resource } = await client.getDatabaseAccount();
    expect(resource?.writableLocations.map((l) => l.name)).toEqual(['Canada Central']);
    expect(resource?.readableLocations.map((l) => l.name)).toEqual(['Canada Central']);
  });
});

describe('Cosmos emulator persistence', () => {
  it('keeps databases, containers and items between runs when given a data file', async () => {
    const { mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { startCosmosEmulator } = await import('../../dev/local-stack/cosmos');
    const dataFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'cosmos-')), 'cosmos.json');
    const connect = (endpoint: string, key: string) => new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });

    const first = await startCosmosEmulator({ dataFile, snapshotIntervalMs: 50 });
    const c1 = connect(first.endpoint, first.key);
    const { database } = await c1.databases.createIfNotExists({ id: 'spgq' });
    const { container } = await database.containers.createIfNotExists({ id: 'runs', partitionKey: { paths: ['/mailboxId'] } });
    await container.items.create({ id: 'r1', mailboxId: 'm1', outcome: 'succeeded' });
    await container.items.create({ id: 'r2', mailboxId: 'm2', outcome: 'failed' });
    await first.stop();
    c1.dispose();

    const second = await startCosmosEmulator({ dataFile });
    const c2 = connect(second.endpoint, second.key);
    try {
      const { resource } = await c2.database('spgq').container('runs').item('r2', 'm2').read();
      expect(resource).toMatchObject({ id: 'r2', mailboxId: 'm2', outcome: 'failed' });
      const { resources } = await c2.database('spgq').container('runs').items.readAll().fetchAll();
      expect(resources.map((r) => r.id).sort()).toEqual(['r1', 'r2']);
      // A query by partition key still works on the restored container.
      const { resources: m1 } = await c2.database('spgq').container('runs').items.query({ query: 'SELECT * FROM c WHERE c.mailboxId = @m', parameters: [{ name: '@m', value: 'm1' }] }).fetchAll();
      expect(m1.map((r) => r.id)).toEqual(['r1']);
    } finally {
      await second.stop();
      c2.dispose();
    }
  });
});
