import type { PeopleEvent } from '../people/events';
import type { RolloutConfig } from './config';
import type { JourneyKind } from './view';

const DAY_MS = 86_400_000;

export type JourneyDecision = { kind: JourneyKind } | { kind: null; reason: 'replay' | 'not-recent-hire' | 'no-journey' | 'no-move' };

/**
 * Which journey a lifecycle event starts. A `joined` is an onboarding only for a recent hire: the
 * first synchronisation and a replay announce every current employee as `joined`, and people
 * already on staff go through their service's rollout instead. A move onboards into the new
 * service or job category (a new manager alone starts nothing); `left` is an offboarding.
 */
export function journeyForEvent(event: PeopleEvent, config: Pick<RolloutConfig, 'onboarding'>): JourneyDecision {
  if (event.kind === 'left') return { kind: 'offboarding' };
  if (event.kind === 'moved') {
    return event.changes.some((c) => c.field === 'service' || c.field === 'jobCategory') ? { kind: 'move' } : { kind: null, reason: 'no-move' };
  }
  if (event.kind !== 'joined') return { kind: null, reason: 'no-journey' };
  // A replay carries no change: nobody joined.
  if (event.changes.length === 0) return { kind: null, reason: 'replay' };
  const hired = event.state.hireDate ? Date.parse(event.state.hireDate) : NaN;
  if (Number.isNaN(hired)) return { kind: null, reason: 'not-recent-hire' };
  const age = Date.parse(event.observedAt) - hired;
  return age <= config.onboarding.recentHireDays * DAY_MS ? { kind: 'onboarding' } : { kind: null, reason: 'not-recent-hire' };
}
