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
