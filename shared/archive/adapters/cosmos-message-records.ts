import type { Container, Database, FeedOptions, SqlQuerySpec } from '@azure/cosmos';
import { CONTAINERS, type MailboxCheckpoint, type MailboxRecord, type MailboxRun, type MessageEntry } from '../model';
import { BadContinuation, MAILBOX_CHOICES_MAX, type MailboxChoice, type MailboxLookup, type MailboxStateReader, type MessagePage, type RecordsIndex, type Versioned } from '../ports';
import type { LegalHold } from '../records/legal-hold';
import { sortChoices } from '../records/mailbox-choices';
import { endOf, startOf, type SearchFilter } from '../records/search-filter';
import { isAddressQuery, queryWords, SEARCH_TERMS_VERSION, searchTermsOf } from '../records/search-terms';
import { isCosmosStatus, versioned, type RecordsStore } from './records-store';

/**
 * Cosmos DB adapter of the index as the records side uses it (container `archive-messages`, pk
 * mailbox|month): search, the retention and hold fields, disposition's deletes, the manifests'
 * listing, completeness counts. Records patch only the fields they own (retention, holds), so
 * capture can patch its own (folder, removal) at the same time; a change that must not be lost
 * to a concurrent one is made with If-Match on the version read.
 */
export class CosmosMessageRecords implements RecordsIndex {
  constructor(private readonly store: RecordsStore) {}

  private messages(): Promise<Container> {
    return this.store.messagesContainer();
  }

  async get(pk: string, id: string): Promise<MessageEntry | undefined> {
    try {
      const { resource } = await (await this.messages()).item(id, pk).read<MessageEntry>();
      return resource ?? undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async search(filter: SearchFilter, page: { size: number; continuation?: string }): Promise<MessagePage> {
    const messages = await this.messages();
    const continuationToken = page.continuation ? decodeContinuation(page.continuation) : undefined;
    let found;
    try {
      found = await messages.items.query<MessageEntry>(searchSql(filter), { maxItemCount: page.size, continuationToken }).fetchNext();
    } catch (error) {
      // Cosmos refuses a token it cannot use with 400.
      if (isCosmosStatus(error, 400)) throw new BadContinuation();
      throw error;
    }
    return { entries: found.resources, continuation: found.continuationToken ? Buffer.from(found.continuationToken, 'utf8').toString('base64url') : null };
  }

  async *searchAll(filter: SearchFilter): AsyncIterable<MessageEntry> {
    yield* this.each<MessageEntry>(searchSql(filter), { maxItemCount: 200 });
  }

  async count(filter: SearchFilter): Promise<number> {
    // The search's own WHERE clause counted by the database: exact, one round trip whatever the size.
    const sql = searchSql(filter);
    return this.countOf({ query: sql.query.replace(/^SELECT \* FROM c/, 'SELECT VALUE COUNT(1) FROM c').replace(/ ORDER BY .*$/, ''), parameters: sql.parameters });
  }

  withoutRetention(): AsyncIterable<MessageEntry> {
    return this.each<MessageEntry>({ query: 'SELECT * FROM c WHERE c.type = "message" AND IS_NULL(c.retentionRuleId)' }, { maxItemCount: 200 });
  }

  /** Entries without the search words of the current version (written before them). */
  withoutSearchTerms(): AsyncIterable<MessageEntry> {
    return this.each<MessageEntry>(
      { query: 'SELECT * FROM c WHERE c.type = "message" AND (NOT IS_DEFINED(c.searchTerms) OR c.searchTerms.version < @v)', parameters: [{ name: '@v', value: SEARCH_TERMS_VERSION }] },
      { maxItemCount: 200 },
    );
  }

  withRuleOtherThan(mailboxId: string, ruleId: string): AsyncIterable<MessageEntry> {
    return this.each<MessageEntry>(
      {
        query: 'SELECT * FROM c WHERE c.type = "message" AND c.mailboxId = @m AND NOT IS_NULL(c.retentionRuleId) AND c.retentionRuleId != @r',
        parameters: [{ name: '@m', value: mailboxId }, { name: '@r', value: ruleId }],
      },
      { maxItemCount: 200 },
    );
  }

  /** Adds the search words (a patch: fields other writers own are left alone); false when the entry is gone. */
  async setSearchTerms(entry: MessageEntry): Promise<boolean> {
    try {
      await (await this.messages()).item(entry.id, entry.pk).patch([{ op: 'set', path: '/searchTerms', value: searchTermsOf(entry) }]);
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return false;
      throw error;
    }
  }

  async setRetention(entry: Pick<MessageEntry, 'id' | 'pk'>, retentionRuleId: string, retainUntil: string | null): Promise<boolean> {
    try {
      await (await this.messages()).item(entry.id, entry.pk).patch([
        { op: 'set', path: '/retentionRuleId', value: retentionRuleId },
        { op: 'set', path: '/retainUntil', value: retainUntil },
      ]);
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return false;
      throw error;
    }
  }

  async *untaggedInScope(hold: Pick<LegalHold, 'id' | 'mailboxes' | 'from' | 'to'>): AsyncIterable<Versioned<MessageEntry>> {
    const where = [`c.type = "message"`, `c.mailboxId IN (${hold.mailboxes.map((_, i) => `@m${i}`).join(', ')})`, 'NOT ARRAY_CONTAINS(c.holds, @id)'];
    const parameters = [{ name: '@id', value: hold.id }, ...hold.mailboxes.map((m, i) => ({ name: `@m${i}`, value: m }))];
    if (hold.from) {
      where.push('c.receivedAt >= @from');
      parameters.push({ name: '@from', value: hold.from });
    }
    if (hold.to) {
      where.push('c.receivedAt <= @to');
      parameters.push({ name: '@to', value: hold.to });
    }
    for await (const entry of this.each<MessageEntry>({ query: `SELECT * FROM c WHERE ${where.join(' AND ')}`, parameters }, { maxItemCount: 200 })) yield versioned(entry);
  }

  async *taggedWith(holdId: string): AsyncIterable<Versioned<MessageEntry>> {
    const query = { query: 'SELECT * FROM c WHERE c.type = "message" AND ARRAY_CONTAINS(c.holds, @id)', parameters: [{ name: '@id', value: holdId }] };
    for await (const entry of this.each<MessageEntry>(query, { maxItemCount: 200 })) yield versioned(entry);
  }

  async reread(entry: Pick<MessageEntry, 'id' | 'pk'>): Promise<Versioned<MessageEntry> | undefined> {
    const found = await this.get(entry.pk, entry.id);
    return found ? versioned(found) : undefined;
  }

  async setHolds(entry: Versioned<MessageEntry>, holds: string[]): Promise<'written' | 'changed' | 'gone'> {
    try {
      await (await this.messages()).item(entry.id, entry.pk).patch({ operations: [{ op: 'set', path: '/holds', value: holds }] }, { accessCondition: { type: 'IfMatch', condition: entry.etag } });
      return 'written';
    } catch (error) {
      if (isCosmosStatus(error, 404)) return 'gone';
      if (isCosmosStatus(error, 412)) return 'changed';
      throw error;
    }
  }

  countHeldReferences(contentHash: string): Promise<number> {
    return this.countOf({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.contentHash = @h AND ARRAY_LENGTH(c.holds) > 0', parameters: [{ name: '@h', value: contentHash }] });
  }

  async dueForDisposition(now: Date, max: number): Promise<Versioned<MessageEntry>[]> {
    const { resources } = await (await this.messages()).items
      .query<MessageEntry>({
        query: `SELECT TOP ${Math.max(1, Math.floor(max))} * FROM c WHERE c.type = "message" AND IS_STRING(c.retainUntil) AND c.retainUntil <= @now`,
        parameters: [{ name: '@now', value: now.toISOString() }],
      })
      .fetchAll();
    return resources.map((r) => versioned(r));
  }

  async keepForGood(entry: Pick<MessageEntry, 'id' | 'pk'>): Promise<void> {
    await (await this.messages()).item(entry.id, entry.pk).patch([{ op: 'set', path: '/retainUntil', value: null }]);
  }

  async deleteUnchanged(entry: Versioned<MessageEntry>): Promise<'deleted' | 'changed' | 'gone'> {
    try {
      await (await this.messages()).item(entry.id, entry.pk).delete({ accessCondition: { type: 'IfMatch', condition: entry.etag } });
      return 'deleted';
    } catch (error) {
      if (isCosmosStatus(error, 412)) return 'changed';
      if (isCosmosStatus(error, 404)) return 'gone';
      throw error;
    }
  }

  countReferences(contentHash: string): Promise<number> {
    return this.countOf({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.contentHash = @h', parameters: [{ name: '@h', value: contentHash }] });
  }

  async exists(entryId: string, mailboxId: string): Promise<boolean> {
    return (await this.countOf({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.id = @id AND c.mailboxId = @m', parameters: [{ name: '@id', value: entryId }, { name: '@m', value: mailboxId }] })) > 0;
  }

  async capturedBetween(start: string, end: string): Promise<Array<Pick<MessageEntry, 'id' | 'pk' | 'contentHash'>>> {
    const items: Array<Pick<MessageEntry, 'id' | 'pk' | 'contentHash'>> = [];
    const query = { query: 'SELECT c.id, c.pk, c.contentHash FROM c WHERE c.type = "message" AND c.capturedAt >= @start AND c.capturedAt < @end', parameters: [{ name: '@start', value: start }, { name: '@end', value: end }] };
    for await (const r of this.each<Pick<MessageEntry, 'id' | 'pk' | 'contentHash'>>(query, { maxItemCount: 1000 })) items.push({ id: r.id, pk: r.pk, contentHash: r.contentHash });
    return items;
  }

  async firstCapturedAt(): Promise<string | undefined> {
    const { resources } = await (await this.messages()).items.query<string>('SELECT TOP 1 VALUE c.capturedAt FROM c WHERE c.type = "message" ORDER BY c.capturedAt ASC').fetchAll();
    return resources[0];
  }

  countPresentInFolder(mailboxId: string, folderId: string): Promise<number> {
    return this.countOf({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.mailboxId = @m AND c.folderId = @f AND IS_NULL(c.removedAt)', parameters: [{ name: '@m', value: mailboxId }, { name: '@f', value: folderId }] });
  }

  private async countOf(query: SqlQuerySpec): Promise<number> {
    const { resources } = await (await this.messages()).items.query<number>(query).fetchAll();
    return resources[0] ?? 0;
  }

  /** Every result, a page at a time (the next page is asked for once this one is used). */
  private async *each<T>(query: SqlQuerySpec, options: FeedOptions): AsyncIterable<T> {
    const iterator = (await this.messages()).items.query<T>(query, options);
    for await (const page of iterator.getAsyncIterator()) yield* page.resources;
  }
}

/**
 * What capture recorded of mailboxes (container `archive-mailboxes`), read as it is: the container
 * is not created here (before capture ran there is nothing to report).
 */
export class CosmosMailboxStateReader implements MailboxStateReader {
  constructor(private readonly database: Database) {}

  async documents(onlyMailbox?: string): Promise<Array<MailboxRecord | MailboxRun | MailboxCheckpoint>> {
    const query = onlyMailbox ? { query: 'SELECT * FROM c WHERE c.mailboxId = @m', parameters: [{ name: '@m', value: onlyMailbox }] } : { query: 'SELECT * FROM c' };
    try {
      return (await this.database.container(CONTAINERS.mailboxes).items.query<MailboxRecord | MailboxRun | MailboxCheckpoint>(query).fetchAll()).resources;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return [];
      throw error;
    }
  }

  async mailbox(mailboxId: string): Promise<MailboxRecord | undefined> {
    try {
      const { resource } = await this.database.container(CONTAINERS.mailboxes).item('mailbox', mailboxId).read<MailboxRecord>();
      return resource ?? undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async findMailboxes(lookup: MailboxLookup): Promise<MailboxChoice[]> {
    const where = ['c.type = "mailbox"'];
    const parameters: { name: string; value: string }[] = [];
    if (lookup.onlyMailboxId) {
      where.push('LOWER(c.mailboxId) = @only');
      parameters.push({ name: '@only', value: lookup.onlyMailboxId.toLowerCase() });
    }
    const search = lookup.search?.trim().toLowerCase();
    if (search) {
      where.push('(CONTAINS(LOWER(c.displayName), @s) OR CONTAINS(LOWER(c.address), @s))');
      parameters.push({ name: '@s', value: search });
    }
    const found: MailboxChoice[] = [];
    try {
      // Cross-partition (pk /mailboxId): one document per mailbox, a few hundred mailboxes. Sorted
      // here, not by ORDER BY, which sorts by code point (É after z).
      const iterator = this.database.container(CONTAINERS.mailboxes).items.query<MailboxRecord>(
        { query: `SELECT c.mailboxId, c.displayName, c.address, c.kind FROM c WHERE ${where.join(' AND ')}`, parameters },
        { maxItemCount: 500 },
      );
      for await (const page of iterator.getAsyncIterator()) {
        for (const r of page.resources) found.push({ mailboxId: r.mailboxId, displayName: r.displayName, address: r.address, kind: r.kind });
        // A bound on the work per call: a directory of many thousands is refined by typing, not paged.
        if (found.length >= 5000) break;
      }
    } catch (error) {
      if (isCosmosStatus(error, 404)) return [];
      throw error;
    }
    return sortChoices(found).slice(0, Math.min(Math.max(lookup.pageSize, 1), MAILBOX_CHOICES_MAX));
  }
}


/** The SQL for a filter; mailboxId undefined means every mailbox (RecordsManager only). */
function searchSql(filter: SearchFilter): { query: string; parameters: { name: string; value: string | boolean }[] } {
  const where = ['c.type = "message"'];
  const parameters: { name: string; value: string | boolean }[] = [];
  const param = (name: string, value: string | boolean) => {
    parameters.push({ name, value });
    return name;
  };
  if (filter.mailboxId) where.push(`c.mailboxId = ${param('@mailbox', filter.mailboxId)}`);
  if (filter.from) where.push(`c.receivedAt >= ${param('@from', new Date(startOf(filter.from)).toISOString())}`);
  if (filter.to) where.push(`c.receivedAt <= ${param('@to', new Date(endOf(filter.to)).toISOString())}`);
  if (filter.participant && isAddressQuery(filter.participant)) {
    const p = param('@participant', filter.participant.toLowerCase());
    where.push(
      `(LOWER(c["from"].address) = ${p} OR ` +
        ['to', 'cc', 'bcc'].map((f) => `EXISTS(SELECT VALUE a FROM a IN c["${f}"] WHERE LOWER(a.address) = ${p})`).join(' OR ') +
        ')',
    );
  } else if (filter.participant) {
    // By name: every word of it is a word of some participant's name (search-terms.ts).
    queryWords(filter.participant).forEach((w, i) => where.push(`ARRAY_CONTAINS(c.searchTerms.participants, ${param(`@n${i}`, w)})`));
  }
  if (filter.subject) {
    // Whole words, accents and case aside, matched against the words stored with the entry (indexed).
    queryWords(filter.subject).forEach((w, i) => where.push(`ARRAY_CONTAINS(c.searchTerms.subject, ${param(`@w${i}`, w)})`));
  }
  if (filter.folder) {
    const f = filter.folder.replace(/^\/+|\/+$/g, '');
    where.push(`(LOWER(c.folderPath) = ${param('@folder', f.toLowerCase())} OR STARTSWITH(LOWER(c.folderPath), ${param('@folderPrefix', `${f.toLowerCase()}/`)}))`);
  }
  if (filter.hasAttachments !== undefined) where.push(filter.hasAttachments ? 'ARRAY_LENGTH(c.attachmentNames) > 0' : 'ARRAY_LENGTH(c.attachmentNames) = 0');
  return { query: `SELECT * FROM c WHERE ${where.join(' AND ')} ORDER BY c.receivedAt DESC`, parameters };
}


function decodeContinuation(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  // Cosmos query continuations are JSON (cross-partition) or "+RID:..." strings (one partition).
  if (decoded.startsWith('+RID:')) return decoded;
  try {
    JSON.parse(decoded);
  } catch {
    throw new BadContinuation();
  }
  if (!decoded.startsWith('{') && !decoded.startsWith('[')) throw new BadContinuation();
  return decoded;
}
