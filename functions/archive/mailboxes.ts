import { app } from '@azure/functions';
import { z } from 'zod';
import { endpoint } from '../http/endpoint';
import { archiveEndpoint } from './refusals';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { MAILBOX_CHOICES_MAX } from '../../shared/archive/ports';
import { mailboxChoices } from '../../shared/archive/records/mailbox-choices';
import { SearchFilterSchema } from '../../shared/archive/records/search-filter';
import { actorOf } from '../../shared/archive/records/access';
import { durableClientInput, startIntegrityVerification } from '../../orchestrations/archive-integrity-verify/client';
import { forbidden, requester } from './requester';

/**
 * What the Teams archive page needs beyond the records endpoints (functions/archive/records.ts):
 *   GET  /api/archive/mailboxes?pageSize=           the picker's first page of mailboxes
 *   POST /api/archive/mailboxes/search {search}     mailboxes by name (a name stays out of URLs)
 *   POST /api/archive/message-count {<filters>}     how many messages a search (an export) holds
 *   GET  /api/archive/retention-rule-names          rule titles, so staff see names, not ids
 *   POST /api/archive/integrity/verify              start a verification pass now (202)
 */
const READERS = ['Staff', 'RecordsManager'] as const;
const RECORDS = ['RecordsManager'] as const;

const mailboxPage = { pageSize: z.coerce.number().int().min(1).max(MAILBOX_CHOICES_MAX).default(20) };

/** GET: the first page of choices. Strict, so a `search` left in the URL is a 400, never logged quietly. */
export const archiveMailboxes = archiveEndpoint('archiveMailboxes', {
  roles: READERS,
  query: z.strictObject(mailboxPage),
  async handle({ principal, query }) {
    const items = await mailboxChoices(recordsServices().mailboxes, requester(principal), query);
    return { body: { items } };
  },
});

/** POST: choices by part of a name or address, which is personal information: in the body, not the URL. */
export const archiveMailboxSearch = archiveEndpoint('archiveMailboxSearch', {
  roles: READERS,
  body: z.strictObject({ search: z.string().trim().max(100).optional(), ...mailboxPage }),
  async handle({ principal, body }) {
    const items = await mailboxChoices(recordsServices().mailboxes, requester(principal), body);
    return { body: { items } };
  },
});

/** POST: the filters are a search's (participants, subject words), so in the body as well. */
export const archiveMessageCount = archiveEndpoint('archiveMessageCount', {
  roles: RECORDS,
  body: SearchFilterSchema,
  async handle({ principal, body }) {
    const outcome = await recordsServices().reading.count(requester(principal), body);
    if (outcome.kind === 'forbidden') throw forbidden();
    return { body: { count: outcome.count } };
  },
});

export const archiveRetentionRuleNames = archiveEndpoint('archiveRetentionRuleNames', {
  roles: READERS,
  async handle() {
    return { body: { items: recordsServices().calendar.rules.rules.map((r) => ({ id: r.id, title: r.title })) } };
  },
});

export const archiveIntegrityVerify = archiveEndpoint('archiveIntegrityVerify', {
  roles: RECORDS,
  async handle({ principal, context }) {
    const requestedAt = new Date().toISOString();
    const status = await startIntegrityVerification(context, requestedAt);
    await recordsServices().audit.record(actorOf(requester(principal)), 'integrity-verify', {});
    return { status: 202, headers: { location: '/api/archive/integrity' }, body: { status, requestedAt } };
  },
});

const http = (name: string, methods: ('GET' | 'POST')[], route: string, handler: ReturnType<typeof endpoint>, extraInputs: (typeof durableClientInput)[] = []) =>
  app.http(name, { methods, authLevel: 'anonymous', route, handler, extraInputs });

http('archiveMailboxes', ['GET'], 'api/archive/mailboxes', archiveMailboxes);
http('archiveMailboxSearch', ['POST'], 'api/archive/mailboxes/search', archiveMailboxSearch);
http('archiveMessageCount', ['POST'], 'api/archive/message-count', archiveMessageCount);
http('archiveRetentionRuleNames', ['GET'], 'api/archive/retention-rule-names', archiveRetentionRuleNames);
http('archiveIntegrityVerifyNow', ['POST'], 'api/archive/integrity/verify', archiveIntegrityVerify, [durableClientInput]);
