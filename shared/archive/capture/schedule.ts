import { MODEL_VERSION, type MailboxRecord } from '../model';
import type { Directory, MailboxStateStore, SubscriptionStore, WorkQueue } from '../ports';

/**
 * With change notifications (docs/decisions/0018), a `listening` mailbox is only swept every
 * `sweepMinutes` (a safety net for notifications Graph dropped); `polling` and `repairing` ones, and
 * those without a subscription record, keep the schedule's cadence.
 */
export interface ScheduleCadence {
  subscriptions: SubscriptionStore;
  sweepMinutes: number;
}

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
export async function scheduleMailboxRuns(
  deps: { directory: Directory; state: MailboxStateStore; queue: WorkQueue },
  occurrence: Date,
  waves?: { size: number; spreadSeconds: number },
  cadence?: ScheduleCadence,
): Promise<{ enqueued: number; inScope: number; listeningSkipped?: number }> {
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
  let due = [...known.values()].filter((m) => !m.goneAt);
  let listeningSkipped = 0;
  if (cadence) {
    const modes = new Map((await cadence.subscriptions.all()).map((r) => [r.mailboxId, r]));
    const sweepMs = cadence.sweepMinutes * 60_000;
    const swept: string[] = [];
    due = due.filter((m) => {
      const r = modes.get(m.mailboxId);
      if (r?.mode !== 'listening') return true;
      if (r.lastSweepAt && occurrence.getTime() - Date.parse(r.lastSweepAt) < sweepMs) {
        listeningSkipped++;
        return false;
      }
      swept.push(m.mailboxId);
      return true;
    });
    // Re-read before writing: the worker or the subscriptions timer may have changed the record since.
    for (const mailboxId of swept) {
      const r = await cadence.subscriptions.get(mailboxId);
      if (r) await cadence.subscriptions.save({ ...r, lastSweepAt: now, updatedAt: now });
    }
  }
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
  return { enqueued: due.length, inScope: inScope.length, ...(cadence ? { listeningSkipped } : {}) };
}
