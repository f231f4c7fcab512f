import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailboxArchiver } from '../../shared/archive/capture/mailbox-archiver';
import type { MessageEntry } from '../../shared/archive/model';
import type { ContentProtection, ContentStore, MessageIndex } from '../../shared/archive/ports';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ordinaryStaffMailbox, startCaptureStack, type CaptureStack } from './capture-stack';

/**
 * Capture decides a message's retention and holds before writing its content, so that in Azure new
 * content is protected by the request that creates it, and content already there is protected
 * before the entry referring to it exists: no entry is ever left with unprotected content, whatever
 * the point a run dies at. Here the real capture services, with the content store and the index
 * seen through a log of the calls capture makes to them (the storage side of those calls is tested
 * in content-store.test.ts, where they reach Azurite through a recorder).
 */
let stack: CaptureStack;
let mailboxId: string;

beforeAll(async () => {
  // This test is about protection as capture writes, not about the calendar's assignments: every
  // mailbox under the dated default rule (the sample calendar keeps the executive's mail, which the
  // first seeded mailbox belongs to, permanently, with no date to protect to).
  const calendar = JSON.parse(readFileSync('config/retention-rules.json', 'utf8')) as { assignments: unknown };
  calendar.assignments = { default: 'COUR-GEN' };
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'calendar-')), 'retention-rules.json');
  writeFileSync(file, JSON.stringify(calendar));
  stack = await startCaptureStack({ env: { ARCHIVE_RETENTION_RULES_FILE: file } });
  mailboxId = await ordinaryStaffMailbox(stack);
}, 60_000);
afterAll(() => stack?.stop());

type Call =
  | { op: 'store'; hash: string; created: boolean; protection: ContentProtection | undefined }
  | { op: 'protect'; hash: string; protection: ContentProtection }
  | { op: 'create'; hash: string; entry: MessageEntry };

/** `target` with some methods replaced, the others bound to it. */
function seenThrough<T extends object>(target: T, replaced: Partial<T>): T {
  return new Proxy(target, {
    get: (t, key) => {
      if (key in replaced) return replaced[key as keyof T];
      const value = Reflect.get(t, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

describe('content protection as capture writes', () => {
  it('hands new content its protection to be written with it, and protects content already there before its entry', async () => {
    const { content, index, mail, state, settings } = stack.services;
    // A message whose content a crashed run (or another mailbox) already stored, received inside a
    // legal hold made for it: the hold covers only mail received from a minute ago.
    const hold = await stack.records.holds.create({ matter: 'Grief 2026-101 (test)', mailboxes: [mailboxId], from: new Date(Date.now() - 60_000).toISOString(), to: null, participants: [] }, 'records-manager-oid');
    const added = await stack.control.addMessage(mailboxId, { subject: 'Pièce déjà conservée' });
    const already = await content.store(await mail.openMime(mailboxId, added.id));

    const calls: Call[] = [];
    const seenContent = seenThrough<ContentStore>(content, {
      store: async (mime, protection) => {
        const stored = await content.store(mime, protection);
        calls.push({ op: 'store', hash: stored.contentHash, created: stored.created, protection });
        return stored;
      },
      protect: async (hash, protection) => {
        calls.push({ op: 'protect', hash, protection });
        await content.protect(hash, protection);
      },
    });
    const seenIndex = seenThrough<MessageIndex>(index, {
      create: async (entry) => {
        calls.push({ op: 'create', hash: entry.contentHash, entry });
        return index.create(entry);
      },
    });
    const archiver = new MailboxArchiver(
      { mail, content: seenContent, index: seenIndex, state, retention: stack.records.assigner },
      { excludedFolders: settings.archive.excludedFolders, messageConcurrency: settings.archive.messageConcurrency },
    );
    expect((await archiver.archive(mailboxId, { deadline: Date.now() + 120_000 })).outcome).toBe('caughtUp');
    await stack.records.holds.release(hold.id, 'records-manager-oid');

    const creates = calls.flatMap((c, at) => (c.op === 'create' ? [{ at, entry: c.entry }] : []));
    expect(creates.length).toBeGreaterThan(10);
    for (const { at, entry } of creates) {
      const wanted: ContentProtection = { until: entry.retainUntil ? new Date(entry.retainUntil) : null, legalHold: entry.holds.length > 0 };
      // The store of this entry's content came before it, asked to protect it as the entry says.
      const before = calls.slice(0, at);
      const store = before.findLast((c) => c.op === 'store' && c.hash === entry.contentHash);
      expect(store).toMatchObject({ op: 'store', protection: wanted });
      // Content that was there already was protected before the entry was written; new content not again.
      const protect = before.findLast((c) => c.op === 'protect' && c.hash === entry.contentHash);
      if (store?.op === 'store' && !store.created) expect(protect).toEqual({ op: 'protect', hash: entry.contentHash, protection: wanted });
      else expect(protect).toBeUndefined();
    }
    // Retention dates come from the calendar, the hold covers the one message it was made for.
    expect(creates.some(({ entry }) => entry.retainUntil !== null)).toBe(true);
    expect(creates.filter(({ entry }) => entry.holds.length > 0).map(({ entry }) => entry.messageId)).toEqual([added.id]);
    const held = creates.find(({ entry }) => entry.messageId === added.id)!;
    expect(held.entry.contentHash).toBe(already.contentHash);
    expect(calls.find((c) => c.op === 'store' && c.hash === already.contentHash)).toMatchObject({ created: false });
    expect(calls.filter((c) => c.op === 'protect').map((c) => c.hash)).toContain(already.contentHash);
  });
});
