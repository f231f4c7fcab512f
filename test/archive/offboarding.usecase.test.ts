import { describe, expect, it } from 'vitest';
import { archiveMailboxCompletely } from '../../shared/archive/capture/offboarding';
import { ARCHIVABLE, COUNTS, FOLDERS, STAFF, addStandardMailbox, makeWorld } from '../fakes/capture-world';

/** Offboarding's "archive this mailbox completely now" over the fakes, with its completeness report. */

const mbx = STAFF.mailboxId;

describe('offboarding', () => {
  it('archives the whole mailbox and reports each archived folder complete', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    const report = await archiveMailboxCompletely(mbx, w, { timeoutMs: 10_000 });

    expect(report.mailboxId).toBe(mbx);
    expect(report.complete).toBe(true);
    expect(report.folders.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'Boîte de réception', totalItemCount: COUNTS.inbox, archived: COUNTS.inbox, missing: 0 },
      { path: 'Boîte de réception/Projets', totalItemCount: COUNTS.projets, archived: COUNTS.projets, missing: 0 },
      { path: 'Éléments envoyés', totalItemCount: COUNTS.sent, archived: COUNTS.sent, missing: 0 },
      { path: 'Éléments supprimés', totalItemCount: COUNTS.deleted, archived: COUNTS.deleted, missing: 0 },
    ]);
    expect(w.index.entries(mbx)).toHaveLength(ARCHIVABLE);
    expect(w.lock.isHeld(mbx)).toBe(false);
  });

  it('stays complete after removals (removed entries no longer count against the folder)', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    await archiveMailboxCompletely(mbx, w, { timeoutMs: 10_000 });
    w.mail.deleteMessage(mbx, 'inbox-0');
    w.mail.moveMessage(mbx, 'inbox-1', FOLDERS.projets);
    const report = await archiveMailboxCompletely(mbx, w, { timeoutMs: 10_000 });
    expect(report.complete).toBe(true);
    expect(report.folders.find((f) => f.path === 'Boîte de réception')).toEqual({ path: 'Boîte de réception', totalItemCount: COUNTS.inbox - 2, archived: COUNTS.inbox - 2, missing: 0 });
    expect(report.folders.find((f) => f.path === 'Boîte de réception/Projets')).toMatchObject({ archived: COUNTS.projets + 1, missing: 0 });
  });

  it('reports a message it could not archive as missing', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    // Listed and counted by Graph, but its content cannot be downloaded.
    w.mail.mimeUnavailable.add('sent-2');
    const report = await archiveMailboxCompletely(mbx, w, { timeoutMs: 10_000 });
    expect(report.complete).toBe(false);
    expect(report.folders.find((f) => f.path === 'Éléments envoyés')).toEqual({ path: 'Éléments envoyés', totalItemCount: COUNTS.sent, archived: COUNTS.sent - 1, missing: 1 });
    expect(report.folders.filter((f) => f.missing > 0)).toHaveLength(1);
  });

  it('waits for a run that holds the mailbox, then archives it', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    w.lock.holdElsewhere(mbx, 30);
    let polls = 0;
    const tryAcquire = w.lock.tryAcquire.bind(w.lock);
    w.lock.tryAcquire = async (id) => {
      // The other run's lease runs out while offboarding polls.
      if (++polls === 3) w.clock.advance(31_000);
      return tryAcquire(id);
    };
    const report = await archiveMailboxCompletely(mbx, w, { timeoutMs: 10_000, pollMs: 10 });
    expect(polls).toBe(3);
    expect(report.complete).toBe(true);
    expect(w.index.entries(mbx)).toHaveLength(ARCHIVABLE);
  });

  it('gives up when the lock stays held, having archived nothing', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    w.lock.holdElsewhere(mbx, 3600);
    await expect(archiveMailboxCompletely(mbx, w, { timeoutMs: 100, pollMs: 20 })).rejects.toThrow('Timed out waiting for the mailbox lock');
    expect(w.mail.requests).toEqual([]);
    expect(w.index.entries()).toEqual([]);
    expect(w.lock.isHeld(mbx)).toBe(true);
  });
});
