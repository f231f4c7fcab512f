import { diffSpace } from './diff';
import { currentPlan, newRecord, type CollaborationDeps } from './engine';
import type { Finding, Operation } from './model';

/** One space's changes as the dry run prints them: what would be done, and what is only reported. */
export interface DryRunSpace {
  spaceKey: string;
  displayName: string;
  state: 'absent' | 'provisioning' | 'ready';
  operations: Operation[];
  findings: Finding[];
}

/**
 * The plan of the template as deployed against the spaces as they are, writing nothing: neither
 * through Graph nor to the space records (a verify run records its report; this only prints).
 */
export async function dryRun(deps: CollaborationDeps, spaceKeys?: string[]): Promise<{ templateVersion: string; spaces: DryRunSpace[]; problems: Array<{ spaceKey: string | null; message: string }> }> {
  const plan = await currentPlan(deps);
  const spaces: DryRunSpace[] = [];
  for (const desired of plan.spaces) {
    if (spaceKeys && !spaceKeys.includes(desired.key)) continue;
    const record = (await deps.spaces.get(desired.key))?.record ?? newRecord(desired, deps.now());
    const actual = await deps.reader.read(desired, record);
    const diff = diffSpace(desired, actual);
    spaces.push({ spaceKey: desired.key, displayName: desired.displayName, state: actual.state, operations: diff.operations, findings: diff.findings });
  }
  return { templateVersion: plan.templateVersion, spaces, problems: plan.problems };
}

/** A line per change, for people reading a terminal (ids are Entra object ids: the page shows names). */
export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case 'create-team':
      return `create the Team "${op.displayName}" (owners: ${op.owners.length})`;
    case 'add-member':
      return `add ${op.userId} as ${op.owner ? 'owner' : 'member'}`;
    case 'remove-member':
      return `remove member ${op.userId}`;
    case 'set-owner':
      return `${op.owner ? 'make' : 'no longer make'} ${op.userId} an owner`;
    case 'create-channel':
      return `create the channel and folder "${op.name}" (${op.nodeKey})`;
    case 'create-folder':
      return `create the folder "${op.name}" (${op.nodeKey})`;
    case 'rename':
      return `rename "${op.from}" to "${op.to}" (${op.nodeKey})`;
    case 'grant':
      return `grant ${op.role} on ${op.nodeKey} to ${op.principal.kind} ${op.principal.id}`;
    case 'revoke':
      return `remove ${op.roles.join('+')} on ${op.nodeKey} from ${op.principal.kind} ${op.principal.id}`;
    case 'set-retention-label':
      return `label ${op.nodeKey} "${op.label}"${op.from ? ` (was "${op.from}")` : ''}`;
    case 'place-document':
      return `${op.replaces ? 'replace' : 'place'} "${op.fileName}" v${op.version} in ${op.nodeKey}`;
  }
}
