import { describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { ensureContainer } from '../../shared/platform/adapters/cosmos';

/**
 * First use of a new database by many requests at once (a page that loads holds, exports and
 * integrity together; several instances starting together in Azure): each asks for its container,
 * and every one must get it. createIfNotExists is a read then a create, so a create racing another
 * one is refused with 409: that means "it exists now", not a failure.
 */
describe('ensureContainer', () => {
  it('gives every concurrent caller its container on a database nobody created yet', async () => {
    const { endpoint, key } = inject('cosmos');
    const client = new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });
    const database = client.database(`race-${randomUUID().slice(0, 8)}`);
    const asks = Array.from({ length: 12 }, (_, i) => ensureContainer(database, i % 2 ? 'records' : 'messages', '/pk'));
    const containers = await Promise.all(asks);
    expect(containers.map((c) => c.id).sort()).toEqual([...Array(6).fill('messages'), ...Array(6).fill('records')]);
    const { resources } = await database.containers.readAll().fetchAll();
    expect(resources.map((c) => c.id).sort()).toEqual(['messages', 'records']);
    await database.delete();
  });
});
