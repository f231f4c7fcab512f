import { blockerMessage } from './messages';
import { runPercent, stepPercent, visibleState, type RunRecord } from './model';
import type { RunStore } from './ports';
import { SERVICE_STEPS, type JourneyKind, type JourneyView, type RunState, type ServiceRolloutView, type StepView, type Text } from './view';

export interface DashboardDeps {
  store: RunStore;
  /** The services of the people catalogue, with the count of their active members. */
  services: Array<{ code: string; names: Text; people: number }>;
  names: { namesOf(ids: string[]): Promise<Map<string, string>> };
}

function stepViews(run: RunRecord, names: Map<string, string>): StepView[] {
  return run.stepOrder.map((name) => {
    const s = run.steps[name];
    return {
      step: name,
      state: s?.state ?? 'pending',
      percent: stepPercent(s),
      done: s?.done ?? null,
      total: s?.total ?? null,
      startedAt: s?.startedAt ?? null,
      endedAt: s?.endedAt ?? null,
      attempts: s?.attempts ?? 0,
      blocker: s?.blocker && (s.state === 'failed' || s.state === 'waiting') ? { code: s.blocker.code, mustAct: s.blocker.mustAct, since: s.blocker.since, message: blockerMessage(s.blocker) } : null,
      skippable: s?.skippable ?? false,
      decisions: (s?.decisions ?? []).map((d) => ({ action: d.action, by: names.get(d.by) ?? null, reason: d.reason, at: d.at })),
    };
  });
}

function deciders(runs: RunRecord[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.values(r.steps).flatMap((s) => s?.decisions.map((d) => d.by) ?? [])))];
}

/** Where each service stands: one row per service of the catalogue, started or not. */
export async function serviceViews(deps: DashboardDeps): Promise<ServiceRolloutView[]> {
  const runs = await deps.store.list('service');
  const bySubject = new Map<string, RunRecord>();
  for (const r of runs) if (!bySubject.has(r.subject)) bySubject.set(r.subject, r);
  const names = await deps.names.namesOf(deciders(runs));
  return deps.services.map((service) => {
    const run = bySubject.get(service.code);
    if (!run) {
      return {
        serviceCode: service.code, serviceName: service.names, runId: null, state: 'not-started' as RunState, percent: 0, startedAt: null, updatedAt: null, people: service.people,
        steps: SERVICE_STEPS.map((step) => ({ step, state: 'pending' as const, percent: 0, done: null, total: null, startedAt: null, endedAt: null, attempts: 0, blocker: null, skippable: false, decisions: [] })),
        compensation: null,
      };
    }
    return {
      serviceCode: service.code, serviceName: service.names, runId: run.id, state: visibleState(run), percent: runPercent(run),
      startedAt: run.startedAt, updatedAt: run.updatedAt, people: service.people, steps: stepViews(run, names), compensation: run.compensation ?? null,
    };
  });
}

/** Employees' journeys, newest first, with names (HR and IT only). */
export async function journeyViews(deps: DashboardDeps, filter: { kind?: JourneyKind; state?: RunState }): Promise<JourneyView[]> {
  const runs = latestAttempts((await deps.store.list('journeys')).filter((r) => !filter.kind || r.kind === filter.kind));
  const names = await deps.names.namesOf([...new Set([...runs.map((r) => r.subject), ...deciders(runs)])]);
  const serviceNames = new Map(deps.services.map((s) => [s.code, s.names]));
  return runs
    .map((run) => ({
      runId: run.id,
      kind: run.kind as JourneyKind,
      personName: names.get(run.subject) ?? null,
      serviceName: run.serviceCode ? (serviceNames.get(run.serviceCode) ?? null) : null,
      state: visibleState(run),
      percent: runPercent(run),
      startedAt: run.startedAt,
      updatedAt: run.updatedAt,
      steps: stepViews(run, names),
    }))
    .filter((j) => !filter.state || j.state === filter.state);
}

/**
 * A service's people step retried onboards again under `<run>:p:<person>:a<n>`: the earlier
 * attempt's record stays (evidence), but the page shows each person once, at their latest attempt.
 */
function latestAttempts(runs: RunRecord[]): RunRecord[] {
  const attempt = (id: string) => Number(/:a(\d+)$/.exec(id)?.[1] ?? 1);
  const base = (id: string) => id.replace(/:a\d+$/, '');
  const latest = new Map<string, RunRecord>();
  for (const r of runs) {
    const seen = latest.get(base(r.id));
    if (!seen || attempt(r.id) > attempt(seen.id)) latest.set(base(r.id), r);
  }
  return runs.filter((r) => latest.get(base(r.id)) === r);
}
