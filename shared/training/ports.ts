import type { Actor } from '../platform/audit';
import type { Assignment, Trainee } from './model';

export interface TraineeStore {
  get(personId: string): Promise<Trainee | undefined>;
  many(personIds: string[]): Promise<Map<string, Trainee>>;
  save(trainee: Trainee): Promise<void>;
  /** Everyone training knows (compliance reports; a few thousand at most). */
  all(): Promise<Trainee[]>;
}

/** Thrown by AssignmentStore.save when the assignment changed since it was read. */
export class AssignmentConflict extends Error {
  constructor(readonly assignmentId: string) {
    super(`Assignment ${assignmentId} changed meanwhile`);
    this.name = 'AssignmentConflict';
  }
}

export interface StoredAssignment {
  assignment: Assignment;
  /** Opaque version for compare-and-swap: a completion and a reminder pass never overwrite each other. */
  etag: string;
}

export interface AssignmentStore {
  get(id: string): Promise<StoredAssignment | undefined>;
  forPerson(personId: string): Promise<StoredAssignment[]>;
  forPeople(personIds: string[]): Promise<StoredAssignment[]>;
  /** Open assignments (the reminder pass), and closed or completed ones whose next cycle is due by `day`. */
  open(): Promise<StoredAssignment[]>;
  nextCycleDue(day: string): Promise<StoredAssignment[]>;
  all(): Promise<StoredAssignment[]>;
  /** Creates (no etag) or replaces only if unchanged since read; else AssignmentConflict. */
  save(assignment: Assignment, etag?: string): Promise<string>;
}

export const TRAINING_AUDIT_ACTIONS = [
  'assigned',
  'closed',
  'completed',
  'quiz-attempt',
  'manual-completion',
  'completions-imported',
  'reminder-sent',
  'digest-sent',
  'reminder-resent',
  'hr-assigned',
  'report-exported',
] as const;
export type TrainingAuditAction = (typeof TRAINING_AUDIT_ACTIONS)[number];

/** Ids and counts only: never a quiz answer, a name or a reason's text beyond its length. */
export interface TrainingAuditTarget {
  personId?: string;
  moduleId?: string;
  cycle?: number;
  step?: string;
  count?: number;
  channel?: 'teams' | 'email';
  passed?: boolean;
}

export interface TrainingAudit {
  record(actor: Actor, action: TrainingAuditAction, target: TrainingAuditTarget, outcome?: 'allowed' | 'denied'): Promise<void>;
}

/** Which catalogue version everyone's assignments were last computed with. */
export interface CatalogueState {
  appliedVersion(): Promise<string | null>;
  setAppliedVersion(version: string): Promise<void>;
}

/** Names for pages (never stored by training): the people capability's directory, composed by functions/. */
export interface PeopleNames {
  namesOf(personIds: string[]): Promise<Map<string, string>>;
}

// --- Reminders (shared/training/reminders/, docs/decisions/0010-training.md "Reminders") ---

/**
 * One idempotency key's life: `claimed` (a pass owns it, nothing sent yet), `sending` (the request
 * to Graph may be on its way), then `sent`, `failed` (Graph said no: provably not delivered),
 * `skipped` (nothing to send after all: completed meanwhile, left, on leave) or `unknown` (a pass
 * died while `sending`: perhaps delivered, so never sent again).
 */
export type ReminderKeyState = 'claimed' | 'sending' | 'sent' | 'failed' | 'skipped' | 'unknown';

export interface ReminderRecord {
  /** `person|module|step|day`, `digest|manager|person|day`, `resend|person|module`. */
  key: string;
  state: ReminderKeyState;
  /** The pass (or resend) that owns the key. */
  owner: string;
  claimedAt: string;
  updatedAt: string;
  channel?: 'teams' | 'email';
  /** A code only (`skipped`: not-open, left...; `failed`: Graph's error code), never a message. */
  detail?: string;
}

export interface ReminderLog {
  /**
   * Creates the key as `claimed` by `owner` if absent, atomically. When it exists, `takeOver(record)`
   * decides whether this owner may claim it again (a stale claim of a dead pass, a resend an hour
   * later); the replacement is a compare-and-swap, so of two racing passes one wins.
   */
  claim(key: string, owner: string, at: string, takeOver?: (record: ReminderRecord) => boolean): Promise<{ claimed: true } | { claimed: false; record: ReminderRecord }>;
  /** Moves an owned key on; refused (false) when another owner took it over meanwhile. */
  mark(key: string, owner: string, state: Exclude<ReminderKeyState, 'claimed'>, at: string, extra?: { channel?: 'teams' | 'email'; detail?: string }): Promise<boolean>;
  get(key: string): Promise<ReminderRecord | undefined>;
}

/** A rendered notification, in the recipient's language; the adapter picks the channel. */
export interface ReminderNotification {
  recipientId: string;
  /** Activity type declared in the Teams app manifest (`trainingReminder`, `trainingDigest`). */
  activityType: 'trainingReminder' | 'trainingDigest';
  /** Values of the activity type's template (short texts, no personal data beyond the recipient's own training). */
  templateParameters: Record<string, string>;
  subject: string;
  /** Activity feed preview: Teams shows about 150 characters. */
  preview: string;
  /** E-mail body (HTML, escaped), with the link to the tab. */
  bodyHtml: string;
  /** The tab the notification opens. */
  url: string;
}

export type NotifyOutcome = { ok: true; channel: 'teams' | 'email' } | { ok: false; code: string };

export interface Notifier {
  /**
   * A place among the few notifications about to leave (a second's worth at the channel's rate):
   * the caller marks its key, then sends; call the returned function when done, sent or not.
   */
  pace(): Promise<() => void>;
  /**
   * Sends (call `pace` first). `stillWanted` is asked right before the request leaves, after any
   * last wait for the rate; false cancels (`{ ok: false, code: 'cancelled' }`), nothing is sent.
   */
  send(notification: ReminderNotification, stillWanted?: () => Promise<boolean>): Promise<NotifyOutcome>;
}

/**
 * A training completed on another platform, as its connector reads it (Attack Simulation Training
 * first): who (Entra object id), when (ISO instant) and the record there (e.g. the simulation id).
 */
export interface ExternalCompletion {
  personId: string;
  completedAt: string;
  source: string;
}

/** Completions another platform recorded. */
export interface ExternalCompletions {
  /**
   * Completions recorded since `since` (an ISO instant; null: everything the platform holds). It may
   * return older ones again: applying a completion twice changes nothing.
   */
  since(since: string | null): Promise<ExternalCompletion[]>;
}

/** Where each connector's last complete run started, so the next run reads only what is newer. */
export interface ConnectorWatermarks {
  get(connector: string): Promise<string | null>;
  set(connector: string, at: string): Promise<void>;
}
