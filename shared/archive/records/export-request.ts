import { z } from 'zod';
import { SearchFilterSchema } from './search-filter';
import { HoldIdSchema, RuleIdSchema } from './full-text';

/**
 * Export for a legal request: what is asked (ExportRequest), the record that follows it through
 * its background job (ExportRecord), the job message, and the manifest that goes with the file.
 * The job is Exports' (export.ts); the file formats are export-archive.ts's.
 */
/**
 * The words of a full-text search (docs/decisions/0020) whose results are exported: with it, the
 * export holds what that search finds within `filter` (its mailbox, participant address, dates,
 * folder and attachments) and, when the search had them, its legal hold and retention rule, at
 * most FULL_TEXT_EXPORT_MAX messages.
 */
export const ExportFullText = z
  .object({ text: z.string().trim().min(1).max(500), syntax: z.enum(['simple', 'full']).default('simple'), hold: HoldIdSchema.optional(), retentionRule: RuleIdSchema.optional() })
  .strict();
export type ExportFullText = z.infer<typeof ExportFullText>;
export const FULL_TEXT_EXPORT_MAX = 100_000;

export const ExportRequest = z.object({
  matter: z.string().trim().min(3).max(200),
  format: z.enum(['mbox', 'zip']),
  filter: SearchFilterSchema.default({}),
  fullText: ExportFullText.optional(),
});
export type ExportRequest = z.infer<typeof ExportRequest>;

/** What failed, as a code: never a message text, which could carry a subject or an address. */
export const ExportFailure = z.enum(['content-missing', 'content-mismatch', 'content-unreadable', 'attempts-exhausted', 'error']);
export type ExportFailure = z.infer<typeof ExportFailure>;

export const ExportRecord = z.object({
  id: z.string(),
  pk: z.literal('export'),
  type: z.literal('export'),
  matter: z.string(),
  format: z.enum(['mbox', 'zip']),
  /** The query the worker runs (values included: the record is data, never logged). */
  filter: SearchFilterSchema.default({}),
  /** A full-text search's words, when the export is of its results. */
  fullText: ExportFullText.optional(),
  /** Names of the filters used, for lists and the audit log. */
  filters: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  /** `expired`: its files were deleted after the retention period (ARCHIVE_EXPORT_RETENTION_DAYS). */
  status: z.enum(['queued', 'running', 'completed', 'failed', 'expired']),
  /** Messages in the export file; while running, how many are written so far. */
  count: z.number().int(),
  size: z.number().int(),
  sha256: z.string().nullable(),
  /** Blobs of the current attempt (each attempt writes its own, so two never mix). */
  blobName: z.string(),
  manifestBlobName: z.string(),
  attempts: z.number().int().default(0),
  /** Set by the running attempt every HEARTBEAT_MS; a stale one means that attempt died. */
  heartbeatAt: z.string().nullable().default(null),
  failure: ExportFailure.nullable().default(null),
  /** With `content-mismatch` / `content-unreadable`: the entry whose stored content does not match its recorded hash (an id, never content). */
  failedEntryId: z.string().nullable().default(null),
  completedAt: z.string().nullable(),
  expiredAt: z.string().nullable().default(null),
});
export type ExportRecord = z.infer<typeof ExportRecord>;

export interface ExportManifest {
  format: 'spgq-archive-export/1';
  exportId: string;
  matter: string;
  createdAt: string;
  createdBy: string;
  archiveFormat: 'mbox' | 'zip';
  count: number;
  items: { name: string; entryId: string; mailboxId: string; receivedAt: string; contentHash: string; rawSize: number }[];
  /** SHA-256 and size of the export file itself. */
  sha256: string;
  size: number;
}

/** The message that asks a worker to build an export. */
export const ExportJob = z.object({ exportId: z.string().regex(/^export-[0-9a-f-]{36}$/) });
export type ExportJob = z.infer<typeof ExportJob>;

/** What one delivery of a job did. */
export type ExportRunOutcome =
  | { outcome: 'completed'; count: number; size: number }
  | { outcome: 'retry-scheduled'; failure: ExportFailure; attempt: number }
  | { outcome: 'failed'; failure: ExportFailure }
  /** Another attempt is alive (its heartbeat is fresh): the job is looked at again later. */
  | { outcome: 'deferred' }
  /** A repeat delivery of a job already finished, or of an unknown export: nothing to do. */
  | { outcome: 'nothing-to-do' }
  /** This attempt was taken over (its heartbeat went stale): it stopped and wrote nothing more. */
  | { outcome: 'superseded' };

export interface ExportTiming {
  heartbeatMs: number;
  /** A heartbeat older than this means its attempt died (a crash, a lost host). */
  staleMs: number;
  maxAttempts: number;
  /** Wait before attempt n+1 is retryBaseMs x n. */
  retryBaseMs: number;
}

export const EXPORT_TIMING: ExportTiming = { heartbeatMs: 15_000, staleMs: 60_000, maxAttempts: 3, retryBaseMs: 30_000 };

/** Blobs of one attempt (each attempt writes its own, so two never mix). */
export function exportBlobNames(id: string, format: 'mbox' | 'zip', attempt: number): { blobName: string; manifestBlobName: string } {
  return { blobName: `${id}/attempt-${attempt}/export.${format}`, manifestBlobName: `${id}/attempt-${attempt}/manifest.json` };
}
