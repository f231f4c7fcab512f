import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@microsoft/microsoft-graph-client';
import { packageRoot } from '../../platform/package-root';
import type { ActualDocument, ActualMember, ActualNode, ActualPermission, ActualSpace, DesiredSpace, Operation, Principal } from '../model';
import type { CollaborationDirectory, DocumentSource, OperationResult, RecordUpdate, SpaceReader, SpaceRecord, SpaceWriter } from '../ports';
import type { CollaborationTemplateFile } from '../template';
import type { SharePointPacer } from './sharepoint-pacer';
import { isStatus, refusalOf, SpaceGraph } from './space-graph';

/**
 * A space through Microsoft Graph: the Team (members, channels, sensitivity label of its group)
 * and its SharePoint folder tree (folders, explicit permissions, retention labels, placed copies).
 * Folders are found by the drive item ids the space record keeps, else by name under their parent:
 * a crash between a create and the record's save must not create the same folder twice.
 */

interface DriveItemJson {
  id: string;
  name: string;
  cTag?: string;
  folder?: unknown;
  file?: unknown;
  parentReference?: { driveId?: string; id?: string; path?: string };
}

interface PermissionJson {
  id: string;
  roles?: string[];
  inheritedFrom?: unknown;
  grantedToV2?: { user?: { id?: string }; group?: { id?: string } };
}

interface ChannelJson {
  id: string;
  displayName: string;
}

interface MemberJson {
  id: string;
  userId?: string;
  roles?: string[];
}

export interface GraphSpaceOptions {
  /** How long a just-created team may answer 404 (Teams' creation lag; default 15 minutes). */
  teamLagMs?: number;
  /** How long to wait before looking again at a team still being created (default 30 s). */
  teamPollMs?: number;
  now?: () => number;
}

const DEFAULT_LAG_MS = 15 * 60_000;
const DEFAULT_POLL_MS = 30_000;

const itemPath = (driveId: string, itemId: string) => `/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(itemId)}`;
const sameName = (a: string, b: string) => a.toLocaleLowerCase('fr-CA') === b.toLocaleLowerCase('fr-CA');

/** `/drives/{id}/root:/a/b` (Graph's parentReference.path) to `/a/b`. */
function drivePath(parentPath: string | undefined, name: string): string {
  const parent = (parentPath ?? '').replace(/^\/drives\/[^/]+\/root:?/, '');
  return `${parent}/${name}`;
}

function principalOf(p: PermissionJson): Principal | undefined {
  if (p.grantedToV2?.user?.id) return { kind: 'user', id: p.grantedToV2.user.id };
  if (p.grantedToV2?.group?.id) return { kind: 'group', id: p.grantedToV2.group.id };
  return undefined;
}

/** Whether a team id is within its creation lag (a 404 then means "not yet", not "gone"). */
function withinLag(record: SpaceRecord, lagMs: number, now: number): boolean {
  return record.teamRequestedAt !== null && now - Date.parse(record.teamRequestedAt) < lagMs;
}

export class GraphSpaceReader implements SpaceReader {
  private readonly graph: SpaceGraph;
  private readonly lagMs: number;
  private readonly now: () => number;

  constructor(client: Client, pacer: SharePointPacer, options: GraphSpaceOptions = {}) {
    this.graph = new SpaceGraph(client, pacer);
    this.lagMs = options.teamLagMs ?? DEFAULT_LAG_MS;
    this.now = options.now ?? Date.now;
  }

  async read(desired: DesiredSpace, record: SpaceRecord): Promise<ActualSpace> {
    const actual: ActualSpace = { key: desired.key, state: 'absent', teamId: record.teamId, displayName: null, sensitivityLabel: null, members: [], channels: [], nodes: new Map(), droppedNodes: [] };
    if (record.teamId === null) return { ...actual, teamId: null };
    const teamId = record.teamId;
    let team: { displayName: string };
    try {
      team = await this.graph.get(`/teams/${teamId}`);
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      // Within Teams' creation lag a 404 means "not yet"; after it, the team is gone (deleted).
      const provisioning = withinLag(record, this.lagMs, this.now());
      return { ...actual, state: provisioning ? 'provisioning' : 'absent', teamId: provisioning ? teamId : null };
    }
    actual.state = 'ready';
    actual.displayName = team.displayName;
    const [members, channels, label] = await Promise.all([
      this.graph.all<MemberJson>(`/teams/${teamId}/members`),
      this.graph.all<ChannelJson>(`/teams/${teamId}/channels`),
      sensitivityLabelOf(this.graph, teamId),
    ]);
    actual.members = members.filter((m) => m.userId).map((m): ActualMember => ({ membershipId: m.id, userId: m.userId!, owner: (m.roles ?? []).includes('owner') }));
    actual.channels = channels.map((c) => ({ id: c.id, name: c.displayName }));
    actual.sensitivityLabel = label;

    const driveId = record.driveId ?? (await groupDriveId(this.graph, teamId));
    if (driveId === null) return actual;
    await this.readNodes(desired, record, driveId, actual);
    await this.readDropped(desired, record, driveId, actual);
    return actual;
  }

  /**
   * Parents first: one listing of a folder's children finds its files, its desired sub-folders
   * (by recorded id, else by name) and what the template does not know. With the permissions and
   * the retention label, about three reads per node.
   */
  private async readNodes(desired: DesiredSpace, record: SpaceRecord, driveId: string, actual: ActualSpace): Promise<void> {
    const childrenOf = new Map<string, DriveItemJson[]>();
    const pathOf = new Map<string, string>();
    const recordedIds = new Set(Object.values(record.nodes).map((n) => n.itemId));
    const root = await this.graph.all<DriveItemJson>(`/drives/${encodeURIComponent(driveId)}/root/children?$select=id,name,cTag,folder,file,parentReference`);
    childrenOf.set('', root);
    pathOf.set('', '');
    for (const node of desired.nodes) {
      const siblings = childrenOf.get(node.parentKey ?? '');
      if (!siblings) continue;
      const folder = findFolder(siblings, record.nodes[node.key]?.itemId, node.name);
      if (!folder) continue;
      const here = `${pathOf.get(node.parentKey ?? '')}/${folder.name}`;
      const [children, permissions, retentionLabel] = await Promise.all([
        this.graph.all<DriveItemJson>(`${itemPath(driveId, folder.id)}/children?$select=id,name,cTag,folder,file,parentReference`),
        this.graph.all<PermissionJson>(`${itemPath(driveId, folder.id)}/permissions`),
        // Only read when the template asks for a label: the diff leaves other labels alone.
        node.retentionLabel === null ? Promise.resolve(null) : retentionLabelOf(this.graph, driveId, folder.id),
      ]);
      childrenOf.set(node.key, children);
      pathOf.set(node.key, here);
      const childNodes = desired.nodes.filter((n) => n.parentKey === node.key);
      const files = children.filter((c) => c.file !== undefined || c.folder === undefined).map((c): ActualDocument => {
        const placed = Object.entries(record.documents).find(([slot, d]) => slot.startsWith(`${node.key}|`) && d.itemId === c.id)?.[1];
        return { itemId: c.id, name: c.name, cTag: c.cTag ?? '', placedSha256: placed?.sha256 ?? null, placedCTag: placed?.cTag ?? null };
      });
      const unknownFolders = children
        .filter((c) => c.folder !== undefined && !recordedIds.has(c.id))
        .filter((c) => !childNodes.some((n) => findFolder([c], record.nodes[n.key]?.itemId, n.name)))
        .map((c) => c.name);
      const permissionList = permissions
        .filter((p) => p.inheritedFrom === undefined || p.inheritedFrom === null)
        .flatMap((p): ActualPermission[] => {
          const principal = principalOf(p);
          return principal ? [{ permissionId: p.id, principal, roles: p.roles ?? [] }] : [];
        });
      const found: ActualNode = { key: node.key, itemId: folder.id, name: folder.name, permissions: permissionList, retentionLabel, files, unknownFolders, path: here };
      actual.nodes.set(node.key, found);
    }
  }

  private async readDropped(desired: DesiredSpace, record: SpaceRecord, driveId: string, actual: ActualSpace): Promise<void> {
    const wanted = new Set(desired.nodes.map((n) => n.key));
    for (const [key, node] of Object.entries(record.nodes)) {
      if (wanted.has(key)) continue;
      try {
        const item = await this.graph.get<DriveItemJson>(`${itemPath(driveId, node.itemId)}?$select=id,name,parentReference`);
        actual.droppedNodes.push({ key, path: drivePath(item.parentReference?.path, item.name) });
      } catch (e) {
        if (!isStatus(e, 404)) throw e;
      }
    }
  }
}

/** The recorded folder when it is still among the siblings, else the one of that name. */
function findFolder(siblings: DriveItemJson[], recordedId: string | undefined, name: string): DriveItemJson | undefined {
  const folders = siblings.filter((s) => s.folder !== undefined);
  return (recordedId ? folders.find((s) => s.id === recordedId) : undefined) ?? folders.find((s) => sameName(s.name, name));
}

async function retentionLabelOf(graph: SpaceGraph, driveId: string, itemId: string): Promise<string | null> {
  try {
    const label = await graph.get<{ name?: string }>(`${itemPath(driveId, itemId)}/retentionLabel`);
    return label.name ?? null;
  } catch (e) {
    if (isStatus(e, 404)) return null;
    throw e;
  }
}

async function sensitivityLabelOf(graph: SpaceGraph, groupId: string): Promise<string | null> {
  const group = await graph.get<{ assignedLabels?: Array<{ labelId?: string; displayName?: string }> }>(`/groups/${groupId}?$select=assignedLabels`);
  const first = group.assignedLabels?.[0];
  return first ? (first.displayName ?? first.labelId ?? null) : null;
}

/** The document library of a team's group; null while SharePoint has not provisioned it. */
async function groupDriveId(graph: SpaceGraph, groupId: string): Promise<string | null> {
  try {
    return (await graph.get<{ id: string }>(`/groups/${groupId}/drive?$select=id`)).id;
  } catch (e) {
    if (isStatus(e, 404)) return null;
    throw e;
  }
}

const TEAM_TEMPLATE = "https://graph.microsoft.com/v1.0/teamsTemplates('standard')";
const userBind = (id: string) => `https://graph.microsoft.com/v1.0/users('${id}')`;

/** A refusal a retry would not change, named by the operation and ids (never a person's name). */
class NotPossible extends Error {}
/** Not possible yet (a parent folder not made, a team still being created). */
class NotYet extends Error {
  constructor(readonly retryAfterMs: number, message: string) {
    super(message);
  }
}

export class GraphSpaceWriter implements SpaceWriter {
  private readonly graph: SpaceGraph;
  private readonly lagMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;

  constructor(client: Client, pacer: SharePointPacer, private readonly documents: DocumentSource, options: GraphSpaceOptions = {}) {
    this.graph = new SpaceGraph(client, pacer);
    this.lagMs = options.teamLagMs ?? DEFAULT_LAG_MS;
    this.pollMs = options.teamPollMs ?? DEFAULT_POLL_MS;
    this.now = options.now ?? Date.now;
  }

  async apply(op: Operation, desired: DesiredSpace, record: SpaceRecord): Promise<OperationResult> {
    const update: RecordUpdate = {};
    try {
      await this.run(op, desired, record, update);
      return Object.keys(update).length > 0 ? { outcome: 'done', update } : { outcome: 'done' };
    } catch (e) {
      if (e instanceof NotYet) return Object.keys(update).length > 0 ? { outcome: 'wait', retryAfterMs: e.retryAfterMs, update } : { outcome: 'wait', retryAfterMs: e.retryAfterMs };
      const refusal = refusalOf(e);
      // A team still in its creation lag answers 404 for a while.
      if (refusal?.statusCode === 404 && op.kind !== 'create-team' && withinLag(record, this.lagMs, this.now())) return { outcome: 'wait', retryAfterMs: this.pollMs };
      if (e instanceof NotPossible) return { outcome: 'failed', reason: `${describe(op, record)}: ${e.message}` };
      if (refusal && refusal.statusCode >= 400 && refusal.statusCode < 500 && refusal.statusCode !== 408 && refusal.statusCode !== 429) {
        return { outcome: 'failed', reason: `${describe(op, record)}: Graph refused (HTTP ${refusal.statusCode}${refusal.code ? ` ${refusal.code}` : ''})` };
      }
      throw e;
    }
  }

  private async run(op: Operation, desired: DesiredSpace, record: SpaceRecord, update: RecordUpdate): Promise<void> {
    if (op.kind === 'create-team') return this.createTeam(op, record, update);
    const teamId = record.teamId;
    if (teamId === null) throw new NotYet(this.pollMs, 'the team is not created yet');
    switch (op.kind) {
      case 'add-member':
        try {
          await this.graph.post(`/teams/${teamId}/members`, { '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: op.owner ? ['owner'] : [], 'user@odata.bind': userBind(op.userId) });
        } catch (e) {
          if (!isStatus(e, 409)) throw e;
        }
        return;
      case 'remove-member':
        try {
          await this.graph.delete(`/teams/${teamId}/members/${encodeURIComponent(op.membershipId)}`);
        } catch (e) {
          if (!isStatus(e, 404) || withinLag(record, this.lagMs, this.now())) throw e;
        }
        return;
      case 'set-owner':
        await this.graph.patch(`/teams/${teamId}/members/${encodeURIComponent(op.membershipId)}`, { '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: op.owner ? ['owner'] : [] });
        return;
      case 'create-channel':
        return this.createChannel(op.nodeKey, op.name, teamId, update);
      case 'create-folder': {
        const driveId = await this.driveId(record, teamId, update);
        const parent = await this.nodeItem(op.parentKey, desired, record, driveId, teamId, update);
        if (!parent) throw new NotYet(this.pollMs, `parent node ${op.parentKey} is not created yet`);
        let item: DriveItemJson;
        try {
          item = await this.graph.post(`${itemPath(driveId, parent.itemId)}/children`, { name: op.name, folder: {}, '@microsoft.graph.conflictBehavior': 'fail' });
        } catch (e) {
          if (!isStatus(e, 409)) throw e;
          item = await this.graph.get(`${itemPath(driveId, parent.itemId)}:/${encodeURIComponent(op.name)}`);
        }
        update.node = { key: op.nodeKey, itemId: item.id, channelId: null };
        return;
      }
      case 'rename': {
        const driveId = await this.driveId(record, teamId, update);
        if (op.channel) {
          const channelId = record.nodes[op.nodeKey]?.channelId ?? (await this.channelNamed(teamId, op.from))?.id;
          if (channelId) await this.graph.patch(`/teams/${teamId}/channels/${encodeURIComponent(channelId)}`, { displayName: op.to });
        }
        await this.graph.patch(itemPath(driveId, op.itemId), { name: op.to });
        return;
      }
      case 'grant': {
        const { driveId, itemId } = await this.folderOf(op.nodeKey, desired, record, teamId, update);
        await this.graph.post(`${itemPath(driveId, itemId)}/invite`, { recipients: [{ objectId: op.principal.id }], roles: [op.role], requireSignIn: true, sendInvitation: false });
        return;
      }
      case 'revoke': {
        const { driveId, itemId } = await this.folderOf(op.nodeKey, desired, record, teamId, update);
        try {
          await this.graph.delete(`${itemPath(driveId, itemId)}/permissions/${encodeURIComponent(op.permissionId)}`);
        } catch (e) {
          if (!isStatus(e, 404)) throw e;
        }
        // A principal the node still grants, with other roles (someone widened a read to write): SharePoint
        // keeps one permission per principal, so the grant planned before this revoke merged into the one
        // just deleted. Granting again at once keeps the access the template wants, without another pass.
        const kept = desired.nodes.find((n) => n.key === op.nodeKey)?.grants.find((g) => g.principal.kind === op.principal.kind && g.principal.id === op.principal.id);
        if (kept) await this.graph.post(`${itemPath(driveId, itemId)}/invite`, { recipients: [{ objectId: kept.principal.id }], roles: [kept.role], requireSignIn: true, sendInvitation: false });
        return;
      }
      case 'set-retention-label': {
        const { driveId, itemId } = await this.folderOf(op.nodeKey, desired, record, teamId, update);
        await this.graph.patch(`${itemPath(driveId, itemId)}/retentionLabel`, { name: op.label });
        return;
      }
      case 'place-document': {
        const { driveId, itemId } = await this.folderOf(op.nodeKey, desired, record, teamId, update);
        const bytes = await this.documents.bytes(op.documentKey);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (sha256 !== op.sha256) throw new NotPossible(`document template ${op.documentKey} changed since the plan (plan again)`);
        // Simple upload (templates are small); replacing an existing copy keeps its previous version in the library.
        const item = await this.graph.putBytes<DriveItemJson>(`${itemPath(driveId, itemId)}:/${encodeURIComponent(op.fileName)}:/content`, bytes);
        update.document = { slot: `${op.nodeKey}|${op.documentKey}`, itemId: item.id, sha256, cTag: item.cTag ?? '', version: op.version };
        return;
      }
    }
  }

  /**
   * POST /teams answers 202 with the team's id in Content-Location; the team then 404s for a while.
   * A team of that name made by an earlier attempt whose id was never saved is taken instead.
   */
  private async createTeam(op: Extract<Operation, { kind: 'create-team' }>, record: SpaceRecord, update: RecordUpdate): Promise<void> {
    if (op.owners.length === 0) throw new NotPossible('a team created by the app needs at least one owner');
    if (record.teamId === null) {
      const named = await this.graph.all<{ id: string; displayName: string; groupTypes?: string[]; resourceProvisioningOptions?: string[] }>(
        `/groups?$filter=${encodeURIComponent(`displayName eq '${op.displayName.replaceAll("'", "''")}'`)}&$select=id,displayName,groupTypes,resourceProvisioningOptions`,
      );
      // A team is a Microsoft 365 (unified) group; a security group of the same name is not one to take.
      const existing = named.filter((g) => g.displayName === op.displayName && (g.groupTypes ?? []).includes('Unified') && (g.resourceProvisioningOptions === undefined || g.resourceProvisioningOptions.includes('Team')));
      if (existing.length === 1) {
        update.teamId = existing[0]!.id;
        update.teamRequestedAt = record.teamRequestedAt ?? new Date(this.now()).toISOString();
        throw new NotYet(this.pollMs, 'adopting the team an earlier attempt created');
      }
    }
    const accepted = await this.graph.postAccepted('/teams', {
      'template@odata.bind': TEAM_TEMPLATE,
      displayName: op.displayName,
      description: op.description,
      members: op.owners.map((id) => ({ '@odata.type': '#microsoft.graph.aadUserConversationMember', roles: ['owner'], 'user@odata.bind': userBind(id) })),
    });
    const teamId = /teams\('([^']+)'\)/.exec(accepted.contentLocation ?? accepted.location ?? '')?.[1];
    if (!teamId) throw new NotPossible('Graph accepted the team without saying its id');
    update.teamId = teamId;
    update.teamRequestedAt = new Date(this.now()).toISOString();
    throw new NotYet(this.pollMs, 'the team is being created');
  }

  private async createChannel(nodeKey: string, name: string, teamId: string, update: RecordUpdate): Promise<void> {
    let channel: ChannelJson | undefined;
    try {
      channel = await this.graph.post<ChannelJson>(`/teams/${teamId}/channels`, { displayName: name, membershipType: 'standard' });
    } catch (e) {
      // Graph names the clash in the code (NameAlreadyExists) or only in the message ("already existed").
      const refusal = refusalOf(e);
      if (!(refusal && (refusal.statusCode === 400 || refusal.statusCode === 409) && /NameAlreadyExists|already exist/i.test(`${refusal.code} ${refusal.message}`))) throw e;
      channel = await this.channelNamed(teamId, name);
      if (!channel) throw e;
    }
    // Asking for the channel's files folder is what provisions it in the drive.
    let folder: DriveItemJson;
    try {
      folder = await this.graph.get<DriveItemJson>(`/teams/${teamId}/channels/${encodeURIComponent(channel.id)}/filesFolder`);
    } catch (e) {
      if (isStatus(e, 404)) throw new NotYet(this.pollMs, 'the channel folder is not provisioned yet');
      throw e;
    }
    if (folder.parentReference?.driveId) update.driveId = folder.parentReference.driveId;
    update.node = { key: nodeKey, itemId: folder.id, channelId: channel.id };
  }

  private async channelNamed(teamId: string, name: string): Promise<ChannelJson | undefined> {
    return (await this.graph.all<ChannelJson>(`/teams/${teamId}/channels`)).find((c) => sameName(c.displayName, name));
  }

  private async driveId(record: SpaceRecord, teamId: string, update: RecordUpdate): Promise<string> {
    if (record.driveId) return record.driveId;
    if (update.driveId) return update.driveId;
    const id = await groupDriveId(this.graph, teamId);
    if (!id) throw new NotYet(this.pollMs, 'the team site is not provisioned yet');
    update.driveId = id;
    return id;
  }

  private async folderOf(nodeKey: string, desired: DesiredSpace, record: SpaceRecord, teamId: string, update: RecordUpdate): Promise<{ driveId: string; itemId: string }> {
    const driveId = await this.driveId(record, teamId, update);
    const node = await this.nodeItem(nodeKey, desired, record, driveId, teamId, update);
    if (!node) throw new NotYet(this.pollMs, `node ${nodeKey} is not created yet`);
    return { driveId, itemId: node.itemId };
  }

  /**
   * The node's folder: from the record, else by name under its parent (made by an attempt whose
   * save was lost; the record then learns it through the update).
   */
  private async nodeItem(nodeKey: string, desired: DesiredSpace, record: SpaceRecord, driveId: string, teamId: string, update: RecordUpdate): Promise<{ itemId: string } | undefined> {
    const known = record.nodes[nodeKey];
    if (known) return known;
    const node = desired.nodes.find((n) => n.key === nodeKey);
    if (!node) return undefined;
    const parent: { itemId: string } | undefined = node.parentKey === null ? { itemId: 'root' } : await this.nodeItem(node.parentKey, desired, record, driveId, teamId, {});
    if (!parent) return undefined;
    const base = parent.itemId === 'root' ? `/drives/${encodeURIComponent(driveId)}/root` : itemPath(driveId, parent.itemId);
    try {
      const item = await this.graph.get<DriveItemJson>(`${base}:/${encodeURIComponent(node.name)}?$select=id,name,folder`);
      if (item.folder === undefined) return undefined;
      const channelId = node.channel ? ((await this.channelNamed(teamId, node.name))?.id ?? null) : null;
      if (!update.node) update.node = { key: nodeKey, itemId: item.id, channelId };
      return { itemId: item.id };
    } catch (e) {
      if (isStatus(e, 404)) return undefined;
      throw e;
    }
  }
}

/** The operation for IT: its kind, the space, the node and the ids involved (no names of people). */
function describe(op: Operation, record: SpaceRecord): string {
  const parts = [`${op.kind} in space ${op.spaceKey}`];
  if (record.teamId) parts.push(`team ${record.teamId}`);
  if ('nodeKey' in op) parts.push(`node ${op.nodeKey}`);
  if ('nodeKey' in op && record.nodes[op.nodeKey]) parts.push(`item ${record.nodes[op.nodeKey]!.itemId}`);
  if ('userId' in op) parts.push(`user ${op.userId}`);
  if ('principal' in op) parts.push(`${op.principal.kind} ${op.principal.id}`);
  if ('permissionId' in op) parts.push(`permission ${op.permissionId}`);
  if ('documentKey' in op) parts.push(`document ${op.documentKey}`);
  return parts.join(', ');
}

/** Entra group ids by display name (exact, one group per name: an ambiguous name is left out, not guessed). */
export class GraphCollaborationDirectory implements CollaborationDirectory {
  private readonly graph: SpaceGraph;

  constructor(client: Client, pacer: SharePointPacer) {
    this.graph = new SpaceGraph(client, pacer);
  }

  async groupIds(names: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const name of new Set(names)) {
      const filter = `displayName eq '${name.replaceAll("'", "''")}'`;
      const groups = await this.graph.all<{ id: string; displayName: string }>(`/groups?$filter=${encodeURIComponent(filter)}&$select=id,displayName`);
      const exact = groups.filter((g) => g.displayName === name);
      if (exact.length === 1) found.set(name, exact[0]!.id);
    }
    return found;
  }
}

/** The document templates' files in the package (config/document-templates/...). */
export class FileDocumentSource implements DocumentSource {
  constructor(
    private readonly template: Pick<CollaborationTemplateFile, 'documentTemplates'>,
    private readonly root: string = packageRoot(),
  ) {}

  async hashes(): Promise<Map<string, string>> {
    const hashes = new Map<string, string>();
    for (const d of this.template.documentTemplates) {
      try {
        hashes.set(d.key, createHash('sha256').update(await this.bytes(d.key)).digest('hex'));
      } catch (e) {
        // A missing file leaves the template out: the plan names it as a problem.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    return hashes;
  }

  bytes(key: string): Promise<Buffer> {
    const d = this.template.documentTemplates.find((t) => t.key === key);
    if (!d) return Promise.reject(new Error(`No document template ${key}`));
    return readFile(path.join(this.root, d.file));
  }
}

