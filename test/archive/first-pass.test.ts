import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MailboxArchiver } from '../../shared/archive/capture/mailbox-archiver';
import type { MailboxCheckpoint, MailboxRecord, MailboxRun, MessageEntry } from '../../shared/archive/model';
import type {
  ContentStore, DeltaItem, FolderPageRequest, FolderPageResult, MailSource, MailboxStateStore, MessageIndex, StoredContent,
} from '../../shared/archive/ports';

/**
 * The archiver's own logic over in-memory ports (the adapters are tested against the emulators in
 * capture.test.ts): on a folder's first pass it does not read the index before storing, and a
 * message that turns out to be archived already (moved in from another folder) is recorded as a
 * move, not duplicated.
 */

const present = (messageId: string, receivedAt = '2026-01-05T10:00:00Z'): DeltaItem => ({
  kind: 'present',
  message: { messageId, subject: `Sujet ${messageId}`, from: null, to: [], cc: [], bcc: [], sentAt: receivedAt, receivedAt, conversationId: null, internetMessageId: null, hasAttachments: false },
});

class ScriptedMail implements MailSource {
  readonly mimeRequests: string[] = [];
  /** Per folder, the pages to serve in order. */
  constructor(private readonly pages: Record<string, FolderPageResult[]>) {}
  async listFolders() {
    return {
      folders: Object.keys(this.pages).map((id) => ({ id, displayName: id, parentFolderId: null, path: id, totalItemCount: 0, childFolderCount: 0 })),
      wellKnown: {},
    };
  }
  async deltaPages(_mailboxId: string, requests: FolderPageRequest[]) {
    return new Map(requests.map((r) => [r.folderId, this.pages[r.folderId]!.shift()!] as const));
  }
  async openMime(_mailboxId: string, messageId: string) {
    this.mimeRequests.push(messageId);
    return Readable.from([Buffer.from(`Subject: ${messageId}\r\n\r\nCorps\r\n`)]);
  }
}

class MemoryContent implements Partial<ContentStore> {
  readonly blobs = new Set<string>();
  async store(mime: Readable): Promise<StoredContent> {
    const chunks: Buffer[] = [];
    for await (const c of mime) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const contentHash = createHash('sha256').update(raw).digest('hex');
    const created = !this.blobs.has(contentHash);
    this.blobs.add(contentHash);
    return { contentHash, blobName: contentHash, rawSize: raw.length, compressedSize: raw.length, created, attachmentNames: [] };
  }
  async exists(contentHash: string) {
    return this.blobs.has(contentHash);
  }
  async protect() {}
}

class MemoryIndex implements MessageIndex {
  readonly entries = new Map<string, MessageEntry>();
  reads = 0;
  async get(mailboxId: string, messageId: string) {
    this.reads++;
    return [...this.entries.values()].find((e) => e.mailboxId === mailboxId && e.messageId === messageId);
  }
  async create(entry: MessageEntry) {
    if (this.entries.has(entry.id)) return false;
    this.entries.set(entry.id, structuredClone(entry));
    return true;
  }
  async relocate(entry: MessageEntry, folderId: string, folderPath: string) {
    Object.assign(this.entries.get(entry.id)!, { folderId, folderPath, removedAt: null });
  }
  async markRemoved(entry: MessageEntry, removedAt: string) {
    this.entries.get(entry.id)!.removedAt = removedAt;
    return true;
  }
  async findByMessageId(mailboxId: string, messageId: string) {
    return this.get(mailboxId, messageId);
  }
  async referencedAmong(hashes: string[]) {
    return new Set(hashes);
  }
}

class MemoryState implements MailboxStateStore {
  readonly saved = new Map<string, MailboxCheckpoint>();
  async checkpoints() {
    return [...this.saved.values()].map((c) => structuredClone(c));
  }
  async saveCheckpoint(c: MailboxCheckpoint) {
    this.saved.set(c.folderId, structuredClone(c));
  }
  async run(): Promise<MailboxRun | undefined> {
    return undefined;
  }
  async saveRun() {}
  async mailbox(): Promise<MailboxRecord | undefined> {
    return undefined;
  }
  async saveMailbox() {}
  async allMailboxes(): Promise<MailboxRecord[]> {
    return [];
  }
}

function archiver(mail: MailSource, content: MemoryContent, index: MemoryIndex, state: MemoryState) {
  return new MailboxArchiver({ mail, content: content as unknown as ContentStore, index, state }, { excludedFolders: [], messageConcurrency: 4 });
}

describe('mailbox archiver, first pass of a folder', () => {
  it('stores new mail without reading the index, and records a move from an archived folder once', async () => {
    const mail = new ScriptedMail({
      inbox: [{ kind: 'page', items: [present('m1'), present('m2')], nextLink: null, deltaLink: 'inbox-delta-1' }],
      // The second page of Archives' first pass shows m1, moved there after Inbox was archived.
      archives: [
        { kind: 'page', items: [present('m3')], nextLink: 'archives-page-2', deltaLink: null },
        { kind: 'page', items: [present('m1')], nextLink: null, deltaLink: 'archives-delta-1' },
      ],
    });
    const content = new MemoryContent();
    const index = new MemoryIndex();
    const state = new MemoryState();
    const result = await archiver(mail, content, index, state).archive('mbx-1', { deadline: Date.now() + 60_000 });

    expect(result).toMatchObject({ outcome: 'caughtUp', stored: 3, relocated: 1 });
    expect([...index.entries.values()].map((e) => [e.messageId, e.folderId]).sort()).toEqual([['m1', 'archives'], ['m2', 'inbox'], ['m3', 'archives']]);
    // Only the conflicting create was followed by a read.
    expect(index.reads).toBe(1);
    expect(content.blobs.size).toBe(3);
  });

  it('reads the index before downloading once the folder has completed a round', async () => {
    const mail = new ScriptedMail({
      inbox: [
        { kind: 'page', items: [present('m1')], nextLink: null, deltaLink: 'inbox-delta-1' },
        // Next run: m1 again (e.g. flagged) and a new message.
        { kind: 'page', items: [present('m1'), present('m4')], nextLink: null, deltaLink: 'inbox-delta-2' },
      ],
    });
    const content = new MemoryContent();
    const index = new MemoryIndex();
    const state = new MemoryState();
    await archiver(mail, content, index, state).archive('mbx-2', { deadline: Date.now() + 60_000 });
    mail.mimeRequests.length = 0;
    const second = await archiver(mail, content, index, state).archive('mbx-2', { deadline: Date.now() + 60_000 });

    expect(second).toMatchObject({ stored: 1, relocated: 0 });
    // m1 was recognised from the index: its MIME was not downloaded again.
    expect(mail.mimeRequests).toEqual(['m4']);
    expect(index.entries.size).toBe(2);
  });

  it('redoing a page after a crash stores nothing twice', async () => {
    const page: FolderPageResult = { kind: 'page', items: [present('m1'), present('m2')], nextLink: null, deltaLink: 'inbox-delta-1' };
    const mail = new ScriptedMail({ inbox: [page, structuredClone(page)] });
    const content = new MemoryContent();
    const index = new MemoryIndex();
    const state = new MemoryState();
    await archiver(mail, content, index, state).archive('mbx-3', { deadline: Date.now() + 60_000 });
    // The crash came before the checkpoint was saved: the same page is served again on the first pass.
    state.saved.clear();
    const redo = await archiver(mail, content, index, state).archive('mbx-3', { deadline: Date.now() + 60_000 });

    expect(redo).toMatchObject({ stored: 0, relocated: 0 });
    expect(index.entries.size).toBe(2);
    expect(content.blobs.size).toBe(2);
  });

  it('has at most messageConcurrency messages in progress over all of a run\'s folders', async () => {
    const folders = ['inbox', 'sentitems', 'deleteditems', 'archives'];
    const mail = new ScriptedMail(Object.fromEntries(folders.map((f) => [f, [{ kind: 'page', items: Array.from({ length: 10 }, (_, i) => present(`${f}-${i}`)), nextLink: null, deltaLink: `${f}-delta` }]])));
    let inProgress = 0;
    let most = 0;
    const content = new MemoryContent();
    const store = content.store.bind(content);
    content.store = async (mime) => {
      most = Math.max(most, ++inProgress);
      try {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return await store(mime);
      } finally {
        inProgress--;
      }
    };
    const result = await archiver(mail, content, new MemoryIndex(), new MemoryState()).archive('mbx-4', { deadline: Date.now() + 60_000 });

    expect(result.stored).toBe(40);
    // Four folders stored side by side, four messages at once in all (not four per folder).
    expect(most).toBe(4);
  });
});
