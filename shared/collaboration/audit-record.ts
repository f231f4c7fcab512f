import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { auditRecordSchema, type Actor } from '../platform/audit';

/**
 * The collaboration trail: every change the engine makes to a space, every apply started, every
 * repair approved, every project-space request and decision. Ids, keys, kinds and counts only:
 * never a project's name, a purpose or a refusal's reason (those stay in the request).
 */
export const COLLABORATION_AUDIT_ACTIONS = [
  'apply-started',
  'operation-applied',
  'operation-failed',
  'removals-approved',
  'repair-approved',
  'drift-found',
  'request-submitted',
  'request-approved',
  'request-refused',
  'request-expired',
  'request-escalated',
] as const;
export type CollaborationAuditAction = (typeof COLLABORATION_AUDIT_ACTIONS)[number];

export const CollaborationAuditRecord = auditRecordSchema(
  z.enum(COLLABORATION_AUDIT_ACTIONS),
  z
    .object({
      spaceKey: z.string().max(80).optional(),
      operationId: z.string().max(40).optional(),
      operationKind: z.string().max(40).optional(),
      nodeKey: z.string().max(200).optional(),
      requestId: z.string().max(80).optional(),
      templateVersion: z.string().max(40).optional(),
      count: z.number().int().nonnegative().optional(),
    })
    .strict(),
);
export type CollaborationAuditRecord = z.infer<typeof CollaborationAuditRecord>;
export type CollaborationAuditTarget = CollaborationAuditRecord['target'];

export interface CollaborationAudit {
  record(actor: Actor, action: CollaborationAuditAction, target: CollaborationAuditTarget, outcome?: 'allowed' | 'denied'): Promise<void>;
}

/** Writes records through any trail adapter (Cosmos in the app, memory in use-case tests). */
export class CollaborationAuditLog implements CollaborationAudit {
  constructor(private readonly trail: { append(record: CollaborationAuditRecord): Promise<void> }, private readonly now: () => Date = () => new Date()) {}

  async record(actor: Actor, action: CollaborationAuditAction, target: CollaborationAuditTarget, outcome: 'allowed' | 'denied' = 'allowed'): Promise<void> {
    const at = this.now().toISOString();
    await this.trail.append(CollaborationAuditRecord.parse({ id: randomUUID(), pk: at.slice(0, 7), type: 'audit', at, actor: actor.oid, actorKind: actor.kind, action, outcome, target }));
  }
}
