import type { MailboxStateReader } from '../ports';
import { actorOf, NOT_FOUND, type NotFound, type Requester } from './access';
import { isMailboxId } from './mailbox-id';
import type { AuditLog } from './audit';
import type { LegalHold, LegalHoldInput } from './legal-hold';
import type { LegalHolds } from './legal-holds';

/** Mailboxes of a hold request the archive does not know, by their position in the request. */
export type UnknownMailboxes = { kind: 'unknown-mailboxes'; positions: number[] };

/**
 * Legal holds as RecordsManagers ask for them: listed, created and released, each change audited.
 * A hold may only name mailboxes the archive knows (capture's records): a typo or a name typed in
 * place of an id would otherwise make a hold that silently holds nothing.
 */
export class HoldRequests {
  constructor(private readonly holds: LegalHolds, private readonly audit: AuditLog, private readonly mailboxes?: MailboxStateReader) {}

  list(): Promise<LegalHold[]> {
    return this.holds.list();
  }

  async create(requester: Requester, input: LegalHoldInput): Promise<{ kind: 'ok'; hold: LegalHold } | UnknownMailboxes> {
    const positions: number[] = [];
    for (const [i, mailboxId] of input.mailboxes.entries()) {
      if (this.mailboxes && !(isMailboxId(mailboxId) && (await this.mailboxes.mailbox(mailboxId)))) positions.push(i);
    }
    if (positions.length) return { kind: 'unknown-mailboxes', positions };
    const hold = await this.holds.create(input, requester.oid);
    await this.audit.record(actorOf(requester), 'hold-create', { holdId: hold.id, resultCount: hold.appliedCount });
    return { kind: 'ok', hold };
  }

  async release(requester: Requester, id: string): Promise<{ kind: 'ok'; hold: LegalHold } | NotFound> {
    const hold = await this.holds.release(id, requester.oid);
    if (!hold) return NOT_FOUND;
    await this.audit.record(actorOf(requester), 'hold-release', { holdId: hold.id });
    return { kind: 'ok', hold };
  }
}
