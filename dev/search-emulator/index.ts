/**
 * Azure AI Search emulator for the local stack and the tests (docs/decisions/0019): the REST API
 * that `@azure/search-documents` uses, over HTTP with an api-key, backed by SQLite FTS5.
 *
 *   const search = await startSearchEmulator({ port: 0 });
 *   new SearchClient(search.endpoint, 'messages', new AzureKeyCredential(search.apiKey));
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createSearchServer } from './server';
import { SearchStore } from './store';

export interface SearchEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Admin key (random unless given): every operation. A local development value, not a secret. */
  apiKey?: string;
  /** Query key (random unless given): searches and document reads only. */
  queryKey?: string;
  /** Keeps indexes and documents in this SQLite file; in memory without it (tests). */
  dataFile?: string;
}

export interface SearchEmulator {
  port: number;
  endpoint: string;
  apiKey: string;
  queryKey: string;
  stop(): Promise<void>;
}

export async function startSearchEmulator(options: SearchEmulatorOptions = {}): Promise<SearchEmulator> {
  if (options.dataFile) mkdirSync(path.dirname(options.dataFile), { recursive: true });
  const store = new SearchStore(options.dataFile);
  const apiKey = options.apiKey ?? randomBytes(16).toString('hex').toUpperCase();
  const queryKey = options.queryKey ?? randomBytes(16).toString('hex').toUpperCase();
  const server = createSearchServer({ store, adminKey: apiKey, queryKey });
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (e) {
    store.close();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  return {
    port,
    endpoint: `http://${host}:${port}`,
    apiKey,
    queryKey,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          store.close();
          resolve();
        });
      }),
  };
}
