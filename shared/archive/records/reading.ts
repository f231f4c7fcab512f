import type { Readable } from 'node:stream';
import type { MessageEntry } from '../model';
import { BadContinuation, type ContentStore } from '../ports';
import { actorOf, type ArchiveAccess, type Forbidden, type NotFound, type Requester } from './access';
import type { AuditLog } from './audit';
import { checkContent, ContentTampered, hashChecked, HashCheckedContent, type TamperKind, type TamperReports } from './content-check';
import { openAttachment, readMessage, type AttachmentDownload, type MessageView } from './read';
import type { ArchiveSearch } from './search';
import { filtersUsed, type SearchFilter, type SearchPage, type SearchQuery } from './search-filter';

/** A message as the reader shows it: where it is, its hash and size, and its parsed view. */
export type MessageReading = { ref: string; mailboxId: string; folderPath: string; receivedAt: string; contentHash: string; rawSize: number } & MessageView;

/** The stored content does not match its recorded hash: refused, audited and reported (content-check.ts). */
export type Tampered = { kind: 'tampered'; problem: TamperKind };

/**
 * Search, read and download for staff and RecordsManagers, each access decided by ArchiveAccess
 * first and audited after (ids only, never content). Large content is streamed, never held. What
 * is read is hash-checked against the hash recorded at capture: other bytes are never served.
 */
export class ArchiveReading {
  /** Hash-checks what the reader parses: a parse of other bytes fails at their end. */
  private readonly checked: ContentStore;
  constructor(
    private readonly access: ArchiveAccess,
    private readonly search: ArchiveSearch,
    private readonly content: ContentStore,
    private readonly audit: AuditLog,
    private readonly tamper?: TamperReports,
  ) {
    this.checked = new HashCheckedContent(content);
  }

  private async refuse(requester: Requester, entry: MessageEntry, problem: TamperKind): Promise<Tampered> {
    await this.tamper?.report(actorOf(requester), entry, problem);
    return { kind: 'tampered', problem };
  }

  async searchPage(requester: Requester, query: SearchQuery): Promise<{ kind: 'ok'; page: SearchPage } | Forbidden | { kind: 'bad-continuation' }> {
    const scope = await this.access.mailboxScope(requester, query.mailboxId, 'search');
    if (scope.kind !== 'ok') return scope;
    const { mailboxId } = scope;
    let page: SearchPage;
    try {
      page = await this.search.page({ ...query, mailboxId });
    } catch (error) {
      if (error instanceof BadContinuation) return { kind: 'bad-continuation' };
      throw error;
    }
    await this.audit.record(actorOf(requester), 'search', {
      ...(mailboxId ? { mailboxId } : {}),
      filters: filtersUsed({ ...query, mailboxId }),
      ...(query.from ? { dateFrom: query.from } : {}),
      ...(query.to ? { dateTo: query.to } : {}),
      resultCount: page.items.length,
      // Across mailboxes, which mailboxes the answer showed (ids only).
      ...(mailboxId ? {} : { mailboxIds: [...new Set(page.items.map((i) => i.mailboxId))].sort() }),
    });
    return { kind: 'ok', page };
  }

  /** How many messages a search selects (what an export of it would hold); audited as a search. */
  async count(requester: Requester, filter: SearchFilter): Promise<{ kind: 'ok'; count: number } | Forbidden> {
    const scope = await this.access.mailboxScope(requester, filter.mailboxId, 'search');
    if (scope.kind !== 'ok') return scope;
    const scoped = { ...filter, mailboxId: scope.mailboxId };
    const count = await this.search.count(scoped);
    await this.audit.record(actorOf(requester), 'search', { ...(scope.mailboxId ? { mailboxId: scope.mailboxId } : {}), filters: filtersUsed(scoped), resultCount: count });
    return { kind: 'ok', count };
  }

  async view(requester: Requester, ref: string): Promise<{ kind: 'ok'; message: MessageReading } | Forbidden | NotFound | Tampered> {
    const found = await this.access.entryFor(requester, ref, 'view');
    if (found.kind !== 'ok') return found;
    const { entry } = found;
    let view: MessageView;
    try {
      view = await readMessage(this.checked, entry);
    } catch (error) {
      if (error instanceof ContentTampered) return this.refuse(requester, entry, error.kind);
      throw error;
    }
    await this.audit.record(actorOf(requester), 'view', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash });
    return { kind: 'ok', message: { ref, mailboxId: entry.mailboxId, folderPath: entry.folderPath, receivedAt: entry.receivedAt, contentHash: entry.contentHash, rawSize: entry.rawSize, ...view } };
  }

  /**
   * The stored MIME, byte for byte, streamed (decompressed on the way): a 100 MB message is never
   * held in memory. It is verified before the first byte is sent (a first read, hashing), so a
   * tampered message is refused with an error rather than cut off mid-download; the stream sent
   * is hash-checked again, so bytes changed between the two reads end it with an error.
   */
  async eml(requester: Requester, ref: string): Promise<{ kind: 'ok'; entry: MessageEntry; mime: Readable } | Forbidden | NotFound | Tampered> {
    const found = await this.access.entryFor(requester, ref, 'download-eml');
    if (found.kind !== 'ok') return found;
    const { entry } = found;
    const verdict = await checkContent(this.content, entry.contentHash);
    if (verdict !== 'ok') return this.refuse(requester, entry, verdict);
    const mime = hashChecked(await this.content.open(entry.contentHash), entry.contentHash);
    await this.audit.record(actorOf(requester), 'download-eml', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash });
    return { kind: 'ok', entry, mime };
  }

  /** One attachment, streamed as the stored message is parsed. */
  async attachment(requester: Requester, ref: string, index: number): Promise<{ kind: 'ok'; attachment: AttachmentDownload } | Forbidden | NotFound | Tampered | { kind: 'no-such-attachment' }> {
    const found = await this.access.entryFor(requester, ref, 'download-attachment');
    if (found.kind !== 'ok') return found;
    const { entry } = found;
    // Verified before the download starts, as the .eml; the parse streamed then is checked too.
    const verdict = await checkContent(this.content, entry.contentHash);
    if (verdict !== 'ok') return this.refuse(requester, entry, verdict);
    const attachment = await openAttachment(this.checked, entry, index);
    if (!attachment) return { kind: 'no-such-attachment' };
    try {
      await this.audit.record(actorOf(requester), 'download-attachment', { mailboxId: entry.mailboxId, entryId: entry.id, attachmentIndex: index });
    } catch (error) {
      // Unaudited, it must not be served: stop the parse and the blob download.
      attachment.content.destroy();
      throw error;
    }
    return { kind: 'ok', attachment };
  }
}
