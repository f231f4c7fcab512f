import type { TokenCredential } from '@azure/identity';
import type { KeyCredential } from '@azure/core-auth';
import type { SearchClient, SearchIndex as IndexDefinition, SearchIndexClient } from '@azure/search-documents';
import { BadSearchQuery, type MetadataChange, type SearchIndex } from '../ports';
import { HIGHLIGHT_POST, HIGHLIGHT_PRE, odataFilter, odataString, type FacetValue, type IndexAnswer, type IndexHit, type IndexQuery, type SearchDocument } from '../records/full-text';

/**
 * The full-text index on Azure AI Search through @azure/search-documents (docs/decisions/0020).
 * In Azure the app's managed identity signs in (role "Search Index Data Contributor" on the
 * service, "Search Service Contributor" to create the index; keys are disabled on the service);
 * locally the search emulator takes an api-key.
 */
export interface SearchIndexSettings {
  endpoint: string;
  indexName: string;
  /** Local emulator only: its api-key. Absent: Entra ID (managed identity in Azure). */
  apiKey?: string;
}

const SEARCHABLE_FR = ['subject', 'body', 'attachmentText'] as const;
const SEARCHABLE_EN = ['subject_en', 'body_en', 'attachmentText_en'] as const;
const SEARCH_FIELDS = [...SEARCHABLE_FR, ...SEARCHABLE_EN, 'attachmentNames', 'participantNames', 'participantAddresses', 'mailboxName', 'notIndexedReasons'] as const;
const SELECT = ['id', 'ref', 'mailboxId', 'mailboxName', 'from', 'to', 'date', 'folder', 'subject', 'attachmentNames', 'hasAttachments', 'notIndexedReasons'] as const;
const HIGHLIGHT = ['subject', 'body', 'attachmentText', 'subject_en', 'body_en', 'attachmentText_en', 'attachmentNames', 'participantNames', 'notIndexedReasons'];

/** The index's fields: French text under fr.lucene, an English copy under en.lucene, facets where the page shows them. */
export function indexDefinition(name: string): IndexDefinition {
  const text = (field: string, analyzerName: 'fr.lucene' | 'en.lucene') => ({ name: field, type: 'Edm.String' as const, searchable: true, filterable: false, sortable: false, facetable: false, analyzerName });
  return {
    name,
    fields: [
      { name: 'id', type: 'Edm.String', key: true, filterable: true },
      { name: 'ref', type: 'Edm.String', searchable: false, filterable: false },
      { name: 'mailboxId', type: 'Edm.String', filterable: true, facetable: true, searchable: false },
      { name: 'mailboxName', type: 'Edm.String', searchable: true, analyzerName: 'fr.lucene' },
      { name: 'participantNames', type: 'Collection(Edm.String)', searchable: true, filterable: true, analyzerName: 'standard.lucene' },
      { name: 'participantAddresses', type: 'Collection(Edm.String)', searchable: true, filterable: true, facetable: true },
      { name: 'from', type: 'Edm.String', searchable: false, filterable: true },
      { name: 'to', type: 'Collection(Edm.String)', searchable: false, filterable: true },
      { name: 'date', type: 'Edm.DateTimeOffset', filterable: true, sortable: true, facetable: true },
      { name: 'year', type: 'Edm.String', filterable: true, facetable: true, searchable: false },
      { name: 'folder', type: 'Edm.String', filterable: true, facetable: true, searchable: false },
      text('subject', 'fr.lucene'),
      text('subject_en', 'en.lucene'),
      text('body', 'fr.lucene'),
      text('body_en', 'en.lucene'),
      { name: 'attachmentNames', type: 'Collection(Edm.String)', searchable: true, analyzerName: 'standard.lucene' },
      text('attachmentText', 'fr.lucene'),
      text('attachmentText_en', 'en.lucene'),
      { name: 'hasAttachments', type: 'Edm.Boolean', filterable: true, facetable: true },
      { name: 'retentionRule', type: 'Edm.String', filterable: true, facetable: true, searchable: false },
      { name: 'holds', type: 'Collection(Edm.String)', filterable: true, searchable: false },
      { name: 'notIndexedReasons', type: 'Collection(Edm.String)', searchable: true, filterable: true, analyzerName: 'standard.lucene' },
    ],
  };
}

function isStatus(error: unknown, status: number): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === status;
}

function facetValues(facets: Record<string, Array<{ value?: unknown; count?: number }>> | undefined, field: string): FacetValue[] {
  return (facets?.[field] ?? []).map((f) => ({ value: String(f.value), count: f.count ?? 0 }));
}

export class AzureSearchIndex implements SearchIndex {
  private indexClient: SearchIndexClient | undefined;
  private searchClient: SearchClient<SearchDocument> | undefined;
  private ensured = false;

  private tokenCredential: TokenCredential | undefined;

  constructor(private readonly settings: SearchIndexSettings) {}

  /** Entra ID: the app's managed identity in Azure (AZURE_CLIENT_ID names a user-assigned one), a developer's sign-in elsewhere. */
  private credential(): TokenCredential {
    if (!this.tokenCredential) {
      const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
      this.tokenCredential = new DefaultAzureCredential();
    }
    return this.tokenCredential;
  }

  private auth(): KeyCredential | TokenCredential {
    if (this.settings.apiKey) {
      const { AzureKeyCredential } = require('@azure/search-documents') as typeof import('@azure/search-documents');
      return new AzureKeyCredential(this.settings.apiKey);
    }
    return this.credential();
  }

  /** The local emulator serves plain HTTP; a key over HTTP is allowed only for it (never with Entra ID). */
  private options() {
    return this.settings.apiKey && this.settings.endpoint.startsWith('http:') ? { allowInsecureConnection: true } : {};
  }

  private indexes(): SearchIndexClient {
    if (!this.indexClient) {
      const { SearchIndexClient } = require('@azure/search-documents') as typeof import('@azure/search-documents');
      this.indexClient = new SearchIndexClient(this.settings.endpoint, this.auth(), this.options());
    }
    return this.indexClient;
  }

  private documents(): SearchClient<SearchDocument> {
    if (!this.searchClient) {
      const { SearchClient } = require('@azure/search-documents') as typeof import('@azure/search-documents');
      this.searchClient = new SearchClient<SearchDocument>(this.settings.endpoint, this.settings.indexName, this.auth(), this.options());
    }
    return this.searchClient;
  }

  async ensureIndex(): Promise<void> {
    if (this.ensured) return;
    try {
      await this.indexes().getIndex(this.settings.indexName);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      try {
        await this.indexes().createIndex(indexDefinition(this.settings.indexName));
      } catch (createError) {
        // Another instance created it meanwhile.
        if (!isStatus(createError, 409)) throw createError;
      }
    }
    this.ensured = true;
  }

  async upsert(documents: SearchDocument[]): Promise<void> {
    if (!documents.length) return;
    // mergeOrUpload would keep fields of an older shape; upload replaces the whole document.
    let result;
    try {
      result = await this.documents().uploadDocuments(documents, { throwOnAnyFailure: false });
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      // The index was dropped (a rebuild asked on another instance): make it again, then upload.
      this.ensured = false;
      await this.ensureIndex();
      result = await this.documents().uploadDocuments(documents, { throwOnAnyFailure: false });
    }
    const failed = result.results.filter((r) => !r.succeeded);
    // Keys and status codes only: the error message may quote the document.
    if (failed.length) throw new Error(`Search index refused ${failed.length} document(s): ${failed.slice(0, 5).map((r) => `${r.key}:${r.statusCode}`).join(', ')}`);
  }

  async delete(ids: string[]): Promise<void> {
    if (!ids.length) return;
    try {
      await this.documents().deleteDocuments('id', ids, { throwOnAnyFailure: false });
    } catch (error) {
      if (!isStatus(error, 404)) throw error; // no index: nothing to delete
    }
  }

  /**
   * `merge` actions with only the changed fields (a batch holds at most 1,000 actions). Azure
   * answers 404 per key for a document not in the index, and does not create it: fine, the
   * indexing pass indexes that entry whole (with its current metadata) later. No index at all
   * (before the first pass, during a rebuild) is the same case.
   */
  async mergeMetadata(changes: MetadataChange[]): Promise<void> {
    for (let i = 0; i < changes.length; i += 1000) {
      const batch = changes.slice(i, i + 1000) as Array<Partial<SearchDocument> & { id: string }>;
      let result;
      try {
        result = await this.documents().mergeDocuments(batch as SearchDocument[], { throwOnAnyFailure: false });
      } catch (error) {
        if (isStatus(error, 404)) return;
        throw error;
      }
      const failed = result.results.filter((r) => !r.succeeded && r.statusCode !== 404);
      // Keys and status codes only.
      if (failed.length) throw new Error(`Search index refused ${failed.length} merge(s): ${failed.slice(0, 5).map((r) => `${r.key}:${r.statusCode}`).join(', ')}`);
    }
  }

  async drop(): Promise<void> {
    this.ensured = false;
    try {
      await this.indexes().deleteIndex(this.settings.indexName);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
  }

  /** No index yet (before the first pass, or during a rebuild) holds nothing: 0, not an error. */
  async count(mailboxId: string): Promise<number> {
    try {
      const result = await this.documents().search('*', { filter: `mailboxId eq ${odataString(mailboxId)}`, top: 0, includeTotalCount: true });
      return result.count ?? 0;
    } catch (error) {
      if (isStatus(error, 404)) return 0;
      throw error;
    }
  }

  async mailboxIds(): Promise<string[]> {
    try {
      const result = await this.documents().search('*', { top: 0, facets: ['mailboxId,count:100000'] });
      return facetValues(result.facets as never, 'mailboxId').map((f) => f.value).sort();
    } catch (error) {
      if (isStatus(error, 404)) return [];
      throw error;
    }
  }

  async search(query: IndexQuery): Promise<IndexAnswer> {
    const filter = odataFilter(query.filter);
    let result;
    try {
      result = await this.documents().search(query.text, {
        queryType: query.syntax,
        // Every word must match (people expect a narrower list with each word they add).
        searchMode: 'all',
        searchFields: [...SEARCH_FIELDS],
        ...(filter ? { filter } : {}),
        includeTotalCount: true,
        facets: ['year,count:50,sort:-value', 'folder,count:30', 'participantAddresses,count:20', 'hasAttachments', 'mailboxId,count:100000'],
        highlightFields: HIGHLIGHT.join(','),
        highlightPreTag: HIGHLIGHT_PRE,
        highlightPostTag: HIGHLIGHT_POST,
        ...(query.sort === 'relevance' ? {} : { orderBy: [`date ${query.sort === 'date-asc' ? 'asc' : 'desc'}`] }),
        skip: query.skip,
        top: query.top,
        select: [...SELECT],
      });
    } catch (error) {
      // The service answers 400 to a query it cannot parse (full syntax): the person's to fix.
      if (isStatus(error, 400)) throw new BadSearchQuery();
      // No index yet (nothing indexed, or a rebuild just dropped it): nothing found.
      if (isStatus(error, 404)) return { total: 0, hits: [], facets: { year: [], folder: [], participantAddresses: [], hasAttachments: [], mailboxId: [] } };
      throw error;
    }
    const hits: IndexHit[] = [];
    for await (const hit of result.results) {
      const d = hit.document as Partial<SearchDocument> & { date: string | Date };
      hits.push({
        document: {
          id: d.id!,
          ref: d.ref!,
          mailboxId: d.mailboxId!,
          mailboxName: d.mailboxName ?? '',
          from: d.from ?? '',
          to: d.to ?? [],
          // The SDK turns ISO strings into Dates.
          date: new Date(d.date).toISOString(),
          folder: d.folder ?? '',
          subject: d.subject ?? '',
          attachmentNames: d.attachmentNames ?? [],
          hasAttachments: d.hasAttachments ?? false,
          notIndexedReasons: d.notIndexedReasons ?? [],
        },
        score: hit.score,
        highlights: (hit.highlights ?? {}) as Record<string, string[]>,
      });
      if (hits.length >= query.top) break;
    }
    const facets = result.facets as Record<string, Array<{ value?: unknown; count?: number }>> | undefined;
    return {
      total: result.count ?? hits.length,
      hits,
      facets: {
        year: facetValues(facets, 'year'),
        folder: facetValues(facets, 'folder'),
        participantAddresses: facetValues(facets, 'participantAddresses'),
        hasAttachments: facetValues(facets, 'hasAttachments'),
        mailboxId: facetValues(facets, 'mailboxId'),
      },
    };
  }
}
