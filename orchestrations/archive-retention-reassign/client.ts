import { randomUUID } from 'node:crypto';
import * as df from 'durable-functions';
import { ARCHIVE_RETENTION_REASSIGN, type ReassignOutput } from '.';
import type { ReassignJob } from '../../shared/archive/records/retention-reassign';

const PREFIX = 'retention-reassign-';

export const reassignDurableClient = df.input.durableClient();

export type ReassignStatus =
  | { status: 'running'; progress: { reassigned: number; keptLongerCount: number } | null }
  | { status: 'completed'; result: ReassignOutput }
  | { status: 'failed' };

/** Starts a re-assignment; its id names it for the status call. */
export async function startReassignment(context: Parameters<typeof df.getClient>[0], job: ReassignJob): Promise<string> {
  const id = `${PREFIX}${randomUUID()}`;
  await df.getClient(context).startNew(ARCHIVE_RETENTION_REASSIGN, { instanceId: id, input: job });
  return id;
}

export function isReassignmentId(id: string): boolean {
  return /^retention-reassign-[0-9a-f-]{36}$/.test(id);
}

/** Undefined when no such re-assignment exists. */
export async function reassignmentStatus(context: Parameters<typeof df.getClient>[0], id: string): Promise<ReassignStatus | undefined> {
  const status = await df.getClient(context).getStatus(id).catch(() => undefined);
  if (!status?.runtimeStatus) return undefined;
  const runtime = String(status.runtimeStatus);
  if (runtime === 'Completed') return { status: 'completed', result: status.output as ReassignOutput };
  if (runtime === 'Failed' || runtime === 'Terminated' || runtime === 'Canceled') return { status: 'failed' };
  return { status: 'running', progress: (status.customStatus as { reassigned: number; keptLongerCount: number } | null) ?? null };
}
