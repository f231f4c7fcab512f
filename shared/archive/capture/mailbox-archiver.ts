import { LocalSlotPool } from '../../platform/graph/graph-budget';
import { MODEL_VERSION, checkpointId, messageEntryId, messagePartitionKey, type FailedMessage, type MailboxCheckpoint, type MailboxRecord, type MessageEntry } from '../model';
import {
  MessageGoneError,
  type ContentProtection, type ContentStore, type DeltaItem, type FolderPageRequest, type FolderPageResult, type MailFolder, type MailSource, type MailboxStateStore, type MessageIndex,
  type MessageSummary, type MetadataChange, type RetentionAssigner, type ScopedMailbox, type StoredContent,
} from '../ports';
import type { IndexMetadata } from '../records/full-text-metadata';

export interface ArchiverDeps {
  mail: MailSource;
  content: ContentStore;
  index: MessageIndex;
  state: MailboxStateStore;
  retention?: RetentionAssigner;
  /**
   * The full-text index's copy of an entry's folder, kept in step when a message moves (a page's
   * moves in one request). Its failures are reported, never thrown: the archive is the record.
   */
  searchMetadata?: Pick<IndexMetadata, 'push'>;
  now?: () => Date;
}

export interface ArchiverOptions {
  /** Well-known folder names (junkemail) or folder paths (Inbox/Private) left out, with their subfolders. */
  excludedFolders: string[];
  /** Messages one run handles at once, over all its folders (their MIME downloads share the Graph budget). */
  messageConcurrency: number;
}

export interface RunLimits {
  /** Epoch ms after which no new page is started: the run saves and asks to be continued. */
  deadline: number;
  /** Throws when the run must stop now (its mailbox lock was lost). */
  checkAlive?: () => void;
  /** The mailbox as scheduled or as last recorded: its service (department) decides the retention rule. */
  mailbox?: ScopedMailbox | MailboxRecord;
  /**
   * `changed`: only the folders that may have changed since their last round (a run started by
   * change notifications, which name messages, not folders): those whose item count differs from
   * the checkpoint's, whose round is unfinished, or that are new. `all` (default): every folder.
   */
  folders?: 'all' | 'changed';
}

export interface ArchiveRunResult {
  /** caughtUp: every folder reached the end of its delta round; continue: stopped at the deadline. */
  outcome: 'caughtUp' | 'continue';
  stored: number;
  relocated: number;
  removed: number;
  fullSyncRestarts: number;
  folders: Array<{ folderId: string; path: string; totalItemCount: number }>;
  /**
   * Messages whose content Graph would not give after every retry. The rest of their page is
   * stored, but the page's checkpoint is not saved and the folder goes no further this run: the
   * next run redoes the page and retries them. A run with any is not a complete run.
   */
  leftBehind: FailedMessage[];
}

const WELL_KNOWN = new Set(['inbox', 'sentitems', 'deleteditems', 'junkemail', 'drafts', 'archive', 'outbox', 'conversationhistory', 'clutter']);
const MIME_ATTEMPTS = 3;

/**
 * Archives one mailbox incrementally: per folder, Graph's message delta from the saved checkpoint.
 * A page's checkpoint is saved only once every message of the page is stored (content blob, then
 * index entry), so a crash anywhere redoes at most one page per folder, and redoing it stores
 * nothing twice (entry ids are deterministic, content is write-once and content-addressed).
 */
export class MailboxArchiver {
  private readonly now: () => Date;

  constructor(private readonly deps: ArchiverDeps, private readonly options: ArchiverOptions) {
    this.now = deps.now ?? (() => new Date());
  }

  async archive(mailboxId: string, limits: RunLimits): Promise<ArchiveRunResult> {
    const runStartedAt = this.now().toISOString();
    const result: ArchiveRunResult = { outcome: 'caughtUp', stored: 0, relocated: 0, removed: 0, fullSyncRestarts: 0, folders: [], leftBehind: [] };
    const saved = new Map((await this.deps.state.checkpoints(mailboxId)).map((c) => [c.folderId, c]));
    const excludedWellKnown = this.options.excludedFolders.filter((f) => WELL_KNOWN.has(f.toLowerCase())).map((f) => f.toLowerCase());
    const knownParents = [...saved.values()].filter((c) => c.childFolderCount > 0 && !c.folderGone).map((c) => c.folderId);
    const listing = await this.deps.mail.listFolders(mailboxId, excludedWellKnown, knownParents);
    const folders = this.includedFolders(listing.folders, new Set(Object.values(listing.wellKnown)));

    // Folders deleted from the mailbox: their messages stay archived (the delta of the folder they
    // moved to, or Deleted Items, records where they went).
    const present = new Set(listing.folders.map((f) => f.id));
    for (const c of saved.values()) {
      if (!present.has(c.folderId) && !c.folderGone) await this.deps.state.saveCheckpoint({ ...c, folderGone: true, updatedAt: this.now().toISOString() });
    }

    const checkpoints = new Map<string, MailboxCheckpoint>();
    const changed = new Set<string>();
    for (const folder of folders) {
      const previous = saved.get(folder.id);
      if (!previous || previous.folderGone || previous.totalItemCount !== folder.totalItemCount || previous.nextLink || previous.lastRoundCompletedAt === null) changed.add(folder.id);
      const checkpoint: MailboxCheckpoint = {
        ...(previous ?? this.newCheckpoint(mailboxId, folder)),
        folderPath: folder.path,
        totalItemCount: folder.totalItemCount,
        childFolderCount: folder.childFolderCount,
        folderGone: false,
      };
      checkpoints.set(folder.id, checkpoint);
      // Completeness compares the archive with the folder as this run found it, even when the run
      // then fails: a count saved only with a finished page lagged behind new mail and hid the gap.
      if (previous && (previous.totalItemCount !== folder.totalItemCount || previous.folderPath !== folder.path)) {
        await this.deps.state.saveCheckpoint({ ...checkpoint, updatedAt: this.now().toISOString() });
      }
      result.folders.push({ folderId: folder.id, path: folder.path, totalItemCount: folder.totalItemCount });
    }

    // Each folder's request for its next page, from its checkpoint at first, then from the page before.
    // A folder whose count did not move can still have changed (one message in, one out, within one
    // notification window): the slow sweep and the polling cadence run every folder and catch it.
    const synced = limits.folders === 'changed' ? folders.filter((f) => changed.has(f.id)) : folders;
    let pending: FolderPageRequest[] = synced.map((f) => {
      const c = checkpoints.get(f.id)!;
      return { folderId: f.id, link: c.nextLink ?? c.deltaLink };
    });
    let prefetched: Promise<Map<string, FolderPageResult>> | undefined;
    // The folders' pages are stored side by side, but the run has at most messageConcurrency
    // messages in progress in all: with one limit per folder, a mailbox of 8 folders had 32, whose
    // downloaded bodies then waited in memory and crowded storage with uploads.
    const inProgress = new LocalSlotPool(this.options.messageConcurrency);
    // When one folder fails, the others stop at their next message and the run reports the
    // failure only once none is still storing: the caller then releases the mailbox's lock, and a
    // folder still at work could otherwise overlap the next run or save an older checkpoint over
    // a newer one.
    let failure: { error: unknown } | undefined;
    // Folders that left a message behind this run: their later pages are still stored (one bad
    // message does not hold the rest of the folder back), but their checkpoint stays before the
    // page of that message, so the next run redoes it and retries the message.
    const stalled = new Set<string>();
    const folderLimits: RunLimits = {
      ...limits,
      checkAlive: () => {
        limits.checkAlive?.();
        if (failure) throw new RunStopped();
      },
    };
    while (pending.length) {
      limits.checkAlive?.();
      if (Date.now() >= limits.deadline) {
        result.outcome = 'continue';
        break;
      }
      const pages = await (prefetched ?? this.deps.mail.deltaPages(mailboxId, pending));
      // Each folder's next page is known from this one: it is asked for while this one is stored,
      // so the mailbox's requests keep flowing at page boundaries instead of waiting for the
      // slowest folder. It is applied only once this page's checkpoint is saved.
      const following = pending.flatMap(({ folderId }) => {
        const link = followingLink(pages.get(folderId)!);
        return link === undefined ? [] : [{ folderId, link }];
      });
      prefetched = following.length && Date.now() < limits.deadline ? this.deps.mail.deltaPages(mailboxId, following) : undefined;
      prefetched?.catch(() => undefined); // awaited next round; ignored if the run stops first
      await Promise.allSettled(
        pending.map(({ folderId }) =>
          this.applyPage(mailboxId, checkpoints.get(folderId)!, pages.get(folderId)!, runStartedAt, result, folderLimits, inProgress, stalled.has(folderId)).then(
            (applied) => {
              if (applied === 'left-behind') stalled.add(folderId);
            },
            (error: unknown) => {
              if (!(error instanceof RunStopped)) failure ??= { error };
            },
          ),
        ),
      );
      if (failure) throw failure.error;
      pending = following;
    }
    return result;
  }

  /** Stores one page, then saves the folder's checkpoint (followingLink says what comes next). */
  private async applyPage(mailboxId: string, checkpoint: MailboxCheckpoint, page: FolderPageResult, runStartedAt: string, result: ArchiveRunResult, limits: RunLimits, inProgress: LocalSlotPool, stalled: boolean): Promise<'saved' | 'left-behind'> {
    if (stalled && page.kind !== 'page') return 'left-behind';
    const now = () => this.now().toISOString();
    if (page.kind === 'gone') {
      await this.deps.state.saveCheckpoint({ ...checkpoint, folderGone: true, nextLink: null, deltaLink: null, updatedAt: now() });
      return 'saved';
    }
    if (page.kind === 'expired') {
      // Full sync of the folder from the start; entries already stored are recognised by id.
      Object.assign(checkpoint, { nextLink: null, deltaLink: null, fullSyncRestarts: checkpoint.fullSyncRestarts + 1, roundStartedAt: runStartedAt, updatedAt: now() });
      result.fullSyncRestarts++;
      await this.deps.state.saveCheckpoint(checkpoint);
      return 'saved';
    }
    if (!checkpoint.nextLink) checkpoint.roundStartedAt = runStartedAt;
    let stored = 0;
    let removed = 0;
    const leftBehind: FailedMessage[] = [];
    const moved: MetadataChange[] = [];
    // The moves recorded reach the index even when the page fails after them (the next run would
    // find those entries already in their new folder and not count them as moves again).
    try {
      await forEachLimited(page.items, this.options.messageConcurrency, async (item) => {
        await inProgress.acquire(1);
        let outcome: Awaited<ReturnType<MailboxArchiver['applyItem']>>;
        try {
          limits.checkAlive?.();
          outcome = await this.applyItem(mailboxId, checkpoint, item, limits, moved);
        } catch (error) {
          if (!(error instanceof ContentUnavailable)) throw error;
          leftBehind.push({ messageId: error.messageId, folderId: checkpoint.folderId, at: now(), code: error.code, detail: error.detail });
          return;
        } finally {
          inProgress.release(1);
        }
        if (outcome === 'stored') stored++;
        else if (outcome === 'relocated') result.relocated++;
        else if (outcome === 'removed') removed++;
      });
    } finally {
      await this.deps.searchMetadata?.push(moved);
    }
    result.stored += stored;
    result.removed += removed;
    if (leftBehind.length || stalled) {
      // The page's checkpoint stays where it was: the next run redoes the page (what was stored is
      // recognised) and so retries the messages left behind; nothing is skipped for good.
      result.leftBehind.push(...leftBehind);
      return 'left-behind';
    }
    Object.assign(checkpoint, {
      nextLink: page.nextLink,
      deltaLink: page.deltaLink ?? checkpoint.deltaLink,
      messagesStored: checkpoint.messagesStored + stored,
      messagesRemoved: checkpoint.messagesRemoved + removed,
      lastRoundCompletedAt: page.deltaLink ? now() : checkpoint.lastRoundCompletedAt,
      updatedAt: now(),
    });
    if (page.deltaLink) checkpoint.nextLink = null;
    await this.deps.state.saveCheckpoint(checkpoint);
    return 'saved';
  }

  private async applyItem(mailboxId: string, checkpoint: MailboxCheckpoint, item: DeltaItem, limits: RunLimits, moved: MetadataChange[]): Promise<'stored' | 'relocated' | 'removed' | 'unchanged'> {
    if (item.kind === 'removed') {
      for (;;) {
        const entry = await this.deps.index.findByMessageId(mailboxId, item.messageId);
        // A move shows as a removal from the old folder: only the folder the entry is in may mark it.
        if (!entry || entry.removedAt || entry.folderId !== checkpoint.folderId) return 'unchanged';
        if (await this.deps.index.markRemoved(entry, this.now().toISOString())) return 'removed';
      }
    }
    const message = item.message;
    // On a folder's first pass (never completed, never restarted after a 410) its messages are new
    // to the archive, except those a crashed attempt of this page or a move from an archived folder
    // already stored: the entry's create conflicts for those and they are handled below. That
    // saves a read per message on the initial capture of a mailbox, by far the largest one.
    const firstPass = checkpoint.lastRoundCompletedAt === null && checkpoint.fullSyncRestarts === 0;
    if (!firstPass) {
      const existing = await this.deps.index.get(mailboxId, message.messageId, message.receivedAt);
      if (existing) return this.seenAgain(existing, checkpoint, moved);
    }
    // Retention and holds are decided before the content is written, so that in Azure new content
    // carries its WORM policy and legal hold from the request that creates it: no entry can ever
    // exist with its content unprotected (a crash between two requests used to allow that).
    const retention = await this.deps.retention?.assign({ mailboxId, ...message }, limits.mailbox);
    const protection: ContentProtection = { until: retention?.retainUntil ? new Date(retention.retainUntil) : null, legalHold: Boolean(retention?.holds?.length) };
    const content = await this.storeMime(mailboxId, message.messageId, protection);
    if (!content) return 'unchanged'; // vanished meanwhile; its removal comes with the next delta
    // Content already there (a redone page, or the same MIME in another mailbox) may be protected
    // for less time than this message needs: extended before the entry exists.
    if (!content.created) await this.deps.content.protect(content.contentHash, protection);
    const entry = this.entryFor(mailboxId, checkpoint, message, content);
    if (retention) Object.assign(entry, retention);
    if (!(await this.deps.index.create(entry))) {
      const existing = await this.deps.index.get(mailboxId, message.messageId, message.receivedAt);
      if (existing) return this.seenAgain(existing, checkpoint, moved);
    }
    return 'stored';
  }

  /** A message already archived, seen in this folder's delta: a move (or a return from removal) is recorded. */
  private async seenAgain(existing: MessageEntry, checkpoint: MailboxCheckpoint, moved: MetadataChange[]): Promise<'relocated' | 'unchanged'> {
    if (existing.folderId === checkpoint.folderId && !existing.removedAt) return 'unchanged';
    await this.deps.index.relocate(existing, checkpoint.folderId, checkpoint.folderPath);
    if (existing.folderPath !== checkpoint.folderPath) moved.push({ id: existing.id, folder: checkpoint.folderPath });
    return 'relocated';
  }

  private async storeMime(mailboxId: string, messageId: string, protection: ContentProtection): Promise<StoredContent | undefined> {
    for (let attempt = 1; ; attempt++) {
      // Whether Graph (the request or its stream) failed, as opposed to storage.
      let fromGraph = false;
      try {
        const mime = await this.deps.mail.openMime(mailboxId, messageId).catch((error: unknown) => {
          fromGraph = true;
          throw error;
        });
        mime.once('error', () => {
          fromGraph = true;
        });
        const stored = await this.deps.content.store(mime, protection);
        // Content that was already there may be an orphan about to be swept: check it is still there.
        if (!stored.created && !(await this.deps.content.exists(stored.contentHash))) throw new Error('content vanished during store');
        return stored;
      } catch (error) {
        if (error instanceof MessageGoneError) return undefined;
        // A stream cut mid-message (connection reset) is retried whole; the budget already retried the request itself.
        if (attempt >= MIME_ATTEMPTS) {
          // Storage failing stops the run (nothing else could be stored either); Graph failing for
          // this one message leaves it behind, named, and the others are archived.
          if (!fromGraph) throw error;
          throw new ContentUnavailable(messageId, error);
        }
      }
    }
  }

  private entryFor(mailboxId: string, checkpoint: MailboxCheckpoint, m: MessageSummary, content: StoredContent): MessageEntry {
    return {
      id: messageEntryId(mailboxId, m.messageId),
      pk: messagePartitionKey(mailboxId, m.receivedAt),
      type: 'message',
      mailboxId,
      messageId: m.messageId,
      folderId: checkpoint.folderId,
      folderPath: checkpoint.folderPath,
      contentHash: content.contentHash,
      blobName: content.blobName,
      rawSize: content.rawSize,
      compressedSize: content.compressedSize,
      from: m.from,
      to: m.to,
      cc: m.cc,
      bcc: m.bcc,
      subject: m.subject,
      sentAt: m.sentAt,
      receivedAt: m.receivedAt,
      attachmentNames: content.attachmentNames,
      conversationId: m.conversationId,
      internetMessageId: m.internetMessageId,
      retentionRuleId: null,
      retainUntil: null,
      holds: [],
      capturedAt: this.now().toISOString(),
      removedAt: null,
      version: MODEL_VERSION,
    };
  }

  private newCheckpoint(mailboxId: string, folder: MailFolder): MailboxCheckpoint {
    return {
      id: checkpointId(folder.id),
      type: 'checkpoint',
      mailboxId,
      folderId: folder.id,
      folderPath: folder.path,
      nextLink: null,
      deltaLink: null,
      totalItemCount: folder.totalItemCount,
      childFolderCount: folder.childFolderCount,
      messagesStored: 0,
      messagesRemoved: 0,
      fullSyncRestarts: 0,
      roundStartedAt: null,
      lastRoundCompletedAt: null,
      folderGone: false,
      updatedAt: this.now().toISOString(),
      version: MODEL_VERSION,
    };
  }

  private includedFolders(all: MailFolder[], excludedIds: Set<string>): MailFolder[] {
    const excludedPaths = this.options.excludedFolders.filter((f) => !WELL_KNOWN.has(f.toLowerCase())).map((f) => f.toLowerCase().replace(/^\/+|\/+$/g, ''));
    const byId = new Map(all.map((f) => [f.id, f]));
    const excluded = (f: MailFolder): boolean => {
      for (let cursor: MailFolder | undefined = f, depth = 0; cursor && depth < 32; cursor = cursor.parentFolderId ? byId.get(cursor.parentFolderId) : undefined, depth++) {
        if (excludedIds.has(cursor.id) || excludedPaths.includes(cursor.path.toLowerCase())) return true;
      }
      return false;
    };
    return all.filter((f) => !excluded(f));
  }
}

/** The link a folder continues from after this page: undefined when it has no more this run. */
function followingLink(page: FolderPageResult): string | null | undefined {
  if (page.kind === 'expired') return null; // full sync from the start
  if (page.kind === 'page' && page.nextLink) return page.nextLink;
  return undefined;
}

/** Thrown inside a run's other folders once one has failed: they stop without saving. */
class RunStopped extends Error {}

/** One message's content could not be read from Graph after every attempt. */
class ContentUnavailable extends Error {
  readonly code: string;
  readonly detail: string;

  constructor(readonly messageId: string, cause: unknown) {
    super('message content unavailable');
    const e = cause as { name?: string; lastStatus?: unknown; statusCode?: unknown; code?: unknown; message?: unknown };
    this.code = e?.name === 'GraphBudgetExhaustedError' ? `graph-${String(e.lastStatus)}` : typeof e?.statusCode === 'number' ? `graph-${e.statusCode}` : typeof e?.code === 'string' ? e.code : (e?.name ?? 'error');
    // Errors from Graph or the network carry no message content; addresses are dropped all the same.
    this.detail = String(e?.message ?? cause).replace(/[^\s@]+@[^\s@]+/g, '<address>').slice(0, 200);
  }
}

/** Runs `work` over items with at most `limit` at once; the first failure fails the whole. */

export async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed ??= error;
      }
    }
  });
  await Promise.all(lanes);
  if (failed !== undefined) throw failed;
}
