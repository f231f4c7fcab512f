import { createHash } from 'node:crypto';
import type { AccessRole, DocumentKind, RepairPolicy } from './template';

/**
 * The collaboration engine's vocabulary: the desired state of a space (what the template, the
 * services and the people say), its actual state (what Graph shows), and the operations and
 * findings that take one to the other. Plan and diff are pure functions over these types.
 */

export type SpaceKind = 'service' | 'project';

/** Someone or some group a folder is shared with. Ids are Entra object ids. */
export interface Principal {
  kind: 'user' | 'group';
  id: string;
}

export interface Grant {
  principal: Principal;
  role: AccessRole;
}

export interface DesiredDocument {
  key: string;
  kind: DocumentKind;
  fileName: string;
  version: string;
  /** Hash of the file's bytes: what "the same copy" means. */
  sha256: string;
}

export interface DesiredNode {
  /** Key path from the top ("gestion/contrats"): stable across renames. */
  key: string;
  parentKey: string | null;
  /** French: the name created. */
  name: string;
  names: { 'fr-CA': string; en: string };
  code: string;
  /** Top-level nodes are channels; the channel's folder is the node's folder. */
  channel: boolean;
  grants: Grant[];
  retentionLabel: string | null;
  documents: DesiredDocument[];
  repair: RepairPolicy;
}

export interface DesiredSpace {
  /** "service-rt", "project-<request id>": also the durable instance id's suffix. */
  key: string;
  kind: SpaceKind;
  serviceCode: string;
  displayName: string;
  description: string;
  mailNickname: string;
  sensitivityLabel: string | null;
  owners: string[];
  members: string[];
  /** Parents before children. */
  nodes: DesiredNode[];
  templateVersion: string;
  repair: RepairPolicy;
}

export interface ActualPermission {
  permissionId: string;
  principal: Principal;
  roles: string[];
}

export interface ActualDocument {
  itemId: string;
  name: string;
  /** Changes whenever the content changes (someone edited the copy). */
  cTag: string;
  /** What the engine placed there last (from the space record): null when it never placed this file. */
  placedSha256: string | null;
  placedCTag: string | null;
}

export interface ActualNode {
  key: string;
  itemId: string;
  name: string;
  /** Explicit (not inherited) permissions on the folder. */
  permissions: ActualPermission[];
  retentionLabel: string | null;
  /** Files at the node's level (templates placed there and anything else). */
  files: ActualDocument[];
  /** Sub-folders the template does not know (names only, reported, never touched). */
  unknownFolders: string[];
  /** Path from the drive root, for reports. */
  path: string;
}

export interface ActualMember {
  membershipId: string;
  userId: string;
  owner: boolean;
}

export interface ActualSpace {
  key: string;
  /** absent: no team yet; provisioning: created, not yet reachable (Teams' creation lag). */
  state: 'absent' | 'provisioning' | 'ready';
  teamId: string | null;
  displayName: string | null;
  sensitivityLabel: string | null;
  members: ActualMember[];
  channels: Array<{ id: string; name: string }>;
  nodes: Map<string, ActualNode>;
  /** Keys the space record knows that the template no longer has (reported, never deleted). */
  droppedNodes: Array<{ key: string; path: string }>;
}

/** One change to make. `id` is deterministic: the same change planned twice has the same id. */
export type Operation = { id: string; spaceKey: string; repair: RepairPolicy } & (
  | { kind: 'create-team'; displayName: string; description: string; mailNickname: string; owners: string[] }
  | { kind: 'add-member'; userId: string; owner: boolean }
  | { kind: 'remove-member'; userId: string; membershipId: string }
  | { kind: 'set-owner'; userId: string; membershipId: string; owner: boolean }
  | { kind: 'create-channel'; nodeKey: string; name: string }
  | { kind: 'create-folder'; nodeKey: string; parentKey: string; name: string }
  | { kind: 'rename'; nodeKey: string; itemId: string; from: string; to: string; channel: boolean }
  | { kind: 'grant'; nodeKey: string; principal: Principal; role: AccessRole }
  | { kind: 'revoke'; nodeKey: string; permissionId: string; principal: Principal; roles: string[] }
  | { kind: 'set-retention-label'; nodeKey: string; label: string; from: string | null }
  | { kind: 'place-document'; nodeKey: string; documentKey: string; fileName: string; version: string; sha256: string; replaces: string | null }
);
export type OperationKind = Operation['kind'];

/** What verification reports and never changes. */
export type Finding =
  | { kind: 'unknown-content'; spaceKey: string; path: string }
  | { kind: 'dropped-node'; spaceKey: string; nodeKey: string; path: string }
  | { kind: 'no-owner'; spaceKey: string }
  /**
   * The Team's sensitivity label is not the template's. Graph refuses to set a group's label with
   * an app's own identity (delegated only), so a person applies it in Teams or the admin centre.
   */
  | { kind: 'sensitivity-label'; spaceKey: string; expected: string; actual: string | null };

export interface SpaceDiff {
  spaceKey: string;
  operations: Operation[];
  findings: Finding[];
}

/** Operations that take access away: the blast-radius guard counts these. */
export function isRemoval(op: Operation): boolean {
  return op.kind === 'revoke' || op.kind === 'remove-member';
}

export function operationId(spaceKey: string, ...parts: Array<string | number | boolean | null>): string {
  return createHash('sha256').update([spaceKey, ...parts].map(String).join('\u241f')).digest('base64url').slice(0, 22);
}
