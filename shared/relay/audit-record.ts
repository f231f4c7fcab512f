import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { auditRecordSchema } from '../platform/audit';
import { OPERATION_NAMES, type OperationName, type ReplyRefusal } from './contract';
import type { RelayAudit } from './ports';

/**
 * The relay's trail in the cloud: replies the app refused (forged, misdirected, off-schema, a
 * foreign link) and dead-lettered relay messages drained from the queues. Ids, operation names and
 * reason codes only: never parameters, results or the reply's text.
 */
export const RELAY_AUDIT_ACTIONS = ['relay.reply_refused', 'relay.deadletter_drained'] as const;

export const RelayAuditRecord = auditRecordSchema(
  z.enum(RELAY_AUDIT_ACTIONS),
  z
    .object({
      requestId: z.string().max(128).optional(),
      operation: z.enum(OPERATION_NAMES as [OperationName, ...OperationName[]]).optional(),
      reason: z.string().max(64).optional(),
      kid: z.string().max(64).optional(),
      queue: z.string().max(260).optional(),
      deadLetteredAt: z.string().max(40).optional(),
    })
    .strict(),
);
export type RelayAuditRecord = z.infer<typeof RelayAuditRecord>;

/** Writes the relay's records through any trail adapter (Cosmos in the app, memory in use-case tests). */
export class RelayAuditLog implements RelayAudit {
  constructor(private readonly trail: { append(record: RelayAuditRecord): Promise<void> }, private readonly now: () => Date = () => new Date()) {}

  async deadLetterDrained(record: { queue: string; messageId: string; reason: string; deadLetteredAt?: string }): Promise<void> {
    await this.append('system', 'system', 'relay.deadletter_drained', 'allowed', {
      queue: record.queue,
      requestId: record.messageId,
      reason: record.reason.slice(0, 64),
      ...(record.deadLetteredAt ? { deadLetteredAt: record.deadLetteredAt } : {}),
    });
  }

  async replyRefused(requester: string, refusal: { requestId: string; operation: OperationName; reason: ReplyRefusal; kid?: string }): Promise<void> {
    await this.append(requester, 'user', 'relay.reply_refused', 'denied', {
      requestId: refusal.requestId,
      operation: refusal.operation,
      reason: refusal.reason,
      ...(refusal.kid ? { kid: refusal.kid.slice(0, 64) } : {}),
    });
  }

  /** One record, checked against the schema before it is written (monthly partitions). */
  private async append(actor: string, actorKind: RelayAuditRecord['actorKind'], action: RelayAuditRecord['action'], outcome: RelayAuditRecord['outcome'], target: RelayAuditRecord['target']): Promise<void> {
    const at = this.now().toISOString();
    await this.trail.append(RelayAuditRecord.parse({ id: randomUUID(), pk: at.slice(0, 7), type: 'audit', at, actor, actorKind, action, outcome, target }));
  }
}
