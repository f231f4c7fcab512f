import type { ActualSpace, DesiredSpace, Finding, Operation } from './model';
import type { RosterEntry } from './plan';

/** Where a space stands, as its page shows it. */
export const SPACE_STATUSES = ['new', 'provisioning', 'in-sync', 'drift', 'awaiting-approval', 'blocked', 'failed'] as const;
export type SpaceStatus = (typeof SPACE_STATUSES)[number];

/** What the engine remembers of a space it made: the ids behind each node key (names change, ids do not). */
export interface SpaceRecord {
  key: string;
  kind: 'service' | 'project';
  serviceCode: string;
  displayName: string;
  teamId: string | null;
  /** When the team creation was accepted (its operation may still run, and it may 404 for a while). */
  teamRequestedAt: string | null;
  driveId: string | null;
  /** Node key -> the folder's drive item (and the channel for top-level nodes). */
  nodes: Record<string, { itemId: string; channelId: string | null }>;
  /** "nodeKey|documentKey" -> the copy placed there. */
  documents: Record<string, { itemId: string; sha256: string; cTag: string; version: string }>;
  templateVersion: string | null;
  status: SpaceStatus;
  /** Why the space is blocked or failed, in words for IT (ids and counts, never a person's name). */
  statusReason: string | null;
  progress: { done: number; total: number };
  lastAppliedAt: string | null;
  lastVerifiedAt: string | null;
  /** The last verification's result: changes to make (per policy) and what was only reported. */
  drift: { operations: Operation[]; findings: Finding[] };
  updatedAt: string;
}

export class SpaceRecordConflict extends Error {
  constructor(readonly key: string) {
    super(`Space record ${key} changed meanwhile`);
    this.name = 'SpaceRecordConflict';
  }
}

export interface SpaceStore {
  get(key: string): Promise<{ record: SpaceRecord; etag: string } | undefined>;
  /** Creates (no etag) or replaces only if unchanged since read; else SpaceRecordConflict. */
  save(record: SpaceRecord, etag?: string): Promise<string>;
  all(): Promise<SpaceRecord[]>;
}

/** The people collaboration follows (from the people-events stream). */
export interface RosterStore {
  all(): Promise<RosterEntry[]>;
  get(personId: string): Promise<(RosterEntry & { version: number }) | undefined>;
  /** Stores the person's state unless a newer version is already held; says whether it changed. */
  put(entry: RosterEntry & { version: number }): Promise<boolean>;
}

/** Reads a space's actual state through Graph. */
export interface SpaceReader {
  read(desired: DesiredSpace, record: SpaceRecord): Promise<ActualSpace>;
}

/** What an applied operation changed in the record. */
export interface RecordUpdate {
  teamId?: string;
  teamRequestedAt?: string;
  driveId?: string;
  node?: { key: string; itemId: string; channelId: string | null };
  document?: { slot: string; itemId: string; sha256: string; cTag: string; version: string };
}

export type OperationResult =
  | { outcome: 'done'; update?: RecordUpdate }
  /** Not possible yet (the team is still being created): try again after this long. */
  | { outcome: 'wait'; retryAfterMs: number; update?: RecordUpdate }
  /** Graph refused for a reason a retry will not change (named for IT; no personal data). */
  | { outcome: 'failed'; reason: string };

/** Makes one change through Graph. Idempotent: applying an operation twice leaves one result. */
export interface SpaceWriter {
  apply(op: Operation, desired: DesiredSpace, record: SpaceRecord): Promise<OperationResult>;
}

/** Directory lookups the plan needs. */
export interface CollaborationDirectory {
  /** Entra group ids by display name; names not found are absent from the map. */
  groupIds(names: string[]): Promise<Map<string, string>>;
}

/** The document templates' files (bytes and hash), by template key. */
export interface DocumentSource {
  hashes(): Promise<Map<string, string>>;
  bytes(key: string): Promise<Buffer>;
}

/** Approved project spaces (from requests), for the planner. */
export interface ProjectSource {
  approvedProjects(): Promise<import('./plan').ProjectSpaceInfo[]>;
}
