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
 *   GET  /api/archive/mailboxes?search=&pageSize=   mailboxes by name for the picker
 *   GET  /api/archive/message-count?<filters>       how many messages a search (an export) holds
 *   GET  /api/archive/retention-rule-names          rule titles, so staff see names, not ids
 *   POST /api/archive/integrity/verify              start a verification pass now (202)
 */
const READERS = ['Staff', 'RecordsManager'] as const;
const RECORDS = ['RecordsManager'] as const;

export const archiveMailboxes = archiveEndpoint('archiveMailboxes', {
  roles: READERS,
  query: z.object({
    search: z.string().trim().max(100).optional(),
    pageSize: z.coerce.number().int().min(1).max(MAILBOX_CHOICES_MAX).default(20),
  }),
  async handle({ principal, query }) {
    const items = await mailboxChoices(recordsServices().mailboxes, requester(principal), query);
    return { body: { items } };
  },
});

export const archiveMessageCount = archiveEndpoint('archiveMessageCount', {
  roles: RECORDS,
  query: SearchFilterSchema,
  async handle({ principal, query }) {
    const outcome = await recordsServices().reading.count(requester(principal), query);
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
http('archiveMessageCount', ['GET'], 'api/archive/message-count', archiveMessageCount);
http('archiveRetentionRuleNames', ['GET'], 'api/archive/retention-rule-names', archiveRetentionRuleNames);
http('archiveIntegrityVerifyNow', ['POST'], 'api/archive/integrity/verify', archiveIntegrityVerify, [durableClientInput]);
