import type { Container, Database, IndexingPolicy } from '@azure/cosmos';
import { ensureContainer } from '../../platform/adapters/cosmos';
import { CONTAINERS, PARTITION_KEY_PATHS, messageEntryId, messagePartitionKey, type MessageEntry, type MessageLocator } from '../model';
import type { MessageIndex } from '../ports';
import { searchTermsOf } from '../records/search-terms';

/**
 * Cosmos DB adapter of MessageIndex (container `archive-messages`, partition key mailbox|month).
 * Capture only creates entries and patches the fields it owns (folder, removal), so retention and
 * legal hold can update theirs at the same time without either overwriting the other.
 */
export class CosmosMessageIndex implements MessageIndex {
  private container: Promise<Container> | undefined;
  private locators: Promise<Container> | undefined;

  constructor(private readonly database: Database) {}

  private locatorContainer(): Promise<Container> {
    this.locators ??= ensureContainer(this.database, CONTAINERS.locators, PARTITION_KEY_PATHS.locators, UNINDEXED).catch((e: unknown) => {
      this.locators = undefined;
      throw e;
    });
    return this.locators;
  }

  private messages(): Promise<Container> {
    this.container ??= ensureContainer(this.database, CONTAINERS.messages, PARTITION_KEY_PATHS.messages).catch((e: unknown) => {
      this.container = undefined;
      throw e;
    });
    return this.container;
  }

  async get(mailboxId: string, messageId: string, receivedAt: string): Promise<MessageEntry | undefined> {
    const c = await this.messages();
    const { resource } = await c.item(messageEntryId(mailboxId, messageId), messagePartitionKey(mailboxId, receivedAt)).read<MessageEntry>();
    return resource ?? undefined;
  }

  async create(entry: MessageEntry): Promise<boolean> {
    const locator: MessageLocator = { id: entry.id, type: 'locator', mailboxId: entry.mailboxId, pk: entry.pk };
    await (await this.locatorContainer()).items.upsert(locator);
    const c = await this.messages();
    try {
      // The words search matches (accents, case and word boundaries normalised) go with the entry.
      await c.items.create({ ...entry, searchTerms: searchTermsOf(entry) });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 409) return false;
      throw error;
    }
  }

  async relocate(entry: MessageEntry, folderId: string, folderPath: string): Promise<void> {
    const c = await this.messages();
    await c.item(entry.id, entry.pk).patch([
      { op: 'set', path: '/folderId', value: folderId },
      { op: 'set', path: '/folderPath', value: folderPath },
      { op: 'set', path: '/removedAt', value: null },
    ]);
  }

  async markRemoved(entry: MessageEntry, removedAt: string): Promise<boolean> {
    const c = await this.messages();
    const etag = (entry as { _etag?: string })._etag;
    try {
      // If-Match: a concurrent move (relocate) wins; the caller re-reads and decides again.
      await c.item(entry.id, entry.pk).patch({ operations: [{ op: 'set', path: '/removedAt', value: removedAt }] }, etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : undefined);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 412) return false;
      throw error;
    }
  }

  async findByMessageId(mailboxId: string, messageId: string): Promise<MessageEntry | undefined> {
    const c = await this.messages();
    const id = messageEntryId(mailboxId, messageId);
    const { resource: locator } = await (await this.locatorContainer()).item(id, mailboxId).read<MessageLocator>();
    if (locator) {
      const { resource } = await c.item(id, locator.pk).read<MessageEntry>();
      return resource ?? undefined;
    }
    // Entries written before locators existed (or while they lived in archive-mailboxes): a
    // cross-partition query (the id is unique per mailbox).
    const { resources } = await c.items
      .query<MessageEntry>({
        query: 'SELECT * FROM c WHERE c.id = @id AND c.mailboxId = @mailboxId',
        parameters: [{ name: '@id', value: messageEntryId(mailboxId, messageId) }, { name: '@mailboxId', value: mailboxId }],
      })
      .fetchAll();
    return resources[0];
  }

  /** Entries of a folder still present in the mailbox (for completeness against totalItemCount). */
  async countPresentInFolder(mailboxId: string, folderId: string): Promise<number> {
    const c = await this.messages();
    const { resources } = await c.items
      .query<number>({
        query: 'SELECT VALUE COUNT(1) FROM c WHERE c.mailboxId = @m AND c.folderId = @f AND IS_NULL(c.removedAt)',
        parameters: [{ name: '@m', value: mailboxId }, { name: '@f', value: folderId }],
      })
      .fetchAll();
    return resources[0] ?? 0;
  }

  async referencedAmong(contentHashes: string[]): Promise<Set<string>> {
    if (!contentHashes.length) return new Set();
    const c = await this.messages();
    const names = contentHashes.map((_, i) => `@h${i}`);
    const { resources } = await c.items
      .query<string>({ query: `SELECT VALUE c.contentHash FROM c WHERE c.contentHash IN (${names.join(', ')})`, parameters: contentHashes.map((value, i) => ({ name: names[i]!, value })) })
      .fetchAll();
    return new Set(resources);
  }
}

/** Locators are only point-read: without an index each write costs the fewest request units. */
const UNINDEXED: IndexingPolicy = { indexingMode: 'none', automatic: false };
