import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import type { RunMode } from '../../shared/collaboration/engine';
import type { Actor } from '../../shared/platform/audit';
import { COLLABORATION_ACTIVITIES } from '../activities/collaboration';
import { COLLABORATION_SPACE, type SpaceRunInput, type SpaceRunResult } from '../collaboration-space';

/**
 * Every space (or a chosen few) through the space orchestration, in `parallelism` lanes: each lane
 * is a sub-orchestration that takes its spaces one after the other, so a new space starts as soon
 * as its lane's previous one finishes (no batch waits for its slowest member). Lanes, not a
 * Task.any window, because a window re-yields tasks it yielded before, which replay schema V1
 * (the local host's) schedules again. SharePoint's resource units are shared by the whole app, so
 * more than a handful of lanes only queues in the pacer.
 */
export const COLLABORATION_APPLY = 'collaborationApply';
export const COLLABORATION_LANE = 'collaborationLane';

export interface ApplyRunInput {
  version: 1;
  mode: RunMode | 'verify';
  /** Null: every space the plan knows. */
  spaceKeys: string[] | null;
  approveRemovals?: boolean;
  parallelism: number;
  actor: Actor;
  /** Names this run's children: the run's instance id is fixed, its children's must not repeat across runs. */
  runId: string;
}

export interface ApplyRunStatus {
  total: number;
  lanes: number;
  done: number;
  inSync: number;
  blocked: number;
  failed: number;
}

interface LaneInput {
  version: 1;
  run: ApplyRunInput;
  spaceKeys: string[];
}

df.app.orchestration(COLLABORATION_LANE, function* (context: OrchestrationContext): Generator<df.Task, SpaceRunResult[], unknown> {
  const { run, spaceKeys } = context.df.getInput() as LaneInput;
  const results: SpaceRunResult[] = [];
  for (const spaceKey of spaceKeys) {
    const child: SpaceRunInput = { version: 1, spaceKey, mode: run.mode, approveRemovals: run.approveRemovals, actor: run.actor };
    try {
      results.push((yield context.df.callSubOrchestrator(COLLABORATION_SPACE, child, `collab-${run.runId}:${spaceKey}`)) as SpaceRunResult);
    } catch {
      // One space failing does not stop the others; its record says why.
      results.push({ spaceKey, outcome: 'failed', applied: 0, reason: 'orchestration-failed' });
    }
    context.df.setCustomStatus({ done: results.length, total: spaceKeys.length });
  }
  return results;
});

df.app.orchestration(COLLABORATION_APPLY, function* (context: OrchestrationContext): Generator<df.Task, SpaceRunResult[], unknown> {
  const input = context.df.getInput() as ApplyRunInput;
  const keys = input.spaceKeys ?? ((yield context.df.callActivity(COLLABORATION_ACTIVITIES.list)) as string[]);
  const laneCount = Math.max(1, Math.min(input.parallelism, keys.length));
  const lanes = Array.from({ length: laneCount }, (_, i) => keys.filter((_k, j) => j % laneCount === i));
  const status = (results: SpaceRunResult[]) =>
    context.df.setCustomStatus({
      total: keys.length, lanes: laneCount, done: results.length,
      inSync: results.filter((r) => r.outcome === 'in-sync').length,
      blocked: results.filter((r) => r.outcome === 'blocked' || r.outcome === 'awaiting-approval').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
    } satisfies ApplyRunStatus);
  status([]);
  if (keys.length === 0) return [];
  const perLane = (yield context.df.Task.all(
    lanes.map((spaceKeys, i) => context.df.callSubOrchestrator(COLLABORATION_LANE, { version: 1, run: input, spaceKeys } satisfies LaneInput, `collab-${input.runId}:lane-${i}`)),
  )) as SpaceRunResult[][];
  const results = perLane.flat();
  status(results);
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

/** Where the app-wide run stands, or null when none ever ran; while it runs, `done` is summed over its lanes. */
export async function collaborationApplyStatus(context: ClientContext): Promise<RunView | null> {
  const client = df.getClient(context);
  let status;
  try {
    status = await client.getStatus(APPLY_INSTANCE_ID, { showInput: true });
  } catch {
    return null;
  }
  if (!status) return null;
  const runtimeStatus = String(status.runtimeStatus);
  let customStatus = (status.customStatus ?? null) as ApplyRunStatus | null;
  const input = status.input as ApplyRunInput | undefined;
  if (customStatus && input?.runId && RUNNING.has(runtimeStatus)) {
    let done = 0;
    for (let i = 0; i < customStatus.lanes; i++) {
      try {
        const lane = await client.getStatus(`collab-${input.runId}:lane-${i}`);
        done += (lane?.customStatus as { done?: number } | undefined)?.done ?? 0;
      } catch {
        // A lane not started yet has done nothing.
      }
    }
    customStatus = { ...customStatus, done };
  }
  return {
    instanceId: APPLY_INSTANCE_ID,
    runtimeStatus,
    createdTime: status.createdTime ? new Date(status.createdTime).toISOString() : null,
    lastUpdatedTime: status.lastUpdatedTime ? new Date(status.lastUpdatedTime).toISOString() : null,
    customStatus,
  };
}
