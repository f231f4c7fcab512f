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
