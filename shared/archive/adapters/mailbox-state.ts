import type { Container, Database } from '@azure/cosmos';
import { CONTAINERS, PARTITION_KEY_PATHS, type MailboxCheckpoint, type MailboxRecord, type MailboxRun } from '../model';
import { ensureContainer } from '../../platform/adapters/cosmos';
import type { MailboxStateStore } from '../ports';

/** Cosmos DB adapter of MailboxStateStore (container `archive-mailboxes`, one partition per mailbox). */
export class CosmosMailboxState implements MailboxStateStore {
  private container: Promise<Container> | undefined;

  constructor(private readonly database: Database) {}

  private mailboxes(): Promise<Container> {
    this.container ??= ensureContainer(this.database, CONTAINERS.mailboxes, PARTITION_KEY_PATHS.mailboxes).catch((e: unknown) => {
      this.container = undefined;
      throw e;
    });
    return this.container;
  }

  async checkpoints(mailboxId: string): Promise<MailboxCheckpoint[]> {
    const c = await this.mailboxes();
    const { resources } = await c.items
      .query<MailboxCheckpoint>({ query: "SELECT * FROM c WHERE c.mailboxId = @m AND c.type = 'checkpoint'", parameters: [{ name: '@m', value: mailboxId }] }, { partitionKey: mailboxId })
      .fetchAll();
    return resources.map(strip);
  }

  async saveCheckpoint(checkpoint: MailboxCheckpoint): Promise<void> {
    await (await this.mailboxes()).items.upsert(checkpoint);
  }

  async run(mailboxId: string): Promise<MailboxRun | undefined> {
    const { resource } = await (await this.mailboxes()).item('run', mailboxId).read<MailboxRun>();
    return resource ? strip(resource) : undefined;
  }

  async saveRun(run: MailboxRun): Promise<void> {
    await (await this.mailboxes()).items.upsert(run);
  }

  async mailbox(mailboxId: string): Promise<MailboxRecord | undefined> {
    const { resource } = await (await this.mailboxes()).item('mailbox', mailboxId).read<MailboxRecord>();
    return resource ? strip(resource) : undefined;
  }

  async saveMailbox(record: MailboxRecord): Promise<void> {
    await (await this.mailboxes()).items.upsert(record);
  }

  async allMailboxes(): Promise<MailboxRecord[]> {
    const c = await this.mailboxes();
    const { resources } = await c.items.query<MailboxRecord>("SELECT * FROM c WHERE c.type = 'mailbox'").fetchAll();
    return resources.map(strip);
  }
}

/** Drops Cosmos system properties (_rid, _etag, ...) so documents round-trip through the schemas. */
function strip<T extends object>(doc: T): T {
  const copy: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  for (const key of Object.keys(copy)) if (key.startsWith('_')) delete copy[key];
  return copy as T;
}
