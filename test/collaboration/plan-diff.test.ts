import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffSpace } from '../../shared/collaboration/diff';
import type { ActualNode, ActualSpace, DesiredSpace } from '../../shared/collaboration/model';
import { planSpaces, type PlanInputs } from '../../shared/collaboration/plan';
import { parseCollaborationTemplate, type CollaborationTemplateFile } from '../../shared/collaboration/template';
import { collaborationWorld } from './collaboration-world';

const templateText = readFileSync('config/collaboration-template.json', 'utf8');

function inputs(template?: CollaborationTemplateFile): PlanInputs {
  const world = collaborationWorld();
  const t = template ?? world.template;
  return {
    template: t,
    services: world.catalogue.services,
    roster: [...world.roster.entries.values()],
    projects: [],
    groupIds: new Map([['Tout le personnel', 'group-all']]),
    documentHashes: new Map(t.documentTemplates.map((d) => [d.key, `sha-${d.key}`])),
  };
}

/** An actual space exactly as desired (every node present, granted, labelled, templates placed). */
function inSync(desired: DesiredSpace): ActualSpace {
  const nodes = new Map<string, ActualNode>();
  for (const node of desired.nodes) {
    nodes.set(node.key, {
      key: node.key, itemId: `item-${node.key}`, name: node.name, retentionLabel: node.retentionLabel, unknownFolders: [], path: `/${node.key}`,
      permissions: node.grants.map((g, i) => ({ permissionId: `perm-${node.key}-${i}`, principal: g.principal, roles: [g.role] })),
      files: node.documents.map((d) => ({ itemId: `file-${d.key}`, name: d.fileName, cTag: 'c1', placedSha256: d.sha256, placedCTag: 'c1' })),
    });
  }
  return {
    key: desired.key, state: 'ready', teamId: 'team-1', displayName: desired.displayName, sensitivityLabel: desired.sensitivityLabel,
    members: desired.members.map((userId) => ({ userId, membershipId: `m-${userId}`, owner: desired.owners.includes(userId) })),
    channels: [], nodes, droppedNodes: [],
  };
}

describe('collaboration template', () => {
  it('names the node, its line and the problem when a nested node is wrong', () => {
    const broken = templateText.replace('"key": "personnel", "code": "120"', '"key": "budget", "code": "120"');
    expect(() => parseCollaborationTemplate(broken, 'test')).toThrow(/line \d+, spaces\.service\.nodes\.0\.children\.1\.key \(node administration\/budget\): duplicate node key budget among its siblings/);
  });

  it('refuses a folder name SharePoint would refuse, naming the node', () => {
    const broken = templateText.replace('"fr-CA": "Publications"', '"fr-CA": "Publications: archives"');
    expect(() => parseCollaborationTemplate(broken, 'test')).toThrow(/node communications\/publications\): the French name is the folder name/);
  });

  it('refuses a node that places a document template the catalogue does not have', () => {
    const broken = templateText.replace('"documents": ["lettre", "budget", "presentation"]', '"documents": ["lettre", "inconnu"]');
    expect(() => parseCollaborationTemplate(broken, 'test')).toThrow(/node modeles\): unknown document template inconnu/);
  });
});

describe('plan (pure)', () => {
  it('gives every service one space with the whole tree, its people as members and its head as owner', () => {
    const plan = planSpaces(inputs());
    expect(plan.problems).toEqual([]);
    expect(plan.spaces.map((s) => s.key)).toEqual(['service-dg', 'service-rt', 'service-jur', 'service-adm', 'service-ri', 'service-com']);
    const rt = plan.spaces.find((s) => s.key === 'service-rt')!;
    expect(rt.displayName).toBe('RT – Relations du travail');
    expect(rt.nodes.map((n) => n.key)).toEqual([
      'administration', 'administration/budget', 'administration/personnel', 'administration/comites',
      'dossiers', 'dossiers/actifs', 'dossiers/fermes', 'communications', 'communications/publications', 'modeles',
    ]);
    expect(rt.nodes.filter((n) => n.channel).map((n) => n.name)).toEqual(['100 Administration', '200 Dossiers des membres', '300 Communications', '900 Modèles']);
    expect(rt.owners).toEqual(['head-RT']);
    expect(rt.members).toEqual(['head-RT', 'staff-RT-1', 'staff-RT-2']);
    // Direction reads Administration; the service head writes in Gestion du personnel; everyone reads Communications.
    expect(rt.nodes.find((n) => n.key === 'administration')!.grants.map((g) => g.principal.id)).toEqual(['head-ADM', 'head-COM', 'head-DG', 'head-JUR', 'head-RI', 'head-RT']);
    expect(rt.nodes.find((n) => n.key === 'administration/personnel')!.grants).toEqual([{ principal: { kind: 'user', id: 'head-RT' }, role: 'write' }]);
    expect(rt.nodes.find((n) => n.key === 'communications')!.grants).toEqual([{ principal: { kind: 'group', id: 'group-all' }, role: 'read' }]);
    expect(rt.nodes.find((n) => n.key === 'modeles')!.documents.map((d) => d.fileName)).toEqual(['Lettre à en-tête.dotx', 'Note de service.dotx', 'Budget de projet.xltx', 'Présentation.potx', 'Courriel de convocation.html']);
    expect(rt.nodes.find((n) => n.key === 'administration/personnel')!.repair).toBe('ask');
    expect(rt.nodes.find((n) => n.key === 'dossiers/fermes')!.repair).toBe('ignore');
  });

  it('leaves out people who left and follows a move to the new service', () => {
    const base = inputs();
    const roster = base.roster.map((p) => (p.personId === 'staff-RT-1' ? { ...p, serviceCode: 'JUR' } : p.personId === 'staff-RT-2' ? { ...p, status: 'left' as const } : p));
    const plan = planSpaces({ ...base, roster });
    expect(plan.spaces.find((s) => s.key === 'service-rt')!.members).toEqual(['head-RT']);
    expect(plan.spaces.find((s) => s.key === 'service-jur')!.members).toContain('staff-RT-1');
  });

  it('names a group the directory does not know instead of planning a space without its grant', () => {
    const plan = planSpaces({ ...inputs(), groupIds: new Map() });
    expect(plan.spaces).toEqual([]);
    expect(plan.problems).toContainEqual({ spaceKey: 'service-rt', message: 'group "Tout le personnel" is not in the directory' });
  });

  it('plans approved project spaces with the requester as owner', () => {
    const plan = planSpaces({ ...inputs(), projects: [{ id: 'p1', name: 'Négociation 2027', serviceCode: 'RT', ownerIds: ['staff-RT-1'], memberIds: ['staff-JUR-1'] }] });
    const project = plan.spaces.find((s) => s.key === 'project-p1')!;
    expect(project.displayName).toBe('RT – Projet – Négociation 2027');
    expect(project.mailNickname).toBe('projet-rt-negociation-2027');
    expect(project.owners).toEqual(['staff-RT-1']);
    expect(project.members).toEqual(['staff-JUR-1', 'staff-RT-1']);
    expect(project.nodes.map((n) => n.key)).toEqual(['gestion', 'gestion/suivi', 'travaux', 'modeles']);
  });
});

describe('diff (pure)', () => {
  const desired = () => planSpaces(inputs()).spaces.find((s) => s.key === 'service-rt')!;

  it('plans a fresh space in order: team, label, members, then each node before its children', () => {
    const d = desired();
    const ops = diffSpace(d, { key: d.key, state: 'absent', teamId: null, displayName: null, sensitivityLabel: null, members: [], channels: [], nodes: new Map(), droppedNodes: [] }).operations;
    expect(ops[0]!.kind).toBe('create-team');
    // The owner comes with the team; the others are added.
    expect(ops.filter((o) => o.kind === 'add-member').map((o) => (o.kind === 'add-member' ? o.userId : ''))).toEqual(['staff-RT-1', 'staff-RT-2']);
    const creates = ops.filter((o) => o.kind === 'create-channel' || o.kind === 'create-folder').map((o) => ('nodeKey' in o ? o.nodeKey : ''));
    expect(creates).toEqual(d.nodes.map((n) => n.key));
    expect(ops.filter((o) => o.kind === 'create-channel')).toHaveLength(4);
    expect(ops.filter((o) => o.kind === 'place-document')).toHaveLength(5);
    expect(ops.filter((o) => o.kind === 'set-retention-label')).toHaveLength(9);
  });

  it('reports a Team without the template\'s sensitivity label for a person to set (Graph refuses it to the app)', () => {
    const d = desired();
    const actual = { ...inSync(d), sensitivityLabel: null };
    expect(diffSpace(d, actual)).toEqual({ spaceKey: d.key, operations: [], findings: [{ kind: 'sensitivity-label', spaceKey: d.key, expected: 'Confidentiel', actual: null }] });
  });

  it('finds nothing to do on a space exactly as desired', () => {
    const d = desired();
    expect(diffSpace(d, inSync(d))).toEqual({ spaceKey: d.key, operations: [], findings: [] });
  });

  it('turns each kind of drift into the change that repairs it, with stable ids', () => {
    const d = desired();
    const actual = inSync(d);
    actual.nodes.get('dossiers/actifs')!.name = 'Dossiers en cours';
    actual.nodes.get('administration/budget')!.permissions.push({ permissionId: 'stranger', principal: { kind: 'user', id: 'someone' }, roles: ['write'] });
    actual.nodes.get('communications')!.retentionLabel = null;
    actual.members = actual.members.filter((m) => m.userId !== 'staff-RT-1');
    actual.nodes.get('modeles')!.files[0]!.cTag = 'c2'; // someone edited the letterhead copy
    const ops = diffSpace(d, actual).operations;
    expect(ops.map((o) => o.kind).sort()).toEqual(['add-member', 'place-document', 'rename', 'revoke', 'set-retention-label']);
    expect(ops.find((o) => o.kind === 'rename')).toMatchObject({ nodeKey: 'dossiers/actifs', from: 'Dossiers en cours', to: '210 Dossiers actifs' });
    expect(ops.find((o) => o.kind === 'revoke')).toMatchObject({ permissionId: 'stranger', nodeKey: 'administration/budget' });
    expect(ops.find((o) => o.kind === 'place-document')).toMatchObject({ replaces: 'file-lettre' });
    expect(diffSpace(d, actual).operations.map((o) => o.id)).toEqual(ops.map((o) => o.id));
  });

  it('renames in place when a new template version renames a node (same key), never recreates', () => {
    const renamed = parseCollaborationTemplate(templateText.replace('"version": "2026.1"', '"version": "2026.2"').replace('"fr-CA": "Dossiers actifs"', '"fr-CA": "Dossiers en cours"'), 'v2');
    const before = desired();
    const after = planSpaces(inputs(renamed)).spaces.find((s) => s.key === 'service-rt')!;
    const ops = diffSpace(after, inSync(before)).operations;
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ kind: 'rename', nodeKey: 'dossiers/actifs', from: '210 Dossiers actifs', to: '210 Dossiers en cours' });
  });

  it('reports content the template does not know and nodes it dropped, and never plans a deletion', () => {
    const d = desired();
    const actual = inSync(d);
    actual.nodes.get('dossiers/actifs')!.files.push({ itemId: 'x', name: 'grief-2026-014.pdf', cTag: 'c', placedSha256: null, placedCTag: null });
    actual.nodes.get('dossiers')!.unknownFolders.push('Vieux dossiers');
    actual.droppedNodes.push({ key: 'ancien', path: '/400 Ancien' });
    const diff = diffSpace(d, actual);
    expect(diff.operations).toEqual([]);
    expect(diff.findings).toEqual([
      { kind: 'unknown-content', spaceKey: 'service-rt', path: '/dossiers/Vieux dossiers' },
      { kind: 'unknown-content', spaceKey: 'service-rt', path: '/dossiers/actifs/grief-2026-014.pdf' },
      { kind: 'dropped-node', spaceKey: 'service-rt', nodeKey: 'ancien', path: '/400 Ancien' },
    ]);
  });
});
