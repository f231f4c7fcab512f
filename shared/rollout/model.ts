import type { Actor as Who } from '../platform/audit';
import type { Actor, JourneyKind, RunState, StepName, StepState } from './view';

/**
 * The rollout ledger: one document per run (a service's rollout, an employee's onboarding, move or
 * offboarding), written by the run's orchestrations through an activity and read by the dashboard.
 * The orchestration is the truth of what happens next; the ledger is what people read and what is
 * kept as evidence (an offboarding's report). Ids and counts only, never a name.
 */
export type RunKind = 'service' | JourneyKind;

export interface StepBlocker {
  code: BlockerCode;
  mustAct: Actor;
  since: string;
  /** Counts that the message shows (failed people, missing messages...). */
  detail: Record<string, number>;
}

export const BLOCKER_CODES = [
  'step-failed',
  'space-blocked',
  'people-failed',
  'archive-incomplete',
  'training-below-threshold',
  'numbers-unconfirmed',
  'templates-missing',
  'licences-unavailable',
] as const;
export type BlockerCode = (typeof BLOCKER_CODES)[number];

export interface Decision {
  action: 'retry' | 'skip' | 'confirm';
  /** Entra object id of who decided; the dashboard shows the name. */
  by: string;
  reason: string;
  at: string;
}

export interface StepRecord {
  state: StepState;
  done: number | null;
  total: number | null;
  startedAt: string | null;
  endedAt: string | null;
  attempts: number;
  blocker: StepBlocker | null;
  skippable: boolean;
  /** The orchestration instance that waits for this step's decisions. */
  instanceId: string;
  /** Written by people (API), never by the orchestration. */
  decisions: Decision[];
  /** Progress counted per lane of a fan-out (lane index → done), summed into `done`. */
  lanes?: Record<string, number>;
  /** Done before this attempt's lanes started (a retried fan-out goes on from there). */
  laneBase?: number;
  /** The orchestration's own counter: an older write (an activity re-run after a crash) never overwrites a newer one. */
  seq: number;
}

export interface RunRecord {
  id: string;
  kind: RunKind;
  /** The service (service rollout) or the person (journeys). */
  subject: string;
  serviceCode: string | null;
  state: RunState;
  startedAt: string;
  updatedAt: string;
  startedBy: Who;
  configVersion: string;
  stepOrder: StepName[];
  steps: Partial<Record<StepName, StepRecord>>;
  /** The run's closing report (an offboarding's evidence). */
  report: Record<string, unknown> | null;
  /**
   * Licences (SKU part numbers) this run found missing and set out to assign, written before the
   * Graph call: what an undo may take back, and nothing the person held before.
   */
  licencesAdded?: string[];
  /** After a service rollout is ended: the Teams Phone licences its members got and never used, taken back. */
  compensation?: { state: 'running' | 'done'; released: number };
  seq: number;
}

/** One write from an orchestration: run-level fields or one step's, with the writer's counter. */
export type ProgressUpdate =
  | { runId: string; target: 'run'; seq: number; at: string; create?: Omit<RunRecord, 'seq' | 'updatedAt' | 'steps' | 'report'>; state?: RunState }
  | { runId: string; target: 'report'; at: string; report: Record<string, unknown> }
  | { runId: string; target: 'licences'; at: string; added: string[] }
  | { runId: string; target: 'compensation'; at: string; state: 'running' | 'done'; released: number }
  | { runId: string; target: 'step'; step: StepName; instanceId: string; seq: number; at: string; patch: Partial<Pick<StepRecord, 'state' | 'done' | 'total' | 'startedAt' | 'endedAt' | 'attempts' | 'blocker' | 'skippable' | 'laneBase'>> }
  | { runId: string; target: 'lane'; step: StepName; lane: number; done: number; at: string };

export function emptyStep(instanceId: string): StepRecord {
  return { state: 'pending', done: null, total: null, startedAt: null, endedAt: null, attempts: 0, blocker: null, skippable: true, instanceId, decisions: [], seq: 0 };
}

/**
 * Applies an orchestration's write to the ledger (pure). Writes are idempotent and ordered by the
 * writer's counter, so an activity that runs twice, or late, changes nothing the second time.
 * Returns null when there is nothing to write.
 */
export function applyProgress(run: RunRecord | undefined, update: ProgressUpdate): RunRecord | null {
  if (update.target === 'run') {
    if (!run) {
      if (!update.create) return null;
      return { ...update.create, steps: {}, report: null, seq: update.seq, updatedAt: update.at, ...(update.state ? { state: update.state } : {}) };
    }
    // A run started again under the same id (a service rolled out a second time) starts a new record.
    if (update.create && update.create.startedAt !== run.startedAt) {
      return { ...update.create, steps: {}, report: null, seq: update.seq, updatedAt: update.at, ...(update.state ? { state: update.state } : {}) };
    }
    if (update.seq <= run.seq) return null;
    return { ...run, seq: update.seq, updatedAt: update.at, ...(update.state ? { state: update.state } : {}) };
  }
  if (!run) return null;
  // A run has one report, written once at its end (written again, it is the same report).
  if (update.target === 'report') return run.report ? null : { ...run, updatedAt: update.at, report: update.report };
  if (update.target === 'compensation') {
    if (run.compensation?.state === 'done' || (run.compensation && run.compensation.released > update.released)) return null;
    return { ...run, updatedAt: update.at, compensation: { state: update.state, released: update.released } };
  }
  if (update.target === 'licences') {
    const added = [...new Set([...(run.licencesAdded ?? []), ...update.added])].sort();
    return added.length === (run.licencesAdded ?? []).length ? null : { ...run, updatedAt: update.at, licencesAdded: added };
  }
  const current = run.steps[update.step] ?? emptyStep(update.target === 'step' ? update.instanceId : '');
  if (update.target === 'lane') {
    const lanes = { ...(current.lanes ?? {}) };
    if ((lanes[String(update.lane)] ?? 0) >= update.done) return null;
    lanes[String(update.lane)] = update.done;
    const done = (current.laneBase ?? 0) + Object.values(lanes).reduce((a, b) => a + b, 0);
    return { ...run, updatedAt: update.at, steps: { ...run.steps, [update.step]: { ...current, lanes, done } } };
  }
  if (update.seq <= current.seq) return null;
  const next: StepRecord = { ...current, ...update.patch, instanceId: update.instanceId, seq: update.seq };
  // A step started again (retried) counts its lanes afresh.
  if (update.patch.state === 'running' && update.patch.done === 0) delete next.lanes;
  return { ...run, updatedAt: update.at, steps: { ...run.steps, [update.step]: next } };
}

/** How far a step is, 0..100. */
export function stepPercent(step: StepRecord | undefined): number {
  if (!step) return 0;
  if (step.state === 'done' || step.state === 'skipped') return 100;
  if (step.total && step.total > 0 && step.done !== null) return Math.min(99, Math.floor((100 * step.done) / step.total));
  return 0;
}

export function runPercent(run: RunRecord): number {
  if (run.state === 'completed') return 100;
  if (run.stepOrder.length === 0) return 0;
  const sum = run.stepOrder.reduce((a, name) => a + stepPercent(run.steps[name]), 0);
  return Math.floor(sum / run.stepOrder.length);
}

/** The state people see: a running run with a failed step is blocked; one only waiting on people is waiting. */
export function visibleState(run: RunRecord): RunState {
  if (run.state !== 'running') return run.state;
  const states = run.stepOrder.map((n) => run.steps[n]?.state);
  if (states.includes('failed')) return 'blocked';
  if (states.includes('waiting') && !states.includes('running')) return 'waiting';
  return 'running';
}

/** Whether a decision is acceptable on this step now: retry and skip need a failed (or waiting) step; confirm only the telecom step while it waits. */
export type DecisionCheck = { ok: true } | { ok: false; code: 'not-found' | 'not-running' | 'not-awaiting-decision' | 'not-skippable' };

export function checkDecision(run: RunRecord | undefined, step: StepName, action: Decision['action']): DecisionCheck {
  if (!run) return { ok: false, code: 'not-found' };
  if (run.state !== 'running') return { ok: false, code: 'not-running' };
  const record = run.steps[step];
  if (!record) return { ok: false, code: run.stepOrder.includes(step) ? 'not-awaiting-decision' : 'not-found' };
  if (action === 'confirm') return step === 'telecom' && (record.state === 'waiting' || record.state === 'failed') ? { ok: true } : { ok: false, code: 'not-awaiting-decision' };
  if (action === 'skip' && !record.skippable) return { ok: false, code: 'not-skippable' };
  // A blocked step that is checking again on its own (running, its blocker still shown) takes a
  // retry too: it is heard at the step's next wait, which then checks again at once.
  const blocked = record.blocker !== null && (record.state === 'waiting' || record.state === 'running');
  if (action === 'retry' && record.state !== 'failed' && !blocked) return { ok: false, code: 'not-awaiting-decision' };
  if (action === 'skip' && record.state !== 'failed' && record.state !== 'waiting') return { ok: false, code: 'not-awaiting-decision' };
  return { ok: true };
}
