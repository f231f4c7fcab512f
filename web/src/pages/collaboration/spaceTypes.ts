/** Shapes of the collaboration spaces endpoints' answers (functions/collaboration/spaces.ts), as the page reads them. */
export type Names = { 'fr-CA': string; en: string };
export type SpaceKind = 'service' | 'project';
export type SpaceStatus = 'new' | 'provisioning' | 'in-sync' | 'drift' | 'awaiting-approval' | 'blocked' | 'failed';
export type RepairPolicy = 'auto' | 'ask' | 'ignore';
export type DocumentKind = 'word' | 'excel' | 'powerpoint' | 'email';

export interface SpaceSummary {
  key: string;
  kind: SpaceKind;
  serviceCode: string;
  displayName: string;
  status: SpaceStatus;
  /** Why it is blocked or failed, for IT (e.g. "removals-need-approval:6/3"). */
  statusReason: string | null;
  progress: { done: number; total: number };
  templateVersion: string | null;
  lastAppliedAt: string | null;
  lastVerifiedAt: string | null;
  changes: { total: number; auto: number; awaitingApproval: number; ignored: number };
  findings: number;
  /** The person reading is one of its members. */
  member: boolean;
}

export interface SpacesAnswer {
  templateVersion: string;
  spaces: SpaceSummary[];
  /** ITAdmin only: what stops a space from being planned (groups, template files). */
  problems: { spaceKey: string | null; message: string }[];
}

export interface SpaceNode {
  /** Key path ("administration/budget"): its parent is the path without the last part. */
  key: string;
  names: Names;
  code: string;
  channel: boolean;
  retentionLabel: string | null;
  repair: RepairPolicy;
  /** Document template keys placed in the folder. */
  documents: string[];
}

export type OperationKind =
  | 'create-team'
  | 'set-sensitivity-label'
  | 'add-member'
  | 'remove-member'
  | 'set-owner'
  | 'create-channel'
  | 'create-folder'
  | 'rename'
  | 'grant'
  | 'revoke'
  | 'set-retention-label'
  | 'place-document';

/** A change the engine would make, as the API describes it to IT (people by name, never by id on screen). */
export interface OperationView {
  id: string;
  kind: OperationKind | string;
  repair: RepairPolicy;
  nodeKey?: string;
  userId?: string;
  userName?: string | null;
  owner?: boolean;
  principal?: { kind: 'user' | 'group'; id: string };
  principalName?: string | null;
  role?: 'read' | 'write';
  roles?: string[];
  from?: string | null;
  to?: string;
  name?: string;
  displayName?: string;
  label?: string;
  fileName?: string;
  version?: string;
  replaces?: string | null;
  channel?: boolean;
}

export type FindingView =
  | { kind: 'unknown-content'; path?: string }
  | { kind: 'dropped-node'; nodeKey?: string; path?: string }
  | { kind: 'no-owner' }
  /** The Team's sensitivity label is not the template's: a person applies it (Graph refuses the app). */
  | { kind: 'sensitivity-label'; expected: string; actual: string | null }
  | { kind: string; path?: string; nodeKey?: string };

export interface SpaceDetail extends SpaceSummary {
  nodes: SpaceNode[];
  /** ITAdmin only. */
  operations?: OperationView[];
  findingsList?: FindingView[];
}

/** The app-wide run as GET /api/collaboration/run says it; every progress field may be absent (a run just started, an older shape). */
export interface RunStatus {
  instanceId: string;
  runtimeStatus: string;
  createdTime: string | null;
  lastUpdatedTime: string | null;
  customStatus: { total?: number; done?: number; running?: string[]; lanes?: number; inSync?: number; blocked?: number; failed?: number } | null;
}

export interface DocumentTemplate {
  key: string;
  kind: DocumentKind | string;
  names: Names;
  version: string;
}

export interface TemplatesAnswer {
  templateVersion: string;
  templates: DocumentTemplate[];
}
