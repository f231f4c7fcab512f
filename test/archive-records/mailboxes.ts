import { CONTAINERS, MODEL_VERSION, PARTITION_KEY_PATHS, type MailboxRecord, type MailboxRun } from '../../shared/archive/model';
import { ensureContainer } from '../../shared/platform/adapters/cosmos';
import type { RecordsStack } from './records-stack';

/** Writes capture's MailboxRecord for a mailbox, as the archive's scheduler does when it first sees it. */
export async function recordMailbox(stack: RecordsStack, m: { mailboxId: string; displayName: string; address: string; kind?: 'staff' | 'shared' }): Promise<void> {
  const container = await ensureContainer(stack.services.store.database, CONTAINERS.mailboxes, PARTITION_KEY_PATHS.mailboxes);
  const now = new Date().toISOString();
  const record: MailboxRecord = {
    id: 'mailbox',
    type: 'mailbox',
    mailboxId: m.mailboxId,
    address: m.address,
    displayName: m.displayName,
    kind: m.kind ?? 'staff',
    department: null,
    accountEnabled: true,
    firstSeenAt: now,
    lastSeenInScopeAt: now,
    goneAt: null,
    version: MODEL_VERSION,
  };
  await container.items.upsert(record);
}

/** Writes capture's MailboxRun for a mailbox, as a run ending with the given outcome would. */
export async function recordRun(stack: RecordsStack, run: Pick<MailboxRun, 'mailboxId' | 'lastOutcome'> & Partial<MailboxRun>): Promise<void> {
  const container = await ensureContainer(stack.services.store.database, CONTAINERS.mailboxes, PARTITION_KEY_PATHS.mailboxes);
  const now = new Date().toISOString();
  const doc: MailboxRun = {
    id: 'run', type: 'run', lastRunId: 'run-1', lastRunStartedAt: now, lastRunEndedAt: now, lastSuccessAt: null, caughtUpTo: null,
    errors: [], messagesStoredLastRun: 0, updatedAt: now, version: MODEL_VERSION, ...run,
  };
  await container.items.upsert(doc);
}
