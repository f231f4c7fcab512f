import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxSimulation } from './attack-simulation';
import { findGroup, findUser, type SandboxState } from './context';
import { GraphError } from './graph-http';
import type { FaultInjector, FaultOptions } from './limits';
import { immutableMessageId, restMessageId } from './mail-store';
import type { MessageSpec } from './mailbox-seed';
import { InputError, hire, remove, removeGroup, renameDepartment, setOnLeave, update } from './people';
import { ALL_STAFF_GROUP, ON_LEAVE_GROUP, type SandboxUser } from './tenant-seed';
import type { DriveItem } from './file-store';
import { principalOf } from './routes-files';
import { removeTeamMember } from './routes-teams';
import { deriveRawMessage, MAX_RAW_BYTES } from './raw-mime';
import { SANDBOX_TENANT_ID } from './state';
import type { LifecycleEvent, SandboxSubscription } from './subscriptions';

export interface ControlContext {
  state: () => SandboxState;
  reset: () => void;
  faults: FaultInjector;
  stats: () => Record<string, unknown>;
  resetPeakMemory: () => void;
  /** Clears the per-app SharePoint counters only (the throttling windows stay). */
  resetSharePointStats: () => void;
  /** Clears the request counters (total, by status, by mailbox, subscriptions) only. */
  resetRequestCounts: () => void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    throw new GraphError(400, 'BadRequest', 'Invalid JSON.');
  }
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** Ids of what a test needs to address: users by role, groups, sites, the large message. */
export function tenantSummary(state: SandboxState) {
  const { users, groups, sites } = state.tenant;
  // The control API can delete the archiving group; the summary then says so with an empty id.
  const archive = groups.find((g) => g.displayName === 'Archivage-Courriels');
  const large = archive && users.find((u) => u.hasMailbox && !u.isSharedMailbox && archive.memberIds.includes(u.id));
  const largeMailbox = large ? state.mail.mailbox(large) : undefined;
  const largeMessage = largeMailbox ? [...largeMailbox.messages.values()].find((m) => m.spec.attachments.some((a) => a.size > 50 * 1024 * 1024)) : undefined;
  return {
    tenantId: SANDBOX_TENANT_ID,
    domain: users[0]!.userPrincipalName.split('@')[1]!,
    users: users.map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, department: u.department, jobCategory: u.jobCategory, userType: u.userType, accountEnabled: u.accountEnabled, isSharedMailbox: u.isSharedMailbox, managerId: u.managerId })),
    staffIds: users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox).map((u) => u.id),
    guestIds: users.filter((u) => u.userType === 'Guest').map((u) => u.id),
    sharedMailboxIds: users.filter((u) => u.isSharedMailbox).map((u) => u.id),
    groups: groups.map((g) => ({ id: g.id, displayName: g.displayName })),
    archiveGroupId: archive?.id ?? '',
    allStaffGroupId: groups.find((g) => g.displayName === ALL_STAFF_GROUP)!.id,
    onLeaveGroupId: groups.find((g) => g.displayName === ON_LEAVE_GROUP)!.id,
    sites: sites.map((s) => ({ id: s.id, name: s.name, displayName: s.displayName, driveId: s.driveId, department: s.department })),
    teams: [...state.teams.teams.values()].map((t) => ({ id: t.id, displayName: t.displayName, driveId: t.driveId, siteId: t.siteId })),
    sensitivityLabels: state.tenant.sensitivityLabels.map((l) => ({ id: l.id, name: l.name })),
    largeMessage: large && largeMessage ? { userId: large.id, messageId: immutableMessageId(large.id, largeMessage.spec.key), attachmentBytes: largeMessage.spec.attachments[0]!.size } : null,
  };
}

function personSummary(user: SandboxUser) {
  return {
    id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName, department: user.department, jobCategory: user.jobCategory,
    managerId: user.managerId, preferredLanguage: user.preferredLanguage, employeeType: user.employeeType, employeeLeaveDateTime: user.employeeLeaveDateTime, accountEnabled: user.accountEnabled,
  };
}

/**
 * The control API for tests and demos, under /_sandbox/ on the same server. No Graph token, but
 * loopback callers only: it can rewrite the tenant.
 */
export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ControlContext): Promise<void> {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    reply(res, 403, { error: 'the control API answers loopback callers only' });
    return;
  }
  const method = req.method ?? 'GET';
  const path = decodeURIComponent(url.pathname.slice('/_sandbox'.length));
  const state = ctx.state();
  const body = method === 'GET' || method === 'DELETE' ? {} : await readJson(req);
  let m: RegExpExecArray | null;
  try {
    if (method === 'GET' && path === '/tenant') return reply(res, 200, tenantSummary(state));
    if (method === 'GET' && path === '/writes') return reply(res, 200, { value: state.writes.list(url.searchParams.get('kind') ?? undefined) });
    if (method === 'DELETE' && path === '/writes') {
      state.writes.clear();
      return reply(res, 204);
    }
    if (method === 'POST' && path === '/reset') {
      ctx.reset();
      return reply(res, 204);
    }
    if (method === 'GET' && path === '/stats') return reply(res, 200, ctx.stats());
    if (method === 'POST' && path === '/stats/reset-sharepoint') {
      ctx.resetSharePointStats();
      return reply(res, 204);
    }
    if (method === 'POST' && path === '/stats/reset-requests') {
      ctx.resetRequestCounts();
      return reply(res, 204);
    }
    if (path.startsWith('/subscriptions') || path.startsWith('/notifications')) return notificationsControl(res, method, path, body, state);
    if (method === 'POST' && path.startsWith('/files/')) return filesControl(res, path, body, state);
    const labelsMatch = /^\/groups\/([^/]+)\/labels$/.exec(path);
    if (method === 'POST' && labelsMatch) {
      // A person labels the team's group in Teams or the admin centre (Graph refuses the app's own identity).
      const group = findGroup(state, labelsMatch[1]!);
      const labelIds = (Array.isArray(body.labelIds) ? body.labelIds : []).map((l) => String(l).toLowerCase());
      const unknown = labelIds.filter((l) => !state.tenant.sensitivityLabels.some((s) => s.id === l));
      if (unknown.length > 0 || labelIds.length > 1) return reply(res, 400, { error: 'labelIds: one label id of the tenant at most', field: 'labelIds' });
      group.assignedLabels = labelIds;
      return reply(res, 204);
    }
    if (method === 'POST' && path === '/teams/remove-member') {
      // A person removes someone from the team in the Teams client: not the app's write.
      const team = state.teams.teams.get(String(body.teamId ?? '').toLowerCase());
      if (!team) return reply(res, 404, { error: `no team ${String(body.teamId)}`, field: 'teamId' });
      const userId = findUser(state, String(body.userId ?? '')).id;
      const member = team.members.find((mb) => mb.userId === userId);
      if (!member) return reply(res, 404, { error: `user ${userId} is not a member of team ${team.id}`, field: 'userId' });
      removeTeamMember(state, team, member);
      return reply(res, 204);
    }
    if (method === 'POST' && path === '/stats/reset-peak-memory') {
      ctx.resetPeakMemory();
      return reply(res, 204);
    }
    if (method === 'GET' && path === '/faults') return reply(res, 200, { ...ctx.faults.settings, injected: ctx.faults.injected });
    if (method === 'PUT' && path === '/faults') {
      try {
        ctx.faults.configure(body as FaultOptions);
      } catch (error) {
        return reply(res, 400, { error: (error as Error).message });
      }
      return reply(res, 204);
    }
    if (method === 'GET' && path === '/teams-app/not-installed') return reply(res, 200, { userIds: [...state.teamsAppNotInstalled] });
    if (method === 'PUT' && path === '/teams-app/not-installed') {
      // Users for whom the app's Teams app is not installed: their activity notifications get Graph's 403.
      const ids = Array.isArray(body.userIds) ? body.userIds.map((id) => findUser(state, String(id)).id) : null;
      if (!ids) return reply(res, 400, { error: 'userIds (array) is required' });
      state.teamsAppNotInstalled.clear();
      for (const id of ids) state.teamsAppNotInstalled.add(id);
      return reply(res, 204);
    }
    if (method === 'POST' && path === '/delta/expire') {
      state.mail.expireDeltaTokens();
      state.directory.expireDeltaTokens();
      return reply(res, 204);
    }
    if ((m = /^\/users\/([^/]+)$/.exec(path)) && method === 'PATCH') {
      // The older directory call: any department text, and no group move (see /people for the lifecycle).
      const user = update(state, findUser(state, m[1]!), body, { anyDepartment: true });
      return reply(res, 200, { id: user.id, department: user.department, jobCategory: user.jobCategory, accountEnabled: user.accountEnabled, managerId: user.managerId });
    }
    if ((m = /^\/(?:users|people)\/([^/]+)\/disable$/.exec(path)) && method === 'POST') {
      update(state, findUser(state, m[1]!), { accountEnabled: false });
      return reply(res, 204);
    }
    if (method === 'POST' && path === '/people') {
      const user = hire(state, body);
      return reply(res, 201, { id: user.id, userPrincipalName: user.userPrincipalName });
    }
    if ((m = /^\/people\/([^/]+)$/.exec(path)) && method === 'PATCH') return reply(res, 200, personSummary(update(state, findUser(state, m[1]!), body)));
    if ((m = /^\/people\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      remove(state, findUser(state, m[1]!), url.searchParams.get('permanent') === 'true');
      return reply(res, 204);
    }
    if ((m = /^\/people\/([^/]+)\/(leave|return)$/.exec(path)) && method === 'POST') {
      setOnLeave(state, findUser(state, m[1]!), m[2] === 'leave');
      return reply(res, 204);
    }
    if (method === 'POST' && path === '/departments/rename') return reply(res, 200, renameDepartment(state, body));
    if ((m = /^\/groups\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      removeGroup(state, findGroup(state, m[1]!));
      return reply(res, 204);
    }
    if ((m = /^\/mailboxes\/([^/]+)\/messages$/.exec(path)) && method === 'POST') {
      const owner = findUser(state, m[1]!);
      const mailbox = state.mail.mailbox(owner);
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const from = (body.from as MessageSpec['from'] | undefined) ?? { name: 'Expéditeur externe', address: 'externe@exemple.ca' };
      const spec: Omit<MessageSpec, 'key'> = {
        lang: body.lang === 'en' ? 'en' : 'fr',
        subject: typeof body.subject === 'string' ? body.subject : 'Message ajouté',
        from,
        to: [{ name: owner.displayName, address: owner.mail ?? owner.userPrincipalName }],
        cc: [],
        sentDateTime: typeof body.receivedDateTime === 'string' ? body.receivedDateTime : now,
        receivedDateTime: typeof body.receivedDateTime === 'string' ? body.receivedDateTime : now,
        isRead: body.isRead === true,
        importance: 'normal',
        internetMessageId: `<control.${Date.now().toString(36)}.${mailbox.nextKey}@exemple.ca>`,
        conversationId: `AAQkCtl${mailbox.nextKey}`,
        charset: 'utf-8',
        bodyText: typeof body.bodyText === 'string' ? body.bodyText : 'Bonjour,\n\nMessage ajouté par le contrôle du bac à sable.',
        attachments: Array.isArray(body.attachments) ? (body.attachments as MessageSpec['attachments']) : [],
      };
      const message = state.mail.addMessage(mailbox, typeof body.folder === 'string' ? body.folder : 'inbox', spec);
      return reply(res, 201, { id: immutableMessageId(owner.id, message.spec.key), restId: restMessageId(owner.id, message.spec.key, message.moveCount), folderId: message.folderId });
    }
    if ((m = /^\/mailboxes\/([^/]+)\/messages\/raw$/.exec(path)) && method === 'POST') {
      // Exact bytes into a folder, served byte for byte by $value (hostile and malformed messages).
      const owner = findUser(state, m[1]!);
      const mailbox = state.mail.mailbox(owner);
      if (typeof body.mime !== 'string' || body.mime === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.mime)) throw new InputError('mime', 'the message bytes, base64-encoded, are required');
      const bytes = Buffer.from(body.mime, 'base64');
      if (bytes.length > MAX_RAW_BYTES) throw new InputError('mime', `at most ${MAX_RAW_BYTES} bytes (Exchange's message size limit)`);
      if (body.receivedDateTime !== undefined && (typeof body.receivedDateTime !== 'string' || Number.isNaN(Date.parse(body.receivedDateTime)))) throw new InputError('receivedDateTime', 'an ISO date and time is required');
      const received = typeof body.receivedDateTime === 'string' ? new Date(body.receivedDateTime).toISOString().replace(/\.\d{3}Z$/, 'Z') : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const key = `${Date.now().toString(36)}.${mailbox.nextKey}`;
      const address = owner.mail ?? owner.userPrincipalName;
      const { spec, raw } = await deriveRawMessage(bytes, { receivedDateTime: received, key: () => key, domain: address.split('@')[1]! });
      const message = state.mail.addMessage(mailbox, typeof body.folder === 'string' ? body.folder : 'inbox', { ...spec, raw });
      return reply(res, 201, { id: immutableMessageId(owner.id, message.spec.key), restId: restMessageId(owner.id, message.spec.key, message.moveCount), folderId: message.folderId, parseError: raw.parseError });
    }
    if ((m = /^\/mailboxes\/([^/]+)\/messages\/([^/]+)(\/move)?$/.exec(path))) {
      const owner = findUser(state, m[1]!);
      const mailbox = state.mail.mailbox(owner);
      const message = state.mail.message(mailbox, m[2]!);
      if (m[3] && method === 'POST') {
        if (typeof body.folder !== 'string') return reply(res, 400, { error: 'folder (id or well-known name) is required' });
        state.mail.moveMessage(mailbox, message, body.folder);
        return reply(res, 200, { id: immutableMessageId(owner.id, message.spec.key), restId: restMessageId(owner.id, message.spec.key, message.moveCount), folderId: message.folderId });
      }
      if (!m[3] && method === 'PATCH') {
        state.mail.updateMessage(mailbox, message, body as { subject?: string; isRead?: boolean });
        return reply(res, 200, { id: immutableMessageId(owner.id, message.spec.key), restId: restMessageId(owner.id, message.spec.key, message.moveCount) });
      }
      if (!m[3] && method === 'DELETE') {
        state.mail.deleteMessage(mailbox, message);
        return reply(res, 204);
      }
    }
    if (path.startsWith('/attack-simulation/')) return attackSimulationControl(res, method, path, body, state);
    if ((m = /^\/mailboxes\/([^/]+)\/folders$/.exec(path)) && method === 'GET') {
      const mailbox = state.mail.mailbox(findUser(state, m[1]!));
      return reply(res, 200, { value: [...mailbox.folders.values()].map((f) => ({ id: f.id, displayName: f.displayName, wellKnownName: f.wellKnownName ?? null, parentFolderId: f.parentFolderId, totalItemCount: f.messageKeys.size })) });
    }
    reply(res, 404, { error: `no control endpoint ${method} ${path}` });
  } catch (error) {
    if (error instanceof InputError) return reply(res, 400, { error: error.message, field: error.field });
    if (error instanceof GraphError) return reply(res, error.status, { error: error.message, code: error.code });
    throw error;
  }
}

const LIFECYCLE_EVENTS: LifecycleEvent[] = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];

function subscriptionSummary(s: SandboxSubscription) {
  return {
    id: s.id, resource: s.resource, userId: s.userId, folderId: s.folderId, changeType: s.changeType, notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl, expirationDateTime: s.expirationDateTime, applicationId: s.applicationId,
    immutableIds: s.immutableIds, delivered: s.delivered, dropped: s.dropped,
  };
}

/**
 * Change notifications: list subscriptions (every app's), lifecycle events and expiry on command,
 * dropped notifications, delivery counters. clientState is never listed (it is the app's secret).
 */
function notificationsControl(res: ServerResponse, method: string, path: string, body: Record<string, unknown>, state: SandboxState): void {
  const service = state.subscriptions;
  let m: RegExpExecArray | null;
  if (method === 'GET' && path === '/subscriptions') return reply(res, 200, { value: [...service.subscriptions.keys()].map((id) => service.live(id)).filter((s): s is SandboxSubscription => s !== undefined).map(subscriptionSummary) });
  if ((m = /^\/subscriptions\/([^/]+)\/(lifecycle|expire)$/.exec(path)) && method === 'POST') {
    const subscription = service.live(m[1]!);
    if (!subscription) return reply(res, 404, { error: `no subscription ${m[1]}`, field: 'id' });
    if (m[2] === 'expire') {
      // Past its expiration: it stops notifying and disappears, without a lifecycle notification (as in Graph).
      service.remove(subscription.id);
      return reply(res, 204);
    }
    const event = body.event as LifecycleEvent;
    if (!LIFECYCLE_EVENTS.includes(event)) throw new InputError('event', `one of ${LIFECYCLE_EVENTS.join(', ')} is required`);
    if (event === 'subscriptionRemoved') service.removeWithNotice(subscription);
    else service.lifecycle(subscription, event);
    return reply(res, 200, { sent: subscription.lifecycleNotificationUrl !== null, lifecycleNotificationUrl: subscription.lifecycleNotificationUrl });
  }
  if (method === 'GET' && path === '/notifications') return reply(res, 200, { ...service.snapshot(), drop: service.dropRulesSnapshot() });
  if (method === 'PUT' && path === '/notifications/drop') {
    const mailbox = body.mailbox === undefined || body.mailbox === '*' ? '*' : findUser(state, String(body.mailbox)).id;
    const count = body.count;
    const rate = body.rate;
    if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) throw new InputError('count', 'a whole number of notifications to drop is required');
    if (rate !== undefined && (typeof rate !== 'number' || rate < 0 || rate > 1)) throw new InputError('rate', 'a share between 0 and 1 is required');
    if (body.seed !== undefined && typeof body.seed !== 'number') throw new InputError('seed', 'a number is required');
    if (count === undefined && rate === undefined) {
      service.setDropRule(mailbox, null);
      return reply(res, 204);
    }
    service.setDropRule(mailbox, { remaining: count as number | undefined, rate: rate as number | undefined, missed: body.missed === true }, body.seed as number | undefined);
    return reply(res, 204);
  }
  return reply(res, 404, { error: `no control endpoint ${method} ${path}` });
}

function itemSummary(state: SandboxState, item: DriveItem) {
  return { id: item.id, driveId: item.driveId, name: item.name, parentId: item.parentId, path: `${state.files.parentPath(item)}/${item.name}`, folder: item.isFolder };
}

function stringField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new InputError(field, 'a non-empty string is required');
  return value;
}

/**
 * Drift a person makes in SharePoint by hand (rename, share, remove a label, add or delete an item).
 * Not the app's writes: nothing goes to the write log and no resource units are charged.
 */
function filesControl(res: ServerResponse, path: string, body: Record<string, unknown>, state: SandboxState): void {
  const driveId = stringField(body, 'driveId');
  const action = path.slice('/files/'.length);
  if (action === 'create') {
    const parent = state.files.item(driveId, stringField(body, 'parentId'));
    const name = stringField(body, 'name');
    const folder = body.folder === true;
    const item = state.files.create(parent, name, folder ? null : Buffer.from(`Fichier déposé à la main : ${name}\n`, 'utf8'), 'fail');
    return reply(res, 201, itemSummary(state, item));
  }
  const item = state.files.item(driveId, stringField(body, 'itemId'));
  if (action === 'rename') {
    state.files.move(item, stringField(body, 'name'));
    return reply(res, 200, itemSummary(state, item));
  }
  if (action === 'delete') {
    state.files.delete(item);
    return reply(res, 204);
  }
  if (action === 'remove-label') {
    item.retentionLabel = null;
    return reply(res, 204);
  }
  if (action === 'grant') {
    const roles = body.roles;
    if (!Array.isArray(roles) || roles.length === 0 || roles.some((r) => r !== 'read' && r !== 'write' && r !== 'owner')) throw new InputError('roles', 'an array of read, write or owner is required');
    const objectId = typeof body.groupId === 'string' ? body.groupId : typeof body.userId === 'string' ? body.userId : null;
    if (!objectId) throw new InputError('userId', 'userId or groupId is required');
    if (typeof body.groupId === 'string' && !state.tenant.groups.some((g) => g.id === objectId.toLowerCase())) return reply(res, 404, { error: `no group ${objectId}`, field: 'groupId' });
    const permission = state.files.grant(item, principalOf(state, { objectId }), roles as string[]);
    return reply(res, 200, { id: permission.id, roles: permission.roles, grantedTo: permission.grantedTo });
  }
  return reply(res, 404, { error: `no control endpoint POST ${path}` });
}

const SIMULATION_STATUSES: ReadonlyArray<SandboxSimulation['status']> = ['draft', 'running', 'scheduled', 'succeeded', 'failed', 'cancelled', 'excluded'];

function simulationSummary(s: SandboxSimulation) {
  return {
    id: s.id, displayName: s.displayName, status: s.status, launchDateTime: s.launchDateTime, completionDateTime: s.completionDateTime,
    users: s.users.map((u) => ({ userId: u.userId, trainings: u.trainings.map((t) => ({ displayName: t.displayName, status: t.status, completedDateTime: t.completedDateTime })) })),
  };
}

/** Attack Simulation Training: list, create a campaign, and move a person's training along. */
function attackSimulationControl(res: ServerResponse, method: string, path: string, body: Record<string, unknown>, state: SandboxState): void {
  const store = state.attackSimulation;
  let m: RegExpExecArray | null;
  if (method === 'GET' && path === '/attack-simulation/simulations') return reply(res, 200, { value: store.simulations.map(simulationSummary) });
  if (method === 'POST' && path === '/attack-simulation/simulations') {
    if (!Array.isArray(body.userIds) || body.userIds.some((id) => typeof id !== 'string')) return reply(res, 400, { error: 'userIds (array of user ids) is required', field: 'userIds' });
    const status = body.status ?? 'running';
    if (!SIMULATION_STATUSES.includes(status as SandboxSimulation['status'])) return reply(res, 400, { error: `status must be one of ${SIMULATION_STATUSES.join(', ')}`, field: 'status' });
    const launch = typeof body.launchDateTime === 'string' ? body.launchDateTime : new Date().toISOString();
    if (Number.isNaN(Date.parse(launch))) return reply(res, 400, { error: 'launchDateTime must be an ISO date and time', field: 'launchDateTime' });
    const days = body.durationInDays ?? 14;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1) return reply(res, 400, { error: 'durationInDays must be a positive whole number', field: 'durationInDays' });
    const users = (body.userIds as string[]).map((id) => findUser(state, id));
    const simulation = store.create({ displayName: typeof body.displayName === 'string' ? body.displayName : 'Simulation de test', status: status as SandboxSimulation['status'], launchDateTime: launch, durationInDays: days, users });
    return reply(res, 201, simulationSummary(simulation));
  }
  if ((m = /^\/attack-simulation\/simulations\/([^/]+)\/users\/([^/]+)\/(complete|start)$/.exec(path)) && method === 'POST') {
    const simulation = store.find(m[1]!);
    if (!simulation) return reply(res, 404, { error: `no simulation ${m[1]}` });
    const at = body.at ?? new Date().toISOString();
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return reply(res, 400, { error: 'at must be an ISO date and time', field: 'at' });
    if (body.training !== undefined && typeof body.training !== 'string') return reply(res, 400, { error: 'training must be a training display name', field: 'training' });
    const user = store.setTraining(simulation, m[2]!.toLowerCase(), { status: m[3] === 'complete' ? 'completed' : 'inProgress', at: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'), training: body.training as string | undefined });
    if (!user) return reply(res, 404, { error: `user ${m[2]} is not in simulation ${m[1]}` });
    return reply(res, 200, simulationSummary(simulation).users.find((u) => u.userId === user.userId));
  }
  return reply(res, 404, { error: `no control endpoint ${method} ${path}` });
}
