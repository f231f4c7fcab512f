import type { ExportQueue, MailboxStateReader } from '../ports';
import { SYSTEM_ACTOR } from './audit-record';
import { actorOf, NOT_FOUND, type NotFound, type Requester } from './access';
import { isMailboxId } from './mailbox-id';
import type { AuditLog } from './audit';
import type { HoldJob, LegalHold, LegalHoldInput } from './legal-hold';
import type { LegalHolds } from './legal-holds';

/** Mailboxes of a hold request the archive does not know, by their position in the request. */
export type UnknownMailboxes = { kind: 'unknown-mailboxes'; positions: number[] };

/**
 * Legal holds as RecordsManagers ask for them: listed, created and released, each change audited.
 * A hold may only name mailboxes the archive knows (capture's records): a typo or a name typed in
 * place of an id would otherwise make a hold that silently holds nothing.
 */
export class HoldRequests {
  constructor(
    private readonly holds: LegalHolds,
    private readonly audit: AuditLog,
    private readonly mailboxes?: MailboxStateReader,
    /** Where the job applying a new hold goes; without one (tests of the rules), it is applied at once. */
    private readonly queue?: ExportQueue,
  ) {}

  get(id: string): Promise<LegalHold | undefined> {
    return this.holds.get(id);
  }

  /** One delivery of a hold's job (the records worker): applied, and its end audited. */
  async apply(job: HoldJob): Promise<Awaited<ReturnType<LegalHolds['runApply']>>> {
    const result = await this.holds.runApply(job.holdId);
    if (result.outcome === 'completed') await this.audit.record(SYSTEM_ACTOR, 'hold-apply-complete', { holdId: job.holdId, resultCount: result.appliedCount });
    return result;
  }

  list(): Promise<LegalHold[]> {
    return this.holds.list();
  }

  async create(requester: Requester, input: LegalHoldInput): Promise<{ kind: 'ok'; hold: LegalHold } | UnknownMailboxes> {
    const positions: number[] = [];
    for (const [i, mailboxId] of input.mailboxes.entries()) {
      if (this.mailboxes && !(isMailboxId(mailboxId) && (await this.mailboxes.mailbox(mailboxId)))) positions.push(i);
    }
    if (positions.length) return { kind: 'unknown-mailboxes', positions };
    if (!this.queue) {
      const hold = await this.holds.create(input, requester.oid);
      await this.audit.record(actorOf(requester), 'hold-create', { holdId: hold.id, resultCount: hold.appliedCount });
      return { kind: 'ok', hold };
    }
    // Stored (and honoured) now; its entries are tagged by a background job: a large mailbox takes
    // longer than an HTTP request may last. The start is audited here, the end by the job.
    const hold = await this.holds.record(input, requester.oid);
    await this.audit.record(actorOf(requester), 'hold-create', { holdId: hold.id });
    try {
      await this.queue.enqueue({ holdId: hold.id }, { messageId: `${hold.id}:apply` });
    } catch (error) {
      await this.holds.markApplyFailed(hold.id).catch(() => undefined);
      throw error;
    }
    return { kind: 'ok', hold };
  }

  async release(requester: Requester, id: string): Promise<{ kind: 'ok'; hold: LegalHold } | NotFound> {
    const hold = await this.holds.release(id, requester.oid);
    if (!hold) return NOT_FOUND;
    await this.audit.record(actorOf(requester), 'hold-release', { holdId: hold.id });
    return { kind: 'ok', hold };
  }
}
