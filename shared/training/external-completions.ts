import { SYSTEM_ACTOR } from '../platform/audit';
import { completed, type TrainingDeps } from './assignments';
import { assignmentId, type Assignment } from './model';
import { AssignmentConflict, type ConnectorWatermarks, type ExternalCompletion, type ExternalCompletions } from './ports';

/**
 * Completions from Microsoft Defender's Attack Simulation Training (docs/decisions/0010-training.md,
 * "Attack Simulation Training connector"). A person who completed the trainings a simulation
 * assigned them has done the catalogue's module marked `attackSimulation`: their open assignment
 * of it is completed with method `attack-simulation` and the simulation's id as source.
 *
 * - Idempotent: a completion already recorded from the same simulation, or an assignment no longer
 *   open, changes nothing; so re-reading the same report (the source may repeat) is harmless.
 * - A completion counts for the open cycle only if it is not older than the cycle (a recurring
 *   module's new cycle is not closed by last year's simulation); the first cycle takes earlier ones
 *   (training done in Defender before the app assigned the module).
 * - Skipped: people training does not know, people the module is not assigned to, completions dated
 *   in the future (a clock or data error: never trusted).
 * - The watermark moves to the run's start only once every completion read was applied: a failed
 *   run is read again next time.
 * - Audited once per run that completed something (`completions-imported`, the count only).
 */
export const ATTACK_SIMULATION_CONNECTOR = 'attack-simulation';

export interface ExternalCompletionsDeps extends TrainingDeps {
  source: ExternalCompletions;
  watermarks: ConnectorWatermarks;
}

export interface ImportTally {
  /** Completions the source returned. */
  read: number;
  /** Assignments completed by this run. */
  completed: number;
  /** Already recorded from that source, or the assignment is completed or closed. */
  unchanged: number;
  unknownPerson: number;
  notAssigned: number;
  future: number;
  /** Older than the open cycle: it was for an earlier one. */
  earlierCycle: number;
}

export type ImportOutcome = { kind: 'no-module' } | ({ kind: 'ok'; moduleId: string; since: string | null } & ImportTally);

type Verdict = Exclude<keyof ImportTally, 'read'>;

export async function importAttackSimulationCompletions(deps: ExternalCompletionsDeps): Promise<ImportOutcome> {
  const module = deps.catalogue.attackSimulationModule();
  if (!module) return { kind: 'no-module' };
  const startedAt = deps.now();
  const since = await deps.watermarks.get(ATTACK_SIMULATION_CONNECTOR);
  const completions = await deps.source.since(since);
  const tally: ImportTally = { read: completions.length, completed: 0, unchanged: 0, unknownPerson: 0, notAssigned: 0, future: 0, earlierCycle: 0 };
  const known = new Map<string, boolean>();
  // Oldest first: with two simulations, the earlier one completes the cycle and the later one finds it done.
  const ordered = completions
    .filter((c) => !Number.isNaN(Date.parse(c.completedAt)))
    .map((c) => ({ ...c, completedAt: new Date(c.completedAt).toISOString() }))
    .sort((a, b) => a.completedAt.localeCompare(b.completedAt) || a.source.localeCompare(b.source));
  for (const c of ordered) {
    if (Date.parse(c.completedAt) > startedAt.getTime()) {
      tally.future++;
      continue;
    }
    if (!known.has(c.personId)) known.set(c.personId, (await deps.trainees.get(c.personId)) !== undefined);
    if (!known.get(c.personId)) {
      tally.unknownPerson++;
      continue;
    }
    tally[await apply(deps, module.id, c)]++;
  }
  if (tally.completed > 0) await deps.audit.record(SYSTEM_ACTOR, 'completions-imported', { count: tally.completed });
  await deps.watermarks.set(ATTACK_SIMULATION_CONNECTOR, startedAt.toISOString());
  return { kind: 'ok', moduleId: module.id, since, ...tally };
}

/** Completes the open assignment with compare-and-swap, reading again after a conflict. */
async function apply(deps: TrainingDeps, moduleId: string, c: ExternalCompletion): Promise<Verdict> {
  const module = deps.catalogue.module(moduleId)!;
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await deps.assignments.get(assignmentId(c.personId, moduleId));
    if (!found) return 'notAssigned';
    const verdict = judge(found.assignment, c);
    if (verdict !== 'completed') return verdict;
    try {
      const completion = { completedAt: c.completedAt, method: 'attack-simulation' as const, recordedBy: SYSTEM_ACTOR.oid, source: c.source };
      await deps.assignments.save(completed(found.assignment, completion, module, deps.catalogue.reminders.timeZone, deps.now()), found.etag);
      return 'completed';
    } catch (e) {
      if (!(e instanceof AssignmentConflict)) throw e;
    }
  }
  // Changed five times under us: the run fails before the watermark moves, and the next one reads it again.
  throw new AssignmentConflict(assignmentId(c.personId, moduleId));
}

function judge(a: Assignment, c: ExternalCompletion): Verdict {
  if (a.completions.some((x) => x.method === 'attack-simulation' && x.source === c.source)) return 'unchanged';
  if (a.status !== 'open') return 'unchanged';
  if (a.cycle > 1 && c.completedAt < a.cycleOpenedAt) return 'earlierCycle';
  return 'completed';
}
