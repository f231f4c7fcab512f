import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startSearchEmulator, type SearchEmulator } from '../../dev/search-emulator';
import type { IndexQuery } from '../../shared/archive/records/full-text';
import { allEntries, ordinaryStaffMailbox, startCaptureStack, type CaptureStack } from './capture-stack';
import { fullTextOf, indexUntilCaughtUp } from '../support/full-text';

/**
 * Capture keeps the full-text index's folder in step with a move (docs/decisions/0020), end to
 * end: the mailbox in the Microsoft 365 sandbox, the archive in Azurite and the Cosmos emulator,
 * the index in the search emulator through @azure/search-documents.
 */
let search: SearchEmulator;
let stack: CaptureStack;
let mailboxId: string;
const far = () => ({ deadline: Date.now() + 120_000 });

function fullText() {
  return fullTextOf(stack.records);
}

async function idsInFolder(folder: string): Promise<string[]> {
  const query: IndexQuery = { text: '*', syntax: 'simple', filter: { scopeMailboxId: mailboxId, folder }, sort: 'date-desc', skip: 0, top: 50 };
  return (await fullText().index.search(query)).hits.map((h) => h.document.id);
}

beforeAll(async () => {
  search = await startSearchEmulator();
  stack = await startCaptureStack({ env: { AZURE_SEARCH_ENDPOINT: search.endpoint, AZURE_SEARCH_API_KEY: search.apiKey, ARCHIVE_SEARCH_INDEX: `archive-${randomUUID().slice(0, 8)}` } });
  mailboxId = await ordinaryStaffMailbox(stack);
  expect((await stack.services.archiver.archive(mailboxId, far())).outcome).toBe('caughtUp');
  await indexUntilCaughtUp(fullText());
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await search?.stop();
});

describe('capture and the full-text index', () => {
  it('moves an indexed message to its new folder in the index as soon as capture sees the move', async () => {
    const moved = (await allEntries(mailboxId)).find((e) => !/supprim|deleted/i.test(e.folderPath))!;
    expect(await idsInFolder(moved.folderPath)).toContain(moved.id);
    await stack.control.moveMessage(mailboxId, moved.messageId, 'deleteditems');

    expect(await stack.services.archiver.archive(mailboxId, far())).toMatchObject({ outcome: 'caughtUp', relocated: 1 });
    const now = (await allEntries(mailboxId)).find((e) => e.id === moved.id)!;
    expect(now.folderPath).toMatch(/supprim|deleted/i);
    // No indexing pass in between: capture itself told the index.
    expect(await idsInFolder(now.folderPath)).toContain(moved.id);
    expect(await idsInFolder(moved.folderPath)).not.toContain(moved.id);
  });
});
