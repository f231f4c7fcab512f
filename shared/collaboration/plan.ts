import type { DesiredDocument, DesiredNode, DesiredSpace, Finding, Grant } from './model';
import { folderName, type CollaborationTemplateFile, type RepairPolicy, type TemplateNode } from './template';

/** A person as collaboration follows them from the people stream (ids and codes only). */
export interface RosterEntry {
  personId: string;
  serviceCode: string | null;
  jobCategoryCode: string | null;
  status: 'active' | 'on-leave' | 'left';
  /** Preferred language (people stream), for notifications; absent when not known: French. */
  language?: 'fr-CA' | 'en' | null;
}

export interface ServiceInfo {
  code: string;
  shortCode: string;
  names: { 'fr-CA': string; en: string };
}

/** An approved project space (from a request). */
export interface ProjectSpaceInfo {
  id: string;
  name: string;
  serviceCode: string;
  ownerIds: string[];
  memberIds: string[];
}

export interface PlanInputs {
  template: CollaborationTemplateFile;
  services: ServiceInfo[];
  roster: RosterEntry[];
  projects: ProjectSpaceInfo[];
  /** Entra group ids by display name (the everyone group and the named groups). */
  groupIds: ReadonlyMap<string, string>;
  /** Hash of each document template's file, by template key. */
  documentHashes: ReadonlyMap<string, string>;
}

export interface Plan {
  templateVersion: string;
  spaces: DesiredSpace[];
  findings: Finding[];
  /** Problems that stop a space from being planned (a group the directory does not know...). */
  problems: Array<{ spaceKey: string | null; message: string }>;
}

const EXTENSIONS: Record<string, string> = { word: 'dotx', excel: 'xltx', powerpoint: 'potx' };

export function serviceSpaceKey(service: Pick<ServiceInfo, 'shortCode'>): string {
  return `service-${service.shortCode}`;
}

export function projectSpaceKey(projectId: string): string {
  return `project-${projectId}`;
}

function fill(pattern: string, service: ServiceInfo, name: string | null): string {
  return pattern
    .replaceAll('{SHORTCODE}', service.shortCode.toUpperCase())
    .replaceAll('{shortCode}', service.shortCode)
    .replaceAll('{service}', service.names['fr-CA'])
    .replaceAll('{name}', name ?? '')
    .trim();
}

function slug(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 30);
}

/**
 * The desired state of every space: the template's tree for each service and each approved project,
 * with members and grants resolved from the people roster. Pure: the same inputs give the same plan.
 */
export function planSpaces(inputs: PlanInputs): Plan {
  const { template } = inputs;
  const problems: Plan['problems'] = [];
  const findings: Finding[] = [];
  const present = inputs.roster.filter((p) => p.status !== 'left');
  const inCategories = (codes: string[]) => present.filter((p) => p.jobCategoryCode !== null && codes.includes(p.jobCategoryCode));
  const direction = inCategories(template.direction.jobCategories).map((p) => p.personId).sort();

  const documents = new Map<string, DesiredDocument>();
  for (const d of template.documentTemplates) {
    const sha256 = inputs.documentHashes.get(d.key);
    if (!sha256) {
      problems.push({ spaceKey: null, message: `document template ${d.key}: file ${d.file} was not found` });
      continue;
    }
    const extension = EXTENSIONS[d.kind] ?? d.file.split('.').pop()!;
    documents.set(d.key, { key: d.key, kind: d.kind, fileName: `${d.names['fr-CA']}.${extension}`, version: d.version, sha256 });
  }

  const spaces: DesiredSpace[] = [];
  const build = (kind: 'service' | 'project', key: string, service: ServiceInfo, name: string | null, owners: string[], members: string[]) => {
    const spaceKind = template.spaces[kind];
    const managers = inCategories(template.managers.jobCategories).filter((p) => p.serviceCode === service.code).map((p) => p.personId);
    const spaceProblems: string[] = [];
    const groupId = (group: string) => {
      const id = inputs.groupIds.get(group);
      if (!id) spaceProblems.push(`group "${group}" is not in the directory`);
      return id;
    };
    const nodes: DesiredNode[] = [];
    const walk = (list: TemplateNode[], parentKey: string | null, inheritedRepair: RepairPolicy) => {
      for (const node of list) {
        const key = parentKey === null ? node.key : `${parentKey}/${node.key}`;
        const repair = node.repair ?? inheritedRepair;
        const grants: Grant[] = [];
        const userGrants = (ids: string[], role: Grant['role']) => ids.forEach((id) => grants.push({ principal: { kind: 'user', id }, role }));
        if (node.permissions.manager) userGrants(managers, node.permissions.manager);
        if (node.permissions.direction) userGrants(direction.filter((id) => !(node.permissions.manager && managers.includes(id))), node.permissions.direction);
        if (node.permissions.everyone) {
          const id = groupId(template.everyoneGroup);
          if (id) grants.push({ principal: { kind: 'group', id }, role: 'read' });
        }
        for (const g of node.permissions.groups) {
          const id = groupId(g.group);
          if (id) grants.push({ principal: { kind: 'group', id }, role: g.role });
        }
        nodes.push({
          key,
          parentKey,
          name: folderName(template.folderName, node),
          names: node.names,
          code: node.code,
          channel: parentKey === null,
          grants: dedupeGrants(grants),
          retentionLabel: node.retentionLabel,
          documents: node.documents.map((d) => documents.get(d)).filter((d): d is DesiredDocument => d !== undefined),
          repair,
        });
        walk(node.children, key, repair);
      }
    };
    walk(spaceKind.nodes, null, spaceKind.repair);
    const ownerList = [...new Set(owners.length > 0 ? owners : managers)].sort();
    if (ownerList.length === 0) findings.push({ kind: 'no-owner', spaceKey: key });
    if (spaceProblems.length > 0) {
      for (const message of new Set(spaceProblems)) problems.push({ spaceKey: key, message });
      return;
    }
    spaces.push({
      key,
      kind,
      serviceCode: service.code,
      displayName: fill(spaceKind.teamName, service, name),
      description: fill(spaceKind.description['fr-CA'], service, name),
      mailNickname: kind === 'service' ? `collab-${service.shortCode}` : `projet-${service.shortCode}-${slug(name ?? key)}`,
      sensitivityLabel: spaceKind.sensitivityLabel,
      owners: ownerList,
      members: [...new Set([...members, ...ownerList])].sort(),
      nodes,
      templateVersion: template.version,
      repair: spaceKind.repair,
    });
  };

  for (const service of inputs.services) {
    const members = present.filter((p) => p.serviceCode === service.code).map((p) => p.personId);
    build('service', serviceSpaceKey(service), service, null, [], members);
  }
  for (const project of inputs.projects) {
    const service = inputs.services.find((s) => s.code === project.serviceCode);
    if (!service) {
      problems.push({ spaceKey: projectSpaceKey(project.id), message: `service ${project.serviceCode} is not in the people catalogue` });
      continue;
    }
    const stillHere = new Set(present.map((p) => p.personId));
    build('project', projectSpaceKey(project.id), service, project.name, project.ownerIds.filter((id) => stillHere.has(id)), project.memberIds.filter((id) => stillHere.has(id)));
  }
  return { templateVersion: template.version, spaces, findings, problems };
}

/** One grant per principal: the stronger role wins (write includes read). */
function dedupeGrants(grants: Grant[]): Grant[] {
  const byPrincipal = new Map<string, Grant>();
  for (const g of grants) {
    const id = `${g.principal.kind}:${g.principal.id}`;
    const existing = byPrincipal.get(id);
    if (!existing || (existing.role === 'read' && g.role === 'write')) byPrincipal.set(id, g);
  }
  return [...byPrincipal.values()].sort((a, b) => `${a.principal.kind}:${a.principal.id}`.localeCompare(`${b.principal.kind}:${b.principal.id}`));
}
