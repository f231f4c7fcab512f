import { randomBytes } from 'node:crypto';

/** Why Graph reports an object as removed: "changed" = soft-deleted (restorable), "deleted" = gone for good. */
export type RemovedReason = 'changed' | 'deleted';

export interface DirectoryChange {
  seq: number;
  kind: 'user' | 'group';
  id: string;
  /** Graph property names that changed; empty for a membership-only change. */
  properties: string[];
  created?: boolean;
  removed?: RemovedReason;
  /** For a manager change: the manager before it (to report a removed manager). */
  previousManagerId?: string | null;
  /** For a group: members added (removed: false) or removed (removed: true). */
  members?: Array<{ id: string; removed: boolean }>;
}

/** The net change to one object over a range of the log. */
export interface MergedChange {
  id: string;
  created: boolean;
  removed?: RemovedReason;
  properties: Set<string>;
  /** Manager at the start of the range, when the manager changed in it. */
  managerBefore?: string | null;
  /** Last membership event per member in the range. */
  members: Map<string, boolean>;
}

/**
 * The directory's change log (users and groups), which users/delta and groups/delta tokens encode a
 * position in. Tokens are positions, not cursors: the same deltaLink replays the same changes until
 * the tokens are expired, as Entra ID's do.
 */
export class DirectoryLog {
  private readonly changes: DirectoryChange[] = [];
  private seq = 0;
  /** Tokens older than this position are expired (Entra keeps sync state seven days). */
  minValidSeq = 0;
  /** Changes on every reset: tokens from an earlier generation are unknown. */
  readonly generation = randomBytes(6).toString('base64url');

  get position(): number {
    return this.seq;
  }

  record(change: Omit<DirectoryChange, 'seq'>): void {
    this.changes.push({ ...change, seq: ++this.seq });
  }

  userCreated(id: string): void {
    this.record({ kind: 'user', id, properties: [], created: true });
  }

  userChanged(id: string, properties: string[], previousManagerId?: string | null): void {
    if (properties.length > 0) this.record({ kind: 'user', id, properties, previousManagerId });
  }

  userRemoved(id: string, reason: RemovedReason): void {
    this.record({ kind: 'user', id, properties: [], removed: reason });
  }

  groupChanged(id: string, properties: string[]): void {
    if (properties.length > 0) this.record({ kind: 'group', id, properties });
  }

  membersChanged(groupId: string, added: string[], removed: string[]): void {
    if (added.length + removed.length === 0) return;
    this.record({ kind: 'group', id: groupId, properties: [], members: [...added.map((id) => ({ id, removed: false })), ...removed.map((id) => ({ id, removed: true }))] });
  }

  groupRemoved(id: string, reason: RemovedReason): void {
    this.record({ kind: 'group', id, properties: [], removed: reason });
  }

  /** Expires every delta and skip token issued so far (the restart path of a sync). */
  expireDeltaTokens(): void {
    // Advance the position so tokens handed out from now on stay valid while every older one expires.
    this.seq++;
    this.minValidSeq = this.seq;
  }

  /** Net changes to users or groups in (fromSeq, toSeq], one entry per object. */
  merged(kind: 'user' | 'group', fromSeq: number, toSeq: number): Map<string, MergedChange> {
    const out = new Map<string, MergedChange>();
    for (const change of this.changes) {
      if (change.kind !== kind || change.seq <= fromSeq || change.seq > toSeq) continue;
      let entry = out.get(change.id);
      if (!entry) {
        entry = { id: change.id, created: false, properties: new Set(), members: new Map() };
        out.set(change.id, entry);
      }
      if (change.created) {
        entry.created = true;
        entry.removed = undefined;
      }
      if (change.removed) entry.removed = change.removed;
      for (const property of change.properties) entry.properties.add(property);
      if (change.properties.includes('manager') && entry.managerBefore === undefined) entry.managerBefore = change.previousManagerId ?? null;
      for (const member of change.members ?? []) entry.members.set(member.id, member.removed);
    }
    return out;
  }
}
