import type { MailboxChoice, MailboxStateReader } from '../ports';
import type { Requester } from './access';

/**
 * The mailboxes a person may pick by name (the archive page's picker): a RecordsManager any
 * archived mailbox, staff only their own (Graph user id = Entra object id), as for search.
 */
export async function mailboxChoices(mailboxes: Pick<MailboxStateReader, 'findMailboxes'>, requester: Requester, lookup: { search?: string; pageSize: number }): Promise<MailboxChoice[]> {
  return mailboxes.findMailboxes({ ...lookup, ...(requester.recordsManager ? {} : { onlyMailboxId: requester.oid }) });
}

const collator = new Intl.Collator('fr-CA', { sensitivity: 'base' });

/** By name, then address, as French speakers sort (É beside E, not after z). */
export function sortChoices(choices: MailboxChoice[]): MailboxChoice[] {
  return choices.sort((a, b) => collator.compare(a.displayName, b.displayName) || collator.compare(a.address, b.address));
}
