import { app } from '@azure/functions';
import { endpoint } from '../http/endpoint';
import { archiveEndpoint } from './refusals';
import { ApiError } from '../../shared/platform/api-error';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { FullTextQuery } from '../../shared/archive/records/full-text';
import { actorOf } from '../../shared/archive/records/access';
import { forbidden, requester } from './requester';
import type { Logger } from '../../shared/platform/logger';

/**
 * Full-text search of the archive (docs/decisions/0020-archive-full-text-search.md): the search
 * (staff their own mailbox, RecordsManagers any or all), the rebuild of the index (RecordsManagers,
 * 202 and a status), and the indexing pass that keeps the index in step with capture. Here only:
 * parse, check the role, call the use case, map its outcome. 503 while no search service is set.
 */
const READERS = ['Staff', 'RecordsManager'] as const;
const RECORDS = ['RecordsManager'] as const;

function fullText() {
  const services = recordsServices();
  if (!services.fullText) throw new ApiError(503, 'full_text_off', 'archive.fullTextOff', {}, { setting: 'AZURE_SEARCH_ENDPOINT' });
  return { ...services.fullText, audit: services.audit };
}

/** POST /api/archive/full-text: the query and filters in the body (personal information never in a URL). */
export const archiveFullTextSearch = archiveEndpoint('archiveFullTextSearch', {
  roles: READERS,
  body: FullTextQuery,
  async handle({ principal, body }) {
    const outcome = await fullText().search.search(requester(principal), body);
    if (outcome.kind === 'forbidden') throw forbidden();
    if (outcome.kind === 'bad-query') throw new ApiError(400, 'bad_query', 'archive.badSearchQuery', {}, [{ field: 'body.text', code: 'bad_query' }]);
    return { body: outcome.page };
  },
});

/** POST /api/archive/full-text/rebuild: drops the index and indexes the archive again, in the background. */
export const archiveFullTextRebuild = archiveEndpoint('archiveFullTextRebuild', {
  roles: RECORDS,
  async handle({ principal }) {
    const services = fullText();
    const who = requester(principal);
    const status = await services.indexing.startRebuild(who.oid);
    await services.audit.record(actorOf(who), 'full-text-rebuild', {});
    return { status: 202, headers: { location: '/api/archive/full-text/rebuild' }, body: status };
  },
});

export const archiveFullTextRebuildStatus = archiveEndpoint('archiveFullTextRebuildStatus', {
  roles: RECORDS,
  async handle() {
    const status = await fullText().indexing.rebuildStatus();
    return { body: status ?? { state: 'none' } };
  },
});

/** The indexing pass (registered with the records timers, records-timers.ts); nothing without a search service. */
export async function fullTextIndexPass(log: Logger): Promise<void> {
  const services = recordsServices().fullText;
  if (!services) return;
  const result = await services.indexing.pass(4 * 60_000);
  if (result.indexed > 0 || !result.caughtUp) log.info('archive.fulltext.pass', { ...result });
}

const http = (name: string, methods: ('GET' | 'POST')[], route: string, handler: ReturnType<typeof endpoint>) =>
  app.http(name, { methods, authLevel: 'anonymous', route, handler });

http('archiveFullTextSearch', ['POST'], 'api/archive/full-text', archiveFullTextSearch);
http('archiveFullTextRebuild', ['POST'], 'api/archive/full-text/rebuild', archiveFullTextRebuild);
http('archiveFullTextRebuildStatus', ['GET'], 'api/archive/full-text/rebuild', archiveFullTextRebuildStatus);
