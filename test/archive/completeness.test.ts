import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completenessReport } from '../../shared/archive/records/completeness';
import { allEntries, ordinaryStaffMailbox, runMailboxQueued, startCaptureStack, type CaptureStack } from './capture-stack';

/**
 * Completeness never says "complete" while messages are missing: with one message's `$value`
 * failing at Graph (the sandbox's fault injection), the run leaves that message behind, the report
 * compares with the folder as it is now, names the message and the error, and the mailbox is not
 * complete.
 */
let stack: CaptureStack;

beforeAll(async () => {
  stack = await startCaptureStack({ sandbox: { scale: { mailboxes: 2, messagesPerMailbox: 20 } }, env: { ARCHIVE_PAGE_SIZE: '10' } });
}, 60_000);
afterAll(() => stack?.stop());

const run = (mailboxId: string) => runMailboxQueued(stack, mailboxId);

describe('completeness against the folder as it is now', () => {
  it('a message whose $value fails is listed with its error, the folder shows it missing, and the mailbox is never complete', async () => {
    const mailboxId = await ordinaryStaffMailbox(stack);
    // A first run catches the mailbox up: complete.
    expect(await run(mailboxId)).toMatchObject({ status: 'done' });
    const report = async () => (await completenessReport({ mailboxes: stack.records.mailboxes, index: stack.records.index }, new Date(), mailboxId))[0]!;
    expect((await report()).complete).toBe(true);

    // New mail arrives; one message's content cannot be downloaded, whatever the retries.
    const added = [];
    for (let i = 0; i < 12; i++) added.push(await stack.control.addMessage(mailboxId, { subject: `Nouveau ${i}` }));
    const failing = added[5]!;
    await stack.control.setFaults({ rates: { reset: 1 }, pathPattern: `/messages/${failing.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\$value` });
    try {
      // Graph's retries, then capture's, all refused: the run ends without that one message.
      expect(await run(mailboxId)).toMatchObject({ status: 'incomplete' });
    } finally {
      await stack.control.setFaults({});
    }

    const archivedIds = new Set((await allEntries(mailboxId)).map((e) => e.messageId));
    expect(archivedIds.has(failing.id)).toBe(false);
    const folder = (await report()).folders.find((f) => f.folderId === failing.folderId)!;
    const folderNow = (await stack.control.folders(mailboxId)).find((f) => f.id === failing.folderId)!;
    // Compared with the folder as it is now, not as an earlier run saw it.
    expect(folder.totalItemCount).toBe(folderNow.totalItemCount);
    expect(folder.missing).toBeGreaterThanOrEqual(1);
    const mailbox = await report();
    expect(mailbox.complete).toBe(false);
    expect(mailbox.failedMessages).toEqual([expect.objectContaining({ messageId: failing.id, folderId: failing.folderId, code: expect.stringMatching(/\S/) })]);
    // Every other new message was archived: one bad message does not hold the others back.
    for (const m of added.filter((m) => m !== failing)) expect(archivedIds.has(m.id)).toBe(true);

    // The fault gone, the next run archives it, and the mailbox is complete again.
    expect(await run(mailboxId)).toMatchObject({ status: 'done' });
    expect((await allEntries(mailboxId)).some((e) => e.messageId === failing.id)).toBe(true);
    const healed = await report();
    expect(healed.failedMessages).toEqual([]);
    expect(healed.complete).toBe(true);
  }, 600_000);
});
