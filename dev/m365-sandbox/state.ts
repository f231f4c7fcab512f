import { AttackSimulationStore } from './attack-simulation';
import type { SandboxState } from './context';
import { DirectoryLog } from './directory-log';
import { FileStore } from './file-store';
import { MailStore } from './mail-store';
import { SubscriptionService, type NotificationOptions } from './subscriptions';
import { TeamStore, channelId } from './team-store';
import { SERVICES, seedTenant } from './tenant-seed';
import { WriteLog } from './writes';

export interface SeedOptions {
  seed: number;
  /** Mailboxes filled with seeded messages (the rest start empty); more than exist adds extra staff. */
  mailboxes?: number;
  /** Staff in the directory (about 40 by default); more adds extra staff, whose mailboxes start empty. */
  staff?: number;
  messagesPerMailbox: number;
  dataDir?: string;
  /** Shrinks Graph's notification delays (retries, throttling) like the throttling windows. */
  timeScale?: number;
  notifications?: NotificationOptions;
}

/** The sandbox tenant's id (notifications carry it as tenantId). */
export const SANDBOX_TENANT_ID = '0f3c2a9e-5b7d-4e61-9a8c-2d4f6b8e1a30';

/** Builds the whole tenant from the seed: directory, mail (lazily), one drive per site, one team per service. */
export function createState(options: SeedOptions): SandboxState {
  const base = seedTenant(options.seed);
  const baseMailboxes = base.users.filter((u) => u.hasMailbox).length;
  const baseStaff = base.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox).length;
  const extraStaff = Math.max(0, (options.mailboxes ?? 0) - baseMailboxes, (options.staff ?? 0) - baseStaff);
  const tenant = extraStaff > 0 ? seedTenant(options.seed, extraStaff) : base;
  const archiveGroup = tenant.groups.find((g) => g.displayName === 'Archivage-Courriels')!;
  // Mailboxes in the archiving group come first so a small `mailboxes` scale fills the ones the app reads.
  // A set, not memberIds.includes: at 2,000 staff the sort's lookups dominated start-up.
  const archived = new Set(archiveGroup.memberIds);
  const withMailbox = tenant.users.filter((u) => u.hasMailbox).sort((a, b) => Number(archived.has(b.id)) - Number(archived.has(a.id)));
  const populated = new Set(withMailbox.slice(0, options.mailboxes ?? withMailbox.length).map((u) => u.id));
  const largeOwner = withMailbox.find((u) => !u.isSharedMailbox && archived.has(u.id)) ?? null;
  const mail = new MailStore({
    seed: options.seed,
    messagesPerMailbox: options.messagesPerMailbox,
    populated,
    largeMessageOwnerId: largeOwner?.id ?? null,
    colleagues: tenant.users.filter((u) => u.hasMailbox && !u.isSharedMailbox),
  });
  const files = new FileStore();
  for (const site of tenant.sites) files.addDrive(site.driveId, site.webUrl, site.displayName);
  const teams = new TeamStore();
  for (const service of SERVICES) {
    const group = tenant.groups.find((g) => g.displayName === service.name && g.groupTypes.includes('Unified'));
    const site = tenant.sites.find((s) => s.department === service.name);
    if (!group || !site) continue;
    const head = tenant.users.find((u) => u.department === service.name && u.jobCategory === 'DIRECTION');
    teams.add({
      id: group.id, displayName: service.name, description: group.description, createdAt: Date.parse('2021-03-01T12:00:00Z'),
      visibleAt: 0, operationId: `seed-${group.id}`, operationDoneAt: 0, driveId: site.driveId, siteId: site.id,
      channels: [{ id: channelId(), displayName: 'General', description: null, membershipType: 'standard', createdDateTime: '2021-03-01T12:00:00Z', folderItemId: null }],
      members: group.memberIds.map((userId) => ({ id: `${group.id}-${userId}`, userId, roles: userId === head?.id ? ['owner'] : [] })),
    });
  }
  const subscriptions = new SubscriptionService(mail, SANDBOX_TENANT_ID, options.notifications, options.timeScale ?? 1);
  return { tenant, directory: new DirectoryLog(), mail, files, teams, writes: new WriteLog(options.dataDir), teamsAppNotInstalled: new Set(), attackSimulation: AttackSimulationStore.seeded(options.seed, tenant.users), subscriptions };
}
