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
