import type { MailboxArchiver } from './mailbox-archiver';
import type { MailboxLock, MailboxStateStore, MessageIndex } from '../ports';

export interface OffboardingReport {
  mailboxId: string;
  /** True when no message was left behind and every folder's archived count reaches Graph's totalItemCount. */
  complete: boolean;
  folders: Array<{ path: string; totalItemCount: number; archived: number; missing: number }>;
  archivedAt: string;
}

/**
 * "Archive this mailbox completely now and report completeness", for the rollout (offboarding)
 * orchestrations: waits for the mailbox's lock (a scheduled run may hold it), archives until the
 * mailbox is caught up (continuing past the usual run length), then compares each folder's
 * archived entries with the folder's count in Graph.
 */
export async function archiveMailboxCompletely(
  mailboxId: string,
  deps: { archiver: MailboxArchiver; lock: MailboxLock; state: Pick<MailboxStateStore, 'mailbox'>; index: MessageIndex & { countPresentInFolder?(mailboxId: string, folderId: string): Promise<number> } },
  options: { timeoutMs: number; pollMs?: number },
): Promise<OffboardingReport> {
  const deadline = Date.now() + options.timeoutMs;
  let lease = await deps.lock.tryAcquire(mailboxId);
  while (!lease) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for the mailbox lock');
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2_000));
    lease = await deps.lock.tryAcquire(mailboxId);
  }
  // A renewal that fails means another run may have the mailbox now: stop at the next message
  // rather than archive beside it.
  let lost: unknown;
  const renew = setInterval(() => void lease.renew().catch((error: unknown) => (lost ??= error)), 5_000);
  const checkAlive = () => {
    if (lost) throw lost;
  };
  try {
    // The mailbox's service decides its messages' retention rule (as on the queue path).
    const mailbox = await deps.state.mailbox(mailboxId);
    for (;;) {
      const result = await deps.archiver.archive(mailboxId, { deadline, checkAlive, ...(mailbox ? { mailbox } : {}) });
      if (result.outcome === 'continue') throw new Error('Timed out before the mailbox was fully archived');
      const folders = [];
      for (const f of result.folders) {
        const archived = deps.index.countPresentInFolder ? await deps.index.countPresentInFolder(mailboxId, f.folderId) : 0;
        folders.push({ path: f.path, totalItemCount: f.totalItemCount, archived, missing: Math.max(0, f.totalItemCount - archived) });
      }
      // A message left behind is missing whatever the counts say (another message may make up the number).
      return { mailboxId, complete: result.leftBehind.length === 0 && folders.every((f) => f.missing === 0), folders, archivedAt: new Date().toISOString() };
    }
  } finally {
    clearInterval(renew);
    await lease.release();
  }
}
