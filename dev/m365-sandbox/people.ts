import { randomUUID } from 'node:crypto';
import type { SandboxState } from './context';
import { ALL_STAFF_GROUP, JOB_CATEGORIES, ON_LEAVE_GROUP, SKUS, TENANT_DOMAIN, type JobCategory, type SandboxGroup, type SandboxUser } from './tenant-seed';

/** Bad input to a lifecycle call; the control API answers 400 naming the field. */
export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const isoNow = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function slug(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z-]/g, '').toLowerCase();
}

function nonEmptyString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw new InputError(field, 'a non-empty string is required');
  return value.trim();
}

function isoDateTime(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InputError(field, 'an ISO 8601 date-time is required (e.g. 2026-01-05T00:00:00Z)');
  }
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function language(value: unknown, field: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || !/^[a-z]{2}-[A-Z]{2}$/.test(value)) throw new InputError(field, 'a language tag like fr-CA or en-CA (or null) is required');
  return value;
}

function jobCategory(value: unknown, field: string): JobCategory {
  if (typeof value !== 'string' || !(value in JOB_CATEGORIES)) throw new InputError(field, `one of ${Object.keys(JOB_CATEGORIES).join(', ')} is required`);
  return value as JobCategory;
}

/** The service's own group (named after the department): where a hire or a move puts the person. */
function serviceGroup(state: SandboxState, department: string | null): SandboxGroup | undefined {
  if (!department) return undefined;
  return state.tenant.groups.find((g) => g.displayName === department && g.groupTypes.includes('Unified') && g.displayName !== ALL_STAFF_GROUP);
}

function department(state: SandboxState, value: unknown, field: string): string {
  if (typeof value !== 'string' || !serviceGroup(state, value)) {
    const known = state.tenant.groups.filter((g) => g.groupTypes.includes('Unified') && g.displayName !== ALL_STAFF_GROUP).map((g) => g.displayName);
    throw new InputError(field, `one of the services is required: ${known.join(', ')}`);
  }
  return value;
}

function manager(state: SandboxState, value: unknown, field: string, self?: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || !state.tenant.users.some((u) => u.id === value && u.userType === 'Member')) throw new InputError(field, 'the id of an existing staff member (or null) is required');
  if (value === self) throw new InputError(field, 'a person cannot be their own manager');
  return value;
}

function groupNamed(state: SandboxState, name: string): SandboxGroup {
  const group = state.tenant.groups.find((g) => g.displayName === name);
  if (!group) throw new Error(`the tenant has no group ${name}`);
  return group;
}

export function addMember(state: SandboxState, group: SandboxGroup, userId: string): void {
  if (group.memberIds.includes(userId)) return;
  group.memberIds.push(userId);
  state.directory.membersChanged(group.id, [userId], []);
}

export function removeMember(state: SandboxState, group: SandboxGroup, userId: string): void {
  if (!group.memberIds.includes(userId)) return;
  group.memberIds = group.memberIds.filter((id) => id !== userId);
  state.directory.membersChanged(group.id, [], [userId]);
}

function checkFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const field of Object.keys(body)) if (!allowed.includes(field)) throw new InputError(field, `unknown field (expected ${allowed.join(', ')})`);
}

const HIRE_FIELDS = ['givenName', 'surname', 'department', 'jobCategory', 'managerId', 'preferredLanguage', 'employeeHireDate'] as const;

/** Hires someone: a new member account in a service, in "Tout le personnel" and the service's group, like the seed's staff. */
export function hire(state: SandboxState, body: Record<string, unknown>): SandboxUser {
  checkFields(body, HIRE_FIELDS);
  const givenName = nonEmptyString(body, 'givenName');
  const surname = nonEmptyString(body, 'surname');
  const dept = department(state, body.department, 'department');
  const category = jobCategory(body.jobCategory, 'jobCategory');
  const managerId = body.managerId === undefined ? null : manager(state, body.managerId, 'managerId');
  const preferredLanguage = body.preferredLanguage === undefined ? 'fr-CA' : language(body.preferredLanguage, 'preferredLanguage');
  const employeeHireDate = body.employeeHireDate === undefined ? isoNow() : isoDateTime(body.employeeHireDate, 'employeeHireDate');
  const taken = new Set([...state.tenant.users, ...state.tenant.deletedUsers].map((u) => u.mailNickname));
  let nickname = `${slug(givenName)}.${slug(surname)}`;
  for (let n = 2; taken.has(nickname); n++) nickname = `${slug(givenName)}.${slug(surname)}${n}`;
  const user: SandboxUser = {
    id: randomUUID(), displayName: `${givenName} ${surname}`, givenName, surname,
    userPrincipalName: `${nickname}@${TENANT_DOMAIN}`, mail: `${nickname}@${TENANT_DOMAIN}`, mailNickname: nickname,
    department: dept, jobTitle: JOB_CATEGORIES[category].fr, jobCategory: category, accountEnabled: true, userType: 'Member',
    preferredLanguage, usageLocation: 'CA', managerId, employeeType: 'Employee', employeeHireDate, employeeLeaveDateTime: null,
    hasMailbox: true, isSharedMailbox: false, createdDateTime: isoNow(), assignedLicenses: [{ skuId: SKUS[0]!.skuId, disabledPlans: [] }],
  };
  state.tenant.users.push(user);
  state.directory.userCreated(user.id);
  addMember(state, groupNamed(state, ALL_STAFF_GROUP), user.id);
  addMember(state, serviceGroup(state, dept)!, user.id);
  return user;
}

export const UPDATE_FIELDS = ['department', 'jobCategory', 'managerId', 'displayName', 'preferredLanguage', 'employeeType', 'employeeLeaveDateTime', 'accountEnabled'] as const;

/**
 * Moves or updates a person; every change goes to the directory log under Graph's property names.
 * A move to another service also moves the service group membership. `anyDepartment` keeps the
 * older `/users/{id}` control call's leniency (any department text, no group move).
 */
export function update(state: SandboxState, user: SandboxUser, body: Record<string, unknown>, options: { anyDepartment?: boolean } = {}): SandboxUser {
  checkFields(body, UPDATE_FIELDS);
  // Validate everything before changing anything, so a 400 leaves the person as they were.
  const next: Partial<SandboxUser> = {};
  if (body.department !== undefined) {
    if (options.anyDepartment && (typeof body.department === 'string' || body.department === null)) next.department = body.department;
    else next.department = department(state, body.department, 'department');
  }
  if (body.jobCategory !== undefined) next.jobCategory = body.jobCategory === null && options.anyDepartment ? null : jobCategory(body.jobCategory, 'jobCategory');
  if (body.managerId !== undefined) next.managerId = manager(state, body.managerId, 'managerId', user.id);
  if (body.displayName !== undefined) next.displayName = nonEmptyString(body, 'displayName');
  if (body.preferredLanguage !== undefined) next.preferredLanguage = language(body.preferredLanguage, 'preferredLanguage');
  if (body.employeeType !== undefined) {
    if (body.employeeType !== null && (typeof body.employeeType !== 'string' || body.employeeType.trim() === '')) throw new InputError('employeeType', 'a non-empty string (or null) is required');
    next.employeeType = body.employeeType;
  }
  if (body.employeeLeaveDateTime !== undefined) next.employeeLeaveDateTime = body.employeeLeaveDateTime === null ? null : isoDateTime(body.employeeLeaveDateTime, 'employeeLeaveDateTime');
  if (body.accountEnabled !== undefined) {
    if (typeof body.accountEnabled !== 'boolean') throw new InputError('accountEnabled', 'true or false is required');
    next.accountEnabled = body.accountEnabled;
  }

  const changed: string[] = [];
  const previousManagerId = user.managerId;
  if (next.department !== undefined && next.department !== user.department) {
    const from = serviceGroup(state, user.department);
    const to = serviceGroup(state, next.department);
    user.department = next.department;
    changed.push('department');
    if (to) {
      if (from) removeMember(state, from, user.id);
      addMember(state, to, user.id);
    }
  }
  if (next.jobCategory !== undefined && next.jobCategory !== user.jobCategory) {
    user.jobCategory = next.jobCategory;
    user.jobTitle = next.jobCategory ? JOB_CATEGORIES[next.jobCategory].fr : null;
    changed.push('jobTitle', 'onPremisesExtensionAttributes');
  }
  if (next.managerId !== undefined && next.managerId !== user.managerId) {
    user.managerId = next.managerId;
    changed.push('manager');
  }
  for (const field of ['displayName', 'preferredLanguage', 'employeeType', 'employeeLeaveDateTime', 'accountEnabled'] as const) {
    if (next[field] !== undefined && next[field] !== user[field]) {
      (user as unknown as Record<string, unknown>)[field] = next[field];
      changed.push(field);
    }
  }
  state.directory.userChanged(user.id, changed, previousManagerId);
  return user;
}

/** Starts or ends a leave: membership in "En congé" (the account itself does not change). */
export function setOnLeave(state: SandboxState, user: SandboxUser, onLeave: boolean): void {
  const group = groupNamed(state, ON_LEAVE_GROUP);
  if (onLeave) addMember(state, group, user.id);
  else removeMember(state, group, user.id);
}

/**
 * Deletes an account. Soft by default, as in Entra (restorable for 30 days: users/delta says
 * `@removed: {reason: "changed"}`), or permanent (`reason: "deleted"`). Either way the account leaves
 * every group and stops being its reports' manager, as Entra removes a deleted object's links.
 */
export function remove(state: SandboxState, user: SandboxUser, permanent: boolean): void {
  for (const group of state.tenant.groups) removeMember(state, group, user.id);
  for (const report of state.tenant.users) {
    if (report.managerId === user.id) {
      report.managerId = null;
      state.directory.userChanged(report.id, ['manager'], user.id);
    }
  }
  state.tenant.users = state.tenant.users.filter((u) => u.id !== user.id);
  if (!permanent) state.tenant.deletedUsers.push(user);
  state.directory.userRemoved(user.id, permanent ? 'deleted' : 'changed');
}

/** Renames a department for everyone in it (a reorganisation); the service's group takes the new name. */
export function renameDepartment(state: SandboxState, body: Record<string, unknown>): { renamed: number } {
  checkFields(body, ['from', 'to']);
  const from = nonEmptyString(body, 'from');
  const to = nonEmptyString(body, 'to');
  const people = state.tenant.users.filter((u) => u.department === from);
  if (people.length === 0 && !serviceGroup(state, from)) throw new InputError('from', `no one is in department ${from}`);
  if (from !== to && state.tenant.users.some((u) => u.department === to)) throw new InputError('to', `department ${to} already exists; move people one by one instead`);
  for (const person of people) {
    person.department = to;
    state.directory.userChanged(person.id, ['department']);
  }
  const group = serviceGroup(state, from);
  if (group) {
    group.displayName = to;
    state.directory.groupChanged(group.id, ['displayName']);
  }
  return { renamed: people.length };
}

/**
 * Deletes a group. Entra keeps deleted Microsoft 365 groups restorable for 30 days (groups/delta:
 * `@removed: {reason: "changed"}`) but deletes security groups for good (`"deleted"`). The groups the
 * lifecycle calls rely on cannot be deleted.
 */
export function removeGroup(state: SandboxState, group: SandboxGroup): void {
  if (group.displayName === ALL_STAFF_GROUP || group.displayName === ON_LEAVE_GROUP) throw new InputError('id', `${group.displayName} is needed by the lifecycle calls`);
  state.tenant.groups = state.tenant.groups.filter((g) => g.id !== group.id);
  state.directory.groupRemoved(group.id, group.groupTypes.includes('Unified') ? 'changed' : 'deleted');
}
