import { randomUUID } from 'node:crypto';
import { findUser, route, type Route, type SandboxState } from './context';
import { GraphError, badRequest, ok, pageOf, type GraphCall, type GraphResult } from './graph-http';
import { channelId, type Channel, type Team, type TeamMember } from './team-store';
import { driveItemJson } from './routes-files';

export interface TeamTiming {
  /** How long POST /teams' async operation stays inProgress. */
  operationMs: number;
  /** How long a just-created team answers 404. */
  replicationLagMs: number;
}

const teamNotFound = (id: string) => new GraphError(404, 'NotFound', `No team found with Group Id ${id}`);

export function visibleTeam(state: SandboxState, id: string): Team {
  const team = state.teams.teams.get(id);
  if (!team || Date.now() < team.visibleAt) throw teamNotFound(id);
  return team;
}

function teamJson(team: Team) {
  return {
    id: team.id, createdDateTime: new Date(team.createdAt).toISOString(), displayName: team.displayName, description: team.description,
    internalId: `19:${team.id.replace(/-/g, '')}@thread.tacv2`, classification: null, specialization: 'none', visibility: 'private',
    webUrl: `https://teams.microsoft.com/l/team/${encodeURIComponent(`19:${team.id}@thread.tacv2`)}/conversations?groupId=${team.id}&tenantId=0f3c2a9e-5b7d-4e61-9a8c-2d4f6b8e1a30`,
    isArchived: false, isMembershipLimitedToOwners: false,
    memberSettings: { allowCreateUpdateChannels: true }, guestSettings: { allowCreateUpdateChannels: false },
  };
}

function channelJson(channel: Channel) {
  return { id: channel.id, createdDateTime: channel.createdDateTime, displayName: channel.displayName, description: channel.description, membershipType: channel.membershipType, email: '', webUrl: `https://teams.microsoft.com/l/channel/${encodeURIComponent(channel.id)}` };
}

function memberJson(state: SandboxState, member: TeamMember) {
  const user = findUser(state, member.userId);
  return { '@odata.type': '#microsoft.graph.aadUserConversationMember', id: member.id, roles: member.roles, displayName: user.displayName, userId: user.id, email: user.mail, tenantId: '0f3c2a9e-5b7d-4e61-9a8c-2d4f6b8e1a30' };
}

/** `https://graph.microsoft.com/v1.0/users('id')` (or `users/id`) to the user id. */
function userFromBind(state: SandboxState, bind: unknown): string {
  const match = typeof bind === 'string' ? /users(?:\('([^']+)'\)|\/([^/?]+))/.exec(bind) : null;
  const id = match?.[1] ?? match?.[2];
  if (!id) throw badRequest('user@odata.bind must reference a user.', 'BadRequest');
  return findUser(state, decodeURIComponent(id)).id;
}

function findMember(team: Team, membershipId: string): TeamMember {
  const member = team.members.find((m) => m.id === membershipId);
  if (!member) throw new GraphError(404, 'NotFound', `Member ${membershipId} not found in team ${team.id}.`);
  return member;
}

/** Removes a member from the team and from its Microsoft 365 group (which groups/delta then reports). */
export function removeTeamMember(state: SandboxState, team: Team, member: TeamMember): void {
  team.members.splice(team.members.indexOf(member), 1);
  const group = state.tenant.groups.find((g) => g.id === team.id);
  if (group && group.memberIds.includes(member.userId)) {
    group.memberIds = group.memberIds.filter((id) => id !== member.userId);
    state.directory.membersChanged(group.id, [], [member.userId]);
  }
}

const TEAM_ROLES = new Set(['owner', 'guest']);

function memberRoles(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((r) => typeof r !== 'string' || !TEAM_ROLES.has(r))) throw badRequest("roles must be an array of 'owner' (or 'guest'); [] for a member.", 'BadRequest');
  return [...new Set(value as string[])];
}

function createTeam(call: GraphCall, state: SandboxState, timing: TeamTiming): GraphResult {
  const body = (call.body ?? {}) as { displayName?: string; description?: string; 'template@odata.bind'?: string; members?: Array<Record<string, unknown>>; channels?: Array<{ displayName?: string; description?: string }> };
  if (!body['template@odata.bind']) throw badRequest("Bind requests must specify 'template@odata.bind'.", 'BadRequest');
  if (!body.displayName) throw badRequest('displayName is required.', 'BadRequest');
  const members = (body.members ?? []).map((m): TeamMember => ({ id: randomUUID(), userId: userFromBind(state, m['user@odata.bind']), roles: Array.isArray(m.roles) ? (m.roles as string[]) : [] }));
  // App-only creation must name an owner, as Graph requires.
  if (!members.some((m) => m.roles.includes('owner'))) throw badRequest('An owner is required when creating a team with application permissions.', 'BadRequest');
  const now = Date.now();
  const id = randomUUID();
  // Graph allows several teams with the same name; each gets its own group alias and site URL.
  const stem = body.displayName.normalize('NFD').replace(/[^A-Za-z0-9]/g, '').toLowerCase() || 'team';
  let nickname = stem;
  for (let n = 2; state.tenant.groups.some((g) => g.mailNickname === nickname) || state.tenant.sites.some((s) => s.name === nickname); n++) nickname = `${stem}${n}`;
  const siteUrl = `https://syndicat-exemple.sharepoint.com/sites/${nickname}`;
  const driveId = `b!${Buffer.from(`team-${id}`).toString('base64url')}`;
  const drive = state.files.addDrive(driveId, siteUrl, body.displayName);
  const siteId = `syndicat-exemple.sharepoint.com,${randomUUID()},${randomUUID()}`;
  state.tenant.sites.push({ id: siteId, name: nickname, displayName: body.displayName, webUrl: siteUrl, driveId, department: null });
  const general: Channel = { id: channelId(), displayName: 'General', description: body.description ?? null, membershipType: 'standard', createdDateTime: new Date(now).toISOString(), folderItemId: null };
  const channels = [general, ...(body.channels ?? []).map((c): Channel => ({ id: channelId(), displayName: c.displayName ?? 'Canal', description: c.description ?? null, membershipType: 'standard', createdDateTime: new Date(now).toISOString(), folderItemId: null }))];
  const team = state.teams.add({
    id, displayName: body.displayName, description: body.description ?? null, createdAt: now,
    visibleAt: now + timing.replicationLagMs, operationId: randomUUID(), operationDoneAt: now + timing.operationMs,
    channels, members, driveId: drive.id, siteId,
  });
  state.tenant.groups.push({ id, displayName: team.displayName, description: team.description ?? '', mailNickname: nickname, mail: `${nickname}@syndicat-exemple.onmicrosoft.com`, mailEnabled: true, securityEnabled: false, groupTypes: ['Unified'], memberIds: members.map((m) => m.userId), createdDateTime: new Date(now).toISOString() });
  state.writes.record('teamCreated', call.appId, { teamId: id, displayName: team.displayName, owners: members.filter((m) => m.roles.includes('owner')).map((m) => m.userId), channels: channels.map((c) => c.displayName) });
  return { status: 202, headers: { Location: `/teams('${id}')/operations('${team.operationId}')`, 'Content-Location': `/teams('${id}')` } };
}

export function teamRoutes(timing: TeamTiming): Route[] {
  return [
    route('POST', /^\/teams$/, (call, _m, state) => createTeam(call, state, timing)),
    route('GET', /^\/teams\/([^/]+)\/operations\/([^/]+)$/, (_call, [, id, op], state) => {
      const team = state.teams.byOperation(op!);
      if (!team || team.id !== id) throw new GraphError(404, 'NotFound', 'Operation not found.');
      const done = Date.now() >= team.operationDoneAt;
      return ok({
        id: team.operationId, operationType: 'createTeam', createdDateTime: new Date(team.createdAt).toISOString(), status: done ? 'succeeded' : 'inProgress',
        lastActionDateTime: new Date(Math.min(Date.now(), team.operationDoneAt)).toISOString(), attemptsCount: 1,
        targetResourceId: team.id, targetResourceLocation: `/teams('${team.id}')`, error: null,
      });
    }),
    route('GET', /^\/teams\/([^/]+)$/, (_call, [, id], state) => ok(teamJson(visibleTeam(state, id!)))),
    route('GET', /^\/teams\/([^/]+)\/channels$/, (call, [, id], state) => pageOf(call, visibleTeam(state, id!).channels, { defaultPageSize: 100, maxPageSize: 100, project: channelJson })),
    route('POST', /^\/teams\/([^/]+)\/channels$/, (call, [, id], state) => {
      const team = visibleTeam(state, id!);
      const body = (call.body ?? {}) as { displayName?: string; description?: string; membershipType?: Channel['membershipType'] };
      if (!body.displayName) throw badRequest('displayName is required.', 'BadRequest');
      if (team.channels.some((c) => c.displayName.toLowerCase() === body.displayName!.toLowerCase())) throw badRequest('Channel name already existed, please use other name.', 'NameAlreadyExists');
      const channel: Channel = { id: channelId(), displayName: body.displayName, description: body.description ?? null, membershipType: body.membershipType ?? 'standard', createdDateTime: new Date().toISOString(), folderItemId: null };
      team.channels.push(channel);
      state.writes.record('channelCreated', call.appId, { teamId: team.id, channelId: channel.id, displayName: channel.displayName, membershipType: channel.membershipType });
      return { status: 201, body: channelJson(channel) };
    }),
    route('GET', /^\/teams\/([^/]+)\/channels\/([^/]+)$/, (_call, [, id, cid], state) => {
      const channel = visibleTeam(state, id!).channels.find((c) => c.id === cid);
      if (!channel) throw new GraphError(404, 'NotFound', 'Channel not found.');
      return ok(channelJson(channel));
    }),
    // Renaming a channel renames its SharePoint folder too (as Teams does for standard channels since 2023).
    route('PATCH', /^\/teams\/([^/]+)\/channels\/([^/]+)$/, (call, [, id, cid], state) => {
      const team = visibleTeam(state, id!);
      const channel = team.channels.find((c) => c.id === cid);
      if (!channel) throw new GraphError(404, 'NotFound', 'Channel not found.');
      const body = (call.body ?? {}) as { displayName?: string; description?: string };
      if (body.displayName !== undefined) {
        if (!body.displayName.trim()) throw badRequest('displayName cannot be empty.', 'BadRequest');
        if (channel.displayName === 'General') throw badRequest('The General channel cannot be renamed.', 'BadRequest');
        if (team.channels.some((c) => c.id !== channel.id && c.displayName.toLowerCase() === body.displayName!.toLowerCase())) throw badRequest('Channel name already existed, please use other name.', 'NameAlreadyExists');
        const from = channel.displayName;
        channel.displayName = body.displayName;
        if (channel.folderItemId) state.files.item(team.driveId, channel.folderItemId).name = body.displayName;
        state.writes.record('channelUpdated', call.appId, { teamId: team.id, channelId: channel.id, from, to: body.displayName });
      }
      if (body.description !== undefined) channel.description = body.description;
      return { status: 204 };
    }),
    // Opening the channel's files tab provisions its folder; until then it does not exist in the drive.
    route('GET', /^\/teams\/([^/]+)\/channels\/([^/]+)\/filesFolder$/, (call, [, id, cid], state) => {
      const team = visibleTeam(state, id!);
      const channel = team.channels.find((c) => c.id === cid);
      if (!channel) throw new GraphError(404, 'NotFound', 'Channel not found.');
      if (!channel.folderItemId) {
        const drive = state.files.drive(team.driveId);
        const root = state.files.item(drive.id, drive.rootId);
        channel.folderItemId = (state.files.childNamed(root, channel.displayName) ?? state.files.create(root, channel.displayName, null, 'fail')).id;
      }
      return ok(driveItemJson(state, state.files.item(team.driveId, channel.folderItemId), call.graphBaseUrl));
    }),
    route('GET', /^\/teams\/([^/]+)\/members$/, (call, [, id], state) => pageOf(call, visibleTeam(state, id!).members, { defaultPageSize: 100, maxPageSize: 100, project: (m) => memberJson(state, m) })),
    route('POST', /^\/teams\/([^/]+)\/members$/, (call, [, id], state) => {
      const team = visibleTeam(state, id!);
      const body = (call.body ?? {}) as Record<string, unknown>;
      const userId = userFromBind(state, body['user@odata.bind']);
      if (team.members.some((m) => m.userId === userId)) throw new GraphError(409, 'Conflict', 'The user is already a member of the team.');
      const member: TeamMember = { id: randomUUID(), userId, roles: Array.isArray(body.roles) ? (body.roles as string[]) : [] };
      team.members.push(member);
      const group = state.tenant.groups.find((g) => g.id === team.id);
      if (group && !group.memberIds.includes(userId)) {
        group.memberIds.push(userId);
        state.directory.membersChanged(group.id, [userId], []);
      }
      state.writes.record('memberAdded', call.appId, { teamId: team.id, userId, roles: member.roles });
      return { status: 201, body: memberJson(state, member) };
    }),
    route('GET', /^\/teams\/([^/]+)\/members\/([^/]+)$/, (_call, [, id, mid], state) => ok(memberJson(state, findMember(visibleTeam(state, id!), mid!)))),
    route('PATCH', /^\/teams\/([^/]+)\/members\/([^/]+)$/, (call, [, id, mid], state) => {
      const team = visibleTeam(state, id!);
      const member = findMember(team, mid!);
      const body = (call.body ?? {}) as Record<string, unknown>;
      const roles = memberRoles(body.roles);
      const previous = member.roles;
      member.roles = roles;
      state.writes.record('memberUpdated', call.appId, { teamId: team.id, userId: member.userId, membershipId: member.id, from: previous, roles });
      return ok(memberJson(state, member));
    }),
    route('DELETE', /^\/teams\/([^/]+)\/members\/([^/]+)$/, (call, [, id, mid], state) => {
      const team = visibleTeam(state, id!);
      const member = findMember(team, mid!);
      removeTeamMember(state, team, member);
      state.writes.record('memberRemoved', call.appId, { teamId: team.id, userId: member.userId, membershipId: member.id });
      return { status: 204 };
    }),
    { ...route('POST', /^\/users\/([^/]+)\/teamwork\/sendActivityNotification$/, (call, [, uid], state) => {
      const user = findUser(state, uid!);
      const body = (call.body ?? {}) as { topic?: { source?: string; value?: string; webUrl?: string }; activityType?: string; previewText?: { content?: string }; templateParameters?: Array<{ name: string; value: string }> };
      if (!body.topic?.source || !body.activityType || !body.previewText?.content) throw badRequest('topic, activityType and previewText are required.', 'BadRequest');
      if (body.topic.source === 'text' && !body.topic.webUrl) throw badRequest('topic.webUrl is required when topic.source is text.', 'BadRequest');
      if (!user.accountEnabled || user.userType !== 'Member') throw new GraphError(403, 'Forbidden', 'The recipient cannot receive activity notifications.');
      if (state.teamsAppNotInstalled.has(user.id)) {
        // Graph's answer when the sending app is not installed in the recipient's personal scope.
        throw new GraphError(403, 'Forbidden', `Application with AAD App Id '${call.appId}' is not authorized to generate custom text notifications about '/users/${user.id}/teamwork/sendActivityNotification' to the recipient. Ensure that the expected Teams app is installed in the target scope (user, team, or chat).`);
      }
      state.writes.record('activityNotificationSent', call.appId, { userId: user.id, activityType: body.activityType, topic: body.topic, previewText: body.previewText.content, templateParameters: body.templateParameters ?? [] });
      return { status: 204 };
    }), activityFeed: true },
  ];
}
