import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { CONTAINERS, type MessageLocator } from '../../shared/archive/model';
import { archiveMailboxCompletely } from '../../shared/archive/capture/offboarding';
import { allEntries, expectedMessages, ordinaryStaffMailbox, sha256Of, startCaptureStack, type CaptureStack } from './capture-stack';

let stack: CaptureStack;
let mailboxId: string;
const far = () => ({ deadline: Date.now() + 120_000 });

beforeAll(async () => {
  stack = await startCaptureStack();
  mailboxId = await ordinaryStaffMailbox(stack);
}, 60_000);
afterAll(() => stack?.stop());

describe('email archive capture on the sandbox tenant', () => {
  it('scopes the archive group and shared mailboxes, never guests', async () => {
    const scope = await stack.services.directory.mailboxesInScope();
    const ids = scope.map((m) => m.mailboxId);
    expect(ids.length).toBeGreaterThan(2);
    for (const guest of stack.sandbox.tenant.guestIds) expect(ids).not.toContain(guest);
    for (const shared of stack.sandbox.tenant.sharedMailboxIds) expect(ids).toContain(shared);
  });

  it('archives every message outside Junk, with content whose hash matches the MIME', async () => {
    const result = await stack.services.archiver.archive(mailboxId, far());
    expect(result.outcome).toBe('caughtUp');
    const entries = await allEntries(mailboxId);
    expect(entries.length).toBe(await expectedMessages(stack.control, mailboxId));
    expect(new Set(entries.map((e) => e.messageId)).size).toBe(entries.length);
    expect(entries.some((e) => /junk|indésirable/i.test(e.folderPath))).toBe(false);
    for (const entry of entries) {
      expect(await sha256Of(await stack.services.content.open(entry.contentHash))).toBe(entry.contentHash);
      expect(entry.removedAt).toBeNull();
    }
    // The stored bytes are Graph's MIME, byte for byte: compare with a direct download.
    const sample = entries[0]!;
    const direct = await stack.services.mail.openMime(mailboxId, sample.messageId);
    expect(await sha256Of(direct)).toBe(sample.contentHash);
    expect(entries.some((e) => e.attachmentNames.length > 0)).toBe(true);
  });

  it('writes a locator per entry in its own container, none among the mailbox state documents', async () => {
    const entries = await allEntries(mailboxId);
    const locators = cosmosDatabase().container(CONTAINERS.locators);
    for (const entry of entries) {
      const { resource } = await locators.item(entry.id, mailboxId).read<MessageLocator>();
      expect(resource).toMatchObject({ id: entry.id, mailboxId, pk: entry.pk });
    }
    const { resources } = await cosmosDatabase().container(CONTAINERS.mailboxes).items
      .query<number>({ query: "SELECT VALUE COUNT(1) FROM c WHERE c.type = 'locator'" }).fetchAll();
    expect(resources[0]).toBe(0);
  });

  it('gives each new entry its retention rule as it is captured, from the mailbox\'s service', async () => {
    const entries = await allEntries(mailboxId);
    const mailbox = (await stack.services.directory.mailboxesInScope()).find((m) => m.mailboxId === mailboxId)!;
    expect(mailbox.department).toBeTruthy();
    const rule = stack.records.calendar.ruleFor(mailbox);
    for (const entry of entries) {
      expect(entry.retentionRuleId).toBe(rule.id);
      expect(entry.retainUntil).toBe(rule.duration ? stack.records.calendar.assign(mailbox, entry.receivedAt).retainUntil : null);
    }
  });

  it('captures a new message inside an active legal hold already held', async () => {
    const hold = await stack.records.holds.create(
      { matter: 'Grief 2026-077 (test)', mailboxes: [mailboxId], from: '2020-01-01T00:00:00Z', to: null, participants: [] },
      'records-manager-oid',
    );
    const added = await stack.control.addMessage(mailboxId, { subject: 'Pièce au dossier du grief' });
    await stack.services.archiver.archive(mailboxId, far());
    const entry = (await allEntries(mailboxId)).find((e) => e.messageId === added.id);
    expect(entry?.holds).toContain(hold.id);
    await stack.records.holds.release(hold.id, 'records-manager-oid');
  });

  it('picks up adds, moves and deletes on the next run, without duplicates', async () => {
    const before = await allEntries(mailboxId);
    const [moved, deleted] = before.filter((e) => !/supprim|deleted/i.test(e.folderPath));
    const added = await stack.control.addMessage(mailboxId, { subject: 'Nouveau message à archiver' });
    await stack.control.moveMessage(mailboxId, moved!.messageId, 'deleteditems');
    await stack.control.deleteMessage(mailboxId, deleted!.messageId);

    const result = await stack.services.archiver.archive(mailboxId, far());
    expect(result).toMatchObject({ outcome: 'caughtUp', stored: 1, relocated: 1, removed: 1 });
    const after = await allEntries(mailboxId);
    expect(after.length).toBe(before.length + 1);
    expect(new Set(after.map((e) => e.id)).size).toBe(after.length);
    const byMessage = new Map(after.map((e) => [e.messageId, e]));
    expect(byMessage.get(added.id)?.subject).toBe('Nouveau message à archiver');
    expect(byMessage.get(moved!.messageId)?.folderPath).toMatch(/supprim|deleted/i);
    expect(byMessage.get(moved!.messageId)?.removedAt).toBeNull();
    expect(byMessage.get(deleted!.messageId)?.removedAt).not.toBeNull();
    expect(byMessage.get(deleted!.messageId)?.contentHash).toBe(deleted!.contentHash);

    const quiet = await stack.services.archiver.archive(mailboxId, far());
    expect(quiet).toMatchObject({ stored: 0, relocated: 0, removed: 0 });
  });

  it('recovers from an expired delta token (410) with a full sync and no duplicates', async () => {
    const before = await allEntries(mailboxId);
    await stack.control.expireDeltaTokens();
    const added = await stack.control.addMessage(mailboxId, { subject: 'Après expiration' });
    const result = await stack.services.archiver.archive(mailboxId, far());
    expect(result.fullSyncRestarts).toBeGreaterThan(0);
    expect(result.stored).toBe(1);
    const after = await allEntries(mailboxId);
    expect(after.length).toBe(before.length + 1);
    expect(new Set(after.map((e) => e.id)).size).toBe(after.length);
    expect(after.some((e) => e.messageId === added.id)).toBe(true);
  });

  it('offboarding archives a mailbox completely now and reports completeness per folder', async () => {
    const shared = stack.sandbox.tenant.sharedMailboxIds[0]!;
    const report = await archiveMailboxCompletely(shared, stack.services, { timeoutMs: 60_000 });
    expect(report.complete).toBe(true);
    const total = report.folders.reduce((n, f) => n + f.archived, 0);
    expect(total).toBe(await expectedMessages(stack.control, shared));
    expect(report.folders.every((f) => f.missing === 0)).toBe(true);

    // While another run holds the mailbox, offboarding waits for it (here: until its own timeout).
    const lease = await stack.services.lock.tryAcquire(shared);
    await expect(archiveMailboxCompletely(shared, stack.services, { timeoutMs: 300, pollMs: 100 })).rejects.toThrow(/lock/);
    await lease!.release();
  });
});
