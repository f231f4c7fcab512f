import https from 'node:https';
import type { FaultOptions, SharePointAppStats } from './limits';
import type { DropRule, LifecycleEvent, NotificationStats } from './subscriptions';
import type { RecordedWrite } from './writes';

/** A change notification subscription as the control API lists it. */
export interface SubscriptionSummary {
  id: string;
  resource: string;
  userId: string;
  folderId: string | null;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  applicationId: string;
  immutableIds: boolean;
  delivered: number;
  dropped: number;
}

/** A campaign as the control API summarises it (ids, statuses and dates only). */
export interface SimulationSummary {
  id: string;
  displayName: string;
  status: string;
  launchDateTime: string | null;
  completionDateTime: string | null;
  users: Array<{ userId: string; trainings: Array<{ displayName: string; status: 'assigned' | 'inProgress' | 'completed' | 'overdue'; completedDateTime: string | null }> }>;
}

/** A drive item as the control API summarises it. */
export interface ItemSummary {
  id: string;
  driveId: string;
  name: string;
  parentId: string | null;
  path: string;
  folder: boolean;
}

export interface PersonPatch {
  department?: string;
  jobCategory?: string;
  managerId?: string | null;
  displayName?: string;
  preferredLanguage?: string | null;
  employeeType?: string | null;
  employeeLeaveDateTime?: string | null;
  accountEnabled?: boolean;
}

export interface PersonSummary extends Required<Omit<PersonPatch, 'jobCategory' | 'department'>> {
  id: string;
  userPrincipalName: string;
  department: string | null;
  jobCategory: string | null;
}

/** Typed access to the sandbox's control API (/_sandbox/...), over HTTPS trusting its certificate. */
export class SandboxControl {
  private readonly agent: https.Agent;

  constructor(private readonly sandbox: { controlUrl: string; caCertPem: string }) {
    this.agent = new https.Agent({ ca: sandbox.caCertPem, keepAlive: true });
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(`${this.sandbox.controlUrl}${path}`, { method, agent: this.agent, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
    if (status >= 400) throw new Error(`sandbox control ${method} ${path} failed: ${status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  writes(kind?: string): Promise<RecordedWrite[]> {
    return this.request<{ value: RecordedWrite[] }>('GET', `/writes${kind ? `?kind=${encodeURIComponent(kind)}` : ''}`).then((r) => r.value);
  }
  clearWrites() { return this.request('DELETE', '/writes'); }
  reset() { return this.request('POST', '/reset'); }
  setFaults(options: FaultOptions) { return this.request('PUT', '/faults', options); }
  faults() { return this.request<FaultOptions & { injected: Record<string, number> }>('GET', '/faults'); }
  /** Marks users for whom the app's Teams app is not installed (replaces the previous list). */
  setTeamsAppNotInstalled(userIds: string[]) { return this.request('PUT', '/teams-app/not-installed', { userIds }); }
  expireDeltaTokens() { return this.request('POST', '/delta/expire'); }
  /** Every live change notification subscription, of every app (no clientState), with delivered and dropped counts. */
  subscriptions() { return this.request<{ value: SubscriptionSummary[] }>('GET', '/subscriptions').then((r) => r.value); }
  /** Sends a lifecycle notification for a subscription; `subscriptionRemoved` also removes it. */
  emitLifecycle(subscriptionId: string, event: LifecycleEvent) {
    return this.request<{ sent: boolean; lifecycleNotificationUrl: string | null }>('POST', `/subscriptions/${encodeURIComponent(subscriptionId)}/lifecycle`, { event });
  }
  /** The subscription expires now: it stops notifying and disappears (no lifecycle notification, as in Graph). */
  expireSubscription(subscriptionId: string) { return this.request('POST', `/subscriptions/${encodeURIComponent(subscriptionId)}/expire`); }
  /**
   * Drops the next `count` notifications (and/or a `rate` share) for a mailbox (default every mailbox), silently
   * unless `missed`; neither count nor rate clears the rule.
   */
  dropNotifications(rule: { mailbox?: string; count?: number; rate?: number; missed?: boolean; seed?: number }) { return this.request('PUT', '/notifications/drop', rule); }
  /** Delivery counters: enqueued, delivered, POSTs, failures, retries, drops by reason, lifecycle sent, validations, pending, per endpoint. */
  notificationStats() { return this.request<NotificationStats & { drop: Record<string, DropRule> }>('GET', '/notifications'); }
  /** Clears the request counters (total, by status, by mailbox, subscriptions). */
  resetRequestCounts() { return this.request('POST', '/stats/reset-requests'); }
  stats() { return this.request<{ requests: number; byStatus: Record<string, number>; byMailbox: Record<string, number>; subscriptionRequests: number; activityFeedRefused: Record<string, number>; sharePoint: Record<string, SharePointAppStats>; peakRss: number; memory: NodeJS.MemoryUsage }>('GET', '/stats'); }
  /** SharePoint resource units, requests and 429s per app (key: the token's appid), with first/last charged request times. */
  sharePointStats() { return this.stats().then((s) => s.sharePoint); }
  /** Clears the SharePoint counters only (POST /reset clears them too, with everything else). */
  resetSharePointStats() { return this.request('POST', '/stats/reset-sharepoint'); }
  // Drift made by a person (not the app): not in the write log, not charged to any app.
  /** Renames a drive item in place (409 if a sibling has that name). */
  renameItem(driveId: string, itemId: string, name: string) { return this.request<ItemSummary>('POST', '/files/rename', { driveId, itemId, name }); }
  /** Shares an item with a user or a group (roles merged into that principal's permission). */
  grantItem(driveId: string, itemId: string, grantee: { userId: string } | { groupId: string }, roles: Array<'read' | 'write' | 'owner'>) {
    return this.request<{ id: string; roles: string[]; grantedTo: { id: string | null; displayName: string; email: string | null; type?: 'user' | 'group' } }>('POST', '/files/grant', { driveId, itemId, ...grantee, roles });
  }
  /** Removes the retention label of an item. */
  removeLabel(driveId: string, itemId: string) { return this.request('POST', '/files/remove-label', { driveId, itemId }); }
  /** Adds a folder, or a file with content the app did not write, under parentId. */
  createItem(driveId: string, parentId: string, name: string, folder: boolean) { return this.request<ItemSummary>('POST', '/files/create', { driveId, parentId, name, folder }); }
  /** Deletes a drive item (and what it holds). */
  deleteItem(driveId: string, itemId: string) { return this.request('POST', '/files/delete', { driveId, itemId }); }
  /** Removes someone from a team (and its Microsoft 365 group). */
  /** A person sets the sensitivity label of a group (Graph refuses it to the app). */
  setGroupLabels(groupId: string, labelIds: string[]) { return this.request('POST', `/groups/${encodeURIComponent(groupId)}/labels`, { labelIds }); }
  removeTeamMember(teamId: string, userId: string) { return this.request('POST', '/teams/remove-member', { teamId, userId }); }
  resetPeakMemory() { return this.request('POST', '/stats/reset-peak-memory'); }
  updateUser(userId: string, patch: { department?: string | null; jobCategory?: string | null; accountEnabled?: boolean; managerId?: string | null }) {
    return this.request('PATCH', `/users/${encodeURIComponent(userId)}`, patch);
  }
  disableUser(userId: string) { return this.request('POST', `/users/${encodeURIComponent(userId)}/disable`); }
  /** Hires someone into a service (member of "Tout le personnel" and the service's group). */
  hire(person: { givenName: string; surname: string; department: string; jobCategory: string; managerId?: string | null; preferredLanguage?: string | null; employeeHireDate?: string }) {
    return this.request<{ id: string; userPrincipalName: string }>('POST', '/people', person);
  }
  /** Moves or updates a person (a new department also moves the service group membership). */
  updatePerson(userId: string, patch: PersonPatch) {
    return this.request<PersonSummary>('PATCH', `/people/${encodeURIComponent(userId)}`, patch);
  }
  startLeave(userId: string) { return this.request('POST', `/people/${encodeURIComponent(userId)}/leave`); }
  endLeave(userId: string) { return this.request('POST', `/people/${encodeURIComponent(userId)}/return`); }
  disablePerson(userId: string) { return this.request('POST', `/people/${encodeURIComponent(userId)}/disable`); }
  /** Deletes the account: soft (restorable, as Entra's default) unless `permanent`. */
  deletePerson(userId: string, options: { permanent?: boolean } = {}) {
    return this.request('DELETE', `/people/${encodeURIComponent(userId)}${options.permanent ? '?permanent=true' : ''}`);
  }
  /** Deletes a group (Microsoft 365 groups: soft, security groups: permanent, as in Entra). */
  deleteGroup(groupId: string) { return this.request('DELETE', `/groups/${encodeURIComponent(groupId)}`); }
  renameDepartment(from: string, to: string) { return this.request<{ renamed: number }>('POST', '/departments/rename', { from, to }); }
  addMessage(userId: string, message: { folder?: string; subject?: string; bodyText?: string; receivedDateTime?: string; from?: { name: string; address: string }; lang?: 'fr' | 'en' }) {
    return this.request<{ id: string; restId: string; folderId: string }>('POST', `/mailboxes/${encodeURIComponent(userId)}/messages`, message);
  }
  /**
   * Puts these exact bytes into a folder (inbox by default): `$value` serves them unchanged and the
   * Graph properties are derived from them as Exchange would. `parseError` says when the MIME parser
   * gave up on them (the message is delivered anyway, as Exchange does).
   */
  addRawMessage(userId: string, mime: Buffer | string, options: { folder?: string; receivedDateTime?: string } = {}) {
    const bytes = typeof mime === 'string' ? Buffer.from(mime, 'utf8') : mime;
    return this.request<{ id: string; restId: string; folderId: string; parseError: string | null }>('POST', `/mailboxes/${encodeURIComponent(userId)}/messages/raw`, { mime: bytes.toString('base64'), ...options });
  }
  moveMessage(userId: string, messageId: string, folder: string) {
    return this.request<{ id: string; restId: string; folderId: string }>('POST', `/mailboxes/${encodeURIComponent(userId)}/messages/${encodeURIComponent(messageId)}/move`, { folder });
  }
  updateMessage(userId: string, messageId: string, patch: { subject?: string; isRead?: boolean }) {
    return this.request('PATCH', `/mailboxes/${encodeURIComponent(userId)}/messages/${encodeURIComponent(messageId)}`, patch);
  }
  deleteMessage(userId: string, messageId: string) {
    return this.request('DELETE', `/mailboxes/${encodeURIComponent(userId)}/messages/${encodeURIComponent(messageId)}`);
  }
  /** Attack Simulation Training campaigns with each person's trainings. */
  simulations() {
    return this.request<{ value: SimulationSummary[] }>('GET', '/attack-simulation/simulations').then((r) => r.value);
  }
  /** A new campaign over these people, each with one training assigned and not started. */
  createSimulation(input: { userIds: string[]; displayName?: string; status?: string; launchDateTime?: string; durationInDays?: number }) {
    return this.request<SimulationSummary>('POST', '/attack-simulation/simulations', input);
  }
  /** Marks a person's trainings in a campaign (or the one named) completed at `at` (default now). */
  completeTraining(simulationId: string, userId: string, options: { at?: string; training?: string } = {}) {
    return this.request('POST', `/attack-simulation/simulations/${encodeURIComponent(simulationId)}/users/${encodeURIComponent(userId)}/complete`, options);
  }
  /** Marks a person's trainings in a campaign (or the one named) in progress. */
  startTraining(simulationId: string, userId: string, options: { at?: string; training?: string } = {}) {
    return this.request('POST', `/attack-simulation/simulations/${encodeURIComponent(simulationId)}/users/${encodeURIComponent(userId)}/start`, options);
  }
  folders(userId: string) {
    return this.request<{ value: Array<{ id: string; displayName: string; wellKnownName: string | null; parentFolderId: string; totalItemCount: number }> }>('GET', `/mailboxes/${encodeURIComponent(userId)}/folders`).then((r) => r.value);
  }
}
