import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditRecordSchema, monthsBetween } from '../../shared/platform/audit';

/** The app's audit trail schema: each capability's actions and strict targets, never content. */
describe('audit records', () => {
  const Actions = z.enum(['course-assigned', 'reminder-sent']);
  const Target = z.object({ courseId: z.string().optional(), personId: z.string().optional() }).strict();
  const Record = auditRecordSchema(Actions, Target);
  const base = { id: 'a1', pk: '2026-12', type: 'audit', at: '2026-12-05T10:00:00.000Z', actor: 'system', actorKind: 'system', outcome: 'allowed' } as const;

  it('accepts a record with the capability’s action and target', () => {
    expect(Record.parse({ ...base, action: 'course-assigned', target: { courseId: 'cyber-101' } })).toMatchObject({ action: 'course-assigned' });
  });

  it('refuses an unknown action, a field outside the target (content), and a field outside the record', () => {
    expect(Record.safeParse({ ...base, action: 'course-deleted', target: {} }).success).toBe(false);
    expect(Record.safeParse({ ...base, action: 'reminder-sent', target: { personId: 'p1', subject: 'Rappel : formation' } }).success).toBe(false);
    expect(Record.safeParse({ ...base, action: 'reminder-sent', target: {}, email: 'jean.roy@example.org' }).success).toBe(false);
  });

  it('refuses a capability target schema that is not strict', () => {
    expect(() => auditRecordSchema(Actions, z.object({ courseId: z.string() }))).toThrow(/strict/);
  });

  it('names the months a query range touches', () => {
    expect(monthsBetween(new Date('2026-11-20T00:00:00Z'), new Date('2027-01-03T00:00:00Z'))).toEqual(['2026-11', '2026-12', '2027-01']);
  });
});
