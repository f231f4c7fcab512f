import type { Container, Database } from '@azure/cosmos';
import { CONTAINERS, PARTITION_KEY_PATHS } from '../model';
import { ensureContainer } from '../../platform/adapters/cosmos';

/**
 * The Cosmos containers the records adapters work in: `archive-records` (legal holds, exports,
 * disposal evidence, integrity status, partition key /pk) and `archive-messages` (capture's index).
 * Made once per process, created on first use.
 */
export class RecordsStore {
  private records: Promise<Container> | undefined;
  private messages: Promise<Container> | undefined;

  constructor(readonly database: Database) {}

  recordsContainer(): Promise<Container> {
    this.records ??= ensureContainer(this.database, CONTAINERS.records, PARTITION_KEY_PATHS.records).catch((e: unknown) => {
      this.records = undefined;
      throw e;
    });
    return this.records;
  }

  messagesContainer(): Promise<Container> {
    this.messages ??= ensureContainer(this.database, CONTAINERS.messages, PARTITION_KEY_PATHS.messages).catch((e: unknown) => {
      this.messages = undefined;
      throw e;
    });
    return this.messages;
  }
}

export function isCosmosStatus(error: unknown, status: number): boolean {
  return (error as { code?: number }).code === status;
}

/** Cosmos adds _rid, _etag, _ts...: drop them before a strict parse. */
export function stripSystem<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_'))) as T;
}

/** The document with its version (ETag) as the ports carry it (shared/archive/ports.ts Versioned). */
export function versioned<T extends object>(doc: T & { _etag?: string }): T & { etag: string } {
  return Object.assign(doc, { etag: doc._etag ?? '' });
}
