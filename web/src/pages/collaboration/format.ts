import type { BadgeProps } from '@fluentui/react-components';
import type { I18n, MessageKey } from '../../i18n/i18n';
import type { FindingView, Names, OperationView, RunStatus, SpaceNode, SpaceStatus, SpaceSummary } from './spaceTypes';

/**
 * Collaboration spaces in words (fr-CA and en): a space's state, why it is blocked, each change the
 * engine would make ("Ajouter Marie Tremblay comme membre") and each finding. People are named by
 * the names the API gives; an id is never shown (a missing name is "personne inconnue").
 */

/** A name from the template in the language in use. */
export const named = (i18n: I18n, names: Names) => names[i18n.language];

/** What a space's state is called; a space being created says how far it got. */
export function statusText(i18n: I18n, space: Pick<SpaceSummary, 'status' | 'progress'>): string {
  if (space.status === 'provisioning' && space.progress.total > 0) return i18n.t('collaborationProvisioningProgress', { done: space.progress.done, total: space.progress.total });
  return i18n.label('collaborationStatus_', space.status);
}

/** The badge colour of a state: green in sync, orange when something waits, red when it cannot go on. */
export function statusColor(status: SpaceStatus | string): NonNullable<BadgeProps['color']> {
  switch (status) {
    case 'in-sync':
      return 'success';
    case 'drift':
    case 'awaiting-approval':
      return 'warning';
    case 'blocked':
    case 'failed':
      return 'danger';
    case 'provisioning':
      return 'brand';
    default:
      return 'informative';
  }
}

/** The blast-radius guard's reason ("removals-need-approval:6/3"): how many removals, how many allowed. */
export function removalGuard(reason: string | null | undefined): { removals: number; allowed: number } | null {
  const m = /^removals-need-approval:(\d+)\/(\d+)$/.exec(reason ?? '');
  return m ? { removals: Number(m[1]), allowed: Number(m[2]) } : null;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Why a space is blocked or failed, in words; any id in an engine's reason is masked. */
export function reasonText(i18n: I18n, reason: string | null | undefined): string | null {
  if (!reason) return null;
  const guard = removalGuard(reason);
  if (guard) return i18n.t('collaborationReasonRemovals', guard);
  return i18n.t('collaborationReasonOther', { reason: reason.replace(GUID, i18n.t('collaborationIdHidden')) });
}

/** A node of the tree as the template names it: "210 Dossiers actifs" (or "210 Active files" in English). */
export function nodeLabel(i18n: I18n, node: Pick<SpaceNode, 'code' | 'names'>): string {
  return `${node.code} ${named(i18n, node.names)}`;
}

const nodeText = (i18n: I18n, nodes: ReadonlyMap<string, SpaceNode>, key: string | undefined) => {
  const node = key ? nodes.get(key) : undefined;
  return node ? nodeLabel(i18n, node) : i18n.t('collaborationNodeUnknown');
};

const personText = (i18n: I18n, name: string | null | undefined) => (name && name.trim() ? name : i18n.t('collaborationPersonUnknown'));

/** A group a folder is shared with, by name ("« Tout le personnel »"), never by id. */
function groupText(i18n: I18n, op: OperationView): string {
  return op.principalName && op.principalName.trim() ? i18n.t('collaborationGroupQuoted', { name: op.principalName }) : i18n.t('collaborationGroupUnknown');
}

/** A change in words: what will be done, to whom, where. */
export function operationText(i18n: I18n, op: OperationView, nodes: ReadonlyMap<string, SpaceNode>): string {
  const { t } = i18n;
  const node = nodeText(i18n, nodes, op.nodeKey);
  const person = personText(i18n, op.userName);
  switch (op.kind) {
    case 'create-team':
      return t('collaborationOp_create_team', { name: op.displayName ?? op.name ?? '' });
    case 'set-sensitivity-label':
      return t('collaborationOp_set_sensitivity_label', { label: op.label ?? '' });
    case 'add-member':
      return t(op.owner ? 'collaborationOp_add_owner' : 'collaborationOp_add_member', { person });
    case 'remove-member':
      return t('collaborationOp_remove_member', { person });
    case 'set-owner':
      return t(op.owner === false ? 'collaborationOp_unset_owner' : 'collaborationOp_set_owner', { person });
    case 'create-channel':
      return t('collaborationOp_create_channel', { node });
    case 'create-folder':
      return t('collaborationOp_create_folder', { node });
    case 'rename':
      return t(op.channel ? 'collaborationOp_rename_channel' : 'collaborationOp_rename', { from: op.from ?? '', to: op.to ?? '' });
    case 'grant': {
      const role = i18n.label('collaborationRole_', op.role ?? 'read');
      if (op.principal?.kind === 'group') return t('collaborationOp_grant_group', { group: groupText(i18n, op), role, node });
      return t('collaborationOp_grant', { who: personText(i18n, op.principalName ?? op.userName), role, node });
    }
    case 'revoke':
      if (op.principal?.kind === 'group') return t('collaborationOp_revoke_group', { group: groupText(i18n, op), node });
      return t('collaborationOp_revoke', { who: personText(i18n, op.principalName ?? op.userName), node });
    case 'set-retention-label':
      return t('collaborationOp_set_retention_label', { label: op.label ?? '', node });
    case 'place-document':
      return t(op.replaces ? 'collaborationOp_replace_document' : 'collaborationOp_place_document', { file: op.fileName ?? '', version: op.version ?? '', node });
    default:
      return t('collaborationOp_other', { kind: op.kind });
  }
}

/** Changes that take access away: the blast-radius guard counts these. */
export const isRemoval = (op: Pick<OperationView, 'kind'>) => op.kind === 'revoke' || op.kind === 'remove-member';

/** A finding in words: reported, never touched. */
export function findingText(i18n: I18n, finding: FindingView, nodes: ReadonlyMap<string, SpaceNode>): string {
  const where = 'path' in finding && finding.path ? finding.path : 'nodeKey' in finding && finding.nodeKey ? nodeText(i18n, nodes, finding.nodeKey) : i18n.t('collaborationNodeUnknown');
  switch (finding.kind) {
    case 'unknown-content':
      return i18n.t('collaborationFinding_unknown_content', { path: where });
    case 'dropped-node':
      return i18n.t('collaborationFinding_dropped_node', { path: where });
    case 'no-owner':
      return i18n.t('collaborationFinding_no_owner');
    case 'sensitivity-label': {
      const label = finding as { expected?: string; actual?: string | null };
      return label.actual ? i18n.t('collaborationFinding_sensitivity_label', { expected: label.expected ?? '', actual: label.actual }) : i18n.t('collaborationFinding_sensitivity_label_missing', { expected: label.expected ?? '' });
    }
    default:
      return i18n.t('collaborationFinding_other', { kind: finding.kind });
  }
}

const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

/** The run still goes on (the page keeps following it). */
export const runActive = (run: RunStatus | null | undefined): boolean => !!run && RUNNING.has(run.runtimeStatus);

/** The run's state in words. */
export const runStateText = (i18n: I18n, run: RunStatus) => i18n.label('collaborationRun_', run.runtimeStatus);

/** Run modes as the buttons and notices name them. */
export type RunMode = 'verify' | 'apply' | 'repair';
export const MODE_LABELS: Record<RunMode, MessageKey> = { verify: 'collaborationMode_verify', apply: 'collaborationMode_apply', repair: 'collaborationMode_repair' };

/** Spaces by name for the run's "working on" line; a space the list does not know is not shown by its key. */
export function spaceNames(i18n: I18n, keys: string[], spaces: readonly SpaceSummary[]): string {
  const byKey = new Map(spaces.map((s) => [s.key, s.displayName]));
  return i18n.list(keys.map((k) => byKey.get(k) ?? i18n.t('collaborationSpaceUnnamed')));
}

/** The tree of nodes from their key paths ("administration/budget" under "administration"), in template order. */
export interface TreeNode {
  node: SpaceNode;
  children: TreeNode[];
}

export function nodeTree(nodes: readonly SpaceNode[]): TreeNode[] {
  const roots: TreeNode[] = [];
  const byKey = new Map<string, TreeNode>();
  for (const node of nodes) {
    const item: TreeNode = { node, children: [] };
    byKey.set(node.key, item);
    const cut = node.key.lastIndexOf('/');
    const parent = cut > 0 ? byKey.get(node.key.slice(0, cut)) : undefined;
    (parent ? parent.children : roots).push(item);
  }
  return roots;
}
