import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { parsePeopleCatalogue, type PeopleCatalogue, type PeopleCatalogueFile } from '../../shared/people/catalogue';
import type { DirectoryFacts, DirectoryUserChange, PeopleEvent } from '../../shared/people/model';
import {
  DeltaExpired, EMPTY_SYNC_STATE,
  type DeltaPage, type GroupMemberChange, type PeopleDirectory, type PeopleEventPublisher, type PeopleHistory, type PeopleStore, type PersonRecord, type SyncState, type SyncStateStore,
} from '../../shared/people/ports';
import type { SyncDeps } from '../../shared/people/sync';

/** In-memory fakes of the people ports, for use-case tests. */

export function testCatalogue(edit?: (file: z.input<typeof PeopleCatalogueFile>) => void): PeopleCatalogue {
  const file = JSON.parse(readFileSync(path.join(__dirname, '../../config/people-catalogue.json'), 'utf8')) as z.input<typeof PeopleCatalogueFile>;
  edit?.(file);
  return parsePeopleCatalogue(JSON.stringify(file, null, 2), 'test catalogue');
}

export const SCOPE_GROUP = 'group-scope';
export const LEAVE_GROUP = 'group-leave';

export function staffFacts(overrides: Partial<DirectoryFacts> = {}): DirectoryFacts {
  return {
    displayName: 'Personne Exemple', service: 'Relations du travail', jobCategory: 'CONSEIL', managerId: null, preferredLanguage: 'fr-CA',
    accountEnabled: true, userType: 'Member', employeeType: 'Employee', hireDate: '2020-01-06T00:00:00Z', leaveDateTime: null, leaveValue: null, deleted: false,
    ...overrides,
  };
}

/**
 * A directory with Graph's delta semantics: a change log with positions; a delta link is a
 * position, following it returns every user changed since (their current facts), the same again
 * when replayed; `expire()` invalidates every link issued so far.
 */
export class FakeDirectory implements PeopleDirectory {
  readonly users = new Map<string, DirectoryFacts>();
  private readonly log: Array<{ kind: 'user'; id: string } | { kind: 'member'; groupId: string; memberId: string; removed: boolean }> = [];
  readonly groups = new Map<string, Set<string>>([[SCOPE_GROUP, new Set()], [LEAVE_GROUP, new Set()]]);
  private epoch = 0;
  requests = 0;
  failNextUserPage = false;

  constructor(private readonly pageSize = 3) {}

  hire(id: string, facts: Partial<DirectoryFacts> = {}, inScope = true): void {
    this.users.set(id, staffFacts(facts));
    this.log.push({ kind: 'user', id });
    if (inScope) this.member(SCOPE_GROUP, id, true);
  }

  update(id: string, facts: Partial<DirectoryFacts>): void {
    this.users.set(id, { ...this.users.get(id)!, ...facts });
    this.log.push({ kind: 'user', id });
  }

  remove(id: string): void {
    this.users.delete(id);
    this.log.push({ kind: 'user', id });
    for (const [groupId, members] of this.groups) if (members.has(id)) this.member(groupId, id, false);
  }

  member(groupId: string, id: string, add: boolean): void {
    const members = this.groups.get(groupId)!;
    if (add) members.add(id);
    else members.delete(id);
    this.log.push({ kind: 'member', groupId, memberId: id, removed: !add });
  }

  expire(): void {
    this.epoch++;
  }

  async groupId(nameOrId: string): Promise<string> {
    this.requests++;
    if (nameOrId === 'Tout le personnel') return SCOPE_GROUP;
    if (nameOrId === 'En congé') return LEAVE_GROUP;
    throw new Error(`no group ${nameOrId}`);
  }

  async user(id: string): Promise<DirectoryUserChange | null> {
    this.requests++;
    const facts = this.users.get(id);
    return facts ? { id, removed: false, facts: { ...facts } } : null;
  }

  async userChanges(link: string | null): Promise<DeltaPage<DirectoryUserChange>> {
    this.requests++;
    if (this.failNextUserPage) {
      this.failNextUserPage = false;
      throw new Error('directory unavailable');
    }
    const { from, offset } = this.position(link, 'users');
    const ids = from === null ? [...this.users.keys()] : unique(this.log.slice(from).flatMap((e) => (e.kind === 'user' ? [e.id] : [])));
    const items = ids.map((id): DirectoryUserChange => {
      const facts = this.users.get(id);
      return facts ? { id, removed: false, facts: { ...facts } } : { id, removed: true, facts: {} };
    });
    return this.page(items, offset, from, 'users');
  }

  async groupChanges(groupIds: string[], link: string | null): Promise<DeltaPage<GroupMemberChange>> {
    this.requests++;
    const { from, offset } = this.position(link, 'groups');
    const items: GroupMemberChange[] =
      from === null
        ? groupIds.flatMap((groupId) => [...(this.groups.get(groupId) ?? [])].map((memberId) => ({ groupId, memberId, removed: false })))
        : this.log.slice(from).flatMap((e) => (e.kind === 'member' && groupIds.includes(e.groupId) ? [{ groupId: e.groupId, memberId: e.memberId, removed: e.removed }] : []));
    return this.page(items, offset, from, 'groups');
  }

  private position(link: string | null, what: 'users' | 'groups'): { from: number | null; offset: number } {
    if (link === null) return { from: null, offset: 0 };
    const [epoch, from, offset] = link.split(':').map(Number) as [number, number, number];
    if (epoch !== this.epoch) throw new DeltaExpired(what);
    return { from: from < 0 ? null : from, offset };
  }

  private page<T>(items: T[], offset: number, from: number | null, _what: string): DeltaPage<T> {
    const slice = items.slice(offset, offset + this.pageSize);
    if (offset + this.pageSize < items.length) return { items: slice, next: { kind: 'page', link: `${this.epoch}:${from ?? -1}:${offset + this.pageSize}` } };
    return { items: slice, next: { kind: 'done', deltaLink: `${this.epoch}:${this.log.length}:0` } };
  }
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

export class MemoryPeopleStore implements PeopleStore {
  readonly records = new Map<string, PersonRecord>();
  /** Throws after this many saves (a crash between storing and publishing). */
  failAfterSaves = Number.POSITIVE_INFINITY;

  async get(ids: string[]): Promise<Map<string, PersonRecord>> {
    return new Map(ids.flatMap((id) => (this.records.has(id) ? [[id, structuredClone(this.records.get(id)!)] as const] : [])));
  }
  async save(record: PersonRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
  }
  async withPendingEvents(): Promise<PersonRecord[]> {
    return [...this.records.values()].filter((r) => r.outbox.length > 0).map((r) => structuredClone(r));
  }
  async clearOutbox(personId: string, eventIds: string[]): Promise<void> {
    const r = this.records.get(personId);
    if (r) r.outbox = r.outbox.filter((e) => !eventIds.includes(e.id));
  }
  async dueToLeave(now: Date): Promise<PersonRecord[]> {
    return [...this.records.values()].filter((r) => r.state.status !== 'left' && r.facts.leaveDateTime !== null && Date.parse(r.facts.leaveDateTime) <= now.getTime()).map((r) => structuredClone(r));
  }
  async all(): Promise<PersonRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r));
  }
}

export class MemoryHistory implements PeopleHistory {
  readonly events = new Map<string, PeopleEvent>();
  async record(events: PeopleEvent[]): Promise<void> {
    for (const e of events) this.events.set(e.id, e);
  }
  async recent(options: { limit: number; personId?: string }): Promise<PeopleEvent[]> {
    return [...this.events.values()].filter((e) => !options.personId || e.personId === options.personId).reverse().slice(0, options.limit);
  }
}

/** Records every send, duplicates included; `failNext` makes the next publish throw (a crash before sending). */
export class MemoryPublisher implements PeopleEventPublisher {
  readonly sent: PeopleEvent[] = [];
  failNext = false;
  async publish(events: PeopleEvent[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('Service Bus unavailable');
    }
    this.sent.push(...events);
  }
  /** Distinct events, as a consumer deduplicating by id sees them. */
  distinct(): PeopleEvent[] {
    return [...new Map(this.sent.map((e) => [e.id, e])).values()];
  }
}

export class MemorySyncState implements SyncStateStore {
  state: SyncState = structuredClone(EMPTY_SYNC_STATE);
  async load(): Promise<SyncState> {
    return structuredClone(this.state);
  }
  async save(state: SyncState): Promise<void> {
    this.state = structuredClone(state);
  }
}

export function peopleWorld(options: { pageSize?: number; catalogue?: PeopleCatalogue; now?: Date } = {}) {
  const directory = new FakeDirectory(options.pageSize);
  const store = new MemoryPeopleStore();
  const history = new MemoryHistory();
  const publisher = new MemoryPublisher();
  const state = new MemorySyncState();
  const clock = { now: options.now ?? new Date('2026-12-05T12:00:00Z') };
  const deps: SyncDeps = { directory, store, history, publisher, state, catalogue: options.catalogue ?? testCatalogue(), now: () => clock.now };
  return { directory, store, history, publisher, state, clock, deps };
}
