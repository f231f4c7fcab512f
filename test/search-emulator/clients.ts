import { inject } from 'vitest';
import { AzureKeyCredential, SearchClient, SearchIndexClient, type SearchIndex } from '@azure/search-documents';

/**
 * The official SDK's clients on this run's Search emulator (test/support/global-setup.ts). The
 * emulator speaks plain HTTP on loopback, so the SDK is told it may (`allowInsecureConnection`),
 * as the app does for a local endpoint.
 */
export function indexClient(key = inject('search').apiKey): SearchIndexClient {
  return new SearchIndexClient(inject('search').endpoint, new AzureKeyCredential(key), { allowInsecureConnection: true });
}

export function searchClient<T extends object>(index: string, key = inject('search').apiKey): SearchClient<T> {
  return new SearchClient<T>(inject('search').endpoint, index, new AzureKeyCredential(key), { allowInsecureConnection: true });
}

/** A name no other test file uses (files share one emulator). */
export function uniqueIndexName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A message index shaped like the archive's: French and English text, participants, dates, flags. */
export function messageIndex(name: string): SearchIndex {
  return {
    name,
    fields: [
      { name: 'id', type: 'Edm.String', key: true, filterable: true },
      { name: 'mailboxId', type: 'Edm.String', filterable: true, facetable: true },
      { name: 'subject', type: 'Edm.String', searchable: true, analyzerName: 'fr.lucene' },
      { name: 'body', type: 'Edm.String', searchable: true, analyzerName: 'fr.lucene' },
      { name: 'bodyEn', type: 'Edm.String', searchable: true, analyzerName: 'en.lucene' },
      { name: 'participants', type: 'Collection(Edm.String)', searchable: true, filterable: true, facetable: true },
      { name: 'folder', type: 'Edm.String', filterable: true, facetable: true, sortable: true },
      { name: 'sentAt', type: 'Edm.DateTimeOffset', filterable: true, sortable: true, facetable: true },
      { name: 'size', type: 'Edm.Int64', filterable: true, sortable: true },
      { name: 'hasAttachments', type: 'Edm.Boolean', filterable: true, facetable: true },
      { name: 'retentionRule', type: 'Edm.String', filterable: true, hidden: true },
    ],
  };
}

export interface Message {
  id: string;
  mailboxId?: string;
  subject?: string;
  body?: string;
  bodyEn?: string;
  participants?: string[];
  folder?: string;
  sentAt?: Date;
  size?: number;
  hasAttachments?: boolean;
  retentionRule?: string | null;
}
