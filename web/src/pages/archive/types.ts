/** The shapes the archive endpoints answer (functions/archive/records.ts, functions/archive/mailboxes.ts). */
export interface Address {
  name: string;
  address: string;
}

export interface MessageSummary {
  ref: string;
  mailboxId: string;
  folderPath: string;
  subject: string;
  from: Address | null;
  receivedAt: string;
  rawSize: number;
  attachmentNames: string[];
  retentionRuleId: string | null;
  retainUntil: string | null;
  held: boolean;
}

export interface SearchPage {
  items: MessageSummary[];
  continuation: string | null;
}

export interface MessageView {
  ref: string;
  /** `date` is null when the message's Date: is missing or invalid; `dateRaw` is the header as written. */
  headers: { from?: string; to?: string; cc?: string; date?: string | null; dateRaw?: string | null; subject?: string };
  /** Sanitised by the API; remote images carry `data-remote-src` only until the reader loads them. */
  html: string | null;
  text: string | null;
  remoteImages: number;
  /** `filename` is safe to show and save; `originalName` is the name as the sender wrote it. */
  attachments: { index: number; filename: string; originalName?: string | null; size: number; contentType?: string }[];
  /** Beyond what the reader can parse: headers only, the .eml holds the rest. */
  tooComplex: boolean;
}

export interface SearchFilter {
  mailboxId?: string;
  participant?: string;
  subject?: string;
  folder?: string;
  from?: string;
  to?: string;
  hasAttachments?: boolean;
}

export interface RuleName {
  id: string;
  title: { 'fr-CA': string; en: string };
}

export interface Hold {
  id: string;
  matter: string;
  mailboxes: string[];
  participants: string[];
  status: 'active' | 'released';
  createdAt: string;
  appliedCount: number;
  /** Tagging its entries runs in the background: queued, running (appliedCount so far), completed or failed. */
  applyStatus?: 'queued' | 'running' | 'completed' | 'failed';
}

export interface ExportRecord {
  id: string;
  matter: string;
  format: 'zip' | 'mbox';
  filters: string[];
  createdAt: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'expired';
  count: number;
  failure?: string | null;
  url?: string;
  manifestUrl?: string;
}

export interface IntegrityStatus {
  status: 'ok' | 'mismatch';
  checkedAt: string;
  daysSealed: number;
  daysVerified: number;
  oldestVerdictAt: string | null;
  problemCount: number;
  /** The first problems: which day, what, and which entry (ids only). */
  problems?: { kind: string; day: string; entryId?: string }[];
  /** The full-text index against the archive, per mailbox where they differ (derived data: a rebuild repairs it). */
  searchDrift?: { checkedAt: string; mailboxes: { mailboxId: string; archive: number; index: number }[] };
}

export interface MailboxCompleteness {
  mailboxId: string;
  displayName: string | null;
  totalItemCount: number;
  archived: number;
  gaps: { folderPath: string; missing: number }[];
  lagSeconds: number | null;
  lastSuccessAt: string | null;
  lastOutcome: 'running' | 'succeeded' | 'continued' | 'failed' | null;
  /** Messages the last run could not archive: Graph message id and error code. */
  failedMessages: { messageId: string; folderId: string; at: string; code: string }[];
  complete: boolean;
  /** How capture learns of changes: Graph notifications (listening), the schedule (polling), or catching up after lost notifications (repairing). */
  captureMode?: 'listening' | 'polling' | 'repairing' | null;
}

export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  actorKind: 'user' | 'app' | 'system';
  action: string;
  outcome: 'allowed' | 'denied';
  target: { mailboxId?: string; resultCount?: number; filters?: string[]; holdId?: string; exportId?: string };
}

export const AUDIT_ACTIONS = [
  'search', 'view', 'download-eml', 'download-attachment', 'export-create', 'export-complete', 'export-expire', 'export-link',
  'hold-create', 'hold-release', 'disposition', 'audit-query', 'completeness-view', 'integrity-view', 'integrity-verify', 'content-tampered', 'access-refused', 'hold-apply-complete',
  'retention-reassign', 'retention-reassign-complete', 'full-text-search', 'full-text-rebuild',
] as const;

/** POST /api/archive/full-text (docs/decisions/0020). */
export interface FullTextQuery {
  text: string;
  syntax: 'simple' | 'full';
  mailboxId?: string;
  folder?: string;
  participant?: string;
  from?: string;
  to?: string;
  hasAttachments?: boolean;
  /** A RecordsManager's: entries under this legal hold (its id). */
  hold?: string;
  /** A RecordsManager's: entries under this retention rule (its id). */
  retentionRule?: string;
  sort: 'relevance' | 'date-desc' | 'date-asc';
  page: number;
  pageSize: number;
}

export interface FullTextItem {
  ref: string;
  mailboxId: string;
  mailboxName: string;
  from: string;
  to: string[];
  date: string;
  folder: string;
  subject: string;
  attachmentNames: string[];
  hasAttachments: boolean;
  notIndexed: string[];
  highlights: { field: 'subject' | 'body' | 'attachmentText' | 'attachmentNames' | 'participantNames' | 'notIndexedReasons'; segments: { text: string; hit: boolean }[] }[];
}

export interface FullTextPage {
  total: number;
  page: number;
  pageSize: number;
  items: FullTextItem[];
  facets: Record<'year' | 'folder' | 'participant' | 'hasAttachments', { value: string; count: number }[]>;
}
