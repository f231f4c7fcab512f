import { findGroup, findUser, route, type Route, type SandboxState } from './context';
import { GraphError, applySelect, badRequest, compileFilter, ok, pageOf, type GraphCall } from './graph-http';
import type { SandboxGroup, SandboxUser } from './tenant-seed';

/** Properties Graph returns for a user when no `$select` is given; the rest need `$select`. */
const DEFAULT_USER_PROPERTIES = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

export function fullUserJson(user: SandboxUser): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.user',
    id: user.id,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: user.department ? 'Québec' : null,
    preferredLanguage: user.preferredLanguage,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    department: user.department,
    userType: user.userType,
    mailNickname: user.mailNickname,
    usageLocation: user.usageLocation,
    createdDateTime: user.createdDateTime,
    companyName: user.userType === 'Member' ? 'Syndicat (exemple)' : null,
    employeeType: user.employeeType,
    employeeHireDate: user.employeeHireDate,
    employeeLeaveDateTime: user.employeeLeaveDateTime,
    assignedLicenses: user.assignedLicenses,
    onPremisesExtensionAttributes: { extensionAttribute1: user.jobCategory, ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`extensionAttribute${i + 2}`, null])) },
  };
}

export function userJson(user: SandboxUser, select: string | null): Record<string, unknown> {
  const full = fullUserJson(user);
  if (select) return full;
  return Object.fromEntries(Object.entries(full).filter(([k]) => k.startsWith('@') || DEFAULT_USER_PROPERTIES.includes(k)));
}

/**
 * Graph only filters on onPremisesExtensionAttributes with advanced query parameters
 * (`ConsistencyLevel: eventual` and `$count=true`); the sandbox enforces that like Graph does.
 */
function checkAdvancedQuery(call: GraphCall): void {
  const filter = call.query.get('$filter') ?? '';
  if (/onPremisesExtensionAttributes/i.test(filter) && (call.headers['consistencylevel'] !== 'eventual' || call.query.get('$count') !== 'true')) {
    throw new GraphError(400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified for property \'extensionAttribute1\' of resource \'User\'.');
  }
}

function listUsers(call: GraphCall, users: SandboxUser[]) {
  checkAdvancedQuery(call);
  const filter = compileFilter(call.query.get('$filter'));
  const selected = filter ? users.filter((u) => filter(fullUserJson(u))) : users;
  const page = pageOf(call, selected, { defaultPageSize: 100, maxPageSize: 999, project: (u) => userJson(u, call.query.get('$select')), context: 'users' });
  if (call.query.get('$count') === 'true') (page.body as Record<string, unknown>)['@odata.count'] = selected.length;
  return page;
}

function assignLicense(call: GraphCall, user: SandboxUser, state: SandboxState) {
  const body = (call.body ?? {}) as { addLicenses?: Array<{ skuId?: string; disabledPlans?: string[] }>; removeLicenses?: string[] };
  if (!Array.isArray(body.addLicenses) || !Array.isArray(body.removeLicenses)) {
    throw badRequest('Invalid request: addLicenses and removeLicenses are required.', 'Request_BadRequest');
  }
  if (body.addLicenses.length > 0 && !user.usageLocation) {
    throw new GraphError(400, 'Request_BadRequest', 'License assignment cannot be done for user with invalid usage location.');
  }
  for (const add of body.addLicenses) {
    if (!state.tenant.skus.some((s) => s.skuId === add.skuId)) throw new GraphError(400, 'Request_BadRequest', `License ${add.skuId} does not correspond to a valid company License.`);
  }
  const removed = new Set(body.removeLicenses);
  const added = body.addLicenses.map((a) => ({ skuId: a.skuId ?? '', disabledPlans: a.disabledPlans ?? [] }));
  user.assignedLicenses = [...user.assignedLicenses.filter((l) => !removed.has(l.skuId) && !added.some((a) => a.skuId === l.skuId)), ...added];
  state.writes.record('licenseAssigned', call.appId, { userId: user.id, addLicenses: added, removeLicenses: [...removed] });
  return ok(userJson(user, null));
}

export const directoryRoutes: Route[] = [
  route('GET', /^\/users$/, (call, _m, state) => listUsers(call, state.tenant.users)),
  route('GET', /^\/users\/([^/]+)$/, (call, [, id], state) => ok(applySelect(userJson(findUser(state, id!), call.query.get('$select')), call.query.get('$select')))),
  route('GET', /^\/users\/([^/]+)\/manager$/, (call, [, id], state) => {
    const user = findUser(state, id!);
    if (!user.managerId) throw new GraphError(404, 'Request_ResourceNotFound', `Resource 'manager' does not exist or one of its queried reference-property objects are not present.`);
    return ok(applySelect(userJson(findUser(state, user.managerId), call.query.get('$select')), call.query.get('$select')));
  }),
  route('GET', /^\/users\/([^/]+)\/directReports$/, (call, [, id], state) => {
    const user = findUser(state, id!);
    return listUsers(call, state.tenant.users.filter((u) => u.managerId === user.id));
  }),
  route('GET', /^\/users\/([^/]+)\/memberOf$/, (call, [, id], state) => {
    const user = findUser(state, id!);
    const groups = state.tenant.groups.filter((g) => g.memberIds.includes(user.id));
    return pageOf(call, groups, { defaultPageSize: 100, maxPageSize: 999, project: groupJson });
  }),
  route('POST', /^\/users\/([^/]+)\/assignLicense$/, (call, [, id], state) => assignLicense(call, findUser(state, id!), state)),
  route('GET', /^\/users\/([^/]+)\/licenseDetails$/, (call, [, id], state) => {
    const user = findUser(state, id!);
    const details = user.assignedLicenses.map((l) => ({ id: `${user.id}_${l.skuId}`, skuId: l.skuId, skuPartNumber: state.tenant.skus.find((s) => s.skuId === l.skuId)?.skuPartNumber ?? null, servicePlans: [] }));
    return pageOf(call, details, { defaultPageSize: 100, maxPageSize: 999 });
  }),
  route('GET', /^\/subscribedSkus$/, (call, _m, state) => {
    const skus = state.tenant.skus.map((s) => ({
      id: `${'0f3c2a9e-5b7d-4e61-9a8c-2d4f6b8e1a30'}_${s.skuId}`, skuId: s.skuId, skuPartNumber: s.skuPartNumber, capabilityStatus: 'Enabled',
      consumedUnits: state.tenant.users.filter((u) => u.assignedLicenses.some((l) => l.skuId === s.skuId)).length,
      prepaidUnits: { enabled: s.prepaidUnits, suspended: 0, warning: 0 },
    }));
    return pageOf(call, skus, { defaultPageSize: 100, maxPageSize: 999 });
  }),
  route('GET', /^\/groups$/, (call, _m, state) => {
    const filter = compileFilter(call.query.get('$filter'));
    const groups = filter ? state.tenant.groups.filter((g) => filter(groupJson(g))) : state.tenant.groups;
    return pageOf(call, groups, { defaultPageSize: 100, maxPageSize: 999, project: groupJson, context: 'groups' });
  }),
  route('GET', /^\/groups\/([^/]+)$/, (call, [, id], state) => {
    const group = findGroup(state, id!);
    const select = call.query.get('$select');
    // assignedLabels is one of the properties Graph returns only on $select.
    if (!select) return ok(groupJson(group));
    return ok(applySelect({ ...groupJson(group), assignedLabels: assignedLabelsJson(state, group) }, select));
  }),
  route('PATCH', /^\/groups\/([^/]+)$/, (call, [, id], state) => {
    const group = findGroup(state, id!);
    const body = (call.body ?? {}) as { assignedLabels?: unknown };
    // Graph: "Application permissions are not supported when updating assignedLabels" (the app's
    // tokens here are all app-only). People label their groups in Teams or the admin centre: the
    // control API's POST /_sandbox/groups/{id}/labels.
    if ('assignedLabels' in body) throw new GraphError(401, 'Unauthorized', 'App-only token is not supported.');
    const unsupported = Object.keys(body).filter((k) => k !== 'assignedLabels');
    if (unsupported.length > 0) throw badRequest(`The sandbox updates assignedLabels only (not ${unsupported.join(', ')}).`, 'Request_BadRequest');
    if (!Array.isArray(body.assignedLabels)) throw badRequest('assignedLabels must be an array of { labelId }.', 'Request_BadRequest');
    if (!group.groupTypes.includes('Unified')) throw badRequest('Sensitivity labels can only be applied to Microsoft 365 groups.', 'Request_BadRequest');
    const labelIds = (body.assignedLabels as Array<{ labelId?: unknown }>).map((l) => (l && typeof l.labelId === 'string' ? l.labelId.toLowerCase() : ''));
    for (const labelId of labelIds) {
      if (!state.tenant.sensitivityLabels.some((l) => l.id === labelId)) throw new GraphError(400, 'Request_BadRequest', `The label '${labelId}' is not a valid sensitivity label for this tenant.`);
    }
    if (labelIds.length > 1) throw badRequest('A group can have one sensitivity label only.', 'Request_BadRequest');
    group.assignedLabels = labelIds;
    state.writes.record('sensitivityLabelSet', call.appId, { groupId: group.id, labelIds, labels: labelIds.map((l) => state.tenant.sensitivityLabels.find((s) => s.id === l)!.name) });
    return { status: 204 };
  }),
  // Purview's catalogue: Graph documents it in beta only (microsoft.graph.security.sensitivityLabel); the sandbox also answers it under v1.0.
  route('GET', /^\/security\/informationProtection\/sensitivityLabels$/, (call, _m, state) => pageOf(call, state.tenant.sensitivityLabels, { defaultPageSize: 100, maxPageSize: 100, project: (l) => ({
    id: l.id, name: l.name, description: l.description, color: l.color, sensitivity: l.sensitivity, tooltip: l.tooltip,
    isActive: true, isAppliable: true, hasProtection: l.sensitivity > 0, contentFormats: ['file', 'email', 'site', 'unifiedGroup'], parent: null,
  }) })),
  route('GET', /^\/security\/informationProtection\/sensitivityLabels\/([^/]+)$/, (_call, [, id], state) => {
    const label = state.tenant.sensitivityLabels.find((l) => l.id === id!.toLowerCase());
    if (!label) throw new GraphError(404, 'itemNotFound', `Sensitivity label ${id} not found.`);
    return ok({ id: label.id, name: label.name, description: label.description, color: label.color, sensitivity: label.sensitivity, tooltip: label.tooltip, isActive: true, isAppliable: true, hasProtection: label.sensitivity > 0, contentFormats: ['file', 'email', 'site', 'unifiedGroup'], parent: null });
  }),
  route('GET', /^\/groups\/([^/]+)\/(members|transitiveMembers)$/, (call, [, id], state) => {
    const group = findGroup(state, id!);
    return listUsers(call, group.memberIds.map((m) => findUser(state, m)));
  }),
];

function assignedLabelsJson(state: SandboxState, group: SandboxGroup) {
  return (group.assignedLabels ?? []).map((labelId) => ({ labelId, displayName: state.tenant.sensitivityLabels.find((l) => l.id === labelId)?.name ?? null }));
}

export function groupJson(group: { id: string; displayName: string; description: string; mailNickname: string; mail: string | null; mailEnabled: boolean; securityEnabled: boolean; groupTypes: string[]; createdDateTime: string }) {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: group.id, displayName: group.displayName, description: group.description, mailNickname: group.mailNickname, mail: group.mail,
    mailEnabled: group.mailEnabled, securityEnabled: group.securityEnabled, groupTypes: group.groupTypes, createdDateTime: group.createdDateTime, visibility: group.groupTypes.includes('Unified') ? 'Private' : null,
  };
}
