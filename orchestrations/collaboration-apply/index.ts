import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import type { RunMode } from '../../shared/collaboration/engine';
import type { Actor } from '../../shared/platform/audit';
import { COLLABORATION_ACTIVITIES } from '../activities/collaboration';
import { COLLABORATION_SPACE, type SpaceRunInput, type SpaceRunResult } from '../collaboration-space';

/**
 * Every space (or a chosen few) through the space orchestration, `parallelism` at a time: a new
 * space starts as soon as one finishes (not in batches), so one slow team creation does not hold
 * the others. SharePoint's resource units are shared by the whole app, so more parallelism than
 * a handful only queues in the pacer.
 */
export const COLLABORATION_APPLY = 'collaborationApply';

export interface ApplyRunInput {
  version: 1;
  mode: RunMode | 'verify';
  /** Null: every space the plan knows. */
  spaceKeys: string[] | null;
  approveRemovals?: boolean;
  parallelism: number;
  actor: Actor;
}

export interface ApplyRunStatus {
  total: number;
  done: number;
  running: string[];
  inSync: number;
  blocked: number;
  failed: number;
}

df.app.orchestration(COLLABORATION_APPLY, function* (context: OrchestrationContext): Generator<df.Task, SpaceRunResult[], unknown> {
  const input = context.df.getInput() as ApplyRunInput;
  const keys = input.spaceKeys ?? ((yield context.df.callActivity(COLLABORATION_ACTIVITIES.list)) as string[]);
  const results: SpaceRunResult[] = [];
  const running = new Map<df.Task, string>();
  let next = 0;
  const report = () =>
    context.df.setCustomStatus({
      total: keys.length, done: results.length, running: [...running.values()],
      inSync: results.filter((r) => r.outcome === 'in-sync').length,
      blocked: results.filter((r) => r.outcome === 'blocked' || r.outcome === 'awaiting-approval').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
    } satisfies ApplyRunStatus);
  const parallelism = Math.max(1, input.parallelism);
  while (results.length < keys.length) {
    while (running.size < parallelism && next < keys.length) {
      const spaceKey = keys[next++]!;
      const child: SpaceRunInput = { version: 1, spaceKey, mode: input.mode, approveRemovals: input.approveRemovals, actor: input.actor };
      running.set(context.df.callSubOrchestrator(COLLABORATION_SPACE, child, `${context.df.instanceId}:${spaceKey}`), spaceKey);
    }
    report();
    const finished = (yield context.df.Task.any([...running.keys()])) as df.Task;
    const spaceKey = running.get(finished)!;
    running.delete(finished);
    results.push(finished.isFaulted ? { spaceKey, outcome: 'failed', applied: 0, reason: 'orchestration-failed' } : (finished.result as SpaceRunResult));
  }
  report();
  return results;
});

/** The durable client binding the functions that start runs need. */
export const collaborationClientInput = df.input.durableClient();

const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);
type ClientContext = Parameters<typeof df.getClient>[0];

/**
 * Starts a run under a fixed instance id unless one with that id is running: asking twice for the
 * same thing (IT clicks twice, the daily pass fires while yesterday's still runs) attaches to the
 * running instance instead of starting a second one.
 */
async function startOnce(context: ClientContext, name: string, instanceId: string, input: unknown): Promise<{ instanceId: string; started: boolean }> {
  const client = df.getClient(context);
  try {
    const status = await client.getStatus(instanceId);
    if (RUNNING.has(String(status?.runtimeStatus))) return { instanceId, started: false };
  } catch {
    // Never started: no instance yet.
  }
  await client.startNew(name, { instanceId, input });
  return { instanceId, started: true };
}

/** The instance id of the app-wide apply or repair run (one at a time: they share SharePoint's budget). */
export const APPLY_INSTANCE_ID = 'collaboration-apply';

export function startCollaborationApply(context: ClientContext, input: ApplyRunInput) {
  return startOnce(context, COLLABORATION_APPLY, APPLY_INSTANCE_ID, input);
}

/** One space's run (people changes, approved repairs, a project space); same key and purpose attach. */
export function startSpaceRun(context: ClientContext, input: SpaceRunInput, purpose: string) {
  return startOnce(context, COLLABORATION_SPACE, `collab-space-${input.spaceKey}-${purpose}`, input);
}

export interface RunView {
  instanceId: string;
  runtimeStatus: string;
  createdTime: string | null;
  lastUpdatedTime: string | null;
  customStatus: unknown;
}

/** Where the app-wide run stands, or null when none ever ran. */
export async function collaborationApplyStatus(context: ClientContext): Promise<RunView | null> {
  const client = df.getClient(context);
  try {
    const status = await client.getStatus(APPLY_INSTANCE_ID, { showInput: true });
    if (!status) return null;
    return {
      instanceId: APPLY_INSTANCE_ID,
      runtimeStatus: String(status.runtimeStatus),
      createdTime: status.createdTime ? new Date(status.createdTime).toISOString() : null,
      lastUpdatedTime: status.lastUpdatedTime ? new Date(status.lastUpdatedTime).toISOString() : null,
      customStatus: status.customStatus ?? null,
    };
  } catch {
    return null;
  }
}
