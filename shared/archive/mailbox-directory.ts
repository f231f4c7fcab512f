import type { Database } from '@azure/cosmos';
import { CONTAINERS, PARTITION_KEY_PATHS, type MailboxKind, type MailboxRecord } from './model';
import { ensureContainer } from './message-index';

/**
 * The archived mailboxes by name, for pickers: people choose "Geneviève Tremblay", never a GUID.
 * Reads capture's MailboxRecord documents (one per mailbox in `archive-mailboxes`, id "mailbox").
 * A RecordsManager may see every mailbox; anyone else only their own (Graph user id = object id).
 */
export interface MailboxChoice {
  mailboxId: string;
  displayName: string;
  address: string;
  kind: MailboxKind;
}

export const MAILBOX_PAGE_MAX = 50;

export interface MailboxLookup {
  /** Words matched, case-insensitively, anywhere in the display name or the address. */
  search?: string;
  pageSize?: number;
  /** Only this mailbox (staff: their own). */
  onlyMailboxId?: string;
}

export async function findMailboxes(database: Database, lookup: MailboxLookup): Promise<MailboxChoice[]> {
  const container = await ensureContainer(database, CONTAINERS.mailboxes, PARTITION_KEY_PATHS.mailboxes);
  const where = ['c.type = "mailbox"'];
  const parameters: { name: string; value: string | number }[] = [];
  if (lookup.onlyMailboxId) {
    where.push('LOWER(c.mailboxId) = @only');
    parameters.push({ name: '@only', value: lookup.onlyMailboxId.toLowerCase() });
  }
  const search = lookup.search?.trim().toLowerCase();
  if (search) {
    where.push('(CONTAINS(LOWER(c.displayName), @s) OR CONTAINS(LOWER(c.address), @s))');
    parameters.push({ name: '@s', value: search });
  }
  const pageSize = Math.min(Math.max(lookup.pageSize ?? 20, 1), MAILBOX_PAGE_MAX);
  // Cross-partition (pk /mailboxId): one document per mailbox, a few hundred mailboxes. Ordered
  // here rather than by ORDER BY, which the local emulator sorts by code point (É after z).
  const iterator = container.items.query<MailboxRecord>(
    { query: `SELECT c.mailboxId, c.displayName, c.address, c.kind, c.goneAt FROM c WHERE ${where.join(' AND ')}`, parameters },
    { maxItemCount: 500 },
  );
  const found: MailboxChoice[] = [];
  for await (const page of iterator.getAsyncIterator()) {
    for (const r of page.resources) found.push({ mailboxId: r.mailboxId, displayName: r.displayName, address: r.address, kind: r.kind });
    // A bound on the work per call: a directory of many thousands is refined by typing, not paged.
    if (found.length >= 5000) break;
  }
  const collator = new Intl.Collator('fr-CA', { sensitivity: 'base' });
  return found.sort((a, b) => collator.compare(a.displayName, b.displayName) || collator.compare(a.address, b.address)).slice(0, pageSize);
}
