import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { packageRoot } from '../../platform/package-root';

/**
 * Retention from the "calendrier de conservation": a versioned rules file (config/retention-rules.json)
 * says, per classification code, how long mail is kept and what happens at the end (destroy, keep
 * permanently, or keep a sample). Rules are assigned per mailbox, per service (department) or by
 * default. An entry's clock starts at its receivedAt.
 */

const Duration = z
  .object({ years: z.number().int().nonnegative().optional(), months: z.number().int().nonnegative().optional(), days: z.number().int().nonnegative().optional() })
  .refine((d) => (d.years ?? 0) + (d.months ?? 0) + (d.days ?? 0) > 0, 'a duration of at least one day');

export const RetentionRule = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    classificationCode: z.string().min(1),
    title: z.object({ 'fr-CA': z.string().min(1), en: z.string().min(1) }),
    /** null: kept permanently (disposition "keep"). */
    duration: Duration.nullable(),
    disposition: z.enum(['destroy', 'keep', 'sample']),
    /** For "sample": the share kept permanently, chosen deterministically per entry. */
    sampleRate: z.number().min(0).max(1).optional(),
    legalBasis: z.string().min(1),
  })
  .refine((r) => (r.disposition === 'keep') === (r.duration === null), 'disposition "keep" goes with duration null, and only it')
  .refine((r) => r.disposition !== 'sample' || r.sampleRate !== undefined, 'disposition "sample" needs a sampleRate');
export type RetentionRule = z.infer<typeof RetentionRule>;

export const RetentionRules = z
  .object({
    version: z.string().min(1),
    effectiveFrom: z.string().optional(),
    rules: z.array(RetentionRule).min(1),
    assignments: z.object({
      default: z.string(),
      /** Service (Graph user department) -> rule id. */
      services: z.record(z.string(), z.string()).default({}),
      /** Mailbox id or address (case-insensitive) -> rule id. */
      mailboxes: z.record(z.string(), z.string()).default({}),
    }),
  })
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    for (const r of file.rules) {
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', message: `duplicate rule id ${r.id}`, path: ['rules'] });
      ids.add(r.id);
    }
    const check = (id: string, where: (string | number)[]) => {
      if (!ids.has(id)) ctx.addIssue({ code: 'custom', message: `unknown rule id ${id}`, path: where });
    };
    check(file.assignments.default, ['assignments', 'default']);
    for (const [k, id] of Object.entries(file.assignments.services)) check(id, ['assignments', 'services', k]);
    for (const [k, id] of Object.entries(file.assignments.mailboxes)) check(id, ['assignments', 'mailboxes', k]);
  });
export type RetentionRules = z.infer<typeof RetentionRules>;

/** What a rule is assigned from: the mailbox's id, address and service when known. */
export interface MailboxFacts {
  mailboxId: string;
  address?: string;
  department?: string | null;
}

export interface RetentionAssignment {
  retentionRuleId: string;
  /** null when the rule keeps permanently. */
  retainUntil: string | null;
}

export class RetentionCalendar {
  private readonly byId: Map<string, RetentionRule>;
  private readonly mailboxes: Map<string, string>;
  private readonly services: Map<string, string>;

  constructor(readonly rules: RetentionRules) {
    this.byId = new Map(rules.rules.map((r) => [r.id, r]));
    this.mailboxes = new Map(Object.entries(rules.assignments.mailboxes).map(([k, v]) => [k.toLowerCase(), v]));
    this.services = new Map(Object.entries(rules.assignments.services).map(([k, v]) => [k.toLowerCase(), v]));
  }

  get version(): string {
    return this.rules.version;
  }

  rule(id: string): RetentionRule | undefined {
    return this.byId.get(id);
  }

  /** Mailbox first (by id, then address), then service, then the default. */
  ruleFor(mailbox: MailboxFacts): RetentionRule {
    const id =
      this.mailboxes.get(mailbox.mailboxId.toLowerCase()) ??
      (mailbox.address ? this.mailboxes.get(mailbox.address.toLowerCase()) : undefined) ??
      (mailbox.department ? this.services.get(mailbox.department.toLowerCase()) : undefined) ??
      this.rules.assignments.default;
    return this.byId.get(id)!;
  }

  assign(mailbox: MailboxFacts, receivedAt: string): RetentionAssignment {
    const rule = this.ruleFor(mailbox);
    return { retentionRuleId: rule.id, retainUntil: retainUntil(rule, receivedAt) };
  }
}

/** True when `next` keeps an entry at least as long as `current` (null = permanently). */
export function keepsAtLeastAsLong(next: string | null, current: string | null): boolean {
  if (next === null) return true;
  if (current === null) return false;
  return next >= current;
}

/**
 * An assignment of the calendar names a service or a mailbox the directory does not know: mail of
 * that service or mailbox would silently get another rule (a typo, a renamed department), so the
 * calendar is refused until the file or the directory is fixed. The message names every key.
 */
export class CalendarMismatchError extends Error {
  constructor(readonly keys: string[]) {
    super(`Retention rules file does not match the directory: ${keys.join('; ')}`);
    this.name = 'CalendarMismatchError';
  }
}

/**
 * The assignment keys the directory does not know: services no archived mailbox belongs to, and
 * mailboxes (id or address) not among the archived mailboxes. Compared case-insensitively, as the
 * calendar assigns.
 */
export function calendarMismatches(rules: RetentionRules, known: MailboxFacts[]): string[] {
  const services = new Set(known.flatMap((m) => (m.department ? [m.department.toLowerCase()] : [])));
  const mailboxes = new Set(known.flatMap((m) => [m.mailboxId.toLowerCase(), ...(m.address ? [m.address.toLowerCase()] : [])]));
  return [
    ...Object.keys(rules.assignments.services).filter((k) => !services.has(k.toLowerCase())).map((k) => `assignments.services["${k}"]: no mailbox of the directory has this service (department)`),
    // A mailbox key may be a person's address, and this text reaches logs and telemetry: it is named
    // by its position in the file and its domain, never its local part.
    ...Object.keys(rules.assignments.mailboxes)
      .map((k, i) => ({ k, i }))
      .filter(({ k }) => !mailboxes.has(k.toLowerCase()))
      .map(({ k, i }) => `assignments.mailboxes[${i}] ("${k.includes('@') ? `…@${k.split('@').pop()}` : k}"): no mailbox of the directory has this id or address`),
  ];
}

export function retainUntil(rule: RetentionRule, receivedAt: string): string | null {
  if (!rule.duration) return null;
  const d = new Date(receivedAt);
  d.setUTCFullYear(d.getUTCFullYear() + (rule.duration.years ?? 0));
  d.setUTCMonth(d.getUTCMonth() + (rule.duration.months ?? 0));
  d.setUTCDate(d.getUTCDate() + (rule.duration.days ?? 0));
  return d.toISOString();
}

/**
 * For "sample" rules: whether this entry is one of the kept sample. Deterministic (a digest of the
 * entry id), so a re-run of disposition keeps the same entries and an auditor can recompute it.
 */
export function isSampled(entryId: string, sampleRate: number): boolean {
  const n = createHash('sha256').update(`sample\n${entryId}`).digest().readUInt32BE(0);
  return n / 0x1_0000_0000 < sampleRate;
}

/** Reads and validates the rules file; a broken file stops the caller with the problems named. */
export function loadRetentionCalendar(file: string): RetentionCalendar {
  const full = path.isAbsolute(file) ? file : path.join(packageRoot(), file);
  const parsed = RetentionRules.safeParse(JSON.parse(readFileSync(full, 'utf8')));
  if (!parsed.success) {
    throw new Error(`Invalid retention rules file ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return new RetentionCalendar(parsed.data);
}
