import type { PeopleCatalogue } from './catalogue';
import { EMPTY_FACTS, derivePerson, isStaff, lifecycleEvents, type DirectoryFacts, type DirectoryUserChange, type Memberships, type PeopleEvent } from './model';
import {
  DeltaExpired, EMPTY_SYNC_STATE,
  type PeopleDirectory, type PeopleEventPublisher, type PeopleHistory, type PeopleStore, type PersonRecord, type SyncRunSummary, type SyncState, type SyncStateStore,
} from './ports';

export interface SyncDeps {
  directory: PeopleDirectory;
  store: PeopleStore;
  history: PeopleHistory;
  publisher: PeopleEventPublisher;
  state: SyncStateStore;
  catalogue: PeopleCatalogue;
  now: () => Date;
  /** Told of each event once it is published (the timer logs ids and kinds). */
  published?: (event: PeopleEvent) => void;
}

/**
 * One sync run (the timer's job). Order matters for crash safety: a change and its events are
 * stored together on the person's record, then published, then removed from the record, and only
 * then is the delta link saved. A crash anywhere replays from the last saved link: the replayed
 * page finds the records already changed (no new event), and the next run first publishes what is
 * still in an outbox (same event ids: the topic's duplicate detection and idempotent consumers
 * make a second send harmless).
 *
 * Group memberships (staff group, leave group) are read first so the user pages are judged with
 * current memberships; someone added to the staff group with no change of their own is read on
 * their own afterwards.
 */
export async function syncPeople(deps: SyncDeps): Promise<SyncRunSummary> {
  const run = new SyncRun(deps);
  return run.execute();
}

class SyncRun {
  private state: SyncState = structuredClone(EMPTY_SYNC_STATE);
  private events = 0;
  private requests = 0;
  private mode: 'full' | 'incremental' = 'incremental';

  constructor(private readonly deps: SyncDeps) {}

  async execute(): Promise<SyncRunSummary> {
    const at = this.deps.now().toISOString();
    this.state = await this.deps.state.load();
    this.mode = this.state.users.full ? 'full' : 'incremental';
    try {
      await this.publishPending();
      await this.rederiveIfCatalogueChanged();
      await this.syncGroups();
      await this.syncUsers();
      await this.membershipChanges();
      await this.leaveDatesPassed();
      const summary: SyncRunSummary = { at, mode: this.mode, outcome: 'ok', events: this.events, requests: this.requests, unmapped: await this.unmapped() };
      this.state.lastRun = summary;
      await this.deps.state.save(this.state);
      return summary;
    } catch (e) {
      const summary: SyncRunSummary = { at, mode: this.mode, outcome: 'failed', events: this.events, requests: this.requests, unmapped: { services: [], jobCategories: [] }, error: (e as Error).message };
      // The links saved so far stay: the next run resumes from them. Recording the failure must
      // not hide it: when the store is what failed, the original error is what the caller sees.
      try {
        const saved = await this.deps.state.load();
        await this.deps.state.save({ ...saved, lastRun: summary });
      } catch {
        // the timer's own failure log carries the original error
      }
      throw e;
    }
  }

  /** Events a previous run stored but did not get to publish. */
  private async publishPending(): Promise<void> {
    for (const record of await this.deps.store.withPendingEvents()) this.unpublished.set(record.id, record.outbox);
    await this.flush();
  }

  /** Stored events waiting to be published, by person (the latest outbox of each). */
  private readonly unpublished = new Map<string, PeopleEvent[]>();

  /**
   * Publishes what the changes stored so far produced: history first (idempotent by event id),
   * then the topic in one batch (each person's events in order), then the outboxes are cleared.
   * Called before each link is saved, so a saved link never skips an unpublished event.
   */
  private async flush(): Promise<void> {
    const batch = [...this.unpublished.entries()].filter(([, events]) => events.length > 0);
    this.unpublished.clear();
    const events = batch.flatMap(([, e]) => e);
    if (events.length === 0) return;
    await this.deps.history.record(events);
    await this.deps.publisher.publish(events);
    await inParallel(batch, PARALLEL_WRITES, ([personId, e]) => this.deps.store.clearOutbox(personId, e.map((x) => x.id)));
    this.events += events.length;
    for (const e of events) this.deps.published?.(e);
  }

  /** A new catalogue version can map a value differently: everyone's state is derived again. */
  private async rederiveIfCatalogueChanged(): Promise<void> {
    if (this.state.catalogueVersion === this.deps.catalogue.version) return;
    if (this.state.catalogueVersion !== null) {
      await inParallel(await this.deps.store.all(), PARALLEL_WRITES, (record) => this.apply(record.id, record, {}, record.memberships));
      await this.flush();
    }
    this.state.catalogueVersion = this.deps.catalogue.version;
    await this.deps.state.save(this.state);
  }

  private memberships(id: string): Memberships {
    const g = this.state.groups;
    return { inScope: g.scopeGroupId === null ? null : this.scopeSet.has(id), inLeaveGroup: this.leaveSet.has(id) };
  }

  private scopeSet = new Set<string>();
  /** Users the user read of this run returned (their memberships were applied with them). */
  private readonly readThisRun = new Set<string>();
  private leaveSet = new Set<string>();

  private async syncGroups(): Promise<void> {
    const { scopeGroup, leave } = this.deps.catalogue.directory;
    const g = this.state.groups;
    // Group ids are resolved once and kept with the name they came from; a renamed setting resolves again.
    const scopeGroupId = scopeGroup === undefined ? null : g.scopeGroupId !== null && g.scopeGroupName === scopeGroup ? g.scopeGroupId : await this.groupId(scopeGroup);
    const leaveGroupId = leave.group === undefined ? null : g.leaveGroupId !== null && g.leaveGroupName === leave.group ? g.leaveGroupId : await this.groupId(leave.group);
    const ids = [scopeGroupId, leaveGroupId].filter((id): id is string => id !== null);
    if (ids.join() !== g.ids.join()) {
      // Different groups than the link was made for: read them from scratch.
      Object.assign(g, { link: null, ids, scope: [], leave: [], pending: [] });
    }
    Object.assign(g, { scopeGroupId, leaveGroupId, scopeGroupName: scopeGroup ?? null, leaveGroupName: leave.group ?? null });
    this.scopeSet = new Set(g.scope);
    this.leaveSet = new Set(g.leave);
    if (ids.length === 0) return;

    let full = g.link === null;
    let link = g.link;
    const scope = full ? new Set<string>() : new Set(g.scope);
    const leaveMembers = full ? new Set<string>() : new Set(g.leave);
    for (;;) {
      let page;
      try {
        page = await this.directoryCall(() => this.deps.directory.groupChanges(ids, link));
      } catch (e) {
        if (!(e instanceof DeltaExpired) || full) throw e;
        full = true;
        link = null;
        scope.clear();
        leaveMembers.clear();
        continue;
      }
      for (const change of page.items) {
        const set = change.groupId === scopeGroupId ? scope : change.groupId === leaveGroupId ? leaveMembers : null;
        if (!set) continue;
        if (change.removed) set.delete(change.memberId);
        else set.add(change.memberId);
      }
      if (page.next.kind === 'page') {
        link = page.next.link;
        continue;
      }
      link = page.next.deltaLink;
      break;
    }
    // Whoever's membership changed is judged after the user read, so a change of their own in the
    // same run (a deletion that also removed them from the group) decides first. Kept with the link.
    const touched = [...symmetricDifference(this.scopeSet, scope), ...symmetricDifference(this.leaveSet, leaveMembers)];
    this.scopeSet = scope;
    this.leaveSet = leaveMembers;
    Object.assign(g, { link, scope: [...scope], leave: [...leaveMembers], pending: [...new Set([...g.pending, ...touched])] });
    await this.deps.state.save(this.state);
  }

  private async syncUsers(): Promise<void> {
    const u = this.state.users;
    const seen = new Set(u.seen);
    for (;;) {
      let page;
      try {
        page = await this.directoryCall(() => this.deps.directory.userChanges(u.full && u.link === null ? null : u.link));
      } catch (e) {
        if (!(e instanceof DeltaExpired) || (u.full && u.link === null)) throw e;
        // Restart as a full read: it publishes only real differences, and whoever it does not see has left.
        Object.assign(u, { link: null, full: true, seen: [] });
        seen.clear();
        this.mode = 'full';
        await this.deps.state.save(this.state);
        continue;
      }
      const changes = mergeById(page.items);
      const records = await this.deps.store.get(changes.map((c) => c.id));
      for (const change of changes) {
        this.readThisRun.add(change.id);
        if (u.full && !change.removed) seen.add(change.id);
      }
      // One change per person (merged above), so people are independent and written in parallel.
      await inParallel(changes, PARALLEL_WRITES, (change) =>
        this.apply(change.id, records.get(change.id), change.removed ? { deleted: true } : { ...change.facts, deleted: false }, this.memberships(change.id)),
      );
      await this.flush();
      if (page.next.kind === 'page') {
        Object.assign(u, { link: page.next.link, seen: u.full ? [...seen] : [] });
        await this.deps.state.save(this.state);
        continue;
      }
      if (u.full) await this.sweepUnseen(seen);
      Object.assign(u, { link: page.next.deltaLink, full: false, seen: [] });
      await this.deps.state.save(this.state);
      return;
    }
  }

  /** After a full read: staff it did not return are gone from the directory. */
  private async sweepUnseen(seen: Set<string>): Promise<void> {
    for (const record of await this.deps.store.all()) {
      if (seen.has(record.id) || record.facts.deleted) continue;
      await this.apply(record.id, record, { deleted: true }, record.memberships);
    }
    await this.flush();
  }

  /** People whose group memberships changed: judged again; staff group joiners unknown so far are read one by one. */
  private async membershipChanges(): Promise<void> {
    const g = this.state.groups;
    if (g.pending.length === 0) return;
    const known = await this.deps.store.get(g.pending);
    for (const id of g.pending) {
      const record = known.get(id);
      if (record) {
        await this.apply(id, record, {}, this.memberships(id));
      } else if (this.scopeSet.has(id) && !this.readThisRun.has(id)) {
        const user = await this.directoryCall(() => this.deps.directory.user(id));
        if (user && !user.removed) await this.apply(id, undefined, user.facts, this.memberships(id));
      }
    }
    await this.flush();
    g.pending = [];
    await this.deps.state.save(this.state);
  }

  private async leaveDatesPassed(): Promise<void> {
    for (const record of await this.deps.store.dueToLeave(this.deps.now())) await this.apply(record.id, record, {}, record.memberships);
    await this.flush();
  }

  /**
   * Stores one person's new facts and memberships with the events they cause (published by the next flush).
   * Someone never seen as staff who is not staff now is not stored at all (minimisation).
   */
  private async apply(id: string, record: PersonRecord | undefined, facts: Partial<DirectoryFacts>, memberships: Memberships): Promise<void> {
    const catalogue = this.deps.catalogue;
    const now = this.deps.now();
    const nextFacts: DirectoryFacts = { ...(record?.facts ?? EMPTY_FACTS), ...definedOnly(facts) };
    const state = derivePerson(nextFacts, memberships, catalogue, now);
    if (!record && (state.status === 'left' || !isStaff(nextFacts, catalogue))) return;
    const before = record ? { state: record.state, displayName: record.facts.displayName } : null;
    const version = (record?.version ?? 0) + 1;
    const events = lifecycleEvents(id, before, { state, displayName: nextFacts.displayName }, version, now.toISOString());
    const unchanged = record !== undefined && events.length === 0 && JSON.stringify(record.facts) === JSON.stringify(nextFacts) &&
      JSON.stringify(record.memberships) === JSON.stringify(memberships) && JSON.stringify(record.state) === JSON.stringify(state) && record.catalogueVersion === catalogue.version;
    if (unchanged) return;
    const next: PersonRecord = {
      id,
      facts: nextFacts,
      memberships,
      state,
      version: events.length ? version : (record?.version ?? 1),
      catalogueVersion: catalogue.version,
      outbox: [...(record?.outbox ?? []), ...events],
      updatedAt: now.toISOString(),
    };
    await this.deps.store.save(next);
    if (next.outbox.length) this.unpublished.set(id, next.outbox);
  }

  private async unmapped(): Promise<{ services: string[]; jobCategories: string[] }> {
    const services = new Set<string>();
    const jobCategories = new Set<string>();
    for (const r of await this.deps.store.all()) {
      if (r.state.status === 'left') continue;
      if (r.facts.service !== null && r.state.serviceCode === null) services.add(r.facts.service);
      if (r.facts.jobCategory !== null && r.state.jobCategoryCode === null) jobCategories.add(r.facts.jobCategory);
    }
    return { services: [...services].sort(), jobCategories: [...jobCategories].sort() };
  }

  private async groupId(nameOrId: string): Promise<string> {
    return this.directoryCall(() => this.deps.directory.groupId(nameOrId));
  }

  private async directoryCall<T>(call: () => Promise<T>): Promise<T> {
    this.requests++;
    return call();
  }
}

/** Writes to different people at once: the emulator and Cosmos DB serve them in parallel. */
const PARALLEL_WRITES = 16;

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Graph may return a user more than once: one change per person, later facts over earlier ones. */
function mergeById(items: DirectoryUserChange[]): DirectoryUserChange[] {
  const merged = new Map<string, DirectoryUserChange>();
  for (const item of items) {
    const earlier = merged.get(item.id);
    merged.set(item.id, earlier && !item.removed ? { ...item, facts: { ...earlier.facts, ...item.facts } } : item);
  }
  return [...merged.values()];
}

function definedOnly(facts: Partial<DirectoryFacts>): Partial<DirectoryFacts> {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as Partial<DirectoryFacts>;
}

function symmetricDifference(a: Set<string>, b: Set<string>): string[] {
  return [...[...a].filter((x) => !b.has(x)), ...[...b].filter((x) => !a.has(x))];
}

