/**
 * What the rollout API returns to the Teams dashboard (GET /api/rollout/...). Names, not ids, for
 * people and services; every message a person reads comes in fr-CA and en.
 */
export type Text = { 'fr-CA': string; en: string };

/** people: each member onboarded (licences, mailbox enrolled and its first capture proven complete). */
export const SERVICE_STEPS = ['space', 'people', 'training', 'telecom', 'templates', 'report'] as const;
export type ServiceStep = (typeof SERVICE_STEPS)[number];
export const JOURNEY_STEPS = ['holds', 'archive', 'licences', 'spaces', 'training', 'report'] as const;
export type JourneyStep = (typeof JOURNEY_STEPS)[number];
export type StepName = ServiceStep | JourneyStep;

/** pending: not reached; running; waiting: on people (training, IT confirming numbers) or on a retry; failed: needs a decision. */
export const STEP_STATES = ['pending', 'running', 'waiting', 'failed', 'done', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** Who must act on a blocker. */
export type Actor = 'ITAdmin' | 'HR' | 'employees' | 'managers' | 'RecordsManager';

export interface Blocker {
  /** Stable code, e.g. 'step-failed', 'archive-incomplete', 'numbers-unconfirmed', 'training-below-threshold'. */
  code: string;
  mustAct: Actor;
  message: Text;
  since: string;
}

export interface StepView {
  step: StepName;
  state: StepState;
  /** 0 to 100. */
  percent: number;
  /** Counted progress when the step has one (mailboxes proven, people trained...). */
  done: number | null;
  total: number | null;
  startedAt: string | null;
  endedAt: string | null;
  attempts: number;
  blocker: Blocker | null;
  /** Whether ITAdmin may skip it (a licence removal without a completeness proof never is). */
  skippable: boolean;
  /** Set once skipped or retried by a person: who (name), why, when. */
  decisions: Array<{ action: 'retry' | 'skip' | 'confirm'; /** Name; null when unknown. */ by: string | null; reason: string; at: string }>;
}

export type RunState = 'not-started' | 'running' | 'waiting' | 'blocked' | 'completed' | 'failed' | 'terminated';

export interface ServiceRolloutView {
  serviceCode: string;
  serviceName: Text;
  runId: string | null;
  state: RunState;
  percent: number;
  startedAt: string | null;
  updatedAt: string | null;
  /** Active members of the service (the rollout's scope). */
  people: number;
  steps: StepView[];
  /** After the rollout was ended before numbers were confirmed: Teams Phone licences taken back. */
  compensation: { state: 'running' | 'done'; released: number } | null;
}

export type JourneyKind = 'onboarding' | 'move' | 'offboarding';

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
