import type { BadgeProps } from '@fluentui/react-components';
import type { I18n, MessageKey } from '../../i18n/i18n';
import type { Actor, RunState, StepName, StepState, StepView, Text } from './types';

/**
 * The rollout in words (fr-CA and en): states, steps, who must act, percentages. Codes the API
 * sends are never shown as they are; an unknown one reads "inconnu (code)" through i18n.label.
 */

/** A text the API gives in both languages, in the language in use. */
export const said = (i18n: I18n, text: Text | null | undefined) => (text ? text[i18n.language] : i18n.t('dash'));

export const runStateText = (i18n: I18n, state: RunState | string) => i18n.label('rolloutRun_', state);
export const stepStateText = (i18n: I18n, state: StepState | string) => i18n.label('rolloutStepState_', state);
export const stepText = (i18n: I18n, step: StepName | string) => i18n.label('rolloutStep_', step);
export const actorText = (i18n: I18n, actor: Actor | string) => i18n.label('rolloutActor_', actor);
export const kindText = (i18n: I18n, kind: string) => i18n.label('rolloutKind_', kind);

/** 45 → « 45 % » in French, "45%" in English. */
export function percentText(i18n: I18n, percent: number): string {
  const clamped = Math.max(0, Math.min(100, percent));
  return new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 }).format(clamped / 100);
}

/** Badge colours: never the only sign (the words are always there). */
export function runStateColor(state: RunState | string): NonNullable<BadgeProps['color']> {
  switch (state) {
    case 'completed':
      return 'success';
    case 'running':
      return 'brand';
    case 'waiting':
      return 'warning';
    case 'blocked':
    case 'failed':
      return 'danger';
    default:
      return 'informative';
  }
}

export function stepStateColor(state: StepState | string): NonNullable<BadgeProps['color']> {
  switch (state) {
    case 'done':
      return 'success';
    case 'running':
      return 'brand';
    case 'waiting':
      return 'warning';
    case 'failed':
      return 'danger';
    default:
      return 'informative';
  }
}

/** A run that still moves on its own or waits: the page keeps reading while one exists. */
export const isActive = (state: RunState | string) => state === 'running' || state === 'waiting' || state === 'blocked';

/** The step that holds the run: the first with a blocker, else a failed or waiting one, else the one running. */
export function holdingStep(steps: readonly StepView[]): StepView | null {
  return steps.find((s) => s.blocker) ?? steps.find((s) => s.state === 'failed') ?? steps.find((s) => s.state === 'waiting') ?? steps.find((s) => s.state === 'running') ?? null;
}

/** Why a step may never be skipped, in words (a licence removal without proof that the archive is complete). */
export function notSkippableText(i18n: I18n, step: StepName | string): string {
  const key = `rolloutNotSkippable_${step}` as MessageKey;
  return i18n.t(key in NOT_SKIPPABLE_KEYS ? key : 'rolloutNotSkippable');
}
const NOT_SKIPPABLE_KEYS: Partial<Record<MessageKey, true>> = { rolloutNotSkippable_licences: true, rolloutNotSkippable_archive: true, rolloutNotSkippable_holds: true };

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** A sentence from the server with any id masked: people read names, never ids. */
export const withoutIds = (i18n: I18n, text: string) => text.replace(GUID, i18n.t('rolloutIdHidden'));

/** Skip and stop reasons: what the API accepts (5 to 500 characters once trimmed). */
export const REASON_MIN = 5;
export const REASON_MAX = 500;
export const reasonValid = (reason: string) => reason.trim().length >= REASON_MIN && reason.trim().length <= REASON_MAX;

/** A step's counted progress in words ("12 sur 40"), or nothing when it has none. */
export function countText(i18n: I18n, step: Pick<StepView, 'done' | 'total'>): string | null {
  if (step.total === null || step.done === null) return null;
  return i18n.t('rolloutDoneOf', { done: step.done, total: step.total });
}

/** A person as the API names them; someone the directory no longer knows is "personne inconnue", never an id. */
export const personText = (i18n: I18n, name: string | null | undefined) => (name && name.trim() ? name : i18n.t('rolloutUnknownPerson'));

/** A run id in a request address: run ids ("rollout-service:RT") keep their colons, everything else is escaped. */
export const runPath = (runId: string | null) => encodeURIComponent(runId ?? '').replace(/%3A/gi, ':');
