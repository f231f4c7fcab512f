import { actorOf, NOT_FOUND, type NotFound, type Requester } from './access';
import type { AuditLog } from './audit';
import type { LegalHold, LegalHoldInput } from './legal-hold';
import type { LegalHolds } from './legal-holds';

/** Legal holds as RecordsManagers ask for them: listed, created and released, each change audited. */
export class HoldRequests {
  constructor(private readonly holds: LegalHolds, private readonly audit: AuditLog) {}

  list(): Promise<LegalHold[]> {
    return this.holds.list();
  }

  async create(requester: Requester, input: LegalHoldInput): Promise<LegalHold> {
    const hold = await this.holds.create(input, requester.oid);
    await this.audit.record(actorOf(requester), 'hold-create', { holdId: hold.id, resultCount: hold.appliedCount });
    return hold;
  }

  async release(requester: Requester, id: string): Promise<{ kind: 'ok'; hold: LegalHold } | NotFound> {
    const hold = await this.holds.release(id, requester.oid);
    if (!hold) return NOT_FOUND;
    await this.audit.record(actorOf(requester), 'hold-release', { holdId: hold.id });
    return { kind: 'ok', hold };
  }
}
