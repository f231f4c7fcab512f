import { z } from 'zod';

/**
 * The people capability's published contract: the lifecycle events on the `people-events` topic
 * that every other capability follows (each through its own subscription). Consumers parse
 * messages with `PeopleEventSchema` and act idempotently by event id: a replayed sync or a resend
 * after a crash carries the same id. Events hold ids, codes, dates and languages, never a name.
 */
export const EVENT_KINDS = ['joined', 'moved', 'leave-started', 'leave-ended', 'left', 'updated'] as const;
export type PeopleEventKind = (typeof EVENT_KINDS)[number];

export const CHANGE_FIELDS = ['status', 'service', 'jobCategory', 'manager', 'language', 'employeeType', 'hireDate', 'leaveDate', 'displayName'] as const;
export type ChangeField = (typeof CHANGE_FIELDS)[number];

export const PERSON_STATUSES = ['active', 'on-leave', 'left'] as const;
export type PersonStatus = (typeof PERSON_STATUSES)[number];
export type Language = 'fr-CA' | 'en';

/** Why a person left: account disabled, deleted, leave date passed, or no longer one of the staff. */
export const LEFT_REASONS = ['disabled', 'deleted', 'leave-date', 'out-of-scope'] as const;
export type LeftReason = (typeof LEFT_REASONS)[number];

export const PeopleEventSchema = z.object({
  /** Deterministic: person, change version and kind. */
  id: z.string().min(1),
  kind: z.enum(EVENT_KINDS),
  personId: z.string().min(1),
  /** The person's change version (1 for the first sighting); a consumer may ignore older versions. */
  version: z.number().int().positive(),
  /** When the sync saw the change (Entra ID does not say when it happened). */
  observedAt: z.string(),
  /** A display name change is reported with null values: the name itself never travels. */
  changes: z.array(z.object({ field: z.enum(CHANGE_FIELDS), before: z.string().nullable(), after: z.string().nullable() })),
  leftReason: z.enum(LEFT_REASONS).optional(),
  /** The person's state after the change, so a consumer needs no read to act. */
  state: z.object({
    status: z.enum(PERSON_STATUSES),
    serviceCode: z.string().nullable(),
    jobCategoryCode: z.string().nullable(),
    managerId: z.string().nullable(),
    language: z.enum(['fr-CA', 'en']),
    /** Entra ID's employeeHireDate (training due dates count from it); absent in events published before it was added. */
    hireDate: z.string().nullable().optional(),
  }),
});
export type PeopleEvent = z.infer<typeof PeopleEventSchema>;
export type FieldChange = PeopleEvent['changes'][number];
