import { z } from 'zod';
import { ANONYMOUS_ACTOR, auditRecordSchema, SYSTEM_ACTOR, type Actor, type AuditPage as PlatformAuditPage, type AuditQuery as PlatformAuditQuery } from '../../platform/audit';

/**
 * The access log of the archive: every search, view, download, export, hold and disposition, who
 * (Entra object id) and when. It is evidence that access rules are honoured, so it must never hold
 * message content: no subject, no address, no body, no search terms. The schema is strict, so a
 * field that could carry content cannot slip in; search records only which filters were used.
 */
export const AuditAction = z.enum([
  'search',
  'view',
  'download-eml',
  'download-attachment',
  'export-create',
  'export-complete',
  'export-expire',
  'export-link',
  'hold-create',
  'hold-release',
  /** The background job that tags a new hold's entries finished (system actor, count). */
  'hold-apply-complete',
  'disposition',
  'audit-query',
  'completeness-view',
  'integrity-view',
  'integrity-verify',
  /** A read path refused content that does not match its recorded hash (outcome denied). */
  'content-tampered',
  /** A request refused before any use case ran: no valid token (401) or not the role (403). */
  'access-refused',
  'retention-reassign',
  'retention-reassign-complete',
  /**
   * A full-text search (full-text-search.ts): the query as typed is recorded, as eDiscovery audits
   * record it, because "who searched for what" is what an oversight review asks; never a result's content.
   */
  'full-text-search',
  /** A rebuild of the full-text index was asked for. */
  'full-text-rebuild',
  /** Change notifications whose clientState the app did not issue (forged or misrouted): ids and counts only. */
  'notification-refused',
]);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditTarget = z
  .object({
    mailboxId: z.string().optional(),
    entryId: z.string().optional(),
    contentHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    holdId: z.string().optional(),
    exportId: z.string().optional(),
    attachmentIndex: z.number().int().nonnegative().optional(),
    /** For searches and exports: names of the filters used (never their values) and the result count. */
    filters: z.array(z.string()).optional(),
    dateFrom: z.string().optional(),
    dateTo: z.string().optional(),
    resultCount: z.number().int().nonnegative().optional(),
    ruleId: z.string().optional(),
    /** For a search across mailboxes: the mailboxes whose messages it returned (ids, sorted). */
    mailboxIds: z.array(z.string()).optional(),
    /** For a full-text search: the query as typed, its syntax, and how many results each mailbox had. */
    query: z.string().max(500).optional(),
    syntax: z.enum(['simple', 'full']).optional(),
    mailboxCounts: z.array(z.object({ mailboxId: z.string(), count: z.number().int().nonnegative() }).strict()).optional(),
    /** For a refused request: the endpoint (function name) and the status answered. */
    endpoint: z.string().regex(/^archive[A-Za-z]{1,60}$/).optional(),
    httpStatus: z.union([z.literal(401), z.literal(403)]).optional(),
  })
  .strict();
export type AuditTarget = z.infer<typeof AuditTarget>;

/** The archive's records in the app's audit trail (shared/platform/audit.ts): its actions and targets. */
export const AuditRecord = auditRecordSchema(AuditAction, AuditTarget);
export type AuditRecord = z.infer<typeof AuditRecord>;

export type AuditQuery = PlatformAuditQuery<AuditAction>;
export type AuditPage = PlatformAuditPage<AuditRecord>;
export { ANONYMOUS_ACTOR, SYSTEM_ACTOR, type Actor };
