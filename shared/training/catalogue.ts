import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfigFile } from '../platform/config-file';
import { packageRoot } from '../platform/package-root';

/**
 * The training catalogue (config/training-catalogue.json): modules, who must take them, and how
 * reminders go. Versioned: a change is a new version of the file. Validated at start, each problem
 * named by line and path, so a broken catalogue never half-applies.
 */

const Text = z.object({ 'fr-CA': z.string().min(1), en: z.string().min(1) });
const Id = z.string().regex(/^[A-Z][A-Z0-9-]{1,39}$/, 'expected an upper-case id (letters, digits, -)');
const MonthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected MM-DD');

const Choice = z.object({ id: z.string().regex(/^[a-z0-9]{1,8}$/), text: Text, correct: z.boolean() });
const Question = z
  .object({ id: z.string().regex(/^[a-z0-9-]{1,16}$/), kind: z.enum(['single', 'multiple']), prompt: Text, choices: z.array(Choice).min(2).max(8), explanation: Text })
  .refine((q) => q.choices.some((c) => c.correct), 'at least one correct choice')
  .refine((q) => q.kind === 'multiple' || q.choices.filter((c) => c.correct).length === 1, 'a single-choice question has exactly one correct choice');

const Recurrence = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  /** A new cycle opens N months after the previous completion. */
  z.object({ kind: z.literal('every-months'), months: z.number().int().min(1).max(60) }),
  /** A new cycle opens every year on `opens` and is due on `closes` (e.g. the autumn campaign). */
  z.object({ kind: z.literal('annual-window'), opens: MonthDay, closes: MonthDay }),
]);

const Due = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('days-after-assignment'), days: z.number().int().min(1).max(365) }),
  /** From the person's hire date (a new employee's onboarding), or from assignment when it is later. */
  z.object({ kind: z.literal('days-after-hire'), days: z.number().int().min(1).max(365) }),
  z.object({ kind: z.literal('fixed-date'), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD') }),
]);

export const TrainingModule = z
  .object({
    id: Id,
    title: Text,
    description: Text,
    /** content: an external course or video; reading: text to read and attest; quiz: questions with a pass mark. */
    kind: z.enum(['content', 'reading', 'quiz']),
    estimatedMinutes: z.number().int().min(1).max(600),
    /** content: where the course is (https only); completed when the person says they finished it. */
    url: z.object({ 'fr-CA': z.url({ protocol: /^https$/ }), en: z.url({ protocol: /^https$/ }) }).optional(),
    /** reading: the text, and the attestation the person signs; the exact version signed is hashed. */
    reading: z.object({ text: Text, attestation: Text }).optional(),
    quiz: z
      .object({
        questions: z.array(Question).min(1).max(50),
        /** Share of correct answers needed, 0-1. */
        passMark: z.number().min(0.01).max(1),
        maxAttempts: z.number().int().min(1).max(20),
      })
      .optional(),
    recurrence: Recurrence,
    due: Due,
    /**
     * Completed too by the trainings Microsoft Defender's Attack Simulation Training assigns (the
     * optional connector, TRAINING_ATTACK_SIMULATION): at most one module says so.
     */
    attackSimulation: z.boolean().default(false),
  })
  .refine((m) => m.kind !== 'content' || m.url !== undefined, 'a content module needs its url')
  .refine((m) => m.kind !== 'reading' || m.reading !== undefined, 'a reading module needs its reading text and attestation')
  .refine((m) => m.kind !== 'quiz' || m.quiz !== undefined, 'a quiz module needs its quiz');
export type TrainingModule = z.infer<typeof TrainingModule>;

export const AssignmentRule = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,40}$/),
    /** Everyone on staff (cybersecurity). */
    everyone: z.boolean().default(false),
    /** People codes from the people catalogue; both given means both must match. */
    jobCategories: z.array(z.string().min(1)).default([]),
    services: z.array(z.string().min(1)).default([]),
    modules: z.array(Id).min(1),
  })
  .refine((r) => r.everyone || r.jobCategories.length > 0 || r.services.length > 0, 'a rule names everyone, job categories or services');

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');

export const ReminderPolicy = z.object({
  /** Reminders this many business days before the due date (e.g. 7 and 1). */
  beforeDueBusinessDays: z.array(z.number().int().min(1).max(60)).default([7, 1]),
  onDueDate: z.boolean().default(true),
  /** Once overdue: a reminder every N business days. */
  overdueEveryBusinessDays: z.number().int().min(1).max(30).default(3),
  /** After this many overdue business days, the manager's daily digest lists the person. */
  managerAfterBusinessDays: z.number().int().min(1).max(60).default(5),
  /** After this many, the service's direction gets the digest too. */
  directionAfterBusinessDays: z.number().int().min(1).max(120).default(15),
  /** No notification is sent between these hours in the person's time zone. */
  quietHours: z.object({ from: Time, to: Time }).default({ from: '18:00', to: '08:00' }),
  timeZone: z.string().min(1).default('America/Toronto'),
});
export type ReminderPolicy = z.infer<typeof ReminderPolicy>;

export const TrainingCatalogueFile = z
  .object({
    $comment: z.string().optional(),
    version: z.string().min(1),
    modules: z.array(TrainingModule).min(1),
    rules: z.array(AssignmentRule).default([]),
    reminders: ReminderPolicy.default(ReminderPolicy.parse({})),
  })
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    file.modules.forEach((m, i) => {
      if (ids.has(m.id)) ctx.addIssue({ code: 'custom', message: `duplicate module id ${m.id}`, path: ['modules', i, 'id'] });
      ids.add(m.id);
    });
    const simulated = file.modules.flatMap((m, i) => (m.attackSimulation ? [i] : []));
    for (const i of simulated.slice(1)) ctx.addIssue({ code: 'custom', message: 'only one module may be completed by Attack Simulation Training', path: ['modules', i, 'attackSimulation'] });
    file.rules.forEach((r, i) =>
      r.modules.forEach((id, j) => {
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', message: `unknown module ${id}`, path: ['rules', i, 'modules', j] });
      }),
    );
  });
export type TrainingCatalogueFile = z.infer<typeof TrainingCatalogueFile>;

export class TrainingCatalogue {
  private readonly byId: Map<string, TrainingModule>;

  constructor(readonly file: TrainingCatalogueFile) {
    this.byId = new Map(file.modules.map((m) => [m.id, m]));
  }

  get version(): string {
    return this.file.version;
  }

  get modules(): TrainingModule[] {
    return this.file.modules;
  }

  get reminders(): ReminderPolicy {
    return this.file.reminders;
  }

  module(id: string): TrainingModule | undefined {
    return this.byId.get(id);
  }

  /** The module Attack Simulation Training completes, if the catalogue names one. */
  attackSimulationModule(): TrainingModule | undefined {
    return this.file.modules.find((m) => m.attackSimulation);
  }

  /** The modules the rules give someone of this service and job category, with the rules that give each. */
  modulesFor(person: { serviceCode: string | null; jobCategoryCode: string | null }): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const rule of this.file.rules) {
      const category = rule.jobCategories.length === 0 || (person.jobCategoryCode !== null && rule.jobCategories.includes(person.jobCategoryCode));
      const service = rule.services.length === 0 || (person.serviceCode !== null && rule.services.includes(person.serviceCode));
      if (!rule.everyone && !(category && service)) continue;
      for (const id of rule.modules) result.set(id, [...(result.get(id) ?? []), rule.id]);
    }
    return result;
  }
}

/** Parses and validates a catalogue's text; problems name the line and the path. */
export function parseTrainingCatalogue(text: string, name: string): TrainingCatalogue {
  return new TrainingCatalogue(parseConfigFile(TrainingCatalogueFile, text, `training catalogue ${name}`));
}

export function loadTrainingCatalogue(file: string): TrainingCatalogue {
  const full = path.isAbsolute(file) ? file : path.join(packageRoot(), file);
  return parseTrainingCatalogue(readFileSync(full, 'utf8'), file);
}
