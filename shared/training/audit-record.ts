import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { auditRecordSchema, type Actor } from '../platform/audit';
import { TRAINING_AUDIT_ACTIONS, type TrainingAudit, type TrainingAuditAction, type TrainingAuditTarget } from './ports';

/**
 * The training trail: every assignment, completion change and notification, who and when. Strict:
 * ids, cycle, step, counts, channel and pass/fail only; never a quiz answer, a name or a reason.
 */
export const TrainingAuditRecord = auditRecordSchema(
  z.enum(TRAINING_AUDIT_ACTIONS),
  z
    .object({
      personId: z.string().optional(),
      moduleId: z.string().optional(),
      cycle: z.number().int().optional(),
      step: z.string().max(40).optional(),
      count: z.number().int().nonnegative().optional(),
      channel: z.enum(['teams', 'email']).optional(),
      passed: z.boolean().optional(),
    })
    .strict(),
);
export type TrainingAuditRecord = z.infer<typeof TrainingAuditRecord>;

/** Writes records through any trail adapter (Cosmos in the app, memory in use-case tests). */
export class TrainingAuditLog implements TrainingAudit {
  constructor(private readonly trail: { append(record: TrainingAuditRecord): Promise<void> }, private readonly now: () => Date = () => new Date()) {}

  async record(actor: Actor, action: TrainingAuditAction, target: TrainingAuditTarget, outcome: 'allowed' | 'denied' = 'allowed'): Promise<void> {
    const at = this.now().toISOString();
    const record = TrainingAuditRecord.parse({ id: randomUUID(), pk: at.slice(0, 7), type: 'audit', at, actor: actor.oid, actorKind: actor.kind, action, outcome, target });
    await this.trail.append(record);
  }
}
