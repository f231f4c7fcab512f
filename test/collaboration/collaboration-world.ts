import { SYSTEM_ACTOR } from '../../shared/platform/audit';
import { loadPeopleCatalogue } from '../../shared/people/catalogue';
import { applySpaceStep, type CollaborationDeps, type RunMode, type StepResult } from '../../shared/collaboration/engine';
import type { RosterEntry } from '../../shared/collaboration/plan';
import { loadCollaborationTemplate } from '../../shared/collaboration/template';
import { FakeCollaborationTenant, FakeDirectory, FakeDocuments, MemoryCollaborationAudit, MemoryProjects, MemoryRoster, MemorySpaceStore } from '../fakes/collaboration';

/** A small union: two people per service, a DIRECTION head in each, on the real template and catalogue. */
export function collaborationWorld(options: { roster?: RosterEntry[] } = {}) {
  const template = loadCollaborationTemplate('config/collaboration-template.json');
  const catalogue = loadPeopleCatalogue('config/people-catalogue.json');
  const roster = options.roster ?? catalogue.services.flatMap((s, i): RosterEntry[] => [
    { personId: `head-${s.code}`, serviceCode: s.code, jobCategoryCode: 'DIRECTION', status: 'active' },
    { personId: `staff-${s.code}-1`, serviceCode: s.code, jobCategoryCode: 'CONSEIL', status: 'active' },
    { personId: `staff-${s.code}-2`, serviceCode: s.code, jobCategoryCode: 'TECHADM', status: i === 0 ? 'on-leave' : 'active' },
  ]);
  const tenant = new FakeCollaborationTenant();
  const spaces = new MemorySpaceStore();
  const audit = new MemoryCollaborationAudit();
  const rosterStore = new MemoryRoster(roster);
  const projects = new MemoryProjects();
  const deps: CollaborationDeps = {
    template,
    services: catalogue.services,
    roster: rosterStore,
    projects,
    directory: new FakeDirectory({ 'Tout le personnel': 'group-all' }),
    documents: new FakeDocuments(Object.fromEntries(template.documentTemplates.map((d) => [d.key, `sha-${d.key}-${d.version}`]))),
    spaces,
    reader: tenant,
    writer: tenant,
    audit,
    now: () => new Date('2026-12-07T14:00:00Z'),
    maxRemovalShare: 0.2,
  };
  return { deps, tenant, spaces, audit, roster: rosterStore, projects, catalogue, template };
}

/** Runs steps as the space orchestration does (waiting = just run again) until a final result. */
export async function runSpace(deps: CollaborationDeps, key: string, mode: RunMode = 'apply', extra: { approveRemovals?: boolean; operationIds?: string[] } = {}): Promise<StepResult & { totalApplied: number }> {
  let total = 0;
  for (let i = 0; i < 50; i++) {
    const step = await applySpaceStep(deps, key, { mode, approveRemovals: extra.approveRemovals ?? false, operationIds: extra.operationIds, budgetMs: 60_000, actor: SYSTEM_ACTOR });
    total += step.applied;
    if (step.status === 'wait' || step.status === 'more') continue;
    return { ...step, totalApplied: total };
  }
  throw new Error(`space ${key} did not settle`);
}
