import { GraphError, resourceNotFound, type GraphCall, type GraphResult } from './graph-http';
import type { AttackSimulationStore } from './attack-simulation';
import type { DirectoryLog } from './directory-log';
import type { MailStore } from './mail-store';
import type { FileStore } from './file-store';
import type { SubscriptionService } from './subscriptions';
import type { TeamStore } from './team-store';
import type { SandboxGroup, SandboxSite, SandboxUser, TenantSeed } from './tenant-seed';
import type { WriteLog } from './writes';

/** The tenant's live state, shared by the Graph routes and the control API. */
export interface SandboxState {
  tenant: TenantSeed;
  /** Directory change log behind users/delta and groups/delta. */
  directory: DirectoryLog;
  mail: MailStore;
  files: FileStore;
  teams: TeamStore;
  writes: WriteLog;
  /** Users for whom the app's Teams app is not installed: activity notifications to them fail as in Graph. */
  teamsAppNotInstalled: Set<string>;
  /** Defender's Attack Simulation Training: campaigns and each person's trainings. */
  attackSimulation: AttackSimulationStore;
  /** Change notification subscriptions on messages, and their delivery. */
  subscriptions: SubscriptionService;
}

export function findUser(state: SandboxState, idOrUpn: string): SandboxUser {
  const key = idOrUpn.toLowerCase();
  const user = state.tenant.users.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
  if (!user) throw resourceNotFound(idOrUpn);
  return user;
}

export function findGroup(state: SandboxState, id: string): SandboxGroup {
  const group = state.tenant.groups.find((g) => g.id === id);
  if (!group) throw resourceNotFound(id);
  return group;
}

export function findSite(state: SandboxState, id: string): SandboxSite {
  const site = state.tenant.sites.find((s) => s.id === id || s.id.split(',')[1] === id);
  if (!site) throw new GraphError(404, 'itemNotFound', 'Requested site could not be found');
  return site;
}

export type RouteHandler = (call: GraphCall, match: string[], state: SandboxState) => GraphResult | Promise<GraphResult>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
  /** Outlook mail routes count against the mailbox throttling limits; the match group of the user. */
  outlookUserGroup?: number;
  /** SharePoint routes are charged resource units against the app's per-minute budget. */
  sharePoint?: boolean;
  /** Teams activity feed routes count against the app's notifications per second. */
  activityFeed?: boolean;
}

export const route = (method: string, pattern: RegExp, handler: RouteHandler, outlookUserGroup?: number): Route => ({ method, pattern, handler, outlookUserGroup });
