import { app } from '@azure/functions';
import { z } from 'zod';
import { endpoint } from '../http/endpoint';
import { ApiError } from '../../shared/platform/api-error';
import type { Principal } from '../../shared/platform/auth';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { AuditAction, type Actor } from '../../shared/archive/records/audit';
import { LegalHoldInput } from '../../shared/archive/records/legal-hold';
import { ExportRequest } from '../../shared/archive/records/export';
import { BadContinuation, filtersUsed, SearchQuery } from '../../shared/archive/records/search';
import { loadEntry, mailboxOfRef, openAttachment, readMessage } from '../../shared/archive/records/read';
import { completenessReport } from '../../shared/archive/records/completeness';
import { integrityStatus } from '../../shared/archive/records/integrity';

/**
 * The archive's records and use endpoints (docs/decisions/0006-archive-records.md): search, read and
 * download for staff (their own mailbox) and RecordsManagers (every mailbox); legal holds, exports,
 * completeness, integrity and the audit log for RecordsManagers. Every access is audited.
 */
const READERS = ['Staff', 'RecordsManager'] as const;
const RECORDS = ['RecordsManager'] as const;

const actor = (p: Principal): Actor => ({ oid: p.oid, kind: p.kind });
const isRecordsManager = (p: Principal) => p.roles.includes('RecordsManager');

/** Staff: their own mailbox only (Graph user id = their object id); RecordsManager: any, or all. */
async function mailboxScope(p: Principal, requested: string | undefined, action: AuditAction): Promise<string | undefined> {
  if (isRecordsManager(p)) return requested;
  if (requested && requested.toLowerCase() !== p.oid.toLowerCase()) {
    await recordsServices().audit.record(actor(p), action, { mailboxId: requested }, 'denied');
    throw new ApiError(403, 'forbidden', 'archive.notYourMailbox');
  }
  return p.oid;
}

/** The entry a ref names, once the caller is known to be allowed to see its mailbox. */
async function entryFor(p: Principal, ref: string, action: AuditAction) {
  const mailboxId = mailboxOfRef(ref);
  if (!mailboxId) throw new ApiError(404, 'not_found', 'archive.messageNotFound');
  await mailboxScope(p, mailboxId, action);
  const entry = await loadEntry(recordsServices().store, ref);
  if (!entry) throw new ApiError(404, 'not_found', 'archive.messageNotFound');
  return entry;
}

const refParams = z.object({ ref: z.string().min(1).max(700) });

export const archiveSearch = endpoint({
  roles: READERS,
  query: SearchQuery,
  async handle({ principal, query }) {
    const mailboxId = await mailboxScope(principal, query.mailboxId, 'search');
    const services = recordsServices();
    let page;
    try {
      page = await services.search.page({ ...query, mailboxId });
    } catch (error) {
      if (error instanceof BadContinuation || (error as { code?: number }).code === 400) throw new ApiError(400, 'bad_continuation', 'archive.badContinuation');
      throw error;
    }
    await services.audit.record(actor(principal), 'search', {
      ...(mailboxId ? { mailboxId } : {}),
      filters: filtersUsed({ ...query, mailboxId }),
      ...(query.from ? { dateFrom: query.from } : {}),
      ...(query.to ? { dateTo: query.to } : {}),
      resultCount: page.items.length,
    });
    return { body: page };
  },
});

export const archiveMessage = endpoint({
  roles: READERS,
  params: refParams,
  async handle({ principal, params }) {
    const entry = await entryFor(principal, params.ref, 'view');
    const services = recordsServices();
    const view = await readMessage(services.content, entry);
    await services.audit.record(actor(principal), 'view', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash });
    return { body: { ref: params.ref, mailboxId: entry.mailboxId, folderPath: entry.folderPath, receivedAt: entry.receivedAt, contentHash: entry.contentHash, rawSize: entry.rawSize, ...view } };
  },
});

export const archiveEml = endpoint({
  roles: READERS,
  params: refParams,
  async handle({ principal, params }) {
    const entry = await entryFor(principal, params.ref, 'download-eml');
    const services = recordsServices();
    // Streamed from the blob (gunzipped on the way): a 100 MB message is never held in memory.
    const mime = await services.content.open(entry.contentHash);
    await services.audit.record(actor(principal), 'download-eml', { mailboxId: entry.mailboxId, entryId: entry.id, contentHash: entry.contentHash });
    return {
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

export const archiveAttachment = endpoint({
  roles: READERS,
  params: refParams.extend({ index: z.coerce.number().int().nonnegative().max(10_000) }),
  async handle({ principal, params }) {
    const entry = await entryFor(principal, params.ref, 'download-attachment');
    const services = recordsServices();
    const attachment = await openAttachment(services.content, entry, params.index);
    if (!attachment) throw new ApiError(404, 'not_found', 'archive.attachmentNotFound');
    try {
      await services.audit.record(actor(principal), 'download-attachment', { mailboxId: entry.mailboxId, entryId: entry.id, attachmentIndex: params.index });
    } catch (error) {
      attachment.content.destroy();
      throw error;
    }
    const ascii = attachment.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
    return {
      // Streamed as the stored message is parsed: a 75 MB attachment is never held in memory.
      body: attachment.content,
      headers: {
        // Never rendered inline: an attachment could be HTML or script.
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`,
        'x-content-type-options': 'nosniff',
      },
    };
  },
});

export const archiveHoldsList = endpoint({
  roles: RECORDS,
  async handle() {
    return { body: { items: await recordsServices().holds.list() } };
  },
});

export const archiveHoldCreate = endpoint({
  roles: RECORDS,
  body: LegalHoldInput,
  async handle({ principal, body }) {
    const services = recordsServices();
    const hold = await services.holds.create(body, principal.oid);
    await services.audit.record(actor(principal), 'hold-create', { holdId: hold.id, resultCount: hold.appliedCount });
    return { status: 201, body: hold };
  },
});

export const archiveHoldRelease = endpoint({
  roles: RECORDS,
  params: z.object({ id: z.string().regex(/^hold-[0-9a-f-]{36}$/) }),
  async handle({ principal, params }) {
    const services = recordsServices();
    const hold = await services.holds.release(params.id, principal.oid);
    if (!hold) throw new ApiError(404, 'not_found', 'archive.holdNotFound');
    await services.audit.record(actor(principal), 'hold-release', { holdId: hold.id });
    return { body: hold };
  },
});

export const archiveExportsList = endpoint({
  roles: RECORDS,
  async handle() {
    return { body: { items: await recordsServices().exports.list() } };
  },
});

export const archiveExportCreate = endpoint({
  roles: RECORDS,
  body: ExportRequest,
  async handle({ principal, body }) {
    const services = recordsServices();
    const record = await services.exports.request(body, principal.oid);
    await services.audit.record(actor(principal), 'export-create', {
      exportId: record.id,
      filters: record.filters,
      ...(body.filter.mailboxId ? { mailboxId: body.filter.mailboxId } : {}),
    });
    // Built in the background (archiveExport): the link comes with GET once it is completed.
    return { status: 202, headers: { location: `/api/archive/exports/${record.id}` }, body: record };
  },
});

export const archiveExportGet = endpoint({
  roles: RECORDS,
  params: z.object({ id: z.string().regex(/^export-[0-9a-f-]{36}$/) }),
  async handle({ principal, params }) {
    const services = recordsServices();
    const record = await services.exports.get(params.id);
    if (!record) throw new ApiError(404, 'not_found', 'archive.exportNotFound');
    if (record.status !== 'completed') return { body: record };
    const links = await services.exports.links(record, services.settings.archive.records.exportLinkMinutes, services.settings.storage);
    await services.audit.record(actor(principal), 'export-link', { exportId: record.id });
    return { body: { ...record, ...links } };
  },
});

export const archiveCompleteness = endpoint({
  roles: RECORDS,
  query: z.object({ mailboxId: z.string().trim().min(1).max(128).optional() }),
  async handle({ principal, query }) {
    const services = recordsServices();
    const mailboxes = await completenessReport(services.store, services.now(), query.mailboxId);
    await services.audit.record(actor(principal), 'completeness-view', query.mailboxId ? { mailboxId: query.mailboxId } : {});
    return { body: { generatedAt: services.now().toISOString(), mailboxes } };
  },
});

export const archiveIntegrity = endpoint({
  roles: RECORDS,
  async handle({ principal }) {
    const services = recordsServices();
    const status = await integrityStatus(services.store);
    await services.audit.record(actor(principal), 'integrity-view', {});
    const manifests = await services.manifests.days();
    return { body: { status: status ?? null, manifests: { count: manifests.length, first: manifests[0] ?? null, last: manifests[manifests.length - 1] ?? null } } };
  },
});

export const archiveAudit = endpoint({
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
    const services = recordsServices();
    const continuation = query.continuation ? Buffer.from(query.continuation, 'base64url').toString('utf8') : undefined;
    const page = await services.audit.query({ from: new Date(query.from), to: new Date(query.to), actor: query.actor, action: query.action, pageSize: query.pageSize, continuation });
    await services.audit.record(actor(principal), 'audit-query', { dateFrom: query.from, dateTo: query.to, resultCount: page.items.length });
    return { body: { items: page.items, continuation: page.continuation ? Buffer.from(page.continuation, 'utf8').toString('base64url') : null } };
  },
});

export const archiveRetentionRules = endpoint({
  roles: RECORDS,
  async handle() {
    return { body: recordsServices().calendar.rules };
  },
});

const http = (name: string, methods: ('GET' | 'POST')[], route: string, handler: ReturnType<typeof endpoint>) =>
  app.http(name, { methods, authLevel: 'anonymous', route, handler });

http('archiveSearch', ['GET'], 'archive/messages', archiveSearch);
http('archiveMessage', ['GET'], 'archive/messages/{ref}', archiveMessage);
http('archiveEml', ['GET'], 'archive/messages/{ref}/eml', archiveEml);
http('archiveAttachment', ['GET'], 'archive/messages/{ref}/attachments/{index}', archiveAttachment);
http('archiveHoldsList', ['GET'], 'archive/holds', archiveHoldsList);
http('archiveHoldCreate', ['POST'], 'archive/holds', archiveHoldCreate);
http('archiveHoldRelease', ['POST'], 'archive/holds/{id}/release', archiveHoldRelease);
http('archiveExportsList', ['GET'], 'archive/exports', archiveExportsList);
http('archiveExportCreate', ['POST'], 'archive/exports', archiveExportCreate);
http('archiveExportGet', ['GET'], 'archive/exports/{id}', archiveExportGet);
http('archiveCompleteness', ['GET'], 'archive/completeness', archiveCompleteness);
http('archiveIntegrity', ['GET'], 'archive/integrity', archiveIntegrity);
http('archiveAudit', ['GET'], 'archive/audit', archiveAudit);
http('archiveRetentionRules', ['GET'], 'archive/retention-rules', archiveRetentionRules);
