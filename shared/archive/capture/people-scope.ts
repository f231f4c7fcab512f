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
  const known = await deps.state.mailbox(event.personId);
  if (known?.goneAt) return 'ignored';
  if (event.kind === 'left') {
    if (!known || !known.accountEnabled) return 'ignored';
    await deps.state.saveMailbox({ ...known, accountEnabled: false });
    return 'updated';
  }
  if (event.kind !== 'joined' && event.kind !== 'moved') return 'ignored';
  return enrolMailbox(event.personId, `people|${event.id}`, deps, now, known);
}

/**
 * Enrols a person's mailbox in the archive (a record saved, a first run queued when it is new):
 * the people stream's joiners, and the rollout, which enrols every member of a service before it
 * proves their first capture complete. `runId` names the first run, so asking twice queues it once.
 */
export async function enrolMailbox(
  personId: string,
  runId: string,
  deps: { directory: Directory; state: MailboxStateStore; queue: WorkQueue },
  now: Date,
  known?: MailboxRecord,
): Promise<PeopleScopeOutcome> {
  const at = now.toISOString();
  known ??= await deps.state.mailbox(personId);
  if (known?.goneAt) return 'ignored';
  const mailbox = await deps.directory.mailbox(personId);
  if (!mailbox) return 'ignored';
  const record: MailboxRecord = {
    id: 'mailbox', type: 'mailbox', mailboxId: mailbox.mailboxId, address: mailbox.address, displayName: mailbox.displayName, kind: known?.kind ?? mailbox.kind,
    accountEnabled: mailbox.accountEnabled, department: mailbox.department, firstSeenAt: known?.firstSeenAt ?? at, lastSeenInScopeAt: at, goneAt: null, version: MODEL_VERSION,
  };
  await deps.state.saveMailbox(record);
  if (known) return 'updated';
  await deps.queue.enqueue([{ item: { mailboxId: mailbox.mailboxId, reason: 'schedule', runId, enqueuedAt: at }, messageId: `${mailbox.mailboxId}|${runId}` }]);
  return 'enrolled';
}
