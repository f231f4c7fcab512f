import type { Client } from '@microsoft/microsoft-graph-client';
import { budgetedGet, type GraphGetOutcome } from '../../platform/adapters/graph-get';
import type { GraphBudget } from '../../platform/graph/graph-budget';
import { relativeLink } from '../../platform/graph/graph-links';
import type { PeopleCatalogueFile } from '../catalogue';
import type { DirectoryFacts, DirectoryUserChange } from '../model';
import { DeltaExpired, type DeltaPage, type GroupMemberChange, type PeopleDirectory } from '../ports';

type GraphUser = Record<string, unknown> & { id: string; '@removed'?: { reason?: string } };
type GraphGroup = { id: string; '@removed'?: unknown; 'members@delta'?: Array<{ '@odata.type'?: string; id: string; '@removed'?: unknown }> };
type DeltaBody<T> = { value: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

/** Budget key for directory reads: they are not Outlook requests, so they have their own budget. */
const DIRECTORY = 'directory';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The people directory in Entra ID through Graph delta queries: `users/delta` with only the
 * properties the people model needs, and `groups/delta` restricted to the staff and leave groups.
 * Graph answers an expired or unknown delta token with 410 Gone (or a `syncStateNotFound` /
 * `resyncRequired` error): that becomes DeltaExpired and the sync restarts with a full read.
 */
export class GraphPeopleDirectory implements PeopleDirectory {
  private readonly select: string;

  constructor(private readonly client: Client, private readonly budget: GraphBudget, private readonly directory: PeopleCatalogueFile['directory']) {
    const attributes = [directory.serviceAttribute, directory.jobCategoryAttribute, directory.leave.attribute?.name].filter((a): a is string => a !== undefined).map((a) => a.split('.')[0]!);
    this.select = [...new Set(['id', 'displayName', 'accountEnabled', 'userType', 'employeeType', 'employeeHireDate', 'employeeLeaveDateTime', 'preferredLanguage', ...attributes])].join(',');
  }

  async userChanges(link: string | null): Promise<DeltaPage<DirectoryUserChange>> {
    const url = link ? relativeLink(link) : `/users/delta?$select=${this.select},manager`;
    const body = await this.get<DeltaBody<GraphUser>>(url, 'users');
    return { items: body.value.map((u) => this.change(u)), next: nextOf(body) };
  }

  async groupChanges(groupIds: string[], link: string | null): Promise<DeltaPage<GroupMemberChange>> {
    const filter = groupIds.map((id) => `id eq '${id}'`).join(' or ');
    const url = link ? relativeLink(link) : `/groups/delta?$select=displayName,members&$filter=${encodeURIComponent(filter)}`;
    const body = await this.get<DeltaBody<GraphGroup>>(url, 'groups');
    const items: GroupMemberChange[] = [];
    for (const group of body.value) {
      for (const member of group['members@delta'] ?? []) {
        // Only users are people; nested groups, devices and contacts are not.
        if (member['@odata.type'] && member['@odata.type'] !== '#microsoft.graph.user') continue;
        items.push({ groupId: group.id, memberId: member.id, removed: member['@removed'] !== undefined });
      }
    }
    return { items, next: nextOf(body) };
  }

  async user(id: string): Promise<DirectoryUserChange | null> {
    const user = await this.getOrNull<GraphUser>(`/users/${encodeURIComponent(id)}?$select=${this.select}`);
    if (!user) return null;
    const manager = await this.getOrNull<{ id: string }>(`/users/${encodeURIComponent(id)}/manager?$select=id`);
    const change = this.change(user);
    change.facts.managerId = manager?.id ?? null;
    return change;
  }

  async groupId(nameOrId: string): Promise<string> {
    if (GUID.test(nameOrId)) return nameOrId;
    const filter = encodeURIComponent(`displayName eq '${nameOrId.replace(/'/g, "''")}'`);
    const body = await this.get<{ value: Array<{ id: string }> }>(`/groups?$filter=${filter}&$select=id`, 'groups');
    if (body.value.length !== 1) throw new Error(`The group "${nameOrId}" named in the people catalogue must match exactly one group (found ${body.value.length})`);
    return body.value[0]!.id;
  }

  /** Graph's user to the facts it carries (a property absent from the answer is left out, not nulled). */
  private change(u: GraphUser): DirectoryUserChange {
    if (u['@removed']) return { id: u.id, removed: true, facts: {} };
    const facts: Partial<DirectoryFacts> = {};
    const put = <K extends keyof DirectoryFacts>(key: K, value: DirectoryFacts[K] | undefined) => {
      if (value !== undefined) facts[key] = value;
    };
    put('displayName', str(u.displayName) ?? undefined);
    put('service', attribute(u, this.directory.serviceAttribute));
    put('jobCategory', attribute(u, this.directory.jobCategoryAttribute));
    put('preferredLanguage', 'preferredLanguage' in u ? str(u.preferredLanguage) : undefined);
    put('accountEnabled', typeof u.accountEnabled === 'boolean' ? u.accountEnabled : undefined);
    put('userType', 'userType' in u ? str(u.userType) : undefined);
    put('employeeType', 'employeeType' in u ? str(u.employeeType) : undefined);
    put('hireDate', 'employeeHireDate' in u ? isoDate(u.employeeHireDate) : undefined);
    put('leaveDateTime', 'employeeLeaveDateTime' in u ? isoDate(u.employeeLeaveDateTime) : undefined);
    if (this.directory.leave.attribute) put('leaveValue', attribute(u, this.directory.leave.attribute.name));
    const managerDelta = u['manager@delta'] as Array<{ id: string; '@removed'?: unknown }> | undefined;
    if (Array.isArray(managerDelta)) {
      const current = managerDelta.find((m) => m['@removed'] === undefined);
      put('managerId', current?.id ?? null);
    }
    return { id: u.id, removed: false, facts };
  }

  private async get<T>(url: string, what: 'users' | 'groups'): Promise<T> {
    const outcome = await this.call<T>(url);
    if (outcome.ok) return outcome.value;
    const err = outcome.error as { statusCode?: number; code?: string };
    // Entra ID answers an expired sync state with 400 syncStateNotFound; 410 Gone is the generic delta answer.
    if (err.statusCode === 410 || err.code === 'syncStateNotFound' || err.code === 'resyncRequired') throw new DeltaExpired(what);
    throw outcome.error;
  }

  private async getOrNull<T>(url: string): Promise<T | null> {
    const outcome = await this.call<T>(url);
    if (outcome.ok) return outcome.value;
    if ((outcome.error as { statusCode?: number }).statusCode === 404) return null;
    throw outcome.error;
  }

  private call<T>(url: string): Promise<GraphGetOutcome<T>> {
    return budgetedGet<T>(this.client, this.budget, DIRECTORY, url);
  }
}

function nextOf(body: DeltaBody<unknown>): DeltaPage<unknown>['next'] {
  if (body['@odata.nextLink']) return { kind: 'page', link: body['@odata.nextLink'] };
  if (body['@odata.deltaLink']) return { kind: 'done', deltaLink: body['@odata.deltaLink'] };
  throw new Error('Graph delta page with neither a next link nor a delta link');
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function isoDate(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** `department` or `onPremisesExtensionAttributes.extensionAttribute1`; undefined when the answer did not carry it. */
function attribute(u: GraphUser, name: string): string | null | undefined {
  const [top, inner] = name.split('.') as [string, string | undefined];
  if (!(top in u)) return undefined;
  const value = u[top];
  if (inner === undefined) return str(value);
  return value && typeof value === 'object' ? str((value as Record<string, unknown>)[inner]) : null;
}
