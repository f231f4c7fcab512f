import type { Actor } from '../platform/audit';
import type { RolloutAudit } from './audit-record';
import { applyProgress, checkDecision, type Decision, type DecisionCheck, type ProgressUpdate, type RunRecord } from './model';
import { RunConflict, type RunStore } from './ports';
import type { StepName } from './view';

const ATTEMPTS = 8;

/** Reads, applies and saves with compare-and-swap, reading again after a conflict (a decision may land meanwhile). */
async function update(store: RunStore, runId: string, change: (run: RunRecord | undefined) => RunRecord | null): Promise<RunRecord | null> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await store.get(runId);
    const next = change(current?.record);
    if (!next) return current?.record ?? null;
    try {
      await store.save(next, current?.etag);
      return next;
    } catch (e) {
      if (!(e instanceof RunConflict)) throw e;
    }
  }
  throw new RunConflict(runId);
}

/**
 * An orchestration's progress writes (idempotent: see applyProgress), several at once in one
 * compare-and-swap per run. Says which runs got their report with these writes.
 */
export async function recordProgress(store: RunStore, progress: ProgressUpdate | ProgressUpdate[]): Promise<{ reportsKept: string[] }> {
  const updates = Array.isArray(progress) ? progress : [progress];
  const reportsKept: string[] = [];
  for (const runId of [...new Set(updates.map((u) => u.runId))]) {
    const mine = updates.filter((u) => u.runId === runId);
    let kept = false;
    await update(store, runId, (run) => {
      kept = false;
      let next = run;
      let changed = false;
      for (const u of mine) {
        const applied = applyProgress(next, u);
        if (!applied) continue;
        if (u.target === 'report') kept = true;
        next = applied;
        changed = true;
      }
      return changed ? next! : null;
    });
    if (kept) reportsKept.push(runId);
  }
  return { reportsKept };
}

/**
 * A person's decision on a step (retry, skip with a reason, numbers confirmed), recorded and audited
 * before the orchestration hears of it, so the ledger always says who decided what and why.
 */
export async function recordDecision(
  deps: { store: RunStore; audit: RolloutAudit; now: () => Date },
  runId: string,
  step: StepName,
  decision: { action: Decision['action']; reason: string },
  actor: Actor,
): Promise<DecisionCheck & { instanceId?: string }> {
  let check: DecisionCheck = { ok: false, code: 'not-found' };
  let instanceId: string | undefined;
  const at = deps.now().toISOString();
  await update(deps.store, runId, (run) => {
    check = checkDecision(run, step, decision.action);
    if (!check.ok || !run) return null;
    const record = run.steps[step]!;
    instanceId = record.instanceId;
    const decisions = [...record.decisions, { action: decision.action, by: actor.oid, reason: decision.reason, at }];
    return { ...run, updatedAt: at, steps: { ...run.steps, [step]: { ...record, decisions } } };
  });
  if (!check.ok) return check;
  const action = decision.action === 'retry' ? 'step-retried' : decision.action === 'skip' ? 'step-skipped' : 'numbers-confirmed';
  await deps.audit.record(actor, action, { runId, step });
  return { ok: true, instanceId };
}

/** A run ended by a person (ITAdmin): recorded, then audited; the orchestration is terminated by the caller. */
export async function recordTermination(deps: { store: RunStore; audit: RolloutAudit; now: () => Date }, runId: string, reason: string, actor: Actor): Promise<RunRecord | null> {
  const at = deps.now().toISOString();
  let found = false;
  const run = await update(deps.store, runId, (current) => {
    if (!current || current.state !== 'running') return null;
    found = true;
    return { ...current, state: 'terminated', seq: Number.MAX_SAFE_INTEGER, updatedAt: at, report: { ...(current.report ?? {}), terminated: { by: actor.oid, reason, at } } };
  });
  if (!found) return null;
  await deps.audit.record(actor, 'run-terminated', { runId });
  return run;
}
