import { z } from 'zod';
import { HealthViolation } from '../../platform/health/health-report';

/** What the verification of the tamper evidence finds (integrity.ts), and the verdicts it keeps. */
export const IntegrityProblemKind = z.enum([
  'manifest-unreadable',
  'chain-broken',
  'root-mismatch',
  'entry-missing',
  'entry-changed',
  'entry-unlisted',
  'content-missing',
  'content-unreadable',
  'content-mismatch',
]);

export const IntegrityProblem = z.object({
  kind: IntegrityProblemKind,
  day: z.string(),
  entryId: z.string().optional(),
  contentHash: z.string().optional(),
});
export type IntegrityProblem = z.infer<typeof IntegrityProblem>;

export const IntegrityStatus = z.object({
  id: z.literal('integrity'),
  pk: z.literal('integrity'),
  type: z.literal('integrity'),
  status: z.enum(['ok', 'mismatch']),
  checkedAt: z.string(),
  /** What this pass verified. */
  manifestsChecked: z.number().int(),
  entriesChecked: z.number().int(),
  blobsRehashed: z.number().int(),
  /** Over every sealed day: how many there are, how many have a verdict, and the oldest verdict. */
  daysSealed: z.number().int().default(0),
  daysVerified: z.number().int().default(0),
  oldestVerdictAt: z.string().nullable().default(null),
  /** Days of capture not sealed yet (today, and the days waiting for their seal) whose entries were re-hashed. */
  daysOpen: z.number().int().default(0),
  /** Over the latest verdict of every day. */
  problemCount: z.number().int(),
  /** The first problems (up to MAX_LISTED), by day; problemCount says how many in all. */
  problems: z.array(IntegrityProblem),
  /**
   * The full-text index against the archive (full-text-indexing.ts): mailboxes whose counts differ.
   * Derived data, so drift is reported (and repaired by a rebuild), never an integrity mismatch.
   */
  searchDrift: z
    .object({ checkedAt: z.string(), mailboxes: z.array(z.object({ mailboxId: z.string(), archive: z.number().int(), index: z.number().int() })) })
    .optional(),
});
export type IntegrityStatus = z.infer<typeof IntegrityStatus>;

/** One day's latest verification. */
export const DayVerdict = z.object({
  id: z.string(),
  pk: z.literal('integrity'),
  type: z.literal('integrity-day'),
  day: z.string(),
  checkedAt: z.string(),
  /**
   * Not a verification of the day's manifest: problems a read path reported (content-check.ts), or
   * a day not sealed yet, verified against the hashes the index recorded at capture. The next pass
   * verifies such a day first, and its verdict then replaces this one.
   */
  open: z.boolean().default(false),
  problemCount: z.number().int(),
  problems: z.array(IntegrityProblem),
});
export type DayVerdict = z.infer<typeof DayVerdict>;

/** A health violation: health fails while the last verdict is a mismatch. */
export class IntegrityViolation extends HealthViolation {
  constructor(readonly problemCount: number) {
    super(`Archive integrity check found ${problemCount} problem(s)`);
    this.name = 'IntegrityViolation';
  }
}
