import { Prng, mixSeed } from './prng';

/** The tenant's verified domain. Fictitious: every person in the seed is invented. */
export const TENANT_DOMAIN = 'syndicat-exemple.onmicrosoft.com';
export const TENANT_ID = '0f3c2a9e-5b7d-4e61-9a8c-2d4f6b8e1a30';

/**
 * Job categories ("corps d'emplois"). The code is exposed on each user
 * as `onPremisesExtensionAttributes.extensionAttribute1`, which is where a union's directory sync
 * would put it; the app reads it from there.
 */
export const JOB_CATEGORIES = {
  CONSEIL: { fr: 'Conseiller syndical / conseillère syndicale', en: 'Union adviser' },
  JURISTE: { fr: 'Juriste', en: 'Lawyer' },
  TECHADM: { fr: 'Technicien administratif / technicienne administrative', en: 'Administrative technician' },
  SECRETARIAT: { fr: 'Secrétariat', en: 'Secretariat' },
  TI: { fr: 'Technologies de l’information', en: 'IT staff' },
  DIRECTION: { fr: 'Direction', en: 'Management' },
} as const;
export type JobCategory = keyof typeof JOB_CATEGORIES;

/** The six services (the `department` attribute) and the job categories their staff hold. */
export const SERVICES: ReadonlyArray<{ name: string; mailNickname: string; staff: JobCategory[] }> = [
  { name: 'Direction générale', mailNickname: 'direction', staff: ['DIRECTION', 'DIRECTION', 'SECRETARIAT', 'SECRETARIAT', 'TECHADM'] },
  { name: 'Relations du travail', mailNickname: 'relations-travail', staff: ['DIRECTION', 'CONSEIL', 'CONSEIL', 'CONSEIL', 'CONSEIL', 'CONSEIL', 'CONSEIL', 'CONSEIL', 'SECRETARIAT', 'TECHADM'] },
  { name: 'Services juridiques', mailNickname: 'juridique', staff: ['DIRECTION', 'JURISTE', 'JURISTE', 'JURISTE', 'JURISTE', 'SECRETARIAT', 'TECHADM'] },
  { name: 'Administration et finances', mailNickname: 'administration', staff: ['DIRECTION', 'TECHADM', 'TECHADM', 'TECHADM', 'SECRETARIAT', 'TECHADM'] },
  { name: 'Ressources informationnelles', mailNickname: 'ri', staff: ['DIRECTION', 'TI', 'TI', 'TI', 'TI', 'TECHADM'] },
  { name: 'Communications et mobilisation', mailNickname: 'communications', staff: ['DIRECTION', 'CONSEIL', 'CONSEIL', 'TECHADM', 'SECRETARIAT', 'CONSEIL'] },
];

const FIRST_NAMES = ['Amélie', 'Benoît', 'Chloé', 'Denis', 'Émilie', 'François', 'Geneviève', 'Hugo', 'Isabelle', 'Jérôme', 'Karine', 'Louis', 'Mélanie', 'Nicolas', 'Océane', 'Patrick', 'Raphaël', 'Rachel', 'Sébastien', 'Thérèse', 'Ursule', 'Valérie', 'William', 'Yasmine', 'Zoé', 'Marc-André', 'Marie-Ève', 'Noémie', 'Étienne', 'Josée'];
const LAST_NAMES = ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'Morin', 'Lavoie', 'Fortin', 'Gagné', 'Ouellet', 'Pelletier', 'Bélanger', 'Lévesque', 'Bergeron', 'Leblanc', 'Paquette', 'Girard', 'Simard', 'Boucher', 'Caron', 'Beaulieu', 'Cloutier', 'Dubé', 'Poirier', 'Fournier', 'Lapointe', "D'Amours", 'Nguyen', 'Martel'];

export interface SandboxUser {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string;
  department: string | null;
  jobTitle: string | null;
  jobCategory: JobCategory | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  preferredLanguage: string | null;
  usageLocation: string | null;
  managerId: string | null;
  /** Entra's employeeType: Employee for staff, SharedMailbox for the shared mailboxes, null for guests. */
  employeeType: string | null;
  /** Entra's employeeHireDate (ISO datetime); null for guests and shared mailboxes. */
  employeeHireDate: string | null;
  /** Entra's employeeLeaveDateTime: set when a departure is planned, null otherwise. */
  employeeLeaveDateTime: string | null;
  /** Has an Exchange Online mailbox (staff and shared mailboxes; guests do not). */
  hasMailbox: boolean;
  isSharedMailbox: boolean;
  createdDateTime: string;
  assignedLicenses: Array<{ skuId: string; disabledPlans: string[] }>;
}

export interface SandboxGroup {
  id: string;
  displayName: string;
  description: string;
  mailNickname: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  memberIds: string[];
  createdDateTime: string;
  /** Sensitivity (container) labels on a Microsoft 365 group, by label id. */
  assignedLabels?: string[];
}

/** A sensitivity label of the tenant's catalogue (Microsoft Purview). */
export interface SandboxSensitivityLabel {
  id: string;
  name: string;
  description: string;
  color: string;
  sensitivity: number;
  tooltip: string;
}

/** The tenant's sensitivity labels, fixed ids (the same at every seed). */
export const SENSITIVITY_LABELS: SandboxSensitivityLabel[] = [
  { id: '4a1c6b2e-7d3f-4e58-9b0a-1c2d3e4f5a01', name: 'Général', description: 'Information interne courante.', color: '#0078D4', sensitivity: 0, tooltip: 'Information interne du syndicat, partageable avec le personnel.' },
  { id: '4a1c6b2e-7d3f-4e58-9b0a-1c2d3e4f5a02', name: 'Confidentiel', description: 'Information réservée aux personnes concernées.', color: '#FF8C00', sensitivity: 1, tooltip: 'Dossiers de membres, griefs, négociation : accès restreint.' },
  { id: '4a1c6b2e-7d3f-4e58-9b0a-1c2d3e4f5a03', name: 'Hautement confidentiel', description: 'Information dont la divulgation causerait un préjudice grave.', color: '#D13438', sensitivity: 2, tooltip: 'Dossiers juridiques et médicaux : accès nominatif seulement.' },
];

export interface SandboxSite {
  id: string;
  name: string;
  displayName: string;
  webUrl: string;
  driveId: string;
  /** Service the site belongs to, or null for the root site. */
  department: string | null;
}

export interface TenantSeed {
  users: SandboxUser[];
  /**
   * Soft-deleted users (Entra's deleted items): gone from /users and from their groups, reported by
   * users/delta as removed with reason "changed".
   */
  deletedUsers: SandboxUser[];
  groups: SandboxGroup[];
  sites: SandboxSite[];
  skus: Array<{ skuId: string; skuPartNumber: string; prepaidUnits: number }>;
  sensitivityLabels: SandboxSensitivityLabel[];
}

export const SKUS = [
  { skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965', skuPartNumber: 'SPE_E3', prepaidUnits: 500 },
  { skuId: 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', skuPartNumber: 'MCOEV', prepaidUnits: 100 },
  { skuId: '0c266dff-15dd-4b49-8397-2bb16070ed52', skuPartNumber: 'MCOMEETADV', prepaidUnits: 100 },
];

function slug(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z-]/g, '').toLowerCase();
}

/** Names of the groups the lifecycle control calls and the directory sync rely on. */
export const ALL_STAFF_GROUP = 'Tout le personnel';
export const ON_LEAVE_GROUP = 'En congé';

/** Builds the directory: ~40 staff in 6 services with managers, 2 shared mailboxes, a few guests, groups and sites. */
export function seedTenant(seed: number, extraStaff = 0): TenantSeed {
  const prng = new Prng(mixSeed(seed, 'tenant'));
  // Hire dates and the on-leave group come from their own stream, so adding them left every id,
  // name and mailbox of the existing seed unchanged.
  const lifecycle = new Prng(mixSeed(seed, 'lifecycle'));
  const hired = () => new Date(Date.UTC(2004, 0, 5) + lifecycle.int(0, 7300) * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const users: SandboxUser[] = [];
  const usedUpns = new Set<string>();
  const created = (dayOffset: number) => new Date(Date.UTC(2019, 0, 7) + dayOffset * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  let generalDirectorId: string | null = null;
  // Extra staff (for benchmarks with more mailboxes) are spread over the services in turn.
  const staffing = SERVICES.map((service, index) => ({
    service,
    categories: [...service.staff, ...Array.from({ length: Math.ceil((extraStaff - index) / SERVICES.length) }, (): JobCategory => (index === 0 ? 'TECHADM' : service.staff[1] ?? 'TECHADM'))],
  }));
  for (const { service, categories } of staffing) {
    let serviceHeadId: string | null = null;
    for (const category of categories) {
      const givenName = prng.pick(FIRST_NAMES);
      const surname = prng.pick(LAST_NAMES);
      let nickname = `${slug(givenName)}.${slug(surname)}`;
      for (let n = 2; usedUpns.has(nickname); n++) nickname = `${slug(givenName)}.${slug(surname)}${n}`;
      usedUpns.add(nickname);
      const english = prng.chance(0.12);
      const user: SandboxUser = {
        id: prng.guid(),
        displayName: `${givenName} ${surname}`,
        givenName,
        surname,
        userPrincipalName: `${nickname}@${TENANT_DOMAIN}`,
        mail: `${nickname}@${TENANT_DOMAIN}`,
        mailNickname: nickname,
        department: service.name,
        jobTitle: JOB_CATEGORIES[category].fr,
        jobCategory: category,
        accountEnabled: !prng.chance(0.05),
        userType: 'Member',
        preferredLanguage: english ? 'en-CA' : 'fr-CA',
        usageLocation: 'CA',
        managerId: null,
        employeeType: 'Employee',
        employeeHireDate: hired(),
        employeeLeaveDateTime: null,
        hasMailbox: true,
        isSharedMailbox: false,
        createdDateTime: created(prng.int(0, 2000)),
        assignedLicenses: [{ skuId: SKUS[0]!.skuId, disabledPlans: [] }],
      };
      if (category === 'DIRECTION' && serviceHeadId === null) {
        serviceHeadId = user.id;
        user.managerId = generalDirectorId;
        generalDirectorId ??= user.id;
      } else {
        user.managerId = serviceHeadId;
      }
      users.push(user);
    }
  }

  for (const shared of [
    { nickname: 'accueil', displayName: 'Accueil du syndicat', department: 'Direction générale' },
    { nickname: 'griefs', displayName: 'Griefs et plaintes', department: 'Relations du travail' },
  ]) {
    users.push({
      id: prng.guid(), displayName: shared.displayName, givenName: null, surname: null,
      userPrincipalName: `${shared.nickname}@${TENANT_DOMAIN}`, mail: `${shared.nickname}@${TENANT_DOMAIN}`, mailNickname: shared.nickname,
      department: shared.department, jobTitle: null, jobCategory: null,
      // Shared mailboxes have a disabled account: nobody signs in to them.
      accountEnabled: false, userType: 'Member', preferredLanguage: 'fr-CA', usageLocation: 'CA', managerId: null,
      employeeType: 'SharedMailbox', employeeHireDate: null, employeeLeaveDateTime: null,
      hasMailbox: true, isSharedMailbox: true, createdDateTime: created(prng.int(0, 2000)), assignedLicenses: [],
    });
  }

  for (const guest of [
    { name: 'Sophie Arbitre', email: 'sophie.arbitre@tribunal-exemple.ca' },
    { name: 'Alex Consultant', email: 'alex@consultants-exemple.com' },
    { name: 'Jordan Partner', email: 'jordan.partner@federation-exemple.org' },
  ]) {
    const nickname = guest.email.replace('@', '_');
    users.push({
      id: prng.guid(), displayName: guest.name, givenName: null, surname: null,
      userPrincipalName: `${nickname}#EXT#@${TENANT_DOMAIN}`, mail: guest.email, mailNickname: nickname,
      department: null, jobTitle: null, jobCategory: null, accountEnabled: true, userType: 'Guest',
      preferredLanguage: null, usageLocation: null, managerId: null, employeeType: null, employeeHireDate: null, employeeLeaveDateTime: null,
      hasMailbox: false, isSharedMailbox: false,
      createdDateTime: created(prng.int(1500, 2200)), assignedLicenses: [],
    });
  }

  const staff = users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox);
  const groups: SandboxGroup[] = [];
  const group = (displayName: string, mailNickname: string, description: string, memberIds: string[], unified: boolean) => {
    groups.push({
      id: prng.guid(), displayName, description, mailNickname,
      mail: unified ? `${mailNickname}@${TENANT_DOMAIN}` : null, mailEnabled: unified, securityEnabled: !unified,
      groupTypes: unified ? ['Unified'] : [], memberIds, createdDateTime: created(prng.int(0, 1000)),
    });
  };
  // Staff mailboxes to archive, plus both shared mailboxes; a few staff are left out on purpose.
  const archived = users.filter((u) => u.hasMailbox && (u.isSharedMailbox || prng.chance(0.85)));
  group('Archivage-Courriels', 'archivage-courriels', 'Boîtes aux lettres à archiver', archived.map((u) => u.id), false);
  group(ALL_STAFF_GROUP, 'tout-le-personnel', 'Tous les employés du syndicat', staff.map((u) => u.id), true);
  for (const service of SERVICES) {
    group(service.name, service.mailNickname, `Équipe ${service.name}`, staff.filter((u) => u.department === service.name).map((u) => u.id), true);
  }

  const sites: SandboxSite[] = [{ id: '', name: 'root', displayName: 'Communication site', webUrl: `https://syndicat-exemple.sharepoint.com`, driveId: '', department: null }];
  for (const service of SERVICES) {
    sites.push({ id: '', name: service.mailNickname, displayName: service.name, webUrl: `https://syndicat-exemple.sharepoint.com/sites/${service.mailNickname}`, driveId: '', department: service.name });
  }
  for (const site of sites) {
    // Graph site ids are "hostname,siteCollectionId,webId".
    site.id = `syndicat-exemple.sharepoint.com,${prng.guid()},${prng.guid()}`;
    site.driveId = `b!${Buffer.from(site.id).toString('base64url').slice(0, 40)}`;
  }
  // People on leave: a security group the app reads to pause reminders; one or two staff (never a
  // service head) are in it at seed time. Added last so the ids above stay as they were.
  const onLeaveCandidates = staff.filter((u) => u.jobCategory !== 'DIRECTION');
  const onLeave = [lifecycle.pick(onLeaveCandidates), lifecycle.pick(onLeaveCandidates)].filter((u, i, all) => all.indexOf(u) === i);
  groups.push({
    id: lifecycle.guid(), displayName: ON_LEAVE_GROUP, description: 'Personnel en congé (maladie, parental, sans solde)', mailNickname: 'en-conge',
    mail: null, mailEnabled: false, securityEnabled: true, groupTypes: [], memberIds: onLeave.map((u) => u.id), createdDateTime: created(lifecycle.int(0, 1000)),
  });
  return { users, deletedUsers: [], groups, sites, skus: SKUS, sensitivityLabels: SENSITIVITY_LABELS.map((l) => ({ ...l })) };
}
