import { SYSTEM_ACTOR, type Actor } from '../platform/audit';
import type { CollaborationAudit } from './audit-record';
import { diffSpace } from './diff';
import { isRemoval, type ActualSpace, type DesiredSpace, type Operation, type SpaceDiff } from './model';
import { planSpaces, type Plan, type ServiceInfo } from './plan';
import type { CollaborationDirectory, DocumentSource, ProjectSource, RecordUpdate, RosterStore, SpaceReader, SpaceRecord, SpaceStore, SpaceWriter } from './ports';
import type { CollaborationTemplateFile } from './template';

/** Everything the engine's use cases need; the app builds it from adapters, tests from fakes or emulators. */
export interface CollaborationDeps {
  template: CollaborationTemplateFile;
  services: ServiceInfo[];
  roster: RosterStore;
  projects: ProjectSource;
  directory: CollaborationDirectory;
  documents: DocumentSource;
  spaces: SpaceStore;
  reader: SpaceReader;
  writer: SpaceWriter;
  audit: CollaborationAudit;
  now: () => Date;
  /** Share of a space's current access (members and explicit grants) one apply may remove without approval. */
  maxRemovalShare: number;
}

/**
 * What a run does with the differences it finds:
 * - apply: everything (a first provisioning, or a template version IT approved);
 * - repair: what the node's policy says (auto: fix; ask: wait for an approval; ignore: report);
 * - people: membership and grants only (someone joined, moved or left);
 * - approved: only the operations IT approved (by id), if they are still needed.
 */
export type RunMode = 'apply' | 'repair' | 'people' | 'approved';

export interface StepOptions {
  mode: RunMode;
  /** IT approved removing more access than the blast-radius guard allows. */
  approveRemovals: boolean;
  /** For `approved`: the operation ids IT approved. */
  operationIds?: string[];
  /** Stop starting operations after this long (the activity stays well inside its timeout). */
  budgetMs: number;
  actor?: Actor;
}

export type StepResult =
  | { status: 'done'; applied: number; remaining: 0 }
  | { status: 'more'; applied: number; remaining: number }
  | { status: 'wait'; applied: number; remaining: number; retryAfterMs: number }
  | { status: 'blocked'; applied: number; reason: string }
  | { status: 'failed'; applied: number; reason: string };

const PEOPLE_KINDS = new Set<Operation['kind']>(['add-member', 'remove-member', 'set-owner', 'grant', 'revoke']);

/** The Entra groups the template names (the everyone group and the nodes' named groups). */
export function templateGroupNames(template: CollaborationTemplateFile): string[] {
  const names = new Set<string>([template.everyoneGroup]);
  const collect = (nodes: CollaborationTemplateFile['spaces']['service']['nodes']) => {
    for (const n of nodes) {
      n.permissions.groups.forEach((g) => names.add(g.group));
      collect(n.children);
    }
  };
  collect(template.spaces.service.nodes);
  collect(template.spaces.project.nodes);
  return [...names];
}

/** The desired state of every space now: template x services x people x approved projects. */
export async function currentPlan(deps: CollaborationDeps): Promise<Plan> {
  const template = deps.template;
  const [roster, projects, groupIds, documentHashes] = await Promise.all([deps.roster.all(), deps.projects.approvedProjects(), deps.directory.groupIds(templateGroupNames(template)), deps.documents.hashes()]);
  return planSpaces({ template, services: deps.services, roster, projects, groupIds, documentHashes });
}

export function newRecord(desired: DesiredSpace, now: Date): SpaceRecord {
  return {
    key: desired.key, kind: desired.kind, serviceCode: desired.serviceCode, displayName: desired.displayName,
    teamId: null, teamRequestedAt: null, driveId: null, nodes: {}, documents: {}, templateVersion: null,
    status: 'new', statusReason: null, progress: { done: 0, total: 0 }, lastAppliedAt: null, lastVerifiedAt: null,
    drift: { operations: [], findings: [] }, updatedAt: now.toISOString(),
  };
}

/** What an applied operation teaches the record (the ids behind node keys); says whether it changed. */
export function applyRecordUpdate(record: SpaceRecord, update: RecordUpdate | undefined): boolean {
  if (!update) return false;
  if (update.teamId !== undefined) record.teamId = update.teamId;
  if (update.teamRequestedAt !== undefined) record.teamRequestedAt = update.teamRequestedAt;
  if (update.driveId !== undefined) record.driveId = update.driveId;
  if (update.node) record.nodes[update.node.key] = { itemId: update.node.itemId, channelId: update.node.channelId };
  if (update.document) {
    const { slot, ...copy } = update.document;
    record.documents[slot] = copy;
  }
  return true;
}

/** Access a space grants now: its members and the explicit grants on its folders. */
function currentAccess(actual: ActualSpace): number {
  let grants = 0;
  for (const node of actual.nodes.values()) grants += node.permissions.length;
  return actual.members.length + grants;
}

/** The most removals one run may make without approval: a share of current access, never fewer than 2. */
function removalAllowance(actual: ActualSpace, share: number): number {
  return Math.max(2, Math.floor(currentAccess(actual) * share));
}

function selectOperations(diff: SpaceDiff, options: StepOptions): Operation[] {
  switch (options.mode) {
    case 'apply':
      return diff.operations;
    case 'repair':
      return diff.operations.filter((op) => op.repair === 'auto');
    case 'people':
      return diff.operations.filter((op) => PEOPLE_KINDS.has(op.kind));
    case 'approved': {
      const ids = new Set(options.operationIds ?? []);
      return diff.operations.filter((op) => ids.has(op.id));
    }
  }
}

class UnknownSpace extends Error {}

async function load(deps: CollaborationDeps, spaceKey: string) {
  const plan = await currentPlan(deps);
  const desired = plan.spaces.find((s) => s.key === spaceKey);
  if (!desired) {
    const problems = plan.problems.filter((p) => p.spaceKey === spaceKey || p.spaceKey === null).map((p) => p.message);
    throw new UnknownSpace(problems.length > 0 ? problems.join('; ') : `no space ${spaceKey} in template ${plan.templateVersion}`);
  }
  const stored = await deps.spaces.get(spaceKey);
  return { plan, desired, record: stored?.record ?? newRecord(desired, deps.now()), etag: stored?.etag };
}

/**
 * One bounded step of bringing a space to its desired state: read it, diff, and apply the selected
 * operations in order until done, the time budget is spent, or the team is still being created.
 * Safe to repeat (a durable activity may run twice): every step re-reads and every operation is
 * idempotent, and the record that maps node keys to ids is saved after each operation that adds to it.
 */
export async function applySpaceStep(deps: CollaborationDeps, spaceKey: string, options: StepOptions): Promise<StepResult> {
  const started = Date.now();
  const actor = options.actor ?? SYSTEM_ACTOR;
  let loaded;
  try {
    loaded = await load(deps, spaceKey);
  } catch (e) {
    if (e instanceof UnknownSpace) return { status: 'blocked', applied: 0, reason: e.message };
    throw e;
  }
  const { desired, record } = loaded;
  let etag = loaded.etag;
  const save = async () => {
    record.updatedAt = deps.now().toISOString();
    etag = await deps.spaces.save(record, etag);
  };

  const actual = await deps.reader.read(desired, record);
  // People changes and repairs act on a space that exists: one never provisioned waits for an apply
  // (a joiner's event must not create a Team), and one still being created is looked at again later.
  if (options.mode !== 'apply' && options.mode !== 'approved' && actual.state !== 'ready' && (record.teamId === null || actual.state === 'provisioning')) {
    return { status: 'done', applied: 0, remaining: 0 };
  }
  const diff = diffSpace(desired, actual);
  const selected = selectOperations(diff, options);

  const removals = selected.filter(isRemoval).length;
  const allowance = removalAllowance(actual, deps.maxRemovalShare);
  if (removals > allowance && !options.approveRemovals) {
    record.status = 'blocked';
    record.statusReason = `removals-need-approval:${removals}/${allowance}`;
    record.drift = { operations: diff.operations, findings: diff.findings };
    await save();
    return { status: 'blocked', applied: 0, reason: record.statusReason };
  }
  if (removals > allowance) await deps.audit.record(actor, 'removals-approved', { spaceKey, count: removals });

  record.displayName = desired.displayName;
  if (diff.operations.length === 0) {
    // Nothing differs: the space is as the template says (no write, and the record says so).
    record.status = 'in-sync';
    record.statusReason = null;
    if (options.mode === 'apply') record.templateVersion = desired.templateVersion;
    await save();
    return { status: 'done', applied: 0, remaining: 0 };
  }
  if (selected.length > 0) {
    record.status = 'provisioning';
    record.statusReason = null;
  }
  record.progress = { done: 0, total: selected.length };
  await save();

  let applied = 0;
  const failures: string[] = [];
  for (const [index, op] of selected.entries()) {
    if (Date.now() - started > options.budgetMs) {
      await save();
      return { status: 'more', applied, remaining: selected.length - index };
    }
    const result = await deps.writer.apply(op, desired, record);
    if (result.outcome !== 'failed' && applyRecordUpdate(record, result.update)) await save();
    if (result.outcome === 'wait') {
      record.progress = { done: index, total: selected.length };
      await save();
      return { status: 'wait', applied, remaining: selected.length - index, retryAfterMs: result.retryAfterMs };
    }
    if (result.outcome === 'failed') {
      failures.push(result.reason);
      await deps.audit.record(actor, 'operation-failed', { spaceKey, operationId: op.id, operationKind: op.kind, ...('nodeKey' in op ? { nodeKey: op.nodeKey } : {}) });
      continue;
    }
    applied++;
    await deps.audit.record(actor, 'operation-applied', { spaceKey, operationId: op.id, operationKind: op.kind, ...('nodeKey' in op ? { nodeKey: op.nodeKey } : {}) });
    // Progress is saved now and then, not after every operation: it is for people watching.
    if (applied % 10 === 0) {
      record.progress = { done: index + 1, total: selected.length };
      await save();
    }
  }
  record.progress = { done: selected.length, total: selected.length };
  record.lastAppliedAt = deps.now().toISOString();
  if (failures.length > 0) {
    record.status = 'failed';
    record.statusReason = failures.slice(0, 5).join('; ');
    await save();
    return { status: 'failed', applied, reason: record.statusReason };
  }
  if (options.mode === 'apply') record.templateVersion = desired.templateVersion;
  await save();
  return { status: 'done', applied, remaining: 0 };
}

export interface VerifyResult {
  spaceKey: string;
  status: SpaceRecord['status'];
  operations: number;
  /** Operations the policy repairs without asking. */
  autoRepairs: number;
  awaitingApproval: number;
  findings: number;
}

/**
 * Reads the space and records how it differs from the template (the drift report): operations by
 * repair policy and findings (content the template does not know, nodes it dropped). Writes nothing
 * through Graph.
 */
export async function verifySpace(deps: CollaborationDeps, spaceKey: string): Promise<VerifyResult> {
  let loaded;
  try {
    loaded = await load(deps, spaceKey);
  } catch (e) {
    if (e instanceof UnknownSpace) return { spaceKey, status: 'blocked', operations: 0, autoRepairs: 0, awaitingApproval: 0, findings: 0 };
    throw e;
  }
  const { desired, record } = loaded;
  const actual = await deps.reader.read(desired, record);
  const diff = diffSpace(desired, actual);
  const auto = diff.operations.filter((op) => op.repair === 'auto').length;
  const ask = diff.operations.filter((op) => op.repair === 'ask').length;
  record.drift = { operations: diff.operations, findings: diff.findings };
  record.lastVerifiedAt = deps.now().toISOString();
  // A blocked space stays blocked (it waits for an approval), whatever the new reading says.
  if (record.status !== 'blocked' || diff.operations.length === 0) {
    record.status = actual.state === 'absent' && record.teamId === null ? 'new' : diff.operations.length === 0 ? 'in-sync' : ask > 0 ? 'awaiting-approval' : 'drift';
    record.statusReason = null;
  }
  if (diff.operations.length > 0 && record.teamId !== null) await deps.audit.record(SYSTEM_ACTOR, 'drift-found', { spaceKey, count: diff.operations.length });
  record.updatedAt = deps.now().toISOString();
  await deps.spaces.save(record, loaded.etag);
  return { spaceKey, status: record.status, operations: diff.operations.length, autoRepairs: auto, awaitingApproval: ask, findings: diff.findings.length };
}

/** The keys of every space the plan knows now (for a rollout or the daily drift pass). */
export async function plannedSpaceKeys(deps: CollaborationDeps): Promise<string[]> {
  return (await currentPlan(deps)).spaces.map((s) => s.key);
}
