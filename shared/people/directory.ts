import type { AppRole } from '../platform/roles';
import type { CatalogueEntry, PeopleCatalogue, ServiceEntry } from './catalogue';
import type { ChangeField, Language, PeopleEventKind, PersonStatus } from './model';
import type { PeopleHistory, PeopleStore, PersonRecord, SyncRunSummary, SyncStateStore } from './ports';

/**
 * What people see of the people model: their own record, and for HR and IT administration the
 * directory by service and job category, the recent lifecycle events and the directory values the
 * catalogue does not map. Names are resolved here, at read time: events and history hold ids only.
 */
export const DIRECTORY_ROLES: readonly AppRole[] = ['HR', 'ITAdmin'];

export interface Viewer {
  oid: string;
  roles: readonly AppRole[];
}

export interface PersonView {
  id: string;
  displayName: string;
  service: ServiceEntry | null;
  /** The directory's value when the catalogue does not map it (shown so HR can fix it). */
  unmappedService: string | null;
  jobCategory: CatalogueEntry | null;
  unmappedJobCategory: string | null;
  manager: { id: string; displayName: string } | null;
  status: PersonStatus;
  language: Language;
  hireDate: string | null;
  leaveDate: string | null;
}

export interface DirectoryQuery {
  service?: string;
  jobCategory?: string;
  status?: PersonStatus;
  search?: string;
  page: number;
  pageSize: number;
}

export interface Count {
  code: string | null;
  names: { 'fr-CA': string; en: string } | null;
  count: number;
}

export interface EventView {
  id: string;
  kind: PeopleEventKind;
  observedAt: string;
  person: { id: string; displayName: string | null };
  /** Labels for ids and codes (a manager's name, a service's names), in both languages. */
  changes: Array<{ field: ChangeField; before: string | null; after: string | null; beforeLabel?: Names | null; afterLabel?: Names | null }>;
  leftReason: string | null;
}

export type Names = { 'fr-CA': string; en: string };

export interface UnmappedValue {
  attribute: 'service' | 'jobCategory';
  value: string;
  people: number;
}

type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'forbidden' } | { kind: 'not-found' };

export class PeopleDirectoryReader {
  constructor(private readonly deps: { store: PeopleStore; history: PeopleHistory; state: SyncStateStore; catalogue: PeopleCatalogue }) {}

  private mayRead(viewer: Viewer): boolean {
    return viewer.roles.some((r) => DIRECTORY_ROLES.includes(r));
  }

  /** The caller's own record (anyone signed in): what the other capabilities know of them. */
  async me(viewer: Viewer): Promise<Outcome<PersonView>> {
    const record = (await this.deps.store.get([viewer.oid])).get(viewer.oid);
    if (!record) return { kind: 'not-found' };
    const manager = record.state.managerId ? (await this.deps.store.get([record.state.managerId])).get(record.state.managerId) : undefined;
    return { kind: 'ok', value: this.view(record, new Map(manager ? [[manager.id, manager]] : [])) };
  }

  async list(viewer: Viewer, query: DirectoryQuery): Promise<Outcome<{ people: PersonView[]; total: number; byService: Count[]; byJobCategory: Count[]; byStatus: Record<PersonStatus, number> }>> {
    if (!this.mayRead(viewer)) return { kind: 'forbidden' };
    const all = await this.deps.store.all();
    const byId = new Map(all.map((r) => [r.id, r]));
    const current = all.filter((r) => r.state.status !== 'left');
    const byStatus: Record<PersonStatus, number> = { active: 0, 'on-leave': 0, left: 0 };
    for (const r of all) byStatus[r.state.status]++;
    const needle = query.search ? fold(query.search) : null;
    const matches = all
      .filter((r) => (query.status ? r.state.status === query.status : r.state.status !== 'left'))
      .filter((r) => query.service === undefined || (query.service === '' ? r.state.serviceCode === null : r.state.serviceCode === query.service))
      .filter((r) => query.jobCategory === undefined || (query.jobCategory === '' ? r.state.jobCategoryCode === null : r.state.jobCategoryCode === query.jobCategory))
      .filter((r) => needle === null || fold(r.facts.displayName).includes(needle))
      .sort((a, b) => a.facts.displayName.localeCompare(b.facts.displayName, 'fr-CA'));
    const start = (query.page - 1) * query.pageSize;
    return {
      kind: 'ok',
      value: {
        people: matches.slice(start, start + query.pageSize).map((r) => this.view(r, byId)),
        total: matches.length,
        byService: this.counts(current, (r) => r.state.serviceCode, this.deps.catalogue.services),
        byJobCategory: this.counts(current, (r) => r.state.jobCategoryCode, this.deps.catalogue.jobCategories),
        byStatus,
      },
    };
  }

  async events(viewer: Viewer, options: { limit: number; personId?: string }): Promise<Outcome<EventView[]>> {
    if (!this.mayRead(viewer)) return { kind: 'forbidden' };
    const events = await this.deps.history.recent(options);
    const ids = new Set<string>();
    for (const e of events) {
      ids.add(e.personId);
      for (const c of e.changes) if (c.field === 'manager') [c.before, c.after].forEach((id) => id && ids.add(id));
    }
    const people = await this.deps.store.get([...ids]);
    const name = (id: string | null) => (id === null ? null : (people.get(id)?.facts.displayName ?? null));
    const label = (field: ChangeField, value: string | null): Names | null => {
      if (value === null) return null;
      if (field === 'service') return this.deps.catalogue.service(value)?.names ?? null;
      if (field === 'jobCategory') return this.deps.catalogue.jobCategory(value)?.names ?? null;
      const n = name(value);
      return n === null ? null : { 'fr-CA': n, en: n };
    };
    const labelled: ChangeField[] = ['service', 'jobCategory', 'manager'];
    return {
      kind: 'ok',
      value: events.map((e) => ({
        id: e.id,
        kind: e.kind,
        observedAt: e.observedAt,
        person: { id: e.personId, displayName: name(e.personId) },
        leftReason: e.leftReason ?? null,
        changes: e.changes.map((c) => (labelled.includes(c.field) ? { ...c, beforeLabel: label(c.field, c.before), afterLabel: label(c.field, c.after) } : c)),
      })),
    };
  }

  async unmapped(viewer: Viewer): Promise<Outcome<{ values: UnmappedValue[]; lastRun: SyncRunSummary | null; catalogueVersion: string }>> {
    if (!this.mayRead(viewer)) return { kind: 'forbidden' };
    const counts = new Map<string, UnmappedValue>();
    const add = (attribute: UnmappedValue['attribute'], value: string) => {
      const key = `${attribute}\n${value}`;
      const entry = counts.get(key) ?? { attribute, value, people: 0 };
      entry.people++;
      counts.set(key, entry);
    };
    for (const r of await this.deps.store.all()) {
      if (r.state.status === 'left') continue;
      if (r.facts.service !== null && r.state.serviceCode === null) add('service', r.facts.service);
      if (r.facts.jobCategory !== null && r.state.jobCategoryCode === null) add('jobCategory', r.facts.jobCategory);
    }
    const state = await this.deps.state.load();
    return { kind: 'ok', value: { values: [...counts.values()].sort((a, b) => b.people - a.people || a.value.localeCompare(b.value, 'fr-CA')), lastRun: state.lastRun, catalogueVersion: this.deps.catalogue.version } };
  }

  private counts(records: PersonRecord[], code: (r: PersonRecord) => string | null, entries: CatalogueEntry[]): Count[] {
    const tally = new Map<string | null, number>();
    for (const r of records) tally.set(code(r), (tally.get(code(r)) ?? 0) + 1);
    const known = entries.map((e) => ({ code: e.code, names: e.names, count: tally.get(e.code) ?? 0 }));
    const unmapped = tally.get(null);
    return unmapped ? [...known, { code: null, names: null, count: unmapped }] : known;
  }

  private view(r: PersonRecord, byId: Map<string, PersonRecord>): PersonView {
    const manager = r.state.managerId ? byId.get(r.state.managerId) : undefined;
    return {
      id: r.id,
      displayName: r.facts.displayName,
      service: this.deps.catalogue.service(r.state.serviceCode),
      unmappedService: r.state.serviceCode === null ? r.facts.service : null,
      jobCategory: this.deps.catalogue.jobCategory(r.state.jobCategoryCode),
      unmappedJobCategory: r.state.jobCategoryCode === null ? r.facts.jobCategory : null,
      manager: manager ? { id: manager.id, displayName: manager.facts.displayName } : null,
      status: r.state.status,
      language: r.state.language,
      hireDate: r.state.hireDate,
      leaveDate: r.state.leaveDate,
    };
  }
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}
