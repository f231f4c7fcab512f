import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addYears } from '../fakes/archive-capture';
import {
  ARCHIVABLE, ARCHIVED_FOLDER_IDS, COUNTS, FOLDERS, RULES, STAFF, addStandardMailbox, archivableIds, far, makeWorld, type World,
} from '../fakes/capture-world';

/**
 * The archiver's use cases over the in-memory ports (test/fakes): no emulator. The same behaviour
 * against Azurite, the Cosmos emulator and the Microsoft 365 sandbox is in capture.test.ts.
 */

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mbx = STAFF.mailboxId;

async function archivedWorld(): Promise<World> {
  const w = makeWorld();
  addStandardMailbox(w.mail);
  const first = await w.archiver.archive(mbx, { ...far(), mailbox: STAFF });
  expect(first).toMatchObject({ outcome: 'caughtUp', stored: ARCHIVABLE });
  return w;
}

describe('first pass of a mailbox', () => {
  it('archives every message outside the excluded folders, each entry pointing at its exact MIME', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    const result = await w.archiver.archive(mbx, { ...far(), mailbox: STAFF });

    expect(result).toMatchObject({ outcome: 'caughtUp', stored: ARCHIVABLE, relocated: 0, removed: 0, fullSyncRestarts: 0 });
    expect(result.folders.map((f) => f.path).sort()).toEqual(['Boîte de réception', 'Boîte de réception/Projets', 'Éléments envoyés', 'Éléments supprimés']);
    const entries = w.index.entries(mbx);
    expect(entries.map((e) => e.messageId).sort()).toEqual(archivableIds());
    // Junk (well-known name), Inbox/Privé (path) and Privé's own subfolder are left out.
    expect(entries.filter((e) => !ARCHIVED_FOLDER_IDS.includes(e.folderId))).toEqual([]);
    expect(w.mail.mimeDownloads.filter((id) => /^(junk|prive)/i.test(id))).toEqual([]);
    for (const e of entries) {
      const original = w.mail.messagesIn(mbx, e.folderId).find((m) => m.summary.messageId === e.messageId)!;
      expect(e.contentHash).toBe(sha256(original.mime));
      expect(await w.content.rawOf(e.contentHash)).toEqual(original.mime);
      expect(e.rawSize).toBe(original.mime.length);
      expect(e.subject).toBe(original.summary.subject);
      expect(e.removedAt).toBeNull();
    }
    expect(entries.find((e) => e.messageId === 'projets-1')!.folderPath).toBe('Boîte de réception/Projets');
    expect(w.content.blobs.size).toBe(ARCHIVABLE);
    // Each archived folder has finished its round: a delta link, no next link, its count stored.
    for (const [key, folderId] of [['inbox', FOLDERS.inbox], ['projets', FOLDERS.projets], ['sent', FOLDERS.sent], ['deleted', FOLDERS.deleted]] as const) {
      const c = (await w.state.checkpointOf(mbx, folderId))!;
      expect(c).toMatchObject({ nextLink: null, messagesStored: COUNTS[key], folderGone: false, fullSyncRestarts: 0 });
      expect(c.deltaLink).toMatch(/^https:\/\/graph\.fake\//);
    }
    expect(await w.state.checkpointOf(mbx, FOLDERS.junk)).toBeUndefined();
    expect(await w.state.checkpointOf(mbx, FOLDERS.priveSub)).toBeUndefined();
  });

  it('gives each entry its service\'s retention rule, and its content that protection from the write that creates it', async () => {
    const w = makeWorld({ holds: [{ id: 'grief-2026-077', mailboxId: mbx }] });
    addStandardMailbox(w.mail);
    await w.archiver.archive(mbx, { ...far(), mailbox: STAFF });
    const entries = w.index.entries(mbx);
    expect(entries).toHaveLength(ARCHIVABLE);
    for (const e of entries) {
      expect(e).toMatchObject({ retentionRuleId: 'rt-10ans', retainUntil: addYears(e.receivedAt, 10), holds: ['grief-2026-077'] });
      expect(w.content.blobs.get(e.contentHash)!.protection).toEqual({ until: new Date(addYears(e.receivedAt, 10)), legalHold: true });
    }
    // Without the mailbox's facts the default rule applies: the department is what chose the rule above.
    expect(RULES.default.id).not.toBe('rt-10ans');
  });

  it('stores the same MIME in two mailboxes once, extending the existing content\'s protection to the longer rule', async () => {
    const w = makeWorld();
    const mime = Buffer.from('Message-ID: <commun@spgq.qc.ca>\r\nSubject: Convocation\r\n\r\nAssemblée générale\r\n');
    const other = { ...STAFF, mailboxId: 'mbx-accueil', department: 'Accueil' };
    for (const id of [other.mailboxId, mbx]) {
      w.mail.addMailbox(id, [{ id: 'inbox', displayName: 'Boîte de réception', wellKnownName: 'inbox' }]);
      w.mail.addMessage(id, 'inbox', { messageId: `convocation-${id}`, receivedAt: '2026-02-02T12:00:00Z' }, mime);
    }
    // The default rule (7 years) first, then the service's (10 years).
    await w.archiver.archive(other.mailboxId, { ...far(), mailbox: other });
    await w.archiver.archive(mbx, { ...far(), mailbox: STAFF });

    expect(w.content.blobs.size).toBe(1);
    expect(w.content.duplicatesRefused).toBe(1);
    const entries = w.index.entries();
    expect(entries.map((e) => [e.mailboxId, e.retentionRuleId]).sort()).toEqual([['mbx-accueil', 'defaut-7ans'], [mbx, 'rt-10ans']]);
    expect(new Set(entries.map((e) => e.contentHash))).toEqual(new Set([sha256(mime)]));
    expect(w.content.blobs.get(sha256(mime))!.protection.until).toEqual(new Date('2036-02-02T12:00:00.000Z'));
  });

  it('names the attachments of a message from its MIME', async () => {
    const w = makeWorld();
    w.mail.addMailbox(mbx, [{ id: 'inbox', displayName: 'Boîte de réception', wellKnownName: 'inbox' }]);
    const mime = Buffer.from([
      'Subject: Grief', 'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain', '', 'Voir la pièce jointe.',
      '--b1', 'Content-Type: application/pdf', 'Content-Disposition: attachment; filename="grief-077.pdf"', 'Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQK',
      '--b1--', '',
    ].join('\r\n'));
    w.mail.addMessage(mbx, 'inbox', { messageId: 'grief', hasAttachments: true }, mime);
    await w.archiver.archive(mbx, far());
    expect(w.index.entries(mbx).map((e) => e.attachmentNames)).toEqual([['grief-077.pdf']]);
  });
});

describe('later runs', () => {
  it('a second run archives nothing new and downloads nothing', async () => {
    const w = await archivedWorld();
    const before = w.index.entries(mbx);
    const requestsBefore = w.mail.requests.length;
    w.mail.mimeDownloads.length = 0;

    const second = await w.archiver.archive(mbx, { ...far(), mailbox: STAFF });
    expect(second).toMatchObject({ outcome: 'caughtUp', stored: 0, relocated: 0, removed: 0, fullSyncRestarts: 0 });
    expect(w.mail.mimeDownloads).toEqual([]);
    expect(w.index.entries(mbx)).toEqual(before);
    expect(w.content.blobs.size).toBe(ARCHIVABLE);
    // One listing and one batched delta request for the four folders: a quiet mailbox is cheap.
    expect(w.mail.requests.slice(requestsBefore).map((r) => [r.kind, r.parts])).toEqual([['listFolders', 1], ['delta', 4]]);
  });

  it('a message removed from the mailbox is marked removed and stays archived', async () => {
    const w = await archivedWorld();
    const deleted = w.index.entries(mbx).find((e) => e.messageId === 'inbox-3')!;
    w.mail.deleteMessage(mbx, 'inbox-3');
    w.mail.addMessage(mbx, FOLDERS.projets, { messageId: 'projets-nouveau', receivedAt: '2026-03-01T10:00:00Z' });
    w.clock.advance(3600_000);

    const run = await w.archiver.archive(mbx, { ...far(), mailbox: STAFF });
    expect(run).toMatchObject({ outcome: 'caughtUp', stored: 1, relocated: 0, removed: 1 });
    const byId = new Map(w.index.entries(mbx).map((e) => [e.messageId, e]));
    expect(byId.size).toBe(ARCHIVABLE + 1);
    // Everything about the entry is unchanged but its removal time; its content is still there.
    expect(byId.get('inbox-3')).toEqual({ ...deleted, removedAt: w.clock.now().toISOString() });
    expect(await w.content.exists(deleted.contentHash)).toBe(true);
    expect(w.content.blobs.size).toBe(ARCHIVABLE + 1);
    expect((await w.state.checkpointOf(mbx, FOLDERS.inbox))!.messagesRemoved).toBe(1);

    // Seen once: the next run has nothing to do.
    expect(await w.archiver.archive(mbx, far())).toMatchObject({ stored: 0, relocated: 0, removed: 0 });
  });

  it('a message moved to another archived folder is relocated, not duplicated, and ends up present', async () => {
    const w = await archivedWorld();
    const moved = w.index.entries(mbx).find((e) => e.messageId === 'sent-1')!;
    w.mail.moveMessage(mbx, 'sent-1', FOLDERS.deleted);
    w.mail.mimeDownloads.length = 0;

    const run = await w.archiver.archive(mbx, far());
    expect(run).toMatchObject({ outcome: 'caughtUp', stored: 0, relocated: 1 });
    expect(w.mail.mimeDownloads).toEqual([]);
    expect(w.index.entries(mbx)).toHaveLength(ARCHIVABLE);
    expect(w.index.entries(mbx).find((e) => e.messageId === 'sent-1')).toEqual({ ...moved, folderId: FOLDERS.deleted, folderPath: 'Éléments supprimés', removedAt: null });
    // The full-text index is told the new folder (its facet and filter), not left with the old one.
    expect(w.indexPushes).toEqual([[{ id: moved.id, folder: 'Éléments supprimés' }]]);
  });

  it("sends a page's moves to the full-text index in one request, and none when nothing moved", async () => {
    const w = await archivedWorld();
    const ids = ['inbox-1', 'inbox-2', 'inbox-3'].map((m) => w.index.entries(mbx).find((e) => e.messageId === m)!.id);
    for (const m of ['inbox-1', 'inbox-2', 'inbox-3']) w.mail.moveMessage(mbx, m, FOLDERS.projets);
    w.indexPushes.length = 0;

    expect(await w.archiver.archive(mbx, far())).toMatchObject({ outcome: 'caughtUp', relocated: 3 });
    expect(w.indexPushes).toHaveLength(1);
    expect(w.indexPushes[0]!.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(new Set(w.indexPushes[0]!.map((c) => c.folder))).toEqual(new Set(['Boîte de réception/Projets']));

    await w.archiver.archive(mbx, far());
    expect(w.indexPushes).toHaveLength(1);
  });

  it('sends the moves it recorded even when the page then fails (the next run would not see them as moves again)', async () => {
    const w = makeWorld({ messageConcurrency: 1 });
    addStandardMailbox(w.mail);
    await w.archiver.archive(mbx, { ...far(), mailbox: STAFF });
    const moved = w.index.entries(mbx).find((e) => e.messageId === 'inbox-1')!;
    w.mail.moveMessage(mbx, 'inbox-1', FOLDERS.sent);
    w.mail.addMessage(mbx, FOLDERS.sent, { messageId: 'sent-new' });
    const store = w.content.store.bind(w.content);
    let broken = true;
    w.content.store = async (...args) => {
      if (broken) throw new Error('storage unavailable');
      return store(...args);
    };

    await expect(w.archiver.archive(mbx, far())).rejects.toThrow('storage unavailable');
    expect(w.indexPushes).toEqual([[{ id: moved.id, folder: 'Éléments envoyés' }]]);
    broken = false;
    expect(await w.archiver.archive(mbx, far())).toMatchObject({ outcome: 'caughtUp', stored: 1, relocated: 0 });
  });

  it('a message moved into a new folder (on its first pass) is recorded as a move, not stored again', async () => {
    const w = await archivedWorld();
    const before = w.index.entries(mbx).find((e) => e.messageId === 'inbox-7')!;
    w.mail.addFolder(mbx, { id: 'f-griefs', displayName: 'Griefs', parentFolderId: FOLDERS.inbox });
    w.mail.moveMessage(mbx, 'inbox-7', 'f-griefs');
    w.mail.mimeDownloads.length = 0;

    const run = await w.archiver.archive(mbx, far());
    expect(run).toMatchObject({ outcome: 'caughtUp', stored: 0, relocated: 1 });
    // On a folder's first pass the archiver stores without reading the index: the content is
    // downloaded again, found already there, and the entry's create conflicts into a move.
    expect(w.mail.mimeDownloads).toEqual(['inbox-7']);
    expect(w.content.blobs.size).toBe(ARCHIVABLE);
    expect(w.index.entries(mbx)).toHaveLength(ARCHIVABLE);
    expect(w.index.entries(mbx).find((e) => e.messageId === 'inbox-7')).toEqual({ ...before, folderId: 'f-griefs', folderPath: 'Boîte de réception/Griefs', removedAt: null });
    expect(w.indexPushes).toEqual([[{ id: before.id, folder: 'Boîte de réception/Griefs' }]]);
  });

  it('a removal that loses a race with a concurrent change reads the entry again before deciding', async () => {
    const w = await archivedWorld();
    w.mail.deleteMessage(mbx, 'inbox-4');
    let raced = false;
    w.index.beforeMarkRemoved = (entry) => {
      // First attempt: another writer (legal hold) changes the entry after the archiver read it.
      if (!raced) w.index.touch(mbx, entry.messageId, { holds: ['grief-2026-077'] });
      raced = true;
    };
    expect(await w.archiver.archive(mbx, far())).toMatchObject({ removed: 1 });
    expect(w.index.entries(mbx).find((e) => e.messageId === 'inbox-4')).toMatchObject({ holds: ['grief-2026-077'], removedAt: w.clock.now().toISOString() });
  });

  it('an expired delta (410) restarts the folder with a full sync, without duplicates', async () => {
    const w = await archivedWorld();
    w.mail.expireSyncState(mbx, FOLDERS.inbox);
    w.mail.addMessage(mbx, FOLDERS.inbox, { messageId: 'inbox-apres-410', receivedAt: '2026-03-05T10:00:00Z' });
    w.mail.mimeDownloads.length = 0;

    const run = await w.archiver.archive(mbx, far());
    expect(run).toMatchObject({ outcome: 'caughtUp', fullSyncRestarts: 1, stored: 1, relocated: 0, removed: 0 });
    const entries = w.index.entries(mbx);
    expect(entries).toHaveLength(ARCHIVABLE + 1);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    // The index recognised the 12 messages already archived: only the new one was downloaded.
    expect(w.mail.mimeDownloads).toEqual(['inbox-apres-410']);
    expect(w.index.createsRefused).toBe(0);
    const c = (await w.state.checkpointOf(mbx, FOLDERS.inbox))!;
    expect(c).toMatchObject({ fullSyncRestarts: 1, nextLink: null, messagesStored: COUNTS.inbox + 1 });
    expect(c.deltaLink).not.toBeNull();
    // The new delta link works: the next run is quiet.
    expect(await w.archiver.archive(mbx, far())).toMatchObject({ stored: 0, fullSyncRestarts: 0 });
  });

  it('a folder deleted between runs is recorded as gone, its messages staying archived', async () => {
    const w = await archivedWorld();
    w.mail.deleteFolder(mbx, FOLDERS.projets);
    const run = await w.archiver.archive(mbx, far());
    expect(run.folders.map((f) => f.folderId)).not.toContain(FOLDERS.projets);
    expect(await w.state.checkpointOf(mbx, FOLDERS.projets)).toMatchObject({ folderGone: true });
    expect(w.index.entries(mbx).filter((e) => e.folderId === FOLDERS.projets && e.removedAt === null)).toHaveLength(COUNTS.projets);
  });

  it('a folder that answers 404 to its delta (deleted after the listing) is recorded as gone, the others archived', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    w.mail.afterListing = () => w.mail.deleteFolder(mbx, FOLDERS.sent);
    const run = await w.archiver.archive(mbx, far());
    expect(run).toMatchObject({ outcome: 'caughtUp', stored: ARCHIVABLE - COUNTS.sent });
    expect(await w.state.checkpointOf(mbx, FOLDERS.sent)).toMatchObject({ folderGone: true, nextLink: null, deltaLink: null, messagesStored: 0 });
    expect(w.index.entries(mbx).some((e) => e.folderId === FOLDERS.sent)).toBe(false);
  });

  it('a page redone after a crash (its checkpoint never saved) stores nothing twice', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    const save = w.state.saveCheckpoint.bind(w.state);
    // The crash: the first inbox page is stored, then the process dies before its checkpoint is saved.
    w.state.saveCheckpoint = async (c) => {
      if (c.folderId === FOLDERS.inbox && c.nextLink) throw new Error('process killed');
      return save(c);
    };
    await expect(w.archiver.archive(mbx, far())).rejects.toThrow('process killed');
    // archive() rejects only once no folder is still storing (test/archive/failed-run.usecase.test.ts):
    // the other folders stopped at their next message, some with a page stored but not saved either.
    const partial = w.index.entries(mbx).length;
    expect(partial).toBeGreaterThanOrEqual(5);
    const latest = new Map(w.state.checkpointSaves.map((c) => [c.folderId, c.messagesStored]));
    const unsaved = partial - [...latest.values()].reduce((a, b) => a + b, 0);
    w.state.saveCheckpoint = save;

    const redo = await w.archiver.archive(mbx, far());
    // The pages stored without their checkpoint (the inbox's first five messages at least) are
    // served again: their messages are recognised (their creates conflict), not counted as stored again.
    expect(redo).toMatchObject({ outcome: 'caughtUp', stored: ARCHIVABLE - partial, relocated: 0 });
    expect(unsaved).toBeGreaterThanOrEqual(5);
    expect(w.index.createsRefused).toBe(unsaved);
    expect(w.index.entries(mbx).map((e) => e.messageId).sort()).toEqual(archivableIds());
    expect(w.content.blobs.size).toBe(ARCHIVABLE);
  });
});

describe('throttling', () => {
  it('honours Retry-After through the budget: the mailbox waits, then everything is archived', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    // The listing, then its two retries, answer 429 with Retry-After 150 ms.
    w.mail.throttle({ count: 3, retryAfterMs: 150 });
    const run = await w.archiver.archive(mbx, far());

    expect(run).toMatchObject({ outcome: 'caughtUp', stored: ARCHIVABLE });
    expect(w.index.entries(mbx)).toHaveLength(ARCHIVABLE);
    const [a, b, c, d] = w.mail.requests;
    expect([a, b, c, d].map((r) => [r!.kind, r!.throttled])).toEqual([['listFolders', true], ['listFolders', true], ['listFolders', true], ['listFolders', false]]);
    // Each retry waited at least Retry-After (a few ms of timer slack allowed).
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(145);
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(145);
    expect(d!.at - c!.at).toBeGreaterThanOrEqual(145);
    expect(w.budget.stats).toMatchObject({ throttled: 3, pushbacks: 3 });
  });

  it('a 429 in the middle of the downloads is retried by the budget, nothing lost or doubled', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    let downloads = 0;
    const open = w.mail.openMime.bind(w.mail);
    w.mail.openMime = async (m, id) => {
      if (++downloads === 6) w.mail.throttle({ count: 2, retryAfterMs: 50 });
      return open(m, id);
    };
    const run = await w.archiver.archive(mbx, far());
    expect(run).toMatchObject({ outcome: 'caughtUp', stored: ARCHIVABLE });
    expect(w.mail.requests.filter((r) => r.throttled)).toHaveLength(2);
    expect(w.index.entries(mbx).map((e) => e.messageId).sort()).toEqual(archivableIds());
    expect(w.budget.stats.throttled).toBe(2);
  });
});
