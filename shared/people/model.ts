import { createHash } from 'node:crypto';
import type { PeopleCatalogue } from './catalogue';
import type { ChangeField, FieldChange, Language, LeftReason, PeopleEvent, PeopleEventKind, PersonStatus } from './events';

export type { ChangeField, FieldChange, Language, LeftReason, PeopleEvent, PeopleEventKind, PersonStatus } from './events';

/**
 * One model of the union's people (docs/decisions/0009-people.md). Entra ID is the source of truth;
 * the sync keeps, per person, the directory facts it read and the state derived from them through
 * the catalogue, and turns each difference into a lifecycle event that other capabilities follow.
 */

/** What the directory says about a user, as the sync last read it (only what a capability needs). */
export interface DirectoryFacts {
  displayName: string;
  /** Raw service value (`department` by default). */
  service: string | null;
  /** Raw job category value (an extension attribute by default). */
  jobCategory: string | null;
  managerId: string | null;
  preferredLanguage: string | null;
  accountEnabled: boolean;
  userType: string | null;
  employeeType: string | null;
  hireDate: string | null;
  leaveDateTime: string | null;
  /** Raw value of the leave attribute, when leave is read from an attribute. */
  leaveValue: string | null;
  /** Soft-deleted in Entra ID (delta `@removed`). */
  deleted: boolean;
}

/** A user as one delta page reports it: the id and the facts the page carried. */
export interface DirectoryUserChange {
  id: string;
  /** Deleted users come with their id only. */
  removed: boolean;
  facts: Partial<DirectoryFacts>;
}


/** The state capabilities act on, derived from the facts, group memberships and the catalogue. */
export interface PersonState {
  status: PersonStatus;
  /** Why a person left: account disabled, deleted, leave date passed, or no longer in the staff group. */
  leftReason: LeftReason | null;
  serviceCode: string | null;
  jobCategoryCode: string | null;
  managerId: string | null;
  language: Language;
  employeeType: string | null;
  hireDate: string | null;
  leaveDate: string | null;
}

export interface Memberships {
  /** null when no staff group is configured (everyone but guests and excluded types is staff). */
  inScope: boolean | null;
  inLeaveGroup: boolean;
}

/** Whether a directory entry can be staff at all: guests, shared mailboxes and resources are not. */
export function isStaff(facts: DirectoryFacts, catalogue: PeopleCatalogue): boolean {
  if (facts.userType !== null && facts.userType.toLowerCase() === 'guest') return false;
  const excluded = catalogue.directory.excludedEmployeeTypes.map((t) => t.toLowerCase());
  if (facts.employeeType !== null && excluded.includes(facts.employeeType.toLowerCase())) return false;
  return true;
}

function language(raw: string | null): Language {
  return raw !== null && /^en\b/i.test(raw) ? 'en' : 'fr-CA';
}

function onLeave(facts: DirectoryFacts, memberships: Memberships, catalogue: PeopleCatalogue): boolean {
  const leave = catalogue.directory.leave;
  if (leave.group !== undefined && memberships.inLeaveGroup) return true;
  if (leave.attribute !== undefined && facts.leaveValue !== null) {
    const value = facts.leaveValue.trim().toLowerCase();
    return leave.attribute.values.some((v) => v.toLowerCase() === value);
  }
  return false;
}

/** The derived state; `now` decides whether a leave date has passed. */
export function derivePerson(facts: DirectoryFacts, memberships: Memberships, catalogue: PeopleCatalogue, now: Date): PersonState {
  let leftReason: LeftReason | null = null;
  if (facts.deleted) leftReason = 'deleted';
  else if (!facts.accountEnabled) leftReason = 'disabled';
  else if (facts.leaveDateTime !== null && Date.parse(facts.leaveDateTime) <= now.getTime()) leftReason = 'leave-date';
  else if (memberships.inScope === false || !isStaff(facts, catalogue)) leftReason = 'out-of-scope';
  return {
    status: leftReason !== null ? 'left' : onLeave(facts, memberships, catalogue) ? 'on-leave' : 'active',
    leftReason,
    serviceCode: catalogue.serviceFor(facts.service)?.code ?? null,
    jobCategoryCode: catalogue.jobCategoryFor(facts.jobCategory)?.code ?? null,
    managerId: facts.managerId,
    language: language(facts.preferredLanguage),
    employeeType: facts.employeeType,
    hireDate: facts.hireDate,
    leaveDate: facts.leaveDateTime,
  };
}

export function eventId(personId: string, version: number, kind: PeopleEventKind): string {
  return createHash('sha256').update(`${personId}\n${version}\n${kind}`).digest('hex').slice(0, 32);
}

/**
 * The lifecycle events between two states of one person (`before` null: never seen as staff).
 * One event per kind of difference: joining or leaving says it all; otherwise a move, a leave
 * starting or ending, and other updates are separate events a consumer can follow on its own.
 */
export function lifecycleEvents(
  personId: string,
  before: { state: PersonState; displayName: string } | null,
  after: { state: PersonState; displayName: string },
  version: number,
  observedAt: string,
): PeopleEvent[] {
  const s = after.state;
  const make = (kind: PeopleEventKind, changes: FieldChange[]): PeopleEvent => ({
    id: eventId(personId, version, kind),
    kind,
    personId,
    version,
    observedAt,
    changes,
    ...(kind === 'left' && s.leftReason ? { leftReason: s.leftReason } : {}),
    state: { status: s.status, serviceCode: s.serviceCode, jobCategoryCode: s.jobCategoryCode, managerId: s.managerId, language: s.language, hireDate: s.hireDate },
  });
  const b = before?.state ?? null;
  const wasStaff = b !== null && b.status !== 'left';
  const isStaffNow = s.status !== 'left';
  if (!wasStaff && !isStaffNow) return [];
  if (!wasStaff) {
    const changes: FieldChange[] = [
      { field: 'status', before: b?.status ?? null, after: s.status },
      { field: 'service', before: null, after: s.serviceCode },
      { field: 'jobCategory', before: null, after: s.jobCategoryCode },
      { field: 'manager', before: null, after: s.managerId },
    ];
    const events = [make('joined', changes)];
    // Someone who joins while already on leave is both: consumers that pause on leave see it.
    if (s.status === 'on-leave') events.push(make('leave-started', [{ field: 'status', before: 'active', after: 'on-leave' }]));
    return events;
  }
  if (!isStaffNow) return [make('left', [{ field: 'status', before: b.status, after: 'left' }])];

  const events: PeopleEvent[] = [];
  const moved = diff([
    ['service', b.serviceCode, s.serviceCode],
    ['jobCategory', b.jobCategoryCode, s.jobCategoryCode],
    ['manager', b.managerId, s.managerId],
  ]);
  if (moved.length) events.push(make('moved', moved));
  if (b.status === 'active' && s.status === 'on-leave') events.push(make('leave-started', [{ field: 'status', before: 'active', after: 'on-leave' }]));
  if (b.status === 'on-leave' && s.status === 'active') events.push(make('leave-ended', [{ field: 'status', before: 'on-leave', after: 'active' }]));
  const updated = diff([
    ['language', b.language, s.language],
    ['employeeType', b.employeeType, s.employeeType],
    ['hireDate', b.hireDate, s.hireDate],
    ['leaveDate', b.leaveDate, s.leaveDate],
  ]);
  if (before!.displayName !== after.displayName) updated.push({ field: 'displayName', before: null, after: null });
  if (updated.length) events.push(make('updated', updated));
  return events;
}

function diff(pairs: Array<[ChangeField, string | null, string | null]>): FieldChange[] {
  return pairs.filter(([, a, b]) => a !== b).map(([field, before, after]) => ({ field, before, after }));
}

export const EMPTY_FACTS: DirectoryFacts = {
  displayName: '',
  service: null,
  jobCategory: null,
  managerId: null,
  preferredLanguage: null,
  accountEnabled: true,
  userType: null,
  employeeType: null,
  hireDate: null,
  leaveDateTime: null,
  leaveValue: null,
  deleted: false,
};
