/**
 * What the rollout API answers (GET /api/rollout/services, GET /api/rollout/journeys), mirrored from
 * shared/rollout/view.ts: the web bundle never imports server code. Keep the two in step.
 */
export type Text = { 'fr-CA': string; en: string };

/** people: each member set up (licences, mailbox enrolled and its first capture proven complete). */
export const SERVICE_STEPS = ['space', 'people', 'training', 'telecom', 'templates', 'report'] as const;
export type ServiceStep = (typeof SERVICE_STEPS)[number];
export const JOURNEY_STEPS = ['holds', 'archive', 'licences', 'spaces', 'training', 'report'] as const;
export type JourneyStep = (typeof JOURNEY_STEPS)[number];
export type StepName = ServiceStep | JourneyStep;

/** pending: not reached; running; waiting: on people or on a retry; failed: needs a decision. */
export const STEP_STATES = ['pending', 'running', 'waiting', 'failed', 'done', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** Who must act on a blocker. */
export type Actor = 'ITAdmin' | 'HR' | 'employees' | 'managers' | 'RecordsManager';

export interface Blocker {
  /** Stable code: 'step-failed', 'archive-incomplete', 'numbers-unconfirmed', 'training-below-threshold'... */
  code: string;
  mustAct: Actor;
  message: Text;
  since: string;
}

export interface Decision {
  action: 'retry' | 'skip' | 'confirm';
  /** A name; null when unknown. */
  by: string | null;
  reason: string;
  at: string;
}

export interface StepView {
  step: StepName;
  state: StepState;
  /** 0 to 100. */
  percent: number;
  done: number | null;
  total: number | null;
  startedAt: string | null;
  endedAt: string | null;
  attempts: number;
  blocker: Blocker | null;
  /** Whether ITAdmin may skip it (a licence removal without a completeness proof never is). */
  skippable: boolean;
  decisions: Decision[];
}

export const RUN_STATES = ['not-started', 'running', 'waiting', 'blocked', 'completed', 'failed', 'terminated'] as const;
export type RunState = (typeof RUN_STATES)[number];

export interface ServiceRolloutView {
  serviceCode: string;
  serviceName: Text;
  /** Only ever used in request addresses: never shown. */
  runId: string | null;
  state: RunState;
  percent: number;
  startedAt: string | null;
  updatedAt: string | null;
  /** Active members of the service (the rollout's scope). */
  people: number;
  steps: StepView[];
  /** After the rollout was ended before numbers were confirmed: Teams Phone licences taken back. */
  compensation?: { state: 'running' | 'done'; released: number } | null;
}

export const JOURNEY_KINDS = ['onboarding', 'move', 'offboarding'] as const;
export type JourneyKind = (typeof JOURNEY_KINDS)[number];

export interface JourneyView {
  runId: string;
  kind: JourneyKind;
  /** Null when the people directory no longer knows the person. */
  personName: string | null;
  serviceName: Text | null;
  state: RunState;
  percent: number;
  startedAt: string;
  updatedAt: string;
  steps: StepView[];
}

export interface ServicesAnswer {
  services: ServiceRolloutView[];
}

export interface JourneysAnswer {
  journeys: JourneyView[];
}
