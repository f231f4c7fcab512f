import { randomUUID } from 'node:crypto';
import { findSite, findUser, route, type Route, type SandboxState } from './context';
import { GraphError, badRequest, ok, pageOf, resourceNotFound, type GraphCall, type GraphResult } from './graph-http';
import type { Team } from './team-store';
import type { ConflictBehavior, DriveItem, Permission } from './file-store';
import { Readable } from 'node:stream';
import type { SandboxSite } from './tenant-seed';

function siteJson(site: SandboxSite) {
  return {
    id: site.id, name: site.name, displayName: site.displayName, webUrl: site.webUrl, createdDateTime: '2020-01-15T14:00:00Z',
    siteCollection: { hostname: 'syndicat-exemple.sharepoint.com', dataLocationCode: 'CAN' },
  };
}

function driveJson(state: SandboxState, driveId: string) {
  const drive = state.files.drive(driveId);
  return { id: drive.id, name: drive.name, driveType: 'documentLibrary', webUrl: drive.webUrl, owner: { group: { displayName: drive.ownerDisplayName } }, quota: { total: 27_487_790_694_400, used: 0, state: 'normal' } };
}

export function driveItemJson(state: SandboxState, item: DriveItem, graphBaseUrl?: string): Record<string, unknown> {
  const drive = state.files.drive(item.driveId);
  const json: Record<string, unknown> = {
    id: item.id,
    name: item.name,
    eTag: `"{${item.id}},${item.version}"`,
    cTag: `"c:{${item.id}},${item.version}"`,
    createdDateTime: item.createdDateTime,
    lastModifiedDateTime: item.lastModifiedDateTime,
    webUrl: `${drive.webUrl}/${encodeURIComponent(item.name)}`,
    size: item.isFolder ? state.files.children(item).reduce((n, c) => n + (c.content?.length ?? 0), 0) : (item.content?.length ?? 0),
    parentReference: item.parentId ? { driveId: item.driveId, driveType: 'documentLibrary', id: item.parentId, path: state.files.parentPath(item) } : { driveId: item.driveId, driveType: 'documentLibrary' },
  };
  if (item.parentId === null) json.root = {};
  if (item.isFolder) json.folder = { childCount: state.files.children(item).length };
  else {
    json.file = { mimeType: mimeTypeOf(item.name) };
    if (graphBaseUrl) json['@microsoft.graph.downloadUrl'] = `${graphBaseUrl}/drives/${item.driveId}/items/${item.id}/content`;
  }
  return json;
}

function mimeTypeOf(name: string): string {
  const ext = name.split('.').pop()?.toLowerCase();
  return ({ docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', dotx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.template', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', pdf: 'application/pdf', txt: 'text/plain', md: 'text/markdown', json: 'application/json' } as Record<string, string>)[ext ?? ''] ?? 'application/octet-stream';
}

function permissionJson(permission: Permission, inheritedFrom?: DriveItem) {
  return {
    id: permission.id,
    roles: permission.roles,
    grantedToV2: grantedToV2(permission),
    ...(permission.invitation ? { invitation: permission.invitation } : {}),
    ...(inheritedFrom ? { inheritedFrom: { driveId: inheritedFrom.driveId, id: inheritedFrom.id } } : {}),
  };
}

function grantedToV2(permission: Permission) {
  const { id, displayName, email, type } = permission.grantedTo;
  if (!id) return { siteGroup: { displayName } };
  return type === 'group' ? { group: { id, displayName, email } } : { user: { id, displayName, email } };
}

/** A permission's principal from a recipient: an Entra group or user by objectId, else a user or outside address by email. */
export function principalOf(state: SandboxState, recipient: { email?: string; objectId?: string }): Permission['grantedTo'] {
  if (recipient.objectId) {
    const group = state.tenant.groups.find((g) => g.id === recipient.objectId!.toLowerCase());
    if (group) return { id: group.id, displayName: group.displayName, email: group.mail, type: 'group' };
    const user = findUser(state, recipient.objectId);
    return { id: user.id, displayName: user.displayName, email: user.mail ?? user.userPrincipalName, type: 'user' };
  }
  const email = recipient.email?.toLowerCase();
  if (!email) throw badRequest('Each recipient needs an email or objectId.', 'invalidRequest');
  const user = state.tenant.users.find((u) => u.mail?.toLowerCase() === email || u.userPrincipalName.toLowerCase() === email);
  if (user) return { id: user.id, displayName: user.displayName, email: user.mail ?? user.userPrincipalName, type: 'user' };
  const group = state.tenant.groups.find((g) => g.mail?.toLowerCase() === email);
  if (group) return { id: group.id, displayName: group.displayName, email: group.mail, type: 'group' };
  return { id: null, displayName: recipient.email!, email: recipient.email! };
}

function conflictBehavior(call: GraphCall, fallback: ConflictBehavior): ConflictBehavior {
  const fromBody = (call.body as Record<string, unknown> | undefined)?.['@microsoft.graph.conflictBehavior'];
  const value = (typeof fromBody === 'string' ? fromBody : call.query.get('@microsoft.graph.conflictBehavior')) ?? fallback;
  if (value !== 'fail' && value !== 'replace' && value !== 'rename') throw badRequest(`Invalid conflict behavior '${value}'.`, 'invalidRequest');
  return value;
}

/**
 * The drive-item address grammar Graph accepts: `root`, `items/{id}`, each optionally followed by
 * `:/relative/path` and `:` before a further segment (`/children`, `/content`, `/invite`, ...).
 */
const ITEM_ADDRESS = /^\/drives\/([^/]+)\/(root|items\/[^/:]+)(?::(\/[^:]*)(?::(\/[^:]*)?)?)?(\/[^:]*)?$/;

async function driveItemRequest(call: GraphCall, driveId: string, base: string, relativePath: string | undefined, rest: string | undefined, state: SandboxState): Promise<GraphResult> {
  const drive = state.files.drive(driveId);
  const baseItem = base === 'root' ? state.files.item(driveId, drive.rootId) : state.files.item(driveId, base.slice('items/'.length));
  const action = rest ?? '';
  const method = call.method;
  const parentOfPath = () => (relativePath ? state.files.resolvePath(baseItem, relativePath.split('/').slice(0, -1).join('/'), method === 'PUT') : undefined);
  const fileName = () => relativePath?.split('/').filter(Boolean).pop() ?? '';

  if (method === 'PUT' && action === '/content') {
    if (!relativePath) {
      state.files.replaceContent(baseItem, call.rawBody);
      state.writes.record('fileUploaded', call.appId, { driveId, itemId: baseItem.id, name: baseItem.name, size: call.rawBody.length });
      return ok(driveItemJson(state, baseItem));
    }
    const parent = parentOfPath();
    if (!parent) throw new GraphError(404, 'itemNotFound', 'The resource could not be found.');
    const existed = state.files.childNamed(parent, fileName()) !== undefined;
    const item = state.files.create(parent, fileName(), call.rawBody, conflictBehavior(call, 'replace'));
    state.writes.record('fileUploaded', call.appId, { driveId, itemId: item.id, parentId: parent.id, name: item.name, size: call.rawBody.length });
    return { status: existed ? 200 : 201, body: driveItemJson(state, item) };
  }
  if (method === 'POST' && action === '/createUploadSession') {
    const parent = relativePath ? parentOfPath() : undefined;
    if (!parent || !relativePath) throw badRequest('An upload session needs a parent and a file name (items/{parent}:/{name}:/createUploadSession).', 'invalidRequest');
    const item = ((call.body as { item?: Record<string, unknown> } | undefined)?.item ?? {}) as Record<string, unknown>;
    const conflict = (item['@microsoft.graph.conflictBehavior'] as ConflictBehavior | undefined) ?? 'replace';
    if (conflict === 'fail' && state.files.childNamed(parent, fileName())) throw new GraphError(409, 'nameAlreadyExists', 'The specified item name already exists.');
    const id = randomUUID();
    const expires = Date.now() + 15 * 60_000;
    state.files.uploadSessions.set(id, { parent, name: fileName(), conflict, chunks: [], received: 0, expires, appId: call.appId });
    const base = call.graphBaseUrl.replace(/\/v1\.0$/, '');
    return ok({ uploadUrl: `${base}/_upload/${id}`, expirationDateTime: new Date(expires).toISOString(), nextExpectedRanges: ['0-'] });
  }

  const item = relativePath ? state.files.resolvePath(baseItem, relativePath) : baseItem;
  if (!item) throw new GraphError(404, 'itemNotFound', 'The resource could not be found.');

  if (method === 'GET' && action === '') return ok(driveItemJson(state, item, call.graphBaseUrl));
  if (method === 'DELETE' && action === '') {
    const path = `${state.files.parentPath(item)}/${item.name}`;
    state.files.delete(item);
    state.writes.record('driveItemDeleted', call.appId, { driveId, itemId: item.id, name: item.name, path });
    return { status: 204 };
  }
  if (method === 'PATCH' && action === '') return updateItem(call, state, item);
  if (method === 'GET' && action === '/versions') {
    const current = { version: item.version, lastModifiedDateTime: item.lastModifiedDateTime, size: item.content?.length ?? 0 };
    const versions = item.isFolder ? [] : [current, ...[...item.history].reverse()];
    return pageOf(call, versions, { defaultPageSize: 200, maxPageSize: 1000, project: (v) => ({
      id: `${v.version}.0`, lastModifiedDateTime: v.lastModifiedDateTime, size: v.size,
      lastModifiedBy: { application: { id: call.appId, displayName: 'app' } },
    }) });
  }
  if (method === 'GET' && action === '/children') {
    return pageOf(call, state.files.children(item), { defaultPageSize: 200, maxPageSize: 1000, project: (c) => driveItemJson(state, c, call.graphBaseUrl) });
  }
  if (method === 'POST' && action === '/children') {
    const body = (call.body ?? {}) as { name?: string; folder?: unknown; file?: unknown };
    if (!body.name) throw badRequest('The name property is required.', 'invalidRequest');
    if (body.folder === undefined) throw badRequest('Only folders can be created here; upload files with PUT .../content.', 'invalidRequest');
    const created = state.files.create(item, body.name, null, conflictBehavior(call, 'fail'));
    state.writes.record('driveItemCreated', call.appId, { driveId, itemId: created.id, parentId: item.id, name: created.name, path: `${state.files.parentPath(created)}/${created.name}` });
    return { status: 201, body: driveItemJson(state, created) };
  }
  if (method === 'GET' && action === '/content') {
    if (item.isFolder || !item.content) throw new GraphError(404, 'itemNotFound', 'The item has no content.');
    const content = item.content;
    return { status: 200, contentType: mimeTypeOf(item.name), stream: () => Readable.from([content]) };
  }
  if (method === 'POST' && action === '/invite') return invite(call, state, item);
  if (method === 'GET' && action === '/permissions') {
    const inherited = state.files.ancestors(item).flatMap((a) => a.permissions.map((p) => permissionJson(p, a)));
    return pageOf(call, [...item.permissions.map((p) => permissionJson(p)), ...inherited], { defaultPageSize: 200, maxPageSize: 1000 });
  }
  const permissionMatch = /^\/permissions\/([^/]+)$/.exec(action);
  if (permissionMatch && method === 'DELETE') {
    const index = item.permissions.findIndex((p) => p.id === permissionMatch[1]);
    if (index < 0) throw new GraphError(404, 'itemNotFound', 'The permission could not be found.');
    const [removed] = item.permissions.splice(index, 1);
    state.writes.record('permissionDeleted', call.appId, { driveId, itemId: item.id, permissionId: removed!.id, grantedTo: removed!.grantedTo.email ?? removed!.grantedTo.displayName });
    return { status: 204 };
  }
  if (action === '/retentionLabel') {
    if (method === 'GET') {
      if (!item.retentionLabel) throw new GraphError(404, 'itemNotFound', 'No retention label is applied to this item.');
      return ok(retentionLabelJson(item));
    }
    if (method === 'PATCH') {
      const name = (call.body as { name?: string } | undefined)?.name;
      if (!name) throw badRequest('The retention label name is required.', 'invalidRequest');
      item.retentionLabel = { name, labelAppliedDateTime: new Date().toISOString(), labelAppliedBy: call.appId };
      state.writes.record('retentionLabelSet', call.appId, { driveId, itemId: item.id, name: item.name, label: name });
      return ok(retentionLabelJson(item));
    }
    if (method === 'DELETE') {
      const label = item.retentionLabel?.name ?? null;
      item.retentionLabel = null;
      state.writes.record('retentionLabelRemoved', call.appId, { driveId, itemId: item.id, name: item.name, label });
      return { status: 204 };
    }
  }
  throw new GraphError(400, 'invalidRequest', `Unsupported drive item request: ${method} ${action || '(item)'}`);
}

function retentionLabelJson(item: DriveItem) {
  const label = item.retentionLabel!;
  return {
    name: label.name,
    isLabelAppliedExplicitly: true,
    labelAppliedDateTime: label.labelAppliedDateTime,
    labelAppliedBy: { application: { id: label.labelAppliedBy, displayName: 'app' } },
    retentionSettings: { behaviorDuringRetentionPeriod: 'retain', isDeleteAllowed: false, isRecordLocked: false, isMetadataUpdateAllowed: true, isContentUpdateAllowed: true, isLabelUpdateAllowed: true },
  };
}

function invite(call: GraphCall, state: SandboxState, item: DriveItem): GraphResult {
  const body = (call.body ?? {}) as { recipients?: Array<{ email?: string; objectId?: string }>; roles?: string[]; requireSignIn?: boolean; sendInvitation?: boolean };
  const roles = body.roles ?? [];
  if (!Array.isArray(body.recipients) || body.recipients.length === 0) throw badRequest('At least one recipient is required.', 'invalidRequest');
  if (roles.length === 0 || roles.some((r) => r !== 'read' && r !== 'write' && r !== 'owner')) throw badRequest('Roles must be read or write.', 'invalidRequest');
  const granted: Permission[] = [];
  for (const recipientSpec of body.recipients) {
    const principal = principalOf(state, recipientSpec);
    const permission = state.files.grant(item, principal, roles);
    if (!principal.id) permission.invitation = { email: principal.email!, signInRequired: body.requireSignIn ?? true };
    granted.push(permission);
    state.writes.record('permissionGranted', call.appId, {
      driveId: item.driveId, itemId: item.id, name: item.name, grantee: principal.email ?? principal.displayName,
      userId: principal.type === 'user' ? principal.id : null, groupId: principal.type === 'group' ? principal.id : null, roles, sendInvitation: body.sendInvitation ?? false,
    });
  }
  return ok({ value: granted.map((p) => permissionJson(p)) });
}

/** `PATCH` a drive item: rename (`name`) and/or move (`parentReference.id`) within the drive. */
function updateItem(call: GraphCall, state: SandboxState, item: DriveItem): GraphResult {
  const body = (call.body ?? {}) as { name?: unknown; parentReference?: { id?: unknown; driveId?: unknown } };
  if (body.name !== undefined && typeof body.name !== 'string') throw badRequest('name must be a string.', 'invalidRequest');
  const parentId = body.parentReference?.id;
  if (body.name === undefined && parentId === undefined) throw badRequest('Only name and parentReference can be updated in the sandbox.', 'invalidRequest');
  if (body.parentReference?.driveId !== undefined && body.parentReference.driveId !== item.driveId) throw badRequest('Moving an item to another drive is not supported; copy it instead.', 'invalidRequest');
  const parent = typeof parentId === 'string' ? state.files.item(item.driveId, parentId) : undefined;
  const from = { name: item.name, parentId: item.parentId };
  state.files.move(item, body.name ?? item.name, parent);
  state.writes.record('driveItemUpdated', call.appId, { driveId: item.driveId, itemId: item.id, from: from.name, to: item.name, fromParentId: from.parentId, toParentId: item.parentId });
  return ok(driveItemJson(state, item, call.graphBaseUrl));
}

/** Handles `PUT {uploadUrl}` with `Content-Range`; pre-authenticated like Graph's upload URLs. */
export function uploadChunk(state: SandboxState, sessionId: string, contentRange: string | undefined, bytes: Buffer): GraphResult {
  const session = state.files.uploadSessions.get(sessionId);
  if (!session || session.expires < Date.now()) throw new GraphError(404, 'itemNotFound', 'The upload session was not found or has expired.');
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
  if (!range) throw badRequest('A valid Content-Range header is required.', 'invalidRange');
  const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
  if (start !== session.received || end - start + 1 !== bytes.length) {
    throw new GraphError(416, 'invalidRange', `Expected range starting at ${session.received}.`);
  }
  session.chunks.push(bytes);
  session.received += bytes.length;
  if (session.received < total) {
    return { status: 202, body: { expirationDateTime: new Date(session.expires).toISOString(), nextExpectedRanges: [`${session.received}-`] } };
  }
  state.files.uploadSessions.delete(sessionId);
  const item = state.files.create(session.parent, session.name, Buffer.concat(session.chunks), session.conflict);
  state.writes.record('fileUploaded', session.appId, { driveId: item.driveId, itemId: item.id, parentId: session.parent.id, name: item.name, size: total, uploadSession: true });
  return { status: 201, body: driveItemJson(state, item) };
}

/** Every sites/drives route is a SharePoint request (resource-unit throttling). */
export const fileRoutes: Route[] = sharePointRoutes([
  route('GET', /^\/sites\/root$/, (_call, _m, state) => ok(siteJson(state.tenant.sites[0]!))),
  route('GET', /^\/sites$/, (call, _m, state) => {
    const search = (call.query.get('search') ?? '').replace(/^"|"$/g, '').toLowerCase();
    const sites = state.tenant.sites.filter((s) => !search || search === '*' || s.displayName.toLowerCase().includes(search) || s.name.includes(search));
    return pageOf(call, sites, { defaultPageSize: 200, maxPageSize: 500, project: siteJson });
  }),
  route('GET', /^\/sites\/([^/:]+):\/sites\/([^/:]+):?$/, (_call, [, _host, name], state) => {
    const site = state.tenant.sites.find((s) => s.name.toLowerCase() === name!.toLowerCase());
    if (!site) throw new GraphError(404, 'itemNotFound', 'Requested site could not be found');
    return ok(siteJson(site));
  }),
  route('GET', /^\/sites\/([^/]+)$/, (_call, [, id], state) => ok(siteJson(findSite(state, id!)))),
  route('GET', /^\/sites\/([^/]+)\/drive$/, (_call, [, id], state) => ok(driveJson(state, findSite(state, id!).driveId))),
  route('GET', /^\/sites\/([^/]+)\/drives$/, (call, [, id], state) => pageOf(call, [findSite(state, id!).driveId], { defaultPageSize: 100, maxPageSize: 100, project: (d) => driveJson(state, d) })),
  route('GET', /^\/sites\/([^/]+)\/permissions$/, (call, [, id], state) => {
    const site = findSite(state, id!);
    return pageOf(call, state.writes.list('sitePermissionGranted').filter((w) => w.details.siteId === site.id).map((w) => w.details.permission as object), { defaultPageSize: 100, maxPageSize: 100 });
  }),
  route('POST', /^\/sites\/([^/]+)\/permissions$/, (call, [, id], state) => {
    const site = findSite(state, id!);
    const body = (call.body ?? {}) as { roles?: string[]; grantedToIdentities?: Array<{ application?: { id?: string; displayName?: string } }> };
    const app = body.grantedToIdentities?.[0]?.application;
    if (!app?.id || !Array.isArray(body.roles) || body.roles.length === 0) throw badRequest('roles and grantedToIdentities[0].application.id are required.', 'invalidRequest');
    const permission = { id: randomUUID(), roles: body.roles, grantedToIdentitiesV2: [{ application: { id: app.id, displayName: app.displayName ?? null } }], grantedToIdentities: [{ application: { id: app.id, displayName: app.displayName ?? null } }] };
    state.writes.record('sitePermissionGranted', call.appId, { siteId: site.id, permission });
    return { status: 201, body: permission };
  }),
  // A team's group gives its document library and site; like GET /teams/{id}, 404 during the replication lag.
  route('GET', /^\/groups\/([^/]+)\/drive$/, (_call, [, id], state) => ok(driveJson(state, teamOfGroup(state, id!).driveId))),
  route('GET', /^\/groups\/([^/]+)\/drives$/, (call, [, id], state) => pageOf(call, [teamOfGroup(state, id!).driveId], { defaultPageSize: 100, maxPageSize: 100, project: (d) => driveJson(state, d) })),
  route('GET', /^\/groups\/([^/]+)\/sites\/root$/, (_call, [, id], state) => ok(siteJson(findSite(state, teamOfGroup(state, id!).siteId)))),
  route('GET', /^\/drives\/([^/]+)$/, (_call, [, id], state) => ok(driveJson(state, id!))),
  { method: '*', pattern: ITEM_ADDRESS, handler: (call, [, driveId, base, relativePath, restAfterPath, rest], state) => driveItemRequest(call, driveId!, base!, relativePath, restAfterPath ?? rest, state) },
]);

function sharePointRoutes(routes: Route[]): Route[] {
  return routes.map((r) => ({ ...r, sharePoint: true }));
}

/** The team behind a Microsoft 365 group, once visible (the sandbox's group sites and drives are the teams'). */
function teamOfGroup(state: SandboxState, groupId: string): Team {
  const key = groupId.toLowerCase();
  const team = state.teams.teams.get(key);
  if (team && Date.now() < team.visibleAt) throw resourceNotFound(groupId);
  if (!team) {
    if (!state.tenant.groups.some((g) => g.id === key)) throw resourceNotFound(groupId);
    throw new GraphError(404, 'itemNotFound', 'The group has no site or document library in the sandbox.');
  }
  return team;
}

/** `/sites/{id}/drive/...` and `/groups/{id}/drive/...` are aliases of `/drives/{driveId}/...`. */
export function rewriteSiteDrivePath(path: string, state: SandboxState): string {
  const site = /^\/sites\/([^/]+)\/drive(\/.+)$/.exec(path);
  if (site) return `/drives/${findSite(state, site[1]!).driveId}${site[2]}`;
  const group = /^\/groups\/([^/]+)\/drive(\/.+)$/.exec(path);
  if (group) return `/drives/${teamOfGroup(state, group[1]!).driveId}${group[2]}`;
  return path;
}
