import { z } from 'zod';

/**
 * A mailbox is named by its Graph user id, which is the person's Entra object id: a GUID. Checked
 * wherever a mailbox id comes from a request, before it can reach the index or the audit log: a
 * name or any other free text typed in its place is refused (400 naming the field), never stored.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const MailboxIdSchema = z.string().trim().regex(GUID);

export function isMailboxId(value: string): boolean {
  return GUID.test(value);
}
