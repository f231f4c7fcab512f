import type { MessageEntry } from '../model';
import type { SearchableIndex } from '../ports';
import type { AuditLog } from './audit';
import type { Actor, AuditAction } from './audit-record';
import { isMailboxId } from './mailbox-id';
import { loadEntry, mailboxOfRef } from './read';

/**
 * Who may see which mailbox (docs/decisions/0006-archive-records.md, "Search, read, export"): staff
 * only their own (Graph user id = Entra object id), a RecordsManager any mailbox or all. The
 * decision is made on the mailbox alone, before anything is read, and a refusal is audited.
 */

/** Who asks, as the access rules see them (the role check itself is the HTTP layer's). */
export interface Requester {
  oid: string;
  kind: 'user' | 'app';
  recordsManager: boolean;
}

export type Forbidden = { kind: 'forbidden' };
export type NotFound = { kind: 'not-found' };
export const FORBIDDEN: Forbidden = { kind: 'forbidden' };
export const NOT_FOUND: NotFound = { kind: 'not-found' };

export function actorOf(requester: Requester): Actor {
  return { oid: requester.oid, kind: requester.kind };
}

export class ArchiveAccess {
  constructor(private readonly audit: AuditLog, private readonly index: SearchableIndex) {}

  /**
   * The mailbox the requester may work in for `requested`: a RecordsManager gets what was asked
   * (undefined: every mailbox), staff their own; staff asking for another's are refused (audited).
   */
  async mailboxScope(requester: Requester, requested: string | undefined, action: AuditAction): Promise<{ kind: 'ok'; mailboxId: string | undefined } | Forbidden> {
    if (requester.recordsManager) return { kind: 'ok', mailboxId: requested };
    if (requested && requested.toLowerCase() !== requester.oid.toLowerCase()) {
      // The id is recorded only when it is one: whatever else was typed in its place is not.
      await this.audit.record(actorOf(requester), action, isMailboxId(requested) ? { mailboxId: requested } : {}, 'denied');
      return FORBIDDEN;
    }
    return { kind: 'ok', mailboxId: requester.oid };
  }

  /** The entry a ref names, read only once the requester is known to be allowed to see its mailbox. */
  async entryFor(requester: Requester, ref: string, action: AuditAction): Promise<{ kind: 'ok'; entry: MessageEntry } | Forbidden | NotFound> {
    const mailboxId = mailboxOfRef(ref);
    if (!mailboxId) return NOT_FOUND;
    const scope = await this.mailboxScope(requester, mailboxId, action);
    if (scope.kind !== 'ok') return scope;
    const entry = await loadEntry(this.index, ref);
    return entry ? { kind: 'ok', entry } : NOT_FOUND;
  }
}
