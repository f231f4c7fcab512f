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
  headers: { from?: string; to?: string; cc?: string; date?: string; subject?: string };
  html: string | null;
  text: string | null;
  attachments: { index: number; filename: string; size: number; contentType?: string }[];
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
  'hold-create', 'hold-release', 'disposition', 'audit-query', 'completeness-view', 'integrity-view', 'integrity-verify',
  'retention-reassign', 'retention-reassign-complete',
] as const;
