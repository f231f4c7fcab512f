import { eventId, type PeopleEvent } from './model';
import type { PeopleEventPublisher, PeopleStore } from './ports';

/**
 * Tells every consumer who is on staff now: one `joined` event per current person, carrying their
 * state at their current change version. For a consumer added after the people were first synced
 * (it has heard of nobody), or one that lost its data. Consumers apply an event only when its
 * version is newer than what they hold, so those already up to date ignore it; the ids are
 * deterministic, so running it twice within the topic's duplicate window sends nothing new.
 * Nothing is recorded in the history: no change happened.
 */
export async function replayCurrentStaff(deps: { store: PeopleStore; publisher: PeopleEventPublisher; now: () => Date }): Promise<{ published: number }> {
  const observedAt = deps.now().toISOString();
  const events: PeopleEvent[] = (await deps.store.all())
    .filter((r) => r.state.status !== 'left')
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((r) => ({
      id: eventId(r.id, r.version, 'joined'),
      kind: 'joined',
      personId: r.id,
      version: r.version,
      observedAt,
      changes: [],
      state: { status: r.state.status, serviceCode: r.state.serviceCode, jobCategoryCode: r.state.jobCategoryCode, managerId: r.state.managerId, language: r.state.language, hireDate: r.state.hireDate },
    }));
  for (let i = 0; i < events.length; i += 500) await deps.publisher.publish(events.slice(i, i + 500));
  return { published: events.length };
}
