import { randomBytes } from 'node:crypto';
import { GraphError, notFound } from './graph-http';
import { seedFolders, seedMessages, type MessageSpec, type WellKnownFolder } from './mailbox-seed';
import type { SandboxUser } from './tenant-seed';

export interface StoredFolder {
  id: string;
  displayName: string;
  /** Id of the parent folder; the (hidden) mailbox root for top-level folders. */
  parentFolderId: string;
  wellKnownName?: WellKnownFolder;
  childIds: string[];
  messageKeys: Set<number>;
}

export interface StoredMessage {
  spec: MessageSpec;
  folderId: string;
  /** Bumped on every move: the default (non-immutable) id changes when a message moves. */
  moveCount: number;
  /** Bumped on every change: feeds changeKey and the etag. */
  version: number;
  lastModifiedDateTime: string;
  categories: string[];
}

export interface Mailbox {
  owner: SandboxUser;
  rootId: string;
  folders: Map<string, StoredFolder>;
  messages: Map<number, StoredMessage>;
  nextKey: number;
  nextFolder: number;
}

/** One entry of the change log that delta tokens point into. */
export interface MailChange {
  seq: number;
  mailboxId: string;
  folderId: string;
  key: number;
  removed: boolean;
  /** moveCount the message had in that folder (to report the id the client knew). */
  moveCount: number;
}

/**
 * A change to a message as a person or the app made it, for change notifications (the change log
 * above is per folder and positional; subscribers need the kind of change and the message as it was).
 */
export type MailEvent =
  | { kind: 'created' | 'updated' | 'deleted'; mailbox: Mailbox; message: StoredMessage; folderId: string }
  | { kind: 'moved'; mailbox: Mailbox; message: StoredMessage; fromFolderId: string; fromMoveCount: number; folderId: string };

/** The message's change key (also its etag's content): changes with every version. */
export function changeKeyOf(message: StoredMessage): string {
  return Buffer.from(`CQAAAB${message.spec.key}.${message.version}`).toString('base64');
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

export function immutableMessageId(ownerId: string, key: number): string {
  return `AAkALg${b64(`${ownerId}|${key}`)}`;
}

export function restMessageId(ownerId: string, key: number, moveCount: number): string {
  return `AAMkAG${b64(`${ownerId}|${key}|${moveCount}`)}`;
}

export interface MailStoreOptions {
  seed: number;
  messagesPerMailbox: number;
  /** Owners whose mailbox is filled with seeded messages; other mailboxes start with empty folders. */
  populated: Set<string>;
  /** Owner of the mailbox that holds the ~100 MB message. */
  largeMessageOwnerId: string | null;
  colleagues: SandboxUser[];
}

/**
 * All mailboxes, created lazily from the seed on first access (so a large scale costs nothing until a
 * mailbox is read), plus the change log that per-folder delta tokens encode a position in.
 */
export class MailStore {
  private readonly mailboxes = new Map<string, Mailbox>();
  readonly changes: MailChange[] = [];
  private seq = 0;
  /** Tokens older than this position answer 410 (the sync state has expired). */
  minValidSeq = 0;
  /** Changes on every reset: tokens from an earlier generation are unknown. */
  readonly generation = randomBytes(6).toString('base64url');

  private readonly listeners: Array<(event: MailEvent) => void> = [];

  constructor(private readonly options: MailStoreOptions) {}

  /** Called synchronously on every change: listeners must only queue work (notifications are sent later). */
  onChange(listener: (event: MailEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: MailEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  get position(): number {
    return this.seq;
  }

  mailbox(owner: SandboxUser): Mailbox {
    if (!owner.hasMailbox) {
      throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    }
    const existing = this.mailboxes.get(owner.id);
    if (existing) return existing;
    const mailbox = this.createMailbox(owner);
    this.mailboxes.set(owner.id, mailbox);
    return mailbox;
  }

  private createMailbox(owner: SandboxUser): Mailbox {
    const rootId = `AAMkAD${b64(`${owner.id}|root`)}`;
    const mailbox: Mailbox = { owner, rootId, folders: new Map(), messages: new Map(), nextKey: 0, nextFolder: 0 };
    const byPath = new Map<string, string>();
    const lang = owner.preferredLanguage === 'en-CA' ? 'en' : 'fr';
    for (const spec of seedFolders(lang)) {
      const parentId = spec.parentPath.length === 0 ? rootId : byPath.get(spec.parentPath.join('/'));
      if (!parentId) throw new Error(`seed folder parent missing: ${spec.parentPath.join('/')}`);
      const folder = this.addFolder(mailbox, parentId, spec.displayName, spec.wellKnownName);
      byPath.set([...spec.parentPath, spec.wellKnownName ?? spec.displayName].join('/'), folder.id);
    }
    const populated = this.options.populated.has(owner.id);
    const count = populated ? this.options.messagesPerMailbox : 0;
    const colleagues = this.options.colleagues.filter((c) => c.id !== owner.id);
    const seeded = seedMessages(this.options.seed, owner, colleagues, count, owner.id === this.options.largeMessageOwnerId);
    for (const { spec, folderPath } of seeded) {
      const folderId = byPath.get(folderPath.join('/'));
      if (!folderId) throw new Error(`seed folder missing: ${folderPath.join('/')}`);
      mailbox.messages.set(spec.key, { spec, folderId, moveCount: 0, version: 1, lastModifiedDateTime: spec.receivedDateTime, categories: [] });
      mailbox.folders.get(folderId)?.messageKeys.add(spec.key);
      mailbox.nextKey = Math.max(mailbox.nextKey, spec.key + 1);
    }
    return mailbox;
  }

  private addFolder(mailbox: Mailbox, parentId: string, displayName: string, wellKnownName?: WellKnownFolder): StoredFolder {
    const folder: StoredFolder = {
      id: `AAMkAD${b64(`${mailbox.owner.id}|f|${mailbox.nextFolder++}`)}`,
      displayName, parentFolderId: parentId, wellKnownName, childIds: [], messageKeys: new Set(),
    };
    mailbox.folders.set(folder.id, folder);
    mailbox.folders.get(parentId)?.childIds.push(folder.id);
    return folder;
  }

  /** Folder by id or well-known name (`inbox`, `deleteditems`, ...), like Graph. */
  folder(mailbox: Mailbox, idOrName: string): StoredFolder {
    const direct = mailbox.folders.get(idOrName);
    if (direct) return direct;
    const wellKnown = idOrName.toLowerCase();
    for (const folder of mailbox.folders.values()) if (folder.wellKnownName === wellKnown) return folder;
    throw notFound(`folder ${idOrName}`);
  }

  topFolders(mailbox: Mailbox): StoredFolder[] {
    return [...mailbox.folders.values()].filter((f) => f.parentFolderId === mailbox.rootId);
  }

  createFolder(mailbox: Mailbox, parentId: string | null, displayName: string): StoredFolder {
    const parent = parentId === null ? mailbox.rootId : this.folder(mailbox, parentId).id;
    const siblings = parent === mailbox.rootId ? this.topFolders(mailbox) : (mailbox.folders.get(parent)?.childIds ?? []).map((id) => mailbox.folders.get(id)!);
    if (siblings.some((f) => f.displayName.toLowerCase() === displayName.toLowerCase())) {
      throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    return this.addFolder(mailbox, parent, displayName);
  }

  /** Resolves an immutable or default id; a default id from before a move no longer resolves. */
  message(mailbox: Mailbox, id: string): StoredMessage {
    const decoded = decodeMessageId(id);
    if (decoded && decoded.ownerId === mailbox.owner.id) {
      const message = mailbox.messages.get(decoded.key);
      if (message && (decoded.moveCount === undefined || decoded.moveCount === message.moveCount)) return message;
    }
    throw notFound(`message ${id.slice(0, 16)}...`);
  }

  private log(mailbox: Mailbox, folderId: string, message: StoredMessage, removed: boolean, moveCount = message.moveCount): void {
    this.changes.push({ seq: ++this.seq, mailboxId: mailbox.owner.id, folderId, key: message.spec.key, removed, moveCount });
  }

  addMessage(mailbox: Mailbox, folderId: string, spec: Omit<MessageSpec, 'key'>): StoredMessage {
    const folder = this.folder(mailbox, folderId);
    const message: StoredMessage = { spec: { ...spec, key: mailbox.nextKey++ }, folderId: folder.id, moveCount: 0, version: 1, lastModifiedDateTime: new Date().toISOString(), categories: [] };
    mailbox.messages.set(message.spec.key, message);
    folder.messageKeys.add(message.spec.key);
    this.log(mailbox, folder.id, message, false);
    this.emit({ kind: 'created', mailbox, message, folderId: folder.id });
    return message;
  }

  moveMessage(mailbox: Mailbox, message: StoredMessage, destinationId: string): StoredMessage {
    const destination = this.folder(mailbox, destinationId);
    if (destination.id === message.folderId) return message;
    const source = mailbox.folders.get(message.folderId);
    source?.messageKeys.delete(message.spec.key);
    this.log(mailbox, message.folderId, message, true);
    const fromFolderId = message.folderId;
    const fromMoveCount = message.moveCount;
    message.moveCount++;
    message.version++;
    message.folderId = destination.id;
    message.lastModifiedDateTime = new Date().toISOString();
    destination.messageKeys.add(message.spec.key);
    this.log(mailbox, destination.id, message, false);
    this.emit({ kind: 'moved', mailbox, message, fromFolderId, fromMoveCount, folderId: destination.id });
    return message;
  }

  updateMessage(mailbox: Mailbox, message: StoredMessage, patch: { subject?: string; isRead?: boolean; importance?: MessageSpec['importance']; categories?: string[] }): StoredMessage {
    if (patch.subject !== undefined) message.spec = { ...message.spec, subject: patch.subject };
    if (patch.isRead !== undefined) message.spec = { ...message.spec, isRead: patch.isRead };
    if (patch.importance !== undefined) message.spec = { ...message.spec, importance: patch.importance };
    if (patch.categories !== undefined) message.categories = patch.categories;
    message.version++;
    message.lastModifiedDateTime = new Date().toISOString();
    this.log(mailbox, message.folderId, message, false);
    this.emit({ kind: 'updated', mailbox, message, folderId: message.folderId });
    return message;
  }

  deleteMessage(mailbox: Mailbox, message: StoredMessage): void {
    mailbox.folders.get(message.folderId)?.messageKeys.delete(message.spec.key);
    mailbox.messages.delete(message.spec.key);
    this.log(mailbox, message.folderId, message, true);
    this.emit({ kind: 'deleted', mailbox, message, folderId: message.folderId });
  }

  /** Expires every delta token issued so far (as when Exchange drops old sync states). */
  expireDeltaTokens(): void {
    // Advance the position so tokens handed out from now on stay valid while every older one expires.
    this.seq++;
    this.minValidSeq = this.seq;
  }

  /** Net changes to one folder in (fromSeq, toSeq], newest state per message, ordered by message key. */
  folderChanges(mailbox: Mailbox, folderId: string, fromSeq: number, toSeq: number): MailChange[] {
    const latest = new Map<number, MailChange>();
    for (const change of this.changes) {
      if (change.seq <= fromSeq || change.seq > toSeq) continue;
      if (change.mailboxId !== mailbox.owner.id || change.folderId !== folderId) continue;
      latest.set(change.key, change);
    }
    return [...latest.values()].sort((a, b) => a.key - b.key);
  }
}

export function decodeMessageId(id: string): { ownerId: string; key: number; moveCount?: number } | undefined {
  const immutable = id.startsWith('AAkALg');
  if (!immutable && !id.startsWith('AAMkAG')) return undefined;
  const parts = Buffer.from(id.slice(6), 'base64url').toString('utf8').split('|');
  const [ownerId, key, moveCount] = parts;
  if (!ownerId || key === undefined || !/^\d+$/.test(key)) return undefined;
  if (immutable) return parts.length === 2 ? { ownerId, key: Number(key) } : undefined;
  return parts.length === 3 && moveCount !== undefined && /^\d+$/.test(moveCount) ? { ownerId, key: Number(key), moveCount: Number(moveCount) } : undefined;
}
