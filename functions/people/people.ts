import { app } from '@azure/functions';
import { z } from 'zod';
import { peopleReader, peopleSyncDeps } from '../../shared/people/adapters/people-services';
import type { Viewer } from '../../shared/people/directory';
import { PERSON_STATUSES, type PeopleEvent } from '../../shared/people/events';
import { replayCurrentStaff } from '../../shared/people/replay';
import { syncPeople } from '../../shared/people/sync';
import type { Principal } from '../../shared/platform/auth';
import { ApiError } from '../../shared/platform/api-error';
import { settings } from '../../shared/platform/settings';
import { APP_ROLES } from '../../shared/platform/roles';
import { endpoint } from '../http/endpoint';
import { onTimer } from '../triggers';

/**
 * People (docs/decisions/0009-people.md): the directory sync timer, and what the Teams app reads.
 *   GET /api/people/me                       the caller's own record (any signed-in user)
 *   GET /api/people?service=&jobCategory=&status=&search=&page=&pageSize=   HR, ITAdmin
 *   GET /api/people/events?limit=&personId=  recent lifecycle events (HR, ITAdmin)
 *   GET /api/people/unmapped                 directory values the catalogue does not map, last sync (HR, ITAdmin)
 *   POST /api/people/replay                  every current person's state to the consumers again (ITAdmin)
 */
const s = settings();

onTimer('peopleSync', {
  event: 'people.sync',
  schedule: '%PEOPLE_SYNC_SCHEDULE%',
  runOnStartup: s.people.syncOnStartup && s.localMode && !s.deployed,
  async handle(log) {
    // Each event by id and kind only: who it is about is an id, never a name.
    const published = (e: PeopleEvent) => log.info('people.event', { eventId: e.id, kind: e.kind, personId: e.personId, version: e.version });
    const summary = await syncPeople({ ...peopleSyncDeps(), published });
    // Counts and raw directory values only (service and job category names are not personal data).
    log.info('people.sync', { mode: summary.mode, events: summary.events, requests: summary.requests, unmappedServices: summary.unmapped.services, unmappedJobCategories: summary.unmapped.jobCategories });
    if (summary.unmapped.services.length || summary.unmapped.jobCategories.length) log.warn('people.sync.unmapped', { services: summary.unmapped.services.length, jobCategories: summary.unmapped.jobCategories.length });
  },
});

const READERS = ['HR', 'ITAdmin'] as const;

const reader = () => peopleReader();

const viewer = (principal: Principal): Viewer => ({ oid: principal.oid, roles: principal.roles });

function forbidden(): ApiError {
  return new ApiError(403, 'forbidden', 'people.readersOnly');
}

export const peopleMe = endpoint({
  roles: APP_ROLES,
  async handle({ principal }) {
    const outcome = await reader().me(viewer(principal));
    if (outcome.kind !== 'ok') {
      throw new ApiError(404, 'not-in-directory', 'people.notInDirectory');
    }
    return { body: outcome.value };
  },
});

const optionalCode = z.string().trim().max(32).regex(/^[A-Z0-9_-]*$/, 'expected a code (upper-case letters, digits, _ or -), or empty for "not mapped"').optional();

const listFilters = {
  service: optionalCode,
  jobCategory: optionalCode,
  status: z.enum(PERSON_STATUSES).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
};

/** GET /api/people: codes and paging only. Strict, so a name left in the URL is a 400, never logged quietly. */
export const peopleList = endpoint({
  roles: READERS,
  query: z.strictObject(listFilters),
  async handle({ principal, query }) {
    const outcome = await reader().list(viewer(principal), query);
    if (outcome.kind !== 'ok') throw forbidden();
    return { body: outcome.value };
  },
});

/** POST /api/people/search: the same with part of a name, which is personal information, so in the body. */
export const peopleSearch = endpoint({
  roles: READERS,
  body: z.strictObject({ ...listFilters, search: z.string().trim().max(100).optional() }),
  async handle({ principal, body }) {
    const outcome = await reader().list(viewer(principal), body);
    if (outcome.kind !== 'ok') throw forbidden();
    return { body: outcome.value };
  },
});

export const peopleEvents = endpoint({
  roles: READERS,
  query: z.object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    personId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a person id').optional(),
  }),
  async handle({ principal, query }) {
    const outcome = await reader().events(viewer(principal), query);
    if (outcome.kind !== 'ok') throw forbidden();
    return { body: { events: outcome.value } };
  },
});

export const peopleUnmapped = endpoint({
  roles: READERS,
  async handle({ principal }) {
    const outcome = await reader().unmapped(viewer(principal));
    if (outcome.kind !== 'ok') throw forbidden();
    return { body: outcome.value };
  },
});

/** ITAdmin: tell every consumer who is on staff now (a consumer added after the first sync). */
export const peopleReplay = endpoint({
  roles: ['ITAdmin'],
  async handle({ principal, log }) {
    const { store, publisher } = peopleSyncDeps();
    const result = await replayCurrentStaff({ store, publisher, now: () => new Date() });
    log.info('people.replay', { by: principal.oid, published: result.published });
    return { status: 202, body: result };
  },
});
app.http('peopleReplay', { methods: ['POST'], authLevel: 'anonymous', route: 'api/people/replay', handler: peopleReplay });
app.http('peopleSearch', { methods: ['POST'], authLevel: 'anonymous', route: 'api/people/search', handler: peopleSearch });

const http = (name: string, route: string, handler: ReturnType<typeof endpoint>) => app.http(name, { methods: ['GET'], authLevel: 'anonymous', route, handler });
http('peopleMe', 'api/people/me', peopleMe);
http('peopleList', 'api/people', peopleList);
http('peopleEvents', 'api/people/events', peopleEvents);
http('peopleUnmapped', 'api/people/unmapped', peopleUnmapped);
