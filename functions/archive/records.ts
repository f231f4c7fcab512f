import { app } from '@azure/functions';
import { z } from 'zod';
import { endpoint } from '../http/endpoint';
import { archiveEndpoint } from './refusals';
import { ApiError } from '../../shared/platform/api-error';
import { translate } from '../../shared/platform/i18n';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { forbidden, requester } from './requester';
import { AuditAction } from '../../shared/archive/records/audit-record';
import { LegalHoldInput } from '../../shared/archive/records/legal-hold';
import { ExportRequest } from '../../shared/archive/records/export-request';
import { SearchQuery } from '../../shared/archive/records/search-filter';
import { MailboxIdSchema } from '../../shared/archive/records/mailbox-id';
import { attachmentDisposition } from '../../shared/archive/attachment-name';

/**
 * The archive's records and use endpoints (docs/decisions/0006-archive-records.md): search, read and
 * download for staff (their own mailbox) and RecordsManagers (every mailbox); legal holds, exports,
 * completeness, integrity and the audit log for RecordsManagers. Here only: parse, check the role,
 * call the use case (shared/archive/records/, which decides access and audits), map its outcome.
 */
const READERS = ['Staff', 'RecordsManager'] as const;
const RECORDS = ['RecordsManager'] as const;

const messageNotFound = () => new ApiError(404, 'not_found', 'archive.messageNotFound');

/** A denied or missing message, or one whose stored content no longer matches its hash (409: never served), as HTTP. */
function refused(outcome: { kind: 'forbidden' } | { kind: 'not-found' } | { kind: 'tampered' }): never {
  if (outcome.kind === 'tampered') throw new ApiError(409, 'content_integrity', 'archive.contentTampered');
  throw outcome.kind === 'forbidden' ? forbidden() : messageNotFound();
}

const refParams = z.object({ ref: z.string().min(1).max(700) });

/**
 * POST /api/archive/search. The filters (participants' addresses, subject words) are personal
 * information: in a query string they would land in the host's request logs and Application
 * Insights' request URLs, so they travel in the body.
 */
export const archiveSearch = archiveEndpoint('archiveSearch', {
  roles: READERS,
  body: SearchQuery,
  async handle({ principal, body }) {
    const outcome = await recordsServices().reading.searchPage(requester(principal), body);
    if (outcome.kind === 'forbidden') throw forbidden();
    if (outcome.kind === 'bad-continuation') throw new ApiError(400, 'bad_continuation', 'archive.badContinuation');
    return { body: outcome.page };
  },
});

export const archiveMessage = archiveEndpoint('archiveMessage', {
  roles: READERS,
  params: refParams,
  async handle({ principal, params }) {
    const outcome = await recordsServices().reading.view(requester(principal), params.ref);
    if (outcome.kind !== 'ok') refused(outcome);
    return { body: outcome.message };
  },
});

export const archiveEml = archiveEndpoint('archiveEml', {
  roles: READERS,
  params: refParams,
  async handle({ principal, params }) {
    const outcome = await recordsServices().reading.eml(requester(principal), params.ref);
    if (outcome.kind !== 'ok') refused(outcome);
    const { entry, mime } = outcome;
    return {
      // Streamed from the blob: a 100 MB message is never held in memory.
      body: mime,
      headers: {
        'content-type': 'message/rfc822',
        'content-length': String(entry.rawSize),
        'content-disposition': `attachment; filename="${entry.id.slice(0, 16)}.eml"`,
        'x-content-sha256': entry.contentHash,
      },
    };
  },
});

export const archiveAttachment = archiveEndpoint('archiveAttachment', {
  roles: READERS,
  params: refParams.extend({ index: z.coerce.number().int().nonnegative().max(10_000) }),
  async handle({ principal, params }) {
    const outcome = await recordsServices().reading.attachment(requester(principal), params.ref, params.index);
    if (outcome.kind === 'no-such-attachment') throw new ApiError(404, 'not_found', 'archive.attachmentNotFound');
    if (outcome.kind !== 'ok') refused(outcome);
    const { attachment } = outcome;
    return {
      // Streamed as the stored message is parsed: a 75 MB attachment is never held in memory.
      body: attachment.content,
      headers: {
        // Never rendered inline: an attachment could be HTML or script.
        'content-type': 'application/octet-stream',
        // The name is already made safe by the reader (no path, control or bidi character, no device name).
        'content-disposition': attachmentDisposition(attachment.filename),
        'x-content-type-options': 'nosniff',
      },
    };
  },
});

export const archiveHoldsList = archiveEndpoint('archiveHoldsList', {
  roles: RECORDS,
  async handle() {
    return { body: { items: await recordsServices().holdRequests.list() } };
  },
});

export const archiveHoldCreate = archiveEndpoint('archiveHoldCreate', {
  roles: RECORDS,
  body: LegalHoldInput,
  async handle({ principal, body, language }) {
    const outcome = await recordsServices().holdRequests.create(requester(principal), body);
    if (outcome.kind === 'unknown-mailboxes') {
      throw new ApiError(400, 'validation_failed', 'archive.unknownMailbox', {}, outcome.positions.map((i) => ({ field: `body.mailboxes.${i}`, code: 'unknown_mailbox', message: translate(language, 'archive.unknownMailbox') })));
    }
    // Applied in the background (archiveExport worker): GET the Location to follow its progress.
    return { status: 202, headers: { location: `/api/archive/holds/${outcome.hold.id}` }, body: outcome.hold };
  },
});

export const archiveHoldGet = archiveEndpoint('archiveHoldGet', {
  roles: RECORDS,
  params: z.object({ id: z.string().regex(/^hold-[0-9a-f-]{36}$/) }),
  async handle({ params }) {
    const hold = await recordsServices().holdRequests.get(params.id);
    if (!hold) throw new ApiError(404, 'not_found', 'archive.holdNotFound');
    return { body: hold };
  },
});

export const archiveHoldRelease = archiveEndpoint('archiveHoldRelease', {
  roles: RECORDS,
  params: z.object({ id: z.string().regex(/^hold-[0-9a-f-]{36}$/) }),
  async handle({ principal, params }) {
    const outcome = await recordsServices().holdRequests.release(requester(principal), params.id);
    if (outcome.kind === 'not-found') throw new ApiError(404, 'not_found', 'archive.holdNotFound');
    return { body: outcome.hold };
  },
});

export const archiveExportsList = archiveEndpoint('archiveExportsList', {
  roles: RECORDS,
  async handle() {
    return { body: { items: await recordsServices().exportRequests.list() } };
  },
});

export const archiveExportCreate = archiveEndpoint('archiveExportCreate', {
  roles: RECORDS,
  body: ExportRequest,
  async handle({ principal, body }) {
    const record = await recordsServices().exportRequests.create(requester(principal), body);
    // Built in the background (archiveExport): the link comes with GET once it is completed.
    return { status: 202, headers: { location: `/api/archive/exports/${record.id}` }, body: record };
  },
});

export const archiveExportGet = archiveEndpoint('archiveExportGet', {
  roles: RECORDS,
  params: z.object({ id: z.string().regex(/^export-[0-9a-f-]{36}$/) }),
  async handle({ principal, params }) {
    const outcome = await recordsServices().exportRequests.get(requester(principal), params.id);
    if (outcome.kind === 'not-found') throw new ApiError(404, 'not_found', 'archive.exportNotFound');
    return { body: outcome.export };
  },
});

export const archiveCompleteness = archiveEndpoint('archiveCompleteness', {
  roles: RECORDS,
  query: z.object({ mailboxId: MailboxIdSchema.optional() }),
  async handle({ principal, query }) {
    return { body: await recordsServices().oversight.completeness(requester(principal), query.mailboxId) };
  },
});

export const archiveIntegrity = archiveEndpoint('archiveIntegrity', {
  roles: RECORDS,
  async handle({ principal }) {
    return { body: await recordsServices().oversight.integrity(requester(principal)) };
  },
});

export const archiveAudit = archiveEndpoint('archiveAudit', {
  roles: RECORDS,
  query: z
    .object({
      from: z.iso.datetime({ offset: true }),
      to: z.iso.datetime({ offset: true }),
      actor: z.string().trim().min(1).max(64).optional(),
      action: AuditAction.optional(),
      pageSize: z.coerce.number().int().min(1).max(200).default(50),
      continuation: z.string().max(8000).optional(),
    })
    .refine((q) => q.from <= q.to, { message: 'from must be on or before to', path: ['to'] }),
  async handle({ principal, query }) {
    const page = await recordsServices().oversight.auditLog(requester(principal), query);
    return { body: { items: page.items, continuation: page.continuation } };
  },
});

export const archiveRetentionRules = archiveEndpoint('archiveRetentionRules', {
  roles: RECORDS,
  async handle() {
    return { body: recordsServices().oversight.retentionRules() };
  },
});

const http = (name: string, methods: ('GET' | 'POST')[], route: string, handler: ReturnType<typeof endpoint>) =>
  app.http(name, { methods, authLevel: 'anonymous', route, handler });

http('archiveSearch', ['POST'], 'api/archive/search', archiveSearch);
http('archiveMessage', ['GET'], 'api/archive/messages/{ref}', archiveMessage);
http('archiveEml', ['GET'], 'api/archive/messages/{ref}/eml', archiveEml);
http('archiveAttachment', ['GET'], 'api/archive/messages/{ref}/attachments/{index}', archiveAttachment);
http('archiveHoldsList', ['GET'], 'api/archive/holds', archiveHoldsList);
http('archiveHoldCreate', ['POST'], 'api/archive/holds', archiveHoldCreate);
http('archiveHoldGet', ['GET'], 'api/archive/holds/{id}', archiveHoldGet);
http('archiveHoldRelease', ['POST'], 'api/archive/holds/{id}/release', archiveHoldRelease);
http('archiveExportsList', ['GET'], 'api/archive/exports', archiveExportsList);
http('archiveExportCreate', ['POST'], 'api/archive/exports', archiveExportCreate);
http('archiveExportGet', ['GET'], 'api/archive/exports/{id}', archiveExportGet);
http('archiveCompleteness', ['GET'], 'api/archive/completeness', archiveCompleteness);
http('archiveIntegrity', ['GET'], 'api/archive/integrity', archiveIntegrity);
http('archiveAudit', ['GET'], 'api/archive/audit', archiveAudit);
http('archiveRetentionRules', ['GET'], 'api/archive/retention-rules', archiveRetentionRules);
