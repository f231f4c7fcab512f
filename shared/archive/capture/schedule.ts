import { MODEL_VERSION, type MailboxRecord } from '../model';
import type { Directory, MailboxStateStore, WorkQueue } from '../ports';

/**
 * The timer's job: refresh the scope from the directory and enqueue one work item per mailbox.
 * Mailboxes the archive already knows stay scheduled after they leave the group or their account
 * is disabled, until Graph says the mailbox is gone. The message id names the mailbox and the
 * occurrence, so a repeated tick is dropped by the broker's duplicate detection.
 *
 * With `waves`, the items are released in waves of `size` (scheduled messages, not active until
 * their time), spread evenly over `spreadSeconds`: Service Bus scaling counts active messages, so
 * 500 mailboxes at once would ask for ~32 instances that then queue on the 4 app-wide Graph slots.
 */
export async function scheduleMailboxRuns(deps: { directory: Directory; state: MailboxStateStore; queue: WorkQueue }, occurrence: Date, waves?: { size: number; spreadSeconds: number }): Promise<{ enqueued: number; inScope: number }> {
  const now = occurrence.toISOString();
  const inScope = await deps.directory.mailboxesInScope();
  const known = new Map((await deps.state.allMailboxes()).map((m) => [m.mailboxId, m]));
  for (const m of inScope) {
    const previous = known.get(m.mailboxId);
    const record: MailboxRecord = {
      id: 'mailbox', type: 'mailbox', mailboxId: m.mailboxId, address: m.address, displayName: m.displayName, kind: m.kind,
      accountEnabled: m.accountEnabled, department: m.department, firstSeenAt: previous?.firstSeenAt ?? now, lastSeenInScopeAt: now, goneAt: previous?.goneAt ?? null, version: MODEL_VERSION,
    };
    await deps.state.saveMailbox(record);
    known.set(m.mailboxId, record);
  }
  const due = [...known.values()].filter((m) => !m.goneAt);
  const count = Math.max(1, Math.ceil(due.length / (waves?.size ?? Infinity)));
  const gapMs = waves && count > 1 ? (waves.spreadSeconds * 1000) / (count - 1) : 0;
  await deps.queue.enqueue(
    due.map((m, i) => {
      const wave = waves ? Math.floor(i / waves.size) : 0;
      return {
        item: { mailboxId: m.mailboxId, reason: 'schedule' as const, runId: `${now}|${m.mailboxId}`, enqueuedAt: now },
        messageId: `${m.mailboxId}|${now}`,
        ...(wave > 0 && gapMs > 0 ? { notBefore: new Date(occurrence.getTime() + Math.round(wave * gapMs)) } : {}),
      };
    }),
  );
  return { enqueued: due.length, inScope: inScope.length };
}
