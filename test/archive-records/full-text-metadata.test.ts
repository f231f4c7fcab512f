import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startSearchEmulator, type SearchEmulator } from '../../dev/search-emulator';
import { LegalHoldInput } from '../../shared/archive/records/legal-hold';
import type { IndexQuery } from '../../shared/archive/records/full-text';
import type { MessageEntry } from '../../shared/archive/model';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';
import { fullTextOf, indexUntilCaughtUp } from '../support/full-text';

/**
 * A legal hold placed and released after capture reaches the full-text index end to end: the entry
 * in Azurite and the Cosmos emulator, the index in the search emulator through
 * @azure/search-documents (`merge` actions), the hold through the records use case.
 */
let search: SearchEmulator;
let stack: RecordsStack;
const mailbox = randomUUID();
let entry: MessageEntry;
let indexedLater: MessageEntry;

function fullText() {
  return fullTextOf(stack.services);
}

async function indexAll(): Promise<void> {
  stack.clock.now = new Date();
  await indexUntilCaughtUp(fullText());
}

async function idsUnderHold(hold: string): Promise<string[]> {
  const query: IndexQuery = { text: '*', syntax: 'simple', filter: { scopeMailboxId: mailbox, hold }, sort: 'date-desc', skip: 0, top: 50 };
  return (await fullText().index.search(query)).hits.map((h) => h.document.id).sort();
}

beforeAll(async () => {
  search = await startSearchEmulator();
  stack = await startRecordsStack({ AZURE_SEARCH_ENDPOINT: search.endpoint, AZURE_SEARCH_API_KEY: search.apiKey, ARCHIVE_SEARCH_INDEX: `archive-${randomUUID().slice(0, 8)}` });
  entry = (await archiveEntry(stack, { mailboxId: mailbox, receivedAt: '2026-02-03T10:00:00.000Z', subject: 'Grief 2026-14', text: 'Suivi du grief.' })).entry;
  await indexAll();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await search?.stop();
});

describe('full-text index metadata on the search emulator', () => {
  it('finds an entry by its hold once the hold is placed, and no longer once it is released', async () => {
    const hold = await stack.services.holds.create(LegalHoldInput.parse({ matter: 'Arbitrage 2026', mailboxes: [mailbox] }), 'oid-records');
    expect(hold.appliedCount).toBe(1);
    expect(await idsUnderHold(hold.id)).toEqual([entry.id]);

    await stack.services.holds.release(hold.id, 'oid-records');
    expect(await idsUnderHold(hold.id)).toEqual([]);
  });

  it('leaves an entry not yet indexed out of the index (no half-empty document) until the pass indexes it whole, hold included', async () => {
    indexedLater = (await archiveEntry(stack, { mailboxId: mailbox, receivedAt: '2026-02-04T10:00:00.000Z', subject: 'Grief 2026-15', text: 'Nouveau grief.' })).entry;
    const hold = await stack.services.holds.create(LegalHoldInput.parse({ matter: 'Arbitrage 2026-B', mailboxes: [mailbox] }), 'oid-records');
    expect(hold.appliedCount).toBe(2);
    expect(await idsUnderHold(hold.id)).toEqual([entry.id]);
    expect(await fullText().index.count(mailbox)).toBe(1);
    // The adapter itself: a merge for a key the index does not hold is no error, and creates nothing.
    await expect(fullText().index.mergeMetadata([{ id: indexedLater.id, holds: ['hold-x'] }])).resolves.toBeUndefined();
    expect(await fullText().index.count(mailbox)).toBe(1);
    await indexAll();
    expect(await idsUnderHold(hold.id)).toEqual([entry.id, indexedLater.id].sort());
  });
});
