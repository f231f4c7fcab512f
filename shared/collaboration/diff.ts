import { operationId, type ActualSpace, type DesiredSpace, type Finding, type Operation, type SpaceDiff } from './model';

const principalKey = (p: { kind: string; id: string }) => `${p.kind}:${p.id}`;

/**
 * What it takes to make the actual space the desired one, in an order apply can follow (team,
 * label, members, then nodes parents first, each node's name, grants, label and documents).
 * Content the template does not know and nodes it dropped are findings: reported, never touched.
 * Pure: the same states give the same operations with the same ids.
 */
export function diffSpace(desired: DesiredSpace, actual: ActualSpace): SpaceDiff {
  const ops: Operation[] = [];
  const findings: Finding[] = [];
  const key = desired.key;
  const space = (repair = desired.repair) => ({ spaceKey: key, repair });

  if (actual.state === 'absent') {
    ops.push({ ...space(), id: operationId(key, 'create-team'), kind: 'create-team', displayName: desired.displayName, description: desired.description, mailNickname: desired.mailNickname, owners: desired.owners });
  }
  if (desired.sensitivityLabel !== null && actual.state === 'ready' && actual.sensitivityLabel !== desired.sensitivityLabel) {
    findings.push({ kind: 'sensitivity-label', spaceKey: key, expected: desired.sensitivityLabel, actual: actual.sensitivityLabel });
  }

  // Members: a team created by this diff starts with its owners only.
  const actualMembers = actual.state === 'absent' ? desired.owners.map((userId) => ({ userId, owner: true, membershipId: '' })) : actual.members;
  const byUser = new Map(actualMembers.map((m) => [m.userId, m]));
  const owners = new Set(desired.owners);
  for (const userId of desired.members) {
    const member = byUser.get(userId);
    const owner = owners.has(userId);
    if (!member) ops.push({ ...space(), id: operationId(key, 'add-member', userId, owner), kind: 'add-member', userId, owner });
    else if (member.owner !== owner) ops.push({ ...space(), id: operationId(key, 'set-owner', userId, owner), kind: 'set-owner', userId, membershipId: member.membershipId, owner });
  }
  const wanted = new Set(desired.members);
  for (const member of actualMembers) {
    if (!wanted.has(member.userId)) ops.push({ ...space(), id: operationId(key, 'remove-member', member.userId), kind: 'remove-member', userId: member.userId, membershipId: member.membershipId });
  }

  for (const node of desired.nodes) {
    const found = actual.nodes.get(node.key);
    const at = space(node.repair);
    if (!found) {
      if (node.channel) ops.push({ ...at, id: operationId(key, 'create-channel', node.key), kind: 'create-channel', nodeKey: node.key, name: node.name });
      else ops.push({ ...at, id: operationId(key, 'create-folder', node.key), kind: 'create-folder', nodeKey: node.key, parentKey: node.parentKey!, name: node.name });
    } else if (found.name !== node.name) {
      ops.push({ ...at, id: operationId(key, 'rename', node.key, node.name), kind: 'rename', nodeKey: node.key, itemId: found.itemId, from: found.name, to: node.name, channel: node.channel });
    }

    const actualPermissions = found?.permissions ?? [];
    for (const grant of node.grants) {
      const has = actualPermissions.some((p) => principalKey(p.principal) === principalKey(grant.principal) && p.roles.length === 1 && p.roles[0] === grant.role);
      if (!has) ops.push({ ...at, id: operationId(key, 'grant', node.key, principalKey(grant.principal), grant.role), kind: 'grant', nodeKey: node.key, principal: grant.principal, role: grant.role });
    }
    for (const p of actualPermissions) {
      const expected = node.grants.some((g) => principalKey(g.principal) === principalKey(p.principal) && p.roles.length === 1 && p.roles[0] === g.role);
      if (!expected) ops.push({ ...at, id: operationId(key, 'revoke', node.key, p.permissionId), kind: 'revoke', nodeKey: node.key, permissionId: p.permissionId, principal: p.principal, roles: p.roles });
    }

    // A label the template does not ask for is left alone: removing one may be refused, and is a records decision.
    if (node.retentionLabel !== null && found?.retentionLabel !== node.retentionLabel) {
      ops.push({ ...at, id: operationId(key, 'retention-label', node.key, node.retentionLabel), kind: 'set-retention-label', nodeKey: node.key, label: node.retentionLabel, from: found?.retentionLabel ?? null });
    }

    const files = found?.files ?? [];
    for (const document of node.documents) {
      const copy = files.find((f) => f.name.toLocaleLowerCase('fr-CA') === document.fileName.toLocaleLowerCase('fr-CA'));
      const current = copy && copy.placedSha256 === document.sha256 && copy.placedCTag === copy.cTag;
      if (!current) {
        ops.push({ ...at, id: operationId(key, 'document', node.key, document.key, document.sha256, copy?.cTag ?? null), kind: 'place-document', nodeKey: node.key, documentKey: document.key, fileName: document.fileName, version: document.version, sha256: document.sha256, replaces: copy?.itemId ?? null });
      }
    }
    if (found) {
      const known = new Set(node.documents.map((d) => d.fileName.toLocaleLowerCase('fr-CA')));
      for (const file of files) if (!known.has(file.name.toLocaleLowerCase('fr-CA'))) findings.push({ kind: 'unknown-content', spaceKey: key, path: `${found.path}/${file.name}` });
      for (const folder of found.unknownFolders) findings.push({ kind: 'unknown-content', spaceKey: key, path: `${found.path}/${folder}` });
    }
  }
  for (const dropped of actual.droppedNodes) findings.push({ kind: 'dropped-node', spaceKey: key, nodeKey: dropped.key, path: dropped.path });
  return { spaceKey: key, operations: ops, findings };
}
