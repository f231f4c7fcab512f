import type { MessageEntry } from '../model';
import type { SearchableIndex } from '../ports';
import { summarise, type SearchFilter, type SearchPage, type SearchQuery } from './search-filter';

/**
 * Search of the archive index, newest first, paged with the index's continuation tokens (the local
 * emulator has no OFFSET/LIMIT; tokens are also what scales). Who may search what is decided before
 * (access.ts): staff their own mailbox only, a RecordsManager any mailbox or all.
 */
export class ArchiveSearch {
  constructor(private readonly index: SearchableIndex) {}

  /** One page; throws BadContinuation (ports.ts) for a token the index did not issue. */
  async page(query: SearchQuery): Promise<SearchPage> {
    const page = await this.index.search(query, { size: query.pageSize, continuation: query.continuation });
    return { items: page.entries.map(summarise), continuation: page.continuation };
  }

  count(filter: SearchFilter): Promise<number> {
    return this.index.count(filter);
  }

  /** Every matching entry, page by page (for exports). */
  all(filter: SearchFilter): AsyncIterable<MessageEntry> {
    return this.index.searchAll(filter);
  }
}
