import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { auditRecordSchema, type Actor } from '../platform/audit';
import { ROLLOUT_AUDIT_ACTIONS, type RolloutAuditAction } from './ports';

/**
 * The rollout trail: runs started and terminated, steps retried or skipped, numbers confirmed,
 * licences assigned or removed, reports kept. Ids, step names and counts only; the reason a person
 * gave for a skip stays in the run's ledger, where the dashboard shows it.
 */
export const RolloutAuditRecord = auditRecordSchema(
  z.enum(ROLLOUT_AUDIT_ACTIONS),
  z
    .object({
      runId: z.string().max(160),
      step: z.string().max(40).optional(),
      personId: z.string().max(80).optional(),
      serviceCode: z.string().max(40).optional(),
      skus: z.array(z.string().max(60)).max(20).optional(),
      count: z.number().int().nonnegative().optional(),
    })
    .strict(),
);
export type RolloutAuditRecord = z.infer<typeof RolloutAuditRecord>;
export type RolloutAuditTarget = RolloutAuditRecord['target'];

export interface RolloutAudit {
  record(actor: Actor, action: RolloutAuditAction, target: RolloutAuditTarget, outcome?: 'allowed' | 'denied'): Promise<void>;
}

export class RolloutAuditLog implements RolloutAudit {
  constructor(private readonly trail: { append(record: RolloutAuditRecord): Promise<void> }, private readonly now: () => Date = () => new Date()) {}

  async record(actor: Actor, action: RolloutAuditAction, target: RolloutAuditTarget, outcome: 'allowed' | 'denied' = 'allowed'): Promise<void> {
    const at = this.now().toISOString();
    await this.trail.append(RolloutAuditRecord.parse({ id: randomUUID(), pk: at.slice(0, 7), type: 'audit', at, actor: actor.oid, actorKind: actor.kind, action, outcome, target }));
  }
}
