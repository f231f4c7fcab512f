import { z } from 'zod';

/**
 * The audit trail every capability writes: who (Entra object id, or "system" for timers) did what,
 * to what, when, allowed or denied. It is evidence that access rules are honoured (Law 25), so it
 * must never hold content: each capability declares its actions and a strict target schema (ids,
 * counts, names of filters; no subject, address, body or search term), and a record that does not
 * fit is refused before it is written.
 */
export interface Actor {
  oid: string;
  /** `anonymous`: a request refused before anyone was authenticated (no token, or one that failed validation). */
  kind: 'user' | 'app' | 'system' | 'anonymous';
}

export const SYSTEM_ACTOR: Actor = { oid: 'system', kind: 'system' };
/** Who a refused request came from when no token could be validated (its claims are never trusted, so never recorded). */
export const ANONYMOUS_ACTOR: Actor = { oid: 'anonymous', kind: 'anonymous' };

/** The record schema of one capability's trail: the common fields, its actions, its target (declare it `.strict()`). */
export function auditRecordSchema<A extends z.ZodEnum, T extends z.ZodObject>(actions: A, target: T) {
  // A target that lets unknown fields through could carry content into the trail: refuse it here.
  if (!(target.def.catchall instanceof z.ZodNever)) throw new Error('An audit target schema must be strict (.strict()).');
  return z
    .object({
      id: z.string(),
      /** yyyy-mm of `at`: a month of audit is one partition, queries are targeted by month. */
      pk: z.string(),
      type: z.literal('audit'),
      at: z.string(),
      actor: z.string(),
      actorKind: z.enum(['user', 'app', 'system', 'anonymous']),
      action: actions,
      outcome: z.enum(['allowed', 'denied']),
      target,
    })
    .strict();
}

/** The fields every trail's records share (what the adapter reads and writes). */
export interface AuditRecordBase {
  id: string;
  pk: string;
  type: 'audit';
  at: string;
  actor: string;
  actorKind: Actor['kind'];
  action: string;
  outcome: 'allowed' | 'denied';
}

export interface AuditQuery<A extends string = string> {
  from: Date;
  to: Date;
  actor?: string;
  action?: A;
  pageSize: number;
  continuation?: string;
}

export interface AuditPage<R> {
  items: R[];
  /** Opaque: hand it back for the next page. */
  continuation: string | null;
}

/** Where a capability's audit records are kept (adapter: shared/platform/adapters/cosmos-audit-trail.ts). */
export interface AuditTrail<R extends AuditRecordBase, A extends string = R['action']> {
  append(record: R): Promise<void>;
  /** Newest first; `continuation` is the opaque token of the previous page. */
  query(q: AuditQuery<A>): Promise<AuditPage<R>>;
}

/** The months (yyyy-mm) a time range touches: the partitions an audit query names. */
export function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor <= to && months.length < 240) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}
