import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../ports';
import { AuditRecord, type Actor, type AuditAction, type AuditPage, type AuditQuery, type AuditTarget } from './audit-record';

export { AuditAction, AuditRecord, AuditTarget, SYSTEM_ACTOR, type Actor, type AuditPage, type AuditQuery } from './audit-record';

/**
 * The access log of the archive (records in audit-record.ts): every search, view, download, export,
 * hold and disposition, who and when. Records are checked against the strict schema before they
 * are stored, so nothing outside it (no content) can be written through here.
 */
export class AuditLog {
  constructor(private readonly trail: AuditTrail, private readonly now: () => Date = () => new Date()) {}

  /** Writes one record; the strict schema rejects anything outside it (a programming error). */
  async record(actor: Actor, action: AuditAction, target: AuditTarget, outcome: 'allowed' | 'denied' = 'allowed'): Promise<AuditRecord> {
    const at = this.now().toISOString();
    const record = AuditRecord.parse({ id: randomUUID(), pk: at.slice(0, 7), type: 'audit', at, actor: actor.oid, actorKind: actor.kind, action, outcome, target });
    await this.trail.append(record);
    return record;
  }

  /** Newest first, a page at a time (the continuation is the trail's own, opaque). */
  query(q: AuditQuery): Promise<AuditPage> {
    return this.trail.query(q);
  }
}
