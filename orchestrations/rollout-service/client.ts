import * as df from 'durable-functions';
import type { PeopleEvent } from '../../shared/people/events';
import type { Actor as Who } from '../../shared/platform/audit';
import type { RolloutConfig } from '../../shared/rollout/config';
import type { JourneyKind, JourneyStep, StepName } from '../../shared/rollout/view';
import { ROLLOUT_EMPLOYEE, type JourneyInput } from '../rollout-employee';
import { decisionEvent, type DecisionPayload } from '../rollout-step';
import { ROLLOUT_COMPENSATE, ROLLOUT_SERVICE, type CompensationInput, type ServiceRolloutInput } from '.';

/** The durable client binding the functions that start, decide on and end runs need. */
export const rolloutClientInput = df.input.durableClient();

type ClientContext = Parameters<typeof df.getClient>[0];
const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);
const DAY_MS = 86_400_000;

/** What the app reads from its settings for a run; the orchestration gets it in its input. */
export interface RunSettings {
  config: RolloutConfig;
  parallelism: number;
  /** 1 in production; tests shrink days to seconds. */
  timeScale: number;
  archiveTimeoutSeconds: number;
}

/** The instance (and run) id of a service's rollout: one per service, so asking twice attaches. */
export const serviceRunId = (serviceCode: string) => `rollout-service-${serviceCode}`;
/** A journey per person and lifecycle event version: a redelivered event attaches to its journey. */
export const journeyRunId = (kind: JourneyKind, personId: string, version: number) => `rollout-${kind}-${personId}-v${version}`;

export function serviceRolloutInput(serviceCode: string, startedBy: Who, s: RunSettings): ServiceRolloutInput {
  const days = (n: number) => Math.max(1_000, Math.round(n * DAY_MS * s.timeScale));
  return {
    version: 1, runId: serviceRunId(serviceCode), serviceCode, startedBy, configVersion: s.config.version, parallelism: s.parallelism,
    partNumbers: [...s.config.licences.standard, ...s.config.licences.telecom], telecomPartNumbers: s.config.licences.telecom, archiveTimeoutSeconds: s.archiveTimeoutSeconds,
    training: { threshold: s.config.training.completionThreshold, deadlineMs: days(s.config.training.deadlineDays), roundMs: days(s.config.training.reminderEveryDays) },
    telecom: { confirmMs: days(s.config.telecom.confirmWithinDays), reminderMs: days(s.config.telecom.reminderEveryDays) },
    retries: s.config.retries,
  };
}

const JOURNEY_STEPS: Record<JourneyKind, JourneyStep[]> = {
  onboarding: ['licences', 'archive', 'spaces', 'training', 'report'],
  move: ['spaces', 'training', 'report'],
  offboarding: ['holds', 'archive', 'licences', 'spaces', 'training', 'report'],
};

export function journeyInput(event: PeopleEvent, kind: JourneyKind, s: RunSettings): JourneyInput {
  return {
    version: 1, runId: journeyRunId(kind, event.personId, event.version), kind, personId: event.personId, serviceCode: event.state.serviceCode, event,
    steps: JOURNEY_STEPS[kind], partNumbers: s.config.licences.standard, archiveTimeoutSeconds: s.archiveTimeoutSeconds,
    recheckMs: Math.max(1_000, Math.round(s.config.offboarding.completenessRecheckHours * 3_600_000 * s.timeScale)),
    retries: s.config.retries, waitOnFailure: true, startedBy: { oid: 'system', kind: 'system' }, configVersion: s.config.version,
  };
}

/** Starts unless an instance with that id runs: asking twice attaches to the running one. */
async function startOnce(context: ClientContext, name: string, instanceId: string, input: unknown): Promise<{ runId: string; started: boolean }> {
  const client = df.getClient(context);
  try {
    const status = await client.getStatus(instanceId);
    if (RUNNING.has(String(status?.runtimeStatus))) return { runId: instanceId, started: false };
  } catch {
    // Never started: no instance yet.
  }
  await client.startNew(name, { instanceId, input });
  return { runId: instanceId, started: true };
}

export function startServiceRollout(context: ClientContext, input: ServiceRolloutInput) {
  return startOnce(context, ROLLOUT_SERVICE, input.runId, input);
}

export function startJourney(context: ClientContext, input: JourneyInput) {
  return startOnce(context, ROLLOUT_EMPLOYEE, input.runId, input);
}

/** Starts taking back what an ended service rollout assigned and nobody will use (once per run). */
export function startCompensation(context: ClientContext, input: CompensationInput) {
  return startOnce(context, ROLLOUT_COMPENSATE, `${input.runId}:compensate`, input);
}

/** Hands a person's decision (already recorded in the ledger) to the instance waiting for it. */
export async function raiseDecision(context: ClientContext, instanceId: string, step: StepName, payload: DecisionPayload): Promise<void> {
  await df.getClient(context).raiseEvent(instanceId, decisionEvent(step), payload);
}

/** Ends a run and the sub-orchestrations still running under it (the service's steps, lanes and journeys). */
export async function terminateRun(context: ClientContext, runId: string, reason: string, children: string[]): Promise<boolean> {
  const client = df.getClient(context);
  let status;
  try {
    status = await client.getStatus(runId);
  } catch {
    return false;
  }
  if (!RUNNING.has(String(status?.runtimeStatus))) return false;
  await client.terminate(runId, reason);
  for (const id of children) {
    try {
      const child = await client.getStatus(id);
      if (RUNNING.has(String(child?.runtimeStatus))) await client.terminate(id, reason);
    } catch {
      // Not started: nothing to end.
    }
  }
  return true;
}
