import { randomUUID } from 'node:crypto';
import { findUser, route, type Route, type SandboxState } from './context';
import { GraphError, badRequest, noContent, ok, parsePrefer, type GraphCall, type GraphResult } from './graph-http';
import { CHANGE_TYPES, MAX_CLIENT_STATE, MAX_LIFETIME_MINUTES, type ChangeType, type SandboxSubscription } from './subscriptions';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Graph requires HTTPS for notification URLs. Locally the Functions host listens on plain HTTP, so
 * the sandbox also accepts http:// to a loopback host (and nothing else): the sandbox's own reading.
 */
function notificationUrlOf(value: unknown, property: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`Invalid request: property '${property}' is required.`, 'InvalidRequest');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest(`Invalid '${property}': it must be an absolute URL.`, 'InvalidRequest');
  }
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) throw badRequest(`Invalid '${property}': the URL must use the HTTPS scheme (the sandbox also allows http:// to a loopback host).`, 'InvalidRequest');
  return value;
}

function changeTypesOf(value: unknown): Set<ChangeType> {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest("Invalid request: property 'changeType' is required.", 'InvalidRequest');
  const types = value.split(',').map((t) => t.trim());
  const unknown = types.find((t) => !CHANGE_TYPES.includes(t as ChangeType));
  if (unknown !== undefined) throw badRequest(`Invalid 'changeType' attribute: '${unknown}'. Supported values are created, updated and deleted.`, 'InvalidRequest');
  return new Set(types as ChangeType[]);
}

/** An ISO date within Outlook's maximum lifetime (10,080 minutes), in the future. */
function expirationOf(value: unknown): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw badRequest("Invalid request: property 'expirationDateTime' is required and must be a date and time.", 'InvalidRequest');
  const at = Date.parse(value);
  const now = Date.now();
  if (at <= now) throw badRequest('Subscription expiration can only be in the future.', 'InvalidRequest');
  if (at - now > MAX_LIFETIME_MINUTES * 60_000) throw badRequest(`Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`, 'ExtensionError');
  return new Date(at).toISOString().replace(/Z$/, '0000Z');
}

/** `users/{id}/messages` or `users/{id}/mailFolders('{id}')/messages` (or `/mailFolders/{id}/`): the owner and the folder. */
function resourceOf(state: SandboxState, value: unknown): { userId: string; folderId: string | null } {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest("Invalid request: property 'resource' is required.", 'InvalidRequest');
  const path = value.trim().replace(/^\/+/, '').replace(/\('([^']*)'\)/g, '/$1');
  if (/^me(\/|$)/i.test(path)) throw badRequest('/me request is only valid with delegated authentication flow.', 'BadRequest');
  const match = /^users\/([^/?]+)\/(?:mailFolders\/([^/?]+)\/)?messages$/i.exec(path);
  if (!match) throw badRequest(`The resource '${value}' is not supported: the sandbox subscribes to users/{id}/messages and users/{id}/mailFolders('{id}')/messages.`, 'InvalidRequest');
  const user = findUser(state, decodeURIComponent(match[1]!));
  const mailbox = state.mail.mailbox(user);
  return { userId: user.id, folderId: match[2] ? state.mail.folder(mailbox, decodeURIComponent(match[2])).id : null };
}

function subscriptionJson(call: GraphCall, s: SandboxSubscription) {
  return {
    '@odata.context': `${call.graphBaseUrl}/$metadata#subscriptions/$entity`,
    id: s.id,
    resource: s.resource,
    applicationId: s.applicationId,
    changeType: s.changeType,
    clientState: s.clientState,
    notificationUrl: s.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: s.expirationDateTime,
    creatorId: s.creatorId,
    includeResourceData: null,
    latestSupportedTlsVersion: s.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

/** A subscription of the calling app: another app's is not found, as in Graph. */
function subscriptionOf(call: GraphCall, state: SandboxState, id: string): SandboxSubscription {
  const subscription = state.subscriptions.live(id);
  if (!subscription || subscription.applicationId !== call.appId) throw new GraphError(404, 'ResourceNotFound', `The object '${id}' was not found.`);
  return subscription;
}

async function createSubscription(call: GraphCall, state: SandboxState): Promise<GraphResult> {
  const body = (call.body ?? {}) as Record<string, unknown>;
  if (body.includeResourceData === true) throw badRequest('Rich notifications (includeResourceData) are not supported by the sandbox.', 'InvalidRequest');
  const changeTypes = changeTypesOf(body.changeType);
  const notificationUrl = notificationUrlOf(body.notificationUrl, 'notificationUrl');
  const lifecycleNotificationUrl = body.lifecycleNotificationUrl === undefined || body.lifecycleNotificationUrl === null ? null : notificationUrlOf(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl');
  const { userId, folderId } = resourceOf(state, body.resource);
  const expirationDateTime = expirationOf(body.expirationDateTime);
  if (body.clientState !== undefined && body.clientState !== null && typeof body.clientState !== 'string') throw badRequest("Invalid 'clientState': a string is required.", 'InvalidRequest');
  const clientState = typeof body.clientState === 'string' ? body.clientState : null;
  if (clientState !== null && clientState.length > MAX_CLIENT_STATE) throw badRequest(`Invalid 'clientState': at most ${MAX_CLIENT_STATE} characters.`, 'InvalidRequest');
  // Both endpoints must pass the handshake before the subscription exists.
  await state.subscriptions.validate(notificationUrl);
  if (lifecycleNotificationUrl && lifecycleNotificationUrl !== notificationUrl) await state.subscriptions.validate(lifecycleNotificationUrl);
  const subscription: SandboxSubscription = {
    id: randomUUID(),
    resource: String(body.resource),
    userId,
    folderId,
    changeTypes,
    changeType: [...changeTypes].join(','),
    notificationUrl,
    lifecycleNotificationUrl,
    clientState,
    expirationDateTime,
    applicationId: call.appId,
    creatorId: call.appId,
    latestSupportedTlsVersion: typeof body.latestSupportedTlsVersion === 'string' ? body.latestSupportedTlsVersion : 'v1_2',
    immutableIds: parsePrefer(call).immutableIds,
    reauthorizationSentFor: null,
    delivered: 0,
    dropped: 0,
  };
  state.subscriptions.add(subscription);
  return { status: 201, body: subscriptionJson(call, subscription) };
}

async function updateSubscription(call: GraphCall, state: SandboxState, id: string): Promise<GraphResult> {
  const subscription = subscriptionOf(call, state, id);
  const body = (call.body ?? {}) as Record<string, unknown>;
  const allowed = new Set(['expirationDateTime', 'notificationUrl']);
  const other = Object.keys(body).find((k) => !allowed.has(k));
  if (other !== undefined) throw badRequest(`Invalid request: property '${other}' cannot be updated (only expirationDateTime and notificationUrl).`, 'InvalidRequest');
  if (body.expirationDateTime === undefined && body.notificationUrl === undefined) throw badRequest("Invalid request: property 'expirationDateTime' is required.", 'InvalidRequest');
  const expirationDateTime = body.expirationDateTime === undefined ? subscription.expirationDateTime : expirationOf(body.expirationDateTime);
  const notificationUrl = body.notificationUrl === undefined ? subscription.notificationUrl : notificationUrlOf(body.notificationUrl, 'notificationUrl');
  if (notificationUrl !== subscription.notificationUrl) await state.subscriptions.validate(notificationUrl);
  subscription.expirationDateTime = expirationDateTime;
  subscription.notificationUrl = notificationUrl;
  return ok(subscriptionJson(call, subscription));
}

export const subscriptionRoutes: Route[] = [
  route('POST', /^\/subscriptions$/, (call, _m, state) => createSubscription(call, state)),
  route('GET', /^\/subscriptions$/, (call, _m, state) => {
    const mine = [...state.subscriptions.subscriptions.keys()].map((id) => state.subscriptions.live(id)).filter((s): s is SandboxSubscription => s !== undefined && s.applicationId === call.appId);
    return ok({ '@odata.context': `${call.graphBaseUrl}/$metadata#subscriptions`, value: mine.map((s) => { const { '@odata.context': _c, ...rest } = subscriptionJson(call, s); return rest; }) });
  }),
  route('GET', /^\/subscriptions\/([^/]+)$/, (call, [, id], state) => ok(subscriptionJson(call, subscriptionOf(call, state, id!)))),
  route('PATCH', /^\/subscriptions\/([^/]+)$/, (call, [, id], state) => updateSubscription(call, state, id!)),
  route('DELETE', /^\/subscriptions\/([^/]+)$/, (call, [, id], state) => {
    state.subscriptions.remove(subscriptionOf(call, state, id!).id);
    return noContent();
  }),
  route('POST', /^\/subscriptions\/([^/]+)\/reauthorize$/, (call, [, id], state) => {
    subscriptionOf(call, state, id!);
    return noContent();
  }),
];
