import type { ActualNode, ActualSpace, DesiredSpace, Operation } from '../../shared/collaboration/model';
import type { ProjectSpaceInfo, RosterEntry } from '../../shared/collaboration/plan';
import {
  SpaceRecordConflict,
  type CollaborationDirectory, type DocumentSource, type OperationResult, type ProjectSource, type RosterStore, type SpaceReader, type SpaceRecord, type SpaceStore, type SpaceWriter,
} from '../../shared/collaboration/ports';
import type { CollaborationAudit, CollaborationAuditAction } from '../../shared/collaboration/audit-record';

/**
 * In-memory fakes of the collaboration ports for use-case tests: a tiny tenant (teams, folders,
 * grants, labels, files) that the fake reader and writer share, so an apply can be read back.
 */
interface FakeItem {
  id: string;
  parentId: string | null;
  name: string;
  folder: boolean;
  permissions: Array<{ permissionId: string; principal: { kind: 'user' | 'group'; id: string }; roles: string[] }>;
  label: string | null;
  cTag: number;
}

interface FakeTeam {
  id: string;
  displayName: string;
  label: string | null;
  rootId: string;
  members: Map<string, { membershipId: string; owner: boolean }>;
  channels: Array<{ id: string; name: string }>;
  /** Reads before the team shows up (Teams' creation lag). */
  lagReads: number;
}

export class FakeCollaborationTenant implements SpaceReader, SpaceWriter {
  readonly teams = new Map<string, FakeTeam>();
  readonly items = new Map<string, FakeItem>();
  readonly applied: Operation[] = [];
  /** Throws before applying the operation with this index (1-based count of writes): a crash. */
  crashAtWrite: number | null = null;
  /** Operations that answer with a refusal. */
  refuse = new Set<Operation['kind']>();
  teamLagReads = 1;
  private next = 1;

  private id(prefix: string) {
    return `${prefix}-${this.next++}`;
  }

  private children(parentId: string) {
    return [...this.items.values()].filter((i) => i.parentId === parentId);
  }

  private pathOf(item: FakeItem): string {
    const parts: string[] = [];
    let current: FakeItem | undefined = item;
    while (current && current.parentId !== null) {
      parts.unshift(current.name);
      current = this.items.get(current.parentId);
    }
    return `/${parts.join('/')}`;
  }

  async read(desired: DesiredSpace, record: SpaceRecord): Promise<ActualSpace> {
    const empty = (state: ActualSpace['state']): ActualSpace => ({ key: desired.key, state, teamId: record.teamId, displayName: null, sensitivityLabel: null, members: [], channels: [], nodes: new Map(), droppedNodes: [] });
    if (!record.teamId) return empty('absent');
    const team = this.teams.get(record.teamId);
    if (!team) return empty('absent');
    if (team.lagReads > 0) {
      team.lagReads--;
      return empty('provisioning');
    }
    const nodes = new Map<string, ActualNode>();
    const itemFor = new Map<string, FakeItem>();
    for (const node of desired.nodes) {
      const parentId = node.parentKey === null ? team.rootId : itemFor.get(node.parentKey)?.id;
      if (!parentId) continue;
      const recorded = record.nodes[node.key] ? this.items.get(record.nodes[node.key]!.itemId) : undefined;
      const item = recorded ?? this.children(parentId).find((c) => c.folder && c.name.toLowerCase() === node.name.toLowerCase());
      if (!item) continue;
      itemFor.set(node.key, item);
      const childKeys = new Set(desired.nodes.filter((n) => n.parentKey === node.key).map((n) => n.key));
      const children = this.children(item.id);
      const desiredChildIds = new Set([...childKeys].map((k) => record.nodes[k]?.itemId).filter(Boolean));
      const desiredChildNames = new Set(desired.nodes.filter((n) => n.parentKey === node.key).map((n) => n.name.toLowerCase()));
      nodes.set(node.key, {
        key: node.key,
        itemId: item.id,
        name: item.name,
        permissions: item.permissions.map((p) => ({ ...p })),
        retentionLabel: item.label,
        files: children.filter((c) => !c.folder).map((c) => {
          const placed = Object.values(record.documents).find((d) => d.itemId === c.id);
          return { itemId: c.id, name: c.name, cTag: String(c.cTag), placedSha256: placed?.sha256 ?? null, placedCTag: placed?.cTag ?? null };
        }),
        unknownFolders: children.filter((c) => c.folder && !desiredChildIds.has(c.id) && !desiredChildNames.has(c.name.toLowerCase())).map((c) => c.name),
        path: this.pathOf(item),
      });
    }
    const desiredKeys = new Set(desired.nodes.map((n) => n.key));
    return {
      key: desired.key,
      state: 'ready',
      teamId: team.id,
      displayName: team.displayName,
      sensitivityLabel: team.label,
      members: [...team.members.entries()].map(([userId, m]) => ({ userId, membershipId: m.membershipId, owner: m.owner })),
      channels: team.channels.map((c) => ({ ...c })),
      nodes,
      droppedNodes: Object.entries(record.nodes).filter(([key]) => !desiredKeys.has(key)).map(([key, n]) => ({ key, path: this.items.get(n.itemId) ? this.pathOf(this.items.get(n.itemId)!) : key })),
    };
  }

  async apply(op: Operation, _desired: DesiredSpace, record: SpaceRecord): Promise<OperationResult> {
    if (this.crashAtWrite !== null && this.applied.length + 1 === this.crashAtWrite) {
      this.crashAtWrite = null;
      throw new Error('simulated crash');
    }
    if (this.refuse.has(op.kind)) return { outcome: 'failed', reason: `${op.kind} refused` };
    const team = record.teamId ? this.teams.get(record.teamId) : undefined;
    if (op.kind !== 'create-team' && (!team || team.lagReads > 0)) return { outcome: 'wait', retryAfterMs: 10 };
    this.applied.push(op);
    const item = (nodeKey: string) => this.items.get(record.nodes[nodeKey]?.itemId ?? '');
    switch (op.kind) {
      case 'create-team': {
        const rootId = this.id('root');
        this.items.set(rootId, { id: rootId, parentId: null, name: 'root', folder: true, permissions: [], label: null, cTag: 1 });
        const id = this.id('team');
        this.teams.set(id, { id, displayName: op.displayName, label: null, rootId, members: new Map(op.owners.map((u) => [u, { membershipId: this.id('m'), owner: true }])), channels: [], lagReads: this.teamLagReads });
        return { outcome: 'wait', retryAfterMs: 10, update: { teamId: id, teamRequestedAt: new Date().toISOString() } };
      }
      case 'add-member':
        if (!team!.members.has(op.userId)) team!.members.set(op.userId, { membershipId: this.id('m'), owner: op.owner });
        return { outcome: 'done' };
      case 'remove-member':
        team!.members.delete(op.userId);
        return { outcome: 'done' };
      case 'set-owner':
        team!.members.get(op.userId)!.owner = op.owner;
        return { outcome: 'done' };
      case 'create-channel':
      case 'create-folder': {
        const parentId = op.kind === 'create-channel' ? team!.rootId : item(op.parentKey)?.id;
        if (!parentId) return { outcome: 'wait', retryAfterMs: 10 };
        const existing = this.children(parentId).find((c) => c.name.toLowerCase() === op.name.toLowerCase());
        const created = existing ?? { id: this.id('item'), parentId, name: op.name, folder: true, permissions: [], label: null, cTag: 1 };
        this.items.set(created.id, created);
        let channelId: string | null = null;
        if (op.kind === 'create-channel') {
          channelId = team!.channels.find((c) => c.name === op.name)?.id ?? this.id('channel');
          if (!team!.channels.some((c) => c.id === channelId)) team!.channels.push({ id: channelId, name: op.name });
        }
        return { outcome: 'done', update: { node: { key: op.nodeKey, itemId: created.id, channelId } } };
      }
      case 'rename':
        this.items.get(op.itemId)!.name = op.to;
        return { outcome: 'done' };
      case 'grant': {
        const target = item(op.nodeKey)!;
        if (!target.permissions.some((p) => p.principal.id === op.principal.id)) target.permissions.push({ permissionId: this.id('perm'), principal: op.principal, roles: [op.role] });
        else target.permissions.find((p) => p.principal.id === op.principal.id)!.roles = [op.role];
        return { outcome: 'done' };
      }
      case 'revoke': {
        const target = item(op.nodeKey)!;
        target.permissions = target.permissions.filter((p) => p.permissionId !== op.permissionId);
        return { outcome: 'done' };
      }
      case 'set-retention-label':
        item(op.nodeKey)!.label = op.label;
        return { outcome: 'done' };
      case 'place-document': {
        const folder = item(op.nodeKey)!;
        const existing = this.children(folder.id).find((c) => c.name === op.fileName);
        const file = existing ?? { id: this.id('file'), parentId: folder.id, name: op.fileName, folder: false, permissions: [], label: null, cTag: 0 };
        file.cTag++;
        this.items.set(file.id, file);
        return { outcome: 'done', update: { document: { slot: `${op.nodeKey}|${op.documentKey}`, itemId: file.id, sha256: op.sha256, cTag: String(file.cTag), version: op.version } } };
      }
    }
  }

  /** A person labels every team (the app may not). */
  labelTeams(label: string): void {
    for (const team of this.teams.values()) team.label = label;
  }

  /** Finds a folder by its path of names from a team's root. */
  folder(teamId: string, ...names: string[]): FakeItem {
    let current = this.items.get(this.teams.get(teamId)!.rootId)!;
    for (const name of names) current = this.children(current.id).find((c) => c.name === name)!;
    return current;
  }

  addFile(parent: FakeItem, name: string): void {
    const id = this.id('file');
    this.items.set(id, { id, parentId: parent.id, name, folder: false, permissions: [], label: null, cTag: 1 });
  }
}

export class MemorySpaceStore implements SpaceStore {
  readonly records = new Map<string, { record: SpaceRecord; etag: string }>();
  private version = 0;

  async get(key: string) {
    const found = this.records.get(key);
    return found ? { record: structuredClone(found.record), etag: found.etag } : undefined;
  }

  async save(record: SpaceRecord, etag?: string): Promise<string> {
    const current = this.records.get(record.key);
    if (current && current.etag !== etag) throw new SpaceRecordConflict(record.key);
    if (!current && etag !== undefined) throw new SpaceRecordConflict(record.key);
    const next = String(++this.version);
    this.records.set(record.key, { record: structuredClone(record), etag: next });
    return next;
  }

  async all() {
    return [...this.records.values()].map((r) => structuredClone(r.record));
  }
}

export class MemoryRoster implements RosterStore {
  readonly entries = new Map<string, RosterEntry & { version: number }>();

  constructor(initial: RosterEntry[] = []) {
    for (const e of initial) this.entries.set(e.personId, { ...e, version: 1 });
  }

  async all() {
    return [...this.entries.values()].map(({ version: _v, ...e }) => e);
  }

  async get(personId: string) {
    return this.entries.get(personId);
  }

  async put(entry: RosterEntry & { version: number }) {
    const held = this.entries.get(entry.personId);
    if (held && held.version >= entry.version) return false;
    this.entries.set(entry.personId, entry);
    return true;
  }
}

export class MemoryProjects implements ProjectSource {
  constructor(readonly projects: ProjectSpaceInfo[] = []) {}
  async approvedProjects() {
    return this.projects;
  }
}

export class FakeDirectory implements CollaborationDirectory {
  constructor(readonly groups: Record<string, string>) {}
  async groupIds(names: string[]) {
    return new Map(names.filter((n) => this.groups[n]).map((n) => [n, this.groups[n]!]));
  }
}

export class FakeDocuments implements DocumentSource {
  constructor(readonly hashesByKey: Record<string, string>) {}
  async hashes() {
    return new Map(Object.entries(this.hashesByKey));
  }
  async bytes(key: string) {
    return Buffer.from(key);
  }
}

export class MemoryCollaborationAudit implements CollaborationAudit {
  readonly records: Array<{ action: CollaborationAuditAction; target: Record<string, unknown> }> = [];
  async record(_actor: unknown, action: CollaborationAuditAction, target: Record<string, unknown>) {
    this.records.push({ action, target });
  }
}
