import type { PeopleEvent } from '../../people/events';
import { MODEL_VERSION, type MailboxRecord } from '../model';
import type { Directory, MailboxStateStore, WorkQueue } from '../ports';

export type PeopleScopeOutcome = 'enrolled' | 'updated' | 'ignored';

/**
 * The archive's scope follows the people stream: someone who joins has their mailbox enrolled and
 * a first run queued at once (not at the next tick); a move refreshes the mailbox's service, which
 * picks its retention rule; someone who leaves stays archived until Graph says the mailbox is gone,
 * as for everyone the archive knows. Idempotent: a redelivered event saves the same record, and
 * the first run's message id (from the event id) is dropped by the queue's duplicate detection.
 */
export async function followPeopleEvent(event: PeopleEvent, deps: { directory: Directory; state: MailboxStateStore; queue: WorkQueue }, now: Date): Promise<PeopleScopeOutcome> {
  const at = now.toISOString();
  const known = await deps.state.mailbox(event.personId);
  if (known?.goneAt) return 'ignored';
  if (event.kind === 'left') {
    if (!known || !known.accountEnabled) return 'ignored';
    await deps.state.saveMailbox({ ...known, accountEnabled: false });
    return 'updated';
  }
  if (event.kind !== 'joined' && event.kind !== 'moved') return 'ignored';
  const mailbox = await deps.directory.mailbox(event.personId);
  if (!mailbox) return 'ignored';
  const record: MailboxRecord = {
    id: 'mailbox', type: 'mailbox', mailboxId: mailbox.mailboxId, address: mailbox.address, displayName: mailbox.displayName, kind: known?.kind ?? mailbox.kind,
    accountEnabled: mailbox.accountEnabled, department: mailbox.department, firstSeenAt: known?.firstSeenAt ?? at, lastSeenInScopeAt: at, goneAt: null, version: MODEL_VERSION,
  };
  await deps.state.saveMailbox(record);
  if (known) return 'updated';
  await deps.queue.enqueue([{ item: { mailboxId: mailbox.mailboxId, reason: 'schedule', runId: `people|${event.id}`, enqueuedAt: at }, messageId: `${mailbox.mailboxId}|people|${event.id}` }]);
  return 'enrolled';
}
