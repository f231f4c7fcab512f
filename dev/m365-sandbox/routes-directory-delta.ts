import { route, type Route, type SandboxState } from './context';
import type { MergedChange } from './directory-log';
import { GraphError, decodeToken, encodeToken, ok, odataQueryString, type GraphCall, type GraphResult } from './graph-http';
import { fullUserJson, groupJson } from './routes-directory';
import type { SandboxGroup, SandboxUser } from './tenant-seed';

/**
 * Objects per users/delta page. Graph documents no number and ignores `$top` and `Prefer:
 * odata.maxpagesize` on directory delta ("$top is not supported" for users and groups); 200 is the
 * page Microsoft's own docs team reported for users/delta (microsoft-graph-docs issue #5566).
 */
export const USERS_DELTA_PAGE = 200;
/** Group objects per groups/delta page (undocumented too). */
export const GROUPS_DELTA_PAGE = 100;
/**
 * Members per group object: a large group's members@delta is split over several copies of the same
 * group object, possibly on several pages, as "Paging through members in a large group" describes.
 */
export const MEMBERS_PER_GROUP_ITEM = 100;
/** Graph limits the `id eq` scoping filter to 50 objects. */
const MAX_FILTER_IDS = 50;

/** Properties Graph returns on users/delta without `$select` (the user's default set). */
const DEFAULT_USER_DELTA = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'];
/**
 * User properties stored outside Entra ID (SharePoint profile): Graph answers 501 NotImplemented when
 * they are selected on delta, and changes to them never show up. `hireDate` is one of them: the
 * directory's hire date is `employeeHireDate`.
 */
const USER_PROPERTIES_OUTSIDE_ENTRA = ['aboutMe', 'birthday', 'hireDate', 'interests', 'mySite', 'pastProjects', 'preferredName', 'responsibilities', 'schools', 'skills', 'mailboxSettings'];

interface DeltaQuery {
  /** 'u' users, 'g' groups. */
  r: 'u' | 'g';
  /** Store generation: tokens from another run are unknown. */
  g: string;
  /** `$select` of the initial request (encoded in the tokens, as Graph does), or null. */
  sel: string[] | null;
  /** Ids of the `$filter=id eq ... or id eq ...` scope, or null for every object. */
  ids: string[] | null;
}

interface DeltaPosition extends DeltaQuery {
  /** Change-log position the next round starts after. */
  s: number;
}

interface DeltaPage extends DeltaPosition {
  /** 'i' = initial listing of the current state, 'c' = changes in (s, to]. */
  p: 'i' | 'c';
  to: number;
  /** Keyset paging: key of the last item returned. */
  after: string;
}

/** Graph's answer to an expired or unknown directory delta token (documented by Microsoft, July 2020). */
const syncStateNotFound = () =>
  new GraphError(400, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');

function parseSelect(call: GraphCall, kind: 'u' | 'g'): string[] | null {
  const raw = call.query.get('$select');
  const expand = call.query.get('$expand');
  let select = raw === null ? null : raw.split(',').map((s) => s.trim()).filter(Boolean);
  // The older group delta docs track membership with $expand=members; it means the same as selecting members.
  if (kind === 'g' && expand !== null && /^members$/i.test(expand.trim()) && select !== null && !select.includes('members')) select = [...select, 'members'];
  if (expand !== null && !(kind === 'g' && /^members$/i.test(expand.trim()))) {
    throw new GraphError(400, 'Request_UnsupportedQuery', `Unsupported query: $expand is not supported on ${kind === 'u' ? 'users' : 'groups'}/delta.`);
  }
  if (!select) return null;
  const known = new Set(kind === 'u' ? [...Object.keys(fullUserJson(SAMPLE_USER)), 'manager'] : [...Object.keys(groupJson(SAMPLE_GROUP)), 'members']);
  for (const property of select) {
    if (kind === 'u' && USER_PROPERTIES_OUTSIDE_ENTRA.some((p) => p.toLowerCase() === property.toLowerCase())) {
      throw new GraphError(501, 'NotImplemented', 'This operation target is not yet supported.');
    }
    if (!known.has(property) || property.startsWith('@')) {
      throw new GraphError(400, 'Request_BadRequest', `Could not find a property named '${property}' on type 'microsoft.graph.${kind === 'u' ? 'user' : 'group'}'.`);
    }
  }
  return select.filter((p) => p !== 'id');
}

/** The only `$filter` Graph takes on directory delta: `id eq '...'` joined by `or`, at most 50. */
function parseIdFilter(call: GraphCall): string[] | null {
  const filter = call.query.get('$filter');
  if (filter === null) return null;
  const clauses = filter.trim().split(/\s+or\s+/i);
  const ids = clauses.map((clause) => /^id\s+eq\s+'([0-9a-fA-F-]{36})'$/i.exec(clause.trim())?.[1]?.toLowerCase());
  if (ids.some((id) => id === undefined) || ids.length > MAX_FILTER_IDS) {
    throw new GraphError(400, 'Request_UnsupportedQuery', `Unsupported query filter: only "id eq '{id}'" clauses joined by "or" (at most ${MAX_FILTER_IDS}) are supported on delta.`);
  }
  return ids as string[];
}

/** Where this request stands: a fresh round, a page of one, or the start of a change round. */
function readPosition(call: GraphCall, state: SandboxState, kind: 'u' | 'g'): DeltaPage | 'latest' {
  const log = state.directory;
  const skipToken = call.query.get('$skiptoken');
  const deltaToken = call.query.get('$deltatoken');
  const valid = (t: DeltaPosition | undefined): t is DeltaPosition =>
    t !== undefined && t.r === kind && t.g === log.generation && typeof t.s === 'number' && t.s >= log.minValidSeq && t.s <= log.position;
  if (skipToken !== null) {
    const page = decodeToken<DeltaPage>(skipToken);
    if (!valid(page)) throw syncStateNotFound();
    return page;
  }
  if (deltaToken !== null && deltaToken.toLowerCase() !== 'latest') {
    const position = decodeToken<DeltaPosition>(deltaToken);
    if (!valid(position)) throw syncStateNotFound();
    return { ...position, p: 'c', to: log.position, after: '' };
  }
  const query: DeltaQuery = { r: kind, g: log.generation, sel: parseSelect(call, kind), ids: parseIdFilter(call) };
  // "Sync from now": $deltatoken=latest answers no objects and a deltaLink at the current position.
  if (deltaToken !== null) return 'latest';
  return { ...query, s: log.position, p: 'i', to: log.position, after: '' };
}

function links(call: GraphCall, resource: 'users' | 'groups') {
  const base = `${call.graphBaseUrl}/${resource}/delta`;
  return {
    next: (page: DeltaPage) => `${base}?${odataQueryString(new URLSearchParams({ $skiptoken: encodeToken(page) }))}`,
    delta: (position: DeltaPosition) => `${base}?${odataQueryString(new URLSearchParams({ $deltatoken: encodeToken(position) }))}`,
  };
}

/** A page entry; initial listings build the JSON only for the entries a page serves. */
type Item = { key: string; json: Record<string, unknown> | (() => Record<string, unknown>) };

/** Serves one page: keyset-paged over items sorted by key, so changes made while a client pages shift nothing. */
function servePage(call: GraphCall, resource: 'users' | 'groups', page: DeltaPage, items: Item[], pageSize: number): GraphResult {
  const rest = items.filter((item) => item.key > page.after).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const served = rest.slice(0, pageSize);
  const body: Record<string, unknown> = { '@odata.context': `${call.graphBaseUrl}/$metadata#${resource}`, value: served.map((i) => (typeof i.json === 'function' ? i.json() : i.json)) };
  const link = links(call, resource);
  if (rest.length > pageSize) body['@odata.nextLink'] = link.next({ ...page, after: served[served.length - 1]!.key });
  else body['@odata.deltaLink'] = link.delta({ r: page.r, g: page.g, sel: page.sel, ids: page.ids, s: page.to });
  return ok(body);
}

function latest(call: GraphCall, state: SandboxState, resource: 'users' | 'groups', kind: 'u' | 'g'): GraphResult {
  const position: DeltaPosition = { r: kind, g: state.directory.generation, sel: parseSelect(call, kind), ids: parseIdFilter(call), s: state.directory.position };
  return ok({ '@odata.context': `${call.graphBaseUrl}/$metadata#${resource}`, value: [], '@odata.deltaLink': links(call, resource).delta(position) });
}

/** `Prefer: return=minimal`: changed properties only on change rounds (users/delta and groups/delta). */
const wantsMinimal = (call: GraphCall) => /(^|[,;\s])return\s*=\s*minimal\b/i.test(call.headers['prefer'] ?? '');

const userRef = (id: string) => ({ '@odata.type': '#microsoft.graph.user', id });

/**
 * A user as users/delta shows it. Initial rounds and created users: the selected properties that
 * hold a value (Graph leaves out a property that was never set). Changed users: by default every
 * selected property, with its current value, plus any changed one even when now null; with
 * `Prefer: return=minimal`, only the changed ones.
 */
function userDeltaJson(user: SandboxUser, sel: string[] | null, change: MergedChange | undefined, minimal: boolean): Record<string, unknown> | undefined {
  const full = fullUserJson(user);
  const selected = sel ?? DEFAULT_USER_DELTA;
  const changed = change && !change.created ? change.properties : undefined;
  // With $select, only changes to selected properties make a user show up; without, all properties are tracked.
  if (changed && sel && ![...changed].some((p) => sel.includes(p))) return undefined;
  const out: Record<string, unknown> = {};
  for (const property of selected) {
    if (property === 'manager') continue;
    const isChanged = changed?.has(property) ?? false;
    if (changed && minimal && !isChanged) continue;
    const value = full[property];
    if ((value === null || value === undefined) && !isChanged) continue;
    out[property] = value ?? null;
  }
  if (changed && minimal && !sel) {
    for (const property of changed) if (property !== 'manager' && property in full) out[property] = full[property];
  }
  out.id = user.id;
  if (sel?.includes('manager')) {
    const managerChanged = changed?.has('manager') ?? false;
    if (user.managerId && (!changed || !minimal || managerChanged)) out['manager@delta'] = [userRef(user.managerId)];
    else if (!user.managerId && managerChanged && change?.managerBefore) out['manager@delta'] = [{ ...userRef(change.managerBefore), '@removed': { reason: 'deleted' } }];
  }
  return out;
}

function usersDelta(call: GraphCall, state: SandboxState): GraphResult {
  const position = readPosition(call, state, 'u');
  if (position === 'latest') return latest(call, state, 'users', 'u');
  const page = position;
  const minimal = wantsMinimal(call);
  const inScope = (id: string) => page.ids === null || page.ids.includes(id);
  const items: Item[] = [];
  if (page.p === 'i') {
    for (const user of state.tenant.users) {
      if (inScope(user.id)) items.push({ key: user.id, json: () => userDeltaJson(user, page.sel, undefined, false)! });
    }
  } else {
    const byId = new Map(state.tenant.users.map((u) => [u.id, u]));
    for (const change of state.directory.merged('user', page.s, page.to).values()) {
      if (!inScope(change.id)) continue;
      const user = byId.get(change.id);
      if (change.removed || !user) {
        items.push({ key: change.id, json: { id: change.id, '@removed': { reason: change.removed ?? 'changed' } } });
        continue;
      }
      const json = userDeltaJson(user, page.sel, change, minimal);
      if (json) items.push({ key: change.id, json });
    }
  }
  return servePage(call, 'users', page, items, USERS_DELTA_PAGE);
}

/** One group as groups/delta shows it, split into several copies when members@delta is long. */
function groupDeltaItems(group: SandboxGroup, sel: string[] | null, change: MergedChange | undefined, minimal: boolean): Item[] {
  const full = groupJson(group) as Record<string, unknown>;
  const properties = (sel ?? Object.keys(full).filter((k) => !k.startsWith('@') && k !== 'id')).filter((p) => p !== 'members');
  const tracksMembers = sel === null || sel.includes('members');
  const changed = change && !change.created ? change.properties : undefined;
  let members: Array<Record<string, unknown>>;
  if (changed) {
    members = tracksMembers ? [...change!.members].map(([id, removed]) => (removed ? { ...userRef(id), '@removed': { reason: 'deleted' } } : userRef(id))) : [];
    if (changed.size === 0 && members.length === 0) return [];
    if (sel && members.length === 0 && ![...changed].some((p) => sel.includes(p))) return [];
  } else {
    members = tracksMembers ? group.memberIds.map(userRef) : [];
  }
  const base: Record<string, unknown> = {};
  for (const property of properties) {
    const isChanged = changed?.has(property) ?? false;
    if (changed && minimal && !isChanged) continue;
    const value = full[property];
    if ((value === null || value === undefined) && !isChanged) continue;
    base[property] = value ?? null;
  }
  base.id = group.id;
  if (members.length === 0) return [{ key: `${group.id}:0000`, json: base }];
  const items: Item[] = [];
  for (let i = 0; i * MEMBERS_PER_GROUP_ITEM < members.length; i++) {
    items.push({ key: `${group.id}:${String(i).padStart(4, '0')}`, json: { ...base, 'members@delta': members.slice(i * MEMBERS_PER_GROUP_ITEM, (i + 1) * MEMBERS_PER_GROUP_ITEM) } });
  }
  return items;
}

function groupsDelta(call: GraphCall, state: SandboxState): GraphResult {
  const position = readPosition(call, state, 'g');
  if (position === 'latest') return latest(call, state, 'groups', 'g');
  const page = position;
  const minimal = wantsMinimal(call);
  const inScope = (id: string) => page.ids === null || page.ids.includes(id);
  const items: Item[] = [];
  if (page.p === 'i') {
    for (const group of state.tenant.groups) if (inScope(group.id)) items.push(...groupDeltaItems(group, page.sel, undefined, false));
  } else {
    const byId = new Map(state.tenant.groups.map((g) => [g.id, g]));
    for (const change of state.directory.merged('group', page.s, page.to).values()) {
      if (!inScope(change.id)) continue;
      const group = byId.get(change.id);
      if (change.removed || !group) items.push({ key: `${change.id}:0000`, json: { id: change.id, '@removed': { reason: change.removed ?? 'deleted' } } });
      else items.push(...groupDeltaItems(group, page.sel, change, minimal));
    }
  }
  return servePage(call, 'groups', page, items, GROUPS_DELTA_PAGE);
}

// Shapes to learn which property names exist, for `$select` validation.
const SAMPLE_USER: SandboxUser = {
  id: '', displayName: '', givenName: null, surname: null, userPrincipalName: '', mail: null, mailNickname: '', department: null, jobTitle: null, jobCategory: null,
  accountEnabled: true, userType: 'Member', preferredLanguage: null, usageLocation: null, managerId: null, employeeType: null, employeeHireDate: null,
  employeeLeaveDateTime: null, hasMailbox: false, isSharedMailbox: false, createdDateTime: '', assignedLicenses: [],
};
const SAMPLE_GROUP: SandboxGroup = { id: '', displayName: '', description: '', mailNickname: '', mail: null, mailEnabled: false, securityEnabled: true, groupTypes: [], memberIds: [], createdDateTime: '' };

/** Before the `/users/{id}` and `/groups/{id}` routes; the SDK's fully qualified name works too. */
export const directoryDeltaRoutes: Route[] = [
  route('GET', /^\/users\/(?:microsoft\.graph\.)?delta(?:\(\))?$/, (call, _m, state) => usersDelta(call, state)),
  route('GET', /^\/groups\/(?:microsoft\.graph\.)?delta(?:\(\))?$/, (call, _m, state) => groupsDelta(call, state)),
];
