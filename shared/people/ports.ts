import type { DirectoryFacts, DirectoryUserChange, Memberships, PeopleEvent, PersonState } from './model';

/** One page of a delta read: either more pages follow, or the read is complete and a delta link resumes it later. */
export type DeltaPage<T> = { items: T[]; next: { kind: 'page'; link: string } | { kind: 'done'; deltaLink: string } };

/** A member added to or removed from one of the tracked groups. */
export interface GroupMemberChange {
  groupId: string;
  memberId: string;
  removed: boolean;
}

/** The directory's delta link expired or is unknown: the read restarts from scratch. */
export class DeltaExpired extends Error {
  constructor(readonly what: 'users' | 'groups') {
    super(`The directory's ${what} delta link expired; a full read restarts`);
    this.name = 'DeltaExpired';
  }
}

/** Entra ID through Graph: users and group memberships, read by delta. */
export interface PeopleDirectory {
  /** Null link: a full read. Throws DeltaExpired when the link is no longer valid. */
  userChanges(link: string | null): Promise<DeltaPage<DirectoryUserChange>>;
  groupChanges(groupIds: string[], link: string | null): Promise<DeltaPage<GroupMemberChange>>;
  /** One user's current facts (a staff group joiner the user delta did not carry), or null when gone. */
  user(id: string): Promise<DirectoryUserChange | null>;
  /** A group's object id from its display name or id. */
  groupId(nameOrId: string): Promise<string>;
}

/** The stored person: facts as last read, memberships, derived state, and events not yet published. */
export interface PersonRecord {
  id: string;
  facts: DirectoryFacts;
  memberships: Memberships;
  state: PersonState;
  /** Change version: grows by one with each change that produced events. */
  version: number;
  catalogueVersion: string;
  /**
   * Events stored with the change that caused them (one document, one write: both or neither)
   * and removed once published. A crash in between leaves them here for the next run.
   */
  outbox: PeopleEvent[];
  updatedAt: string;
}

export interface PeopleStore {
  get(ids: string[]): Promise<Map<string, PersonRecord>>;
  save(record: PersonRecord): Promise<void>;
  /** Records whose outbox is not empty. */
  withPendingEvents(): Promise<PersonRecord[]>;
  /** Removes these events from the person's outbox (leaves any newer ones). */
  clearOutbox(personId: string, eventIds: string[]): Promise<void>;
  /** Staff whose leave date has passed at `now` but who are not yet marked as left. */
  dueToLeave(now: Date): Promise<PersonRecord[]>;
  all(): Promise<PersonRecord[]>;
}

/** The change history: every published event, kept as evidence of what the sync saw and when. */
export interface PeopleHistory {
  record(events: PeopleEvent[]): Promise<void>;
  recent(options: { limit: number; personId?: string }): Promise<PeopleEvent[]>;
}

/** The `people-events` topic. Publishing the same event id twice is harmless (duplicate detection, idempotent consumers). */
export interface PeopleEventPublisher {
  publish(events: PeopleEvent[]): Promise<void>;
}

export interface SyncRunSummary {
  at: string;
  mode: 'full' | 'incremental';
  outcome: 'ok' | 'failed';
  events: number;
  /** Directory requests this run made (pages and single reads). */
  requests: number;
  /** Raw directory values that map to no catalogue code (values only: no person). */
  unmapped: { services: string[]; jobCategories: string[] };
  error?: string;
}

export interface SyncState {
  catalogueVersion: string | null;
  users: {
    link: string | null;
    /** True while a full read is in progress (first run or after an expired link). */
    full: boolean;
    /** During a full read: ids seen so far; whoever is not seen by the end has left. */
    seen: string[];
  };
  groups: {
    link: string | null;
    /** The tracked groups' ids the link was made for (a different set restarts the read). */
    ids: string[];
    scopeGroupId: string | null;
    scopeGroupName: string | null;
    leaveGroupId: string | null;
    leaveGroupName: string | null;
    scope: string[];
    leave: string[];
    /** Memberships changed since the user read: judged after it (and read one by one if unknown staff). */
    pending: string[];
  };
  lastRun: SyncRunSummary | null;
}

export interface SyncStateStore {
  load(): Promise<SyncState>;
  save(state: SyncState): Promise<void>;
}

export const EMPTY_SYNC_STATE: SyncState = {
  catalogueVersion: null,
  users: { link: null, full: true, seen: [] },
  groups: { link: null, ids: [], scopeGroupId: null, scopeGroupName: null, leaveGroupId: null, leaveGroupName: null, scope: [], leave: [], pending: [] },
  lastRun: null,
};
