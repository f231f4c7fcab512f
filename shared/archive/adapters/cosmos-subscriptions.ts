import type { Database } from '@azure/cosmos';
import { ArchiveSubscription, CONTAINERS, PARTITION_KEY_PATHS } from '../model';
import { lazyContainer } from '../../platform/adapters/cosmos';
import type { SubscriptionStore } from '../ports';

/**
 * Cosmos DB adapter of SubscriptionStore (container `archive-subscriptions`, one partition per
 * mailbox, one document each). Its own container rather than `archive-mailboxes`: completeness and
 * retention read that one whole, and need not learn a new document type.
 */
export class CosmosSubscriptionStore implements SubscriptionStore {
  private readonly container: ReturnType<typeof lazyContainer>;

  constructor(database: Database) {
    this.container = lazyContainer(database, CONTAINERS.subscriptions, PARTITION_KEY_PATHS.subscriptions);
  }

  async get(mailboxId: string): Promise<ArchiveSubscription | undefined> {
    const { resource } = await (await this.container()).item('subscription', mailboxId).read<ArchiveSubscription>();
    return resource ? ArchiveSubscription.parse(strip(resource)) : undefined;
  }

  async save(record: ArchiveSubscription): Promise<void> {
    await (await this.container()).items.upsert(ArchiveSubscription.parse(record));
  }

  async all(): Promise<ArchiveSubscription[]> {
    const { resources } = await (await this.container()).items.query<ArchiveSubscription>("SELECT * FROM c WHERE c.type = 'subscription'").fetchAll();
    return resources.map((r) => ArchiveSubscription.parse(strip(r)));
  }

  async remove(mailboxId: string): Promise<void> {
    try {
      await (await this.container()).item('subscription', mailboxId).delete();
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }
}

function strip<T extends object>(doc: T): T {
  const copy: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  for (const key of Object.keys(copy)) if (key.startsWith('_')) delete copy[key];
  return copy as T;
}
