/**
 * Ports of project space requests (shared/collaboration/requests.ts): where requests are kept, how
 * people are told, and the audit trail. Adapters: adapters/cosmos-requests.ts,
 * adapters/graph-request-notifier.ts; in-memory fakes in test/fakes/collaboration-requests.ts.
 */

export const REQUEST_STATUSES = ['pending', 'approved', 'refused', 'expired', 'provisioned'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export type RequestLanguage = 'fr-CA' | 'en';

export interface RequestDecision {
  outcome: 'approve' | 'refuse';
  /** Entra object id of who decided. */
  by: string;
  at: string;
  /** Required to refuse (the requester reads it); optional to approve. */
  reason: string | null;
}

/** A request for a project space: a Team made from the template's project kind once approved. */
export interface ProjectRequest {
  id: string;
  requesterId: string;
  name: string;
  purpose: string;
  serviceCode: string;
  /** Staff to add as members (the requester is the space's owner). */
  memberIds: string[];
  /** YYYY-MM-DD: when the project ends (the space is then due for review). */
  endDate: string;
  status: RequestStatus;
  /** The service's managers when submitted, else the direction. */
  approverIds: string[];
  /** The direction, once the request waited too long (they may decide too); null before. */
  escalatedTo: string[] | null;
  decision: RequestDecision | null;
  /** The deadlines the orchestration waits for (ISO instants, scaled in tests). */
  deadlines: RequestDeadlines;
  /** The space's web link once provisioned (null when Graph gave none). */
  spaceUrl: string | null;
  createdAt: string;
  updatedAt: string;
  escalatedAt: string | null;
  expiredAt: string | null;
  provisionedAt: string | null;
}

export interface RequestDeadlines {
  reminderAt: string;
  escalationAt: string;
  expiryAt: string;
}

export class RequestConflict extends Error {
  constructor(readonly requestId: string) {
    super(`Request ${requestId} changed meanwhile`);
    this.name = 'RequestConflict';
  }
}

export interface StoredRequest {
  request: ProjectRequest;
  etag: string;
}

export interface RequestStore {
  get(id: string): Promise<StoredRequest | undefined>;
  /** Creates (no etag) or replaces only if unchanged since read; else RequestConflict. */
  save(request: ProjectRequest, etag?: string): Promise<string>;
  /** Requests this person made, newest first. */
  byRequester(personId: string): Promise<ProjectRequest[]>;
  /** Pending requests this person may decide (approver, or escalated to them). */
  pendingFor(personId: string): Promise<ProjectRequest[]>;
  /** Approved and provisioned requests (the planner's project spaces). */
  approved(): Promise<ProjectRequest[]>;
}

/** One notification, rendered: the activity feed's fields and the e-mail fallback's. */
export interface RequestNotification {
  recipientId: string;
  activityType: string;
  subject: string;
  preview: string;
  templateParameters: Record<string, string>;
  /** The request page (a Teams deep link in Azure). */
  url: string;
  bodyHtml: string;
}

export type RequestNotifyOutcome = { ok: true; channel: 'teams' | 'email' } | { ok: false; code: string };

export interface RequestNotifier {
  send(notification: RequestNotification): Promise<RequestNotifyOutcome>;
}

/** A person's preferred language when collaboration knows it (the roster's optional `language`). */
export interface LanguageOf {
  (personId: string): Promise<RequestLanguage>;
}

/** Decisions and their follow-ups go to the collaboration trail (audit-record.ts): ids and counts only. */
export type { CollaborationAudit as RequestAudit } from './audit-record';
