import type { ArchiveSubscription, CaptureMode, FailedMessage, MailboxRecord, MailboxRun, MailboxCheckpoint, RunError } from '../model';
import type { FolderIndex, MailboxStateReader } from '../ports';

/**
 * Proof of completeness: per mailbox and folder, the entries archived and still present in the
 * folder against the folder's totalItemCount as the latest run found it (saved as each run starts,
 * even a run that then fails), with the folders that fall short listed as gaps; per mailbox the
 * last successful run, the lag (how far behind "now" the archive is known complete), the last
 * errors, and the messages the last run left behind (ids and error), from capture's MailboxRun.
 * A mailbox is complete only when nothing falls short, nothing was left behind and its last run
 * did not fail: counts alone can hide a missing message behind an extra one.
 */
export interface FolderCompleteness {
  folderId: string;
  folderPath: string;
  totalItemCount: number;
  archived: number;
  /** totalItemCount - archived when positive: messages in the mailbox not (yet) in the archive. */
  missing: number;
  lastRoundCompletedAt: string | null;
}

export interface MailboxCompleteness {
  mailboxId: string;
  displayName: string | null;
  kind: MailboxRecord['kind'] | null;
  goneAt: string | null;
  folders: FolderCompleteness[];
  gaps: FolderCompleteness[];
  totalItemCount: number;
  archived: number;
  lastRunAt: string | null;
  lastOutcome: MailboxRun['lastOutcome'];
  lastSuccessAt: string | null;
  /** Seconds between now and the moment up to which the mailbox is known archived; null before the first complete run. */
  lagSeconds: number | null;
  errors: RunError[];
  /** Messages the last run could not archive, with the error (ids and codes only). */
  failedMessages: FailedMessage[];
  complete: boolean;
  /** How capture learns of the mailbox's changes (listening, polling, repairing; docs/decisions/0018); null before it is decided. */
  captureMode?: CaptureMode | null;
}

export async function completenessReport(sources: { mailboxes: MailboxStateReader; index: FolderIndex; modes?: { all(): Promise<ArchiveSubscription[]> } }, now: Date, onlyMailbox?: string): Promise<MailboxCompleteness[]> {
  const docs = await sources.mailboxes.documents(onlyMailbox);
  const modes = sources.modes ? new Map((await sources.modes.all()).map((m) => [m.mailboxId, m.mode])) : undefined;
  const byMailbox = new Map<string, { record?: MailboxRecord; run?: MailboxRun; checkpoints: MailboxCheckpoint[] }>();
  for (const doc of docs) {
    const slot = byMailbox.get(doc.mailboxId) ?? { checkpoints: [] };
    if (doc.type === 'mailbox') slot.record = doc;
    else if (doc.type === 'run') slot.run = doc;
    else if (doc.type === 'checkpoint') slot.checkpoints.push(doc);
    byMailbox.set(doc.mailboxId, slot);
  }
  const report: MailboxCompleteness[] = [];
  for (const [mailboxId, { record, run, checkpoints }] of byMailbox) {
    const folders: FolderCompleteness[] = [];
    for (const c of checkpoints.filter((c) => !c.folderGone)) {
      const archived = await sources.index.countPresentInFolder(mailboxId, c.folderId);
      folders.push({ folderId: c.folderId, folderPath: c.folderPath, totalItemCount: c.totalItemCount, archived, missing: Math.max(0, c.totalItemCount - archived), lastRoundCompletedAt: c.lastRoundCompletedAt });
    }
    folders.sort((a, b) => a.folderPath.localeCompare(b.folderPath));
    const gaps = folders.filter((f) => f.missing > 0);
    report.push({
      mailboxId,
      displayName: record?.displayName ?? null,
      kind: record?.kind ?? null,
      goneAt: record?.goneAt ?? null,
      folders,
      gaps,
      totalItemCount: folders.reduce((n, f) => n + f.totalItemCount, 0),
      archived: folders.reduce((n, f) => n + f.archived, 0),
      lastRunAt: run?.lastRunEndedAt ?? run?.lastRunStartedAt ?? null,
      lastOutcome: run?.lastOutcome ?? null,
      lastSuccessAt: run?.lastSuccessAt ?? null,
      lagSeconds: run?.caughtUpTo ? Math.max(0, Math.round((now.getTime() - Date.parse(run.caughtUpTo)) / 1000)) : null,
      errors: run?.errors ?? [],
      failedMessages: run?.failedMessages ?? [],
      complete: gaps.length === 0 && Boolean(run?.lastSuccessAt) && run?.lastOutcome !== 'failed' && !run?.failedMessages?.length,
      ...(modes ? { captureMode: modes.get(mailboxId) ?? null } : {}),
    });
  }
  return report.sort((a, b) => (a.displayName ?? a.mailboxId).localeCompare(b.displayName ?? b.mailboxId));
}
