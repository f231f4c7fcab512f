import { z } from 'zod';

/**
 * The evidence of a disposition (`archive-records`, partition "disposal"): which entry and content
 * hash went, under which rule and rules version, and when; never content. How it is written is
 * Disposition's (disposition.ts).
 */
export const DisposalEvidence = z.object({
  id: z.string(),
  pk: z.literal('disposal'),
  type: z.literal('disposal'),
  entryId: z.string(),
  mailboxId: z.string(),
  contentHash: z.string(),
  ruleId: z.string(),
  rulesVersion: z.string(),
  classificationCode: z.string(),
  retainUntil: z.string(),
  status: z.enum(['pending', 'destroyed', 'kept-as-sample', 'cancelled']),
  /** True when the content blob went with this entry (it was the last reference). */
  contentDestroyed: z.boolean(),
  decidedAt: z.string(),
  completedAt: z.string().nullable(),
});
export type DisposalEvidence = z.infer<typeof DisposalEvidence>;

export interface DispositionResult {
  examined: number;
  destroyed: number;
  keptAsSample: number;
  skippedHeld: number;
  skippedUnknownRule: number;
  contentDestroyed: number;
}

export function disposalId(entryId: string): string {
  return `disposal-${entryId}`;
}
