import type { PeopleEvent } from '../people/events';
import { projectSpaceKey, serviceSpaceKey, type ServiceInfo } from './plan';
import type { ProjectSource, RosterStore } from './ports';

/**
 * Collaboration follows the people stream: each event updates the person's roster entry (ids and
 * codes only), and the spaces whose membership or grants may change are returned so the caller
 * starts a `people` run for each: the old and new service of a move, the service of someone who
 * joined, left or went on leave, and the project spaces they belong to. Direction staff are granted read on some folders of every
 * service space, so a change to one of them touches every service space. Idempotent: an event
 * version already held changes nothing and returns no space.
 */
export async function followPeopleEvent(
  event: PeopleEvent,
  deps: { roster: RosterStore; projects: ProjectSource; services: ServiceInfo[]; directionJobCategories: string[] },
): Promise<string[]> {
  const before = await deps.roster.get(event.personId);
  const changed = await deps.roster.put({
    personId: event.personId,
    serviceCode: event.state.serviceCode,
    jobCategoryCode: event.state.jobCategoryCode,
    status: event.state.status,
    language: event.state.language,
    version: event.version,
  });
  if (!changed) return [];
  const direction = (code: string | null | undefined) => code !== null && code !== undefined && deps.directionJobCategories.includes(code);
  if (direction(before?.jobCategoryCode) || direction(event.state.jobCategoryCode)) return deps.services.map(serviceSpaceKey);
  const codes = new Set([before?.serviceCode, event.state.serviceCode].filter((c): c is string => typeof c === 'string'));
  const projects = (await deps.projects.approvedProjects()).filter((p) => p.memberIds.includes(event.personId) || p.ownerIds.includes(event.personId));
  return [...deps.services.filter((s) => codes.has(s.code)).map(serviceSpaceKey), ...projects.map((p) => projectSpaceKey(p.id))];
}
