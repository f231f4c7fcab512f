import { randomUUID } from 'node:crypto';
import { GraphError } from './graph-http';

export interface Permission {
  id: string;
  roles: string[];
  /** `type` group: an Entra group (Graph's `grantedToV2.group`); otherwise a user, or a site group when id is null. */
  grantedTo: { id: string | null; displayName: string; email: string | null; type?: 'user' | 'group' };
  invitation?: { email: string; signInRequired: boolean };
}

export interface DriveItem {
  id: string;
  driveId: string;
  name: string;
  parentId: string | null;
  isFolder: boolean;
  content: Buffer | null;
  createdDateTime: string;
  lastModifiedDateTime: string;
  version: number;
  /** Earlier versions of a file's content (oldest first); the current one is `version`. */
  history: FileVersion[];
  permissions: Permission[];
  retentionLabel: { name: string; labelAppliedDateTime: string; labelAppliedBy: string } | null;
}

export interface FileVersion {
  version: number;
  lastModifiedDateTime: string;
  size: number;
}

export interface Drive {
  id: string;
  name: string;
  webUrl: string;
  rootId: string;
  ownerDisplayName: string;
}

function checkName(name: string): void {
  if (!name || /[\\/:*?"<>|]/.test(name) || name.startsWith(' ') || name.endsWith('.')) throw new GraphError(400, 'invalidRequest', 'The provided name contains invalid characters.');
}

export type ConflictBehavior = 'fail' | 'replace' | 'rename';

const nowIso = () => new Date().toISOString();

/** An upload session in progress: bytes received so far, written to the drive on the last range. */
export interface UploadSession {
  parent: DriveItem;
  name: string;
  conflict: ConflictBehavior;
  chunks: Buffer[];
  received: number;
  expires: number;
  appId: string;
}

/** Document libraries: one drive per site (and per team), items in a flat map linked by parent id. */
export class FileStore {
  readonly drives = new Map<string, Drive>();
  readonly items = new Map<string, DriveItem>();
  readonly uploadSessions = new Map<string, UploadSession>();

  addDrive(id: string, webUrl: string, ownerDisplayName: string): Drive {
    const rootId = this.newItemId();
    const drive: Drive = { id, name: 'Documents', webUrl: `${webUrl}/Shared%20Documents`, rootId, ownerDisplayName };
    this.drives.set(id, drive);
    this.items.set(rootId, {
      id: rootId, driveId: id, name: 'root', parentId: null, isFolder: true, content: null, createdDateTime: '2020-01-15T14:00:00Z', lastModifiedDateTime: '2020-01-15T14:00:00Z', version: 1, history: [],
      permissions: [{ id: 'owners', roles: ['owner'], grantedTo: { id: null, displayName: `Propriétaires de ${ownerDisplayName}`, email: null } }],
      retentionLabel: null,
    });
    return drive;
  }

  private newItemId(): string {
    return `01${randomUUID().replace(/-/g, '').toUpperCase().slice(0, 32)}`;
  }

  drive(id: string): Drive {
    const drive = this.drives.get(id);
    if (!drive) throw new GraphError(404, 'itemNotFound', 'The resource could not be found.');
    return drive;
  }

  item(driveId: string, id: string): DriveItem {
    const item = this.items.get(id);
    if (!item || item.driveId !== driveId) throw new GraphError(404, 'itemNotFound', 'The resource could not be found.');
    return item;
  }

  children(item: DriveItem): DriveItem[] {
    return [...this.items.values()].filter((i) => i.parentId === item.id).sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  }

  childNamed(parent: DriveItem, name: string): DriveItem | undefined {
    const lower = name.toLowerCase();
    return this.children(parent).find((c) => c.name.toLowerCase() === lower);
  }

  /** Resolves `base:/a/b` paths; with `createFolders` missing folders are made (as PUT-by-path does). */
  resolvePath(base: DriveItem, path: string, createFolders = false): DriveItem | undefined {
    let current: DriveItem | undefined = base;
    for (const part of path.split('/').filter(Boolean)) {
      if (!current) return undefined;
      let next: DriveItem | undefined = this.childNamed(current, part);
      if (!next && createFolders) next = this.create(current, part, null, 'fail');
      current = next;
    }
    return current;
  }

  /** `parentReference.path` of an item: `/drives/{id}/root:/a/b`. */
  parentPath(item: DriveItem): string {
    const names = this.ancestors(item).filter((a) => a.parentId !== null).map((a) => a.name).reverse();
    return `/drives/${item.driveId}/root:${names.map((n) => `/${n}`).join('')}`;
  }

  ancestors(item: DriveItem): DriveItem[] {
    const list: DriveItem[] = [];
    let current = item.parentId ? this.items.get(item.parentId) : undefined;
    while (current) {
      list.push(current);
      current = current.parentId ? this.items.get(current.parentId) : undefined;
    }
    return list;
  }

  /** Creates a folder (content null) or file under parent, applying the conflict behaviour. */
  create(parent: DriveItem, name: string, content: Buffer | null, conflict: ConflictBehavior): DriveItem {
    if (!parent.isFolder) throw new GraphError(400, 'invalidRequest', 'The parent item is not a folder.');
    checkName(name);
    let finalName = name;
    const existing = this.childNamed(parent, name);
    if (existing) {
      if (conflict === 'fail') throw new GraphError(409, 'nameAlreadyExists', 'The specified item name already exists.');
      if (conflict === 'replace') {
        if (existing.isFolder !== (content === null)) throw new GraphError(409, 'nameAlreadyExists', 'The specified item name already exists.');
        if (content !== null) this.replaceContent(existing, content);
        return existing;
      }
      const dot = content !== null ? name.lastIndexOf('.') : -1;
      const stem = dot > 0 ? name.slice(0, dot) : name;
      const ext = dot > 0 ? name.slice(dot) : '';
      for (let n = 1; this.childNamed(parent, finalName); n++) finalName = `${stem} ${n}${ext}`;
    }
    const item: DriveItem = {
      id: this.newItemId(), driveId: parent.driveId, name: finalName, parentId: parent.id, isFolder: content === null, content,
      createdDateTime: nowIso(), lastModifiedDateTime: nowIso(), version: 1, history: [], permissions: [], retentionLabel: null,
    };
    this.items.set(item.id, item);
    return item;
  }

  /** New content for a file: the previous content becomes a version (SharePoint keeps versions by default). */
  replaceContent(item: DriveItem, content: Buffer): void {
    if (item.isFolder) throw new GraphError(400, 'invalidRequest', 'Cannot upload content to a folder.');
    item.history.push({ version: item.version, lastModifiedDateTime: item.lastModifiedDateTime, size: item.content?.length ?? 0 });
    item.content = content;
    item.version++;
    item.lastModifiedDateTime = nowIso();
  }

  /**
   * Renames and/or moves an item within its drive. A sibling with the same name (case-insensitive)
   * answers 409 nameAlreadyExists; renaming an item to another casing of its own name is allowed.
   */
  move(item: DriveItem, name: string, parent?: DriveItem): void {
    if (item.parentId === null) throw new GraphError(400, 'invalidRequest', 'The root of a drive cannot be renamed or moved.');
    checkName(name);
    const target = parent ?? this.items.get(item.parentId)!;
    if (target.driveId !== item.driveId) throw new GraphError(400, 'invalidRequest', 'Moving an item to another drive is not supported; copy it instead.');
    if (!target.isFolder) throw new GraphError(400, 'invalidRequest', 'The parent item is not a folder.');
    if (target.id === item.id || this.ancestors(target).some((a) => a.id === item.id)) throw new GraphError(400, 'invalidRequest', 'An item cannot be moved into itself or one of its descendants.');
    const clash = this.childNamed(target, name);
    if (clash && clash.id !== item.id) throw new GraphError(409, 'nameAlreadyExists', 'The specified item name already exists.');
    // A file's rename or move is a new version in SharePoint's history (same content).
    if (!item.isFolder) item.history.push({ version: item.version, lastModifiedDateTime: item.lastModifiedDateTime, size: item.content?.length ?? 0 });
    item.name = name;
    item.parentId = target.id;
    item.version++;
    item.lastModifiedDateTime = nowIso();
  }

  /** Adds roles for a principal (one permission per principal: granting again merges the roles). */
  grant(item: DriveItem, principal: Permission['grantedTo'], roles: string[]): Permission {
    const existing = item.permissions.find((p) => (principal.id ? p.grantedTo.id === principal.id : !p.grantedTo.id && p.grantedTo.email !== null && p.grantedTo.email.toLowerCase() === principal.email?.toLowerCase()));
    const permission: Permission = existing ?? { id: randomUUID(), roles: [], grantedTo: principal };
    permission.roles = [...new Set([...permission.roles, ...roles])];
    if (!existing) item.permissions.push(permission);
    return permission;
  }

  delete(item: DriveItem): void {
    if (item.parentId === null) throw new GraphError(403, 'accessDenied', 'The root of a drive cannot be deleted.');
    for (const child of this.children(item)) this.delete(child);
    this.items.delete(item.id);
  }
}
