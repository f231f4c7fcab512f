import { z } from 'zod';
import type { MessageEntry } from '../model';

/**
 * Legal hold: for a matter (a grievance, a lawsuit, an access request), everything in the named
 * mailboxes within a date range, optionally only mail with given participants, is kept whatever
 * its retention says. Held entries carry the hold id in `holds` and their content blob carries the
 * Azure legal hold; disposition checks both the field and the active holds themselves.
 */
export const LegalHoldInput = z.object({
  matter: z.string().trim().min(3).max(200),
  mailboxes: z.array(z.string().trim().min(1).max(128)).min(1).max(500),
  from: z.iso.datetime({ offset: true }).nullable().default(null),
  to: z.iso.datetime({ offset: true }).nullable().default(null),
  participants: z.array(z.email()).max(100).default([]),
}).refine((h) => !h.from || !h.to || h.from <= h.to, { message: 'from must be on or before to', path: ['to'] });
export type LegalHoldInput = z.infer<typeof LegalHoldInput>;

export const LegalHold = z.object({
  id: z.string(),
  pk: z.literal('hold'),
  type: z.literal('hold'),
  /** The matter's name: written by a RecordsManager, never message content. */
  matter: z.string(),
  mailboxes: z.array(z.string()),
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** Lower-case addresses; empty means every message in range. */
  participants: z.array(z.string()),
  status: z.enum(['active', 'released']),
  createdBy: z.string(),
  createdAt: z.string(),
  releasedBy: z.string().nullable(),
  releasedAt: z.string().nullable(),
  /** Entries tagged when the hold was last applied (while it is being applied: so far). */
  appliedCount: z.number().int().nonnegative(),
  /**
   * Tagging the entries a new hold covers runs as a background job (a large mailbox takes longer
   * than an HTTP request may last): `queued` until a worker takes it, `running` with appliedCount
   * growing, then `completed`; `failed` when its job could not be queued. Holds made before
   * this field were applied within their request: `completed`.
   */
  applyStatus: z.enum(['queued', 'running', 'completed', 'failed']).default('completed'),
  applyStartedAt: z.string().nullable().default(null),
  applyCompletedAt: z.string().nullable().default(null),
});
export type LegalHold = z.infer<typeof LegalHold>;

/** The job that applies a new hold (on the archive's records job queue, beside export jobs). */
export const HoldJob = z.object({ holdId: z.string().regex(/^hold-[0-9a-f-]{36}$/) });
export type HoldJob = z.infer<typeof HoldJob>;

export type HoldScope = Pick<LegalHold, 'mailboxes' | 'from' | 'to' | 'participants'>;
type EntryFacts = Pick<MessageEntry, 'mailboxId' | 'receivedAt' | 'from' | 'to' | 'cc' | 'bcc'>;

/** Whether a hold covers an entry: same mailbox, received within the range, with a named participant. */
export function holdCovers(hold: HoldScope, entry: EntryFacts): boolean {
  if (!hold.mailboxes.some((m) => m.toLowerCase() === entry.mailboxId.toLowerCase())) return false;
  const received = Date.parse(entry.receivedAt);
  if (hold.from && received < Date.parse(hold.from)) return false;
  if (hold.to && received > Date.parse(hold.to)) return false;
  if (hold.participants.length === 0) return true;
  const wanted = new Set(hold.participants.map((p) => p.toLowerCase()));
  return [entry.from, ...entry.to, ...entry.cc, ...entry.bcc].some((a) => a !== null && wanted.has(a.address.toLowerCase()));
}
