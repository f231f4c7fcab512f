import * as df from 'durable-functions';
import { COLLABORATION_APPLY, type ApplyRunInput, type ApplyRunStatus } from '.';
import { COLLABORATION_SPACE, type SpaceRunInput } from '../collaboration-space';

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
