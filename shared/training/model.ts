import type { Language, PersonStatus } from '../people/events';

/**
 * Training tracking (docs/decisions/0010-training.md). Who must take what comes from the catalogue's
 * rules applied to each person's job category and service, as the people stream reports them; each
 * (person, module) is one assignment that goes through cycles (a recurring module opens a new cycle
 * after each completion). Dates a person sees are calendar days in the union's time zone
 * (YYYY-MM-DD); instants are ISO 8601 UTC.
 */

/** What training knows of a person: only what assignment, due dates and reminders need. */
export interface Trainee {
  personId: string;
  serviceCode: string | null;
  jobCategoryCode: string | null;
  managerId: string | null;
  language: Language;
  status: PersonStatus;
  hireDate: string | null;
  /** Highest people-event version applied: an older or repeated event changes nothing. */
  version: number;
  /** When the current leave began (due dates and reminders are paused), else null. */
  leaveSince: string | null;
  updatedAt: string;
}

export const COMPLETION_METHODS = ['quiz', 'attestation', 'content', 'manual', 'import', 'attack-simulation'] as const;
export type CompletionMethod = (typeof COMPLETION_METHODS)[number];

/** One completed cycle: the evidence kept for compliance and the certificate. */
export interface Completion {
  cycle: number;
  completedAt: string;
  method: CompletionMethod;
  /** Quiz: share of correct answers (0-1) of the passing attempt. */
  score?: number;
  /** Reading: SHA-256 of the exact text and attestation signed (the version the person saw). */
  attestationHash?: string;
  /** Manual or imported completions: who recorded it and why / from where. */
  recordedBy?: string;
  reason?: string;
  source?: string;
}

export type AssignmentStatus = 'open' | 'completed' | 'closed';

export interface Assignment {
  /** `${personId}|${moduleId}`: one assignment per person and module, whatever gives it. */
  id: string;
  personId: string;
  moduleId: string;
  /** Rule ids that give it, and an explicit HR assignment if any; none left closes an open one. */
  rules: string[];
  hr: { by: string; at: string; reason: string } | null;
  status: AssignmentStatus;
  /** Current cycle number, from 1. */
  cycle: number;
  cycleOpenedAt: string;
  /** Calendar day the current cycle is due. */
  dueDate: string;
  /** Quiz attempts used in the current cycle. */
  attempts: number;
  completions: Completion[];
  /** A recurring module's next cycle opens on this calendar day (after a completion). */
  nextCycleDate: string | null;
  closedAt: string | null;
  closedReason: 'left' | 'no-longer-assigned' | null;
  /** On leave: due date frozen since this instant; the paused days are added back on return. */
  pausedSince: string | null;
  updatedAt: string;
}

export const assignmentId = (personId: string, moduleId: string) => `${personId}|${moduleId}`;

/** Calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function calendarDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function addMonths(day: string, months: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, 12));
  // The 31st of a shorter month is its last day.
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0, 12)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return target.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (calendar days, b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T12:00:00Z`) - Date.parse(`${a}T12:00:00Z`)) / 86_400_000);
}
