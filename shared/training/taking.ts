import { createHash, randomInt } from 'node:crypto';
import type { Actor } from '../platform/audit';
import { completed, type TrainingDeps } from './assignments';
import type { TrainingModule } from './catalogue';
import { calendarDay, type Assignment, type Completion } from './model';
import { AssignmentConflict } from './ports';

/**
 * Taking training, for the person themself: their modules, a quiz (shuffled, scored, attempts
 * counted), a reading signed with the exact text version hashed, a course marked done, and the
 * evidence a certificate prints. Outcomes, not HTTP: functions/ maps them.
 */
export type Text = { 'fr-CA': string; en: string };

export interface MyModule {
  moduleId: string;
  title: Text;
  description: Text;
  kind: TrainingModule['kind'];
  estimatedMinutes: number;
  status: Assignment['status'];
  overdue: boolean;
  paused: boolean;
  dueDate: string;
  cycle: number;
  attempts: number;
  maxAttempts: number | null;
  url: Text | null;
  lastCompletion: { cycle: number; completedAt: string; method: Completion['method']; score?: number } | null;
  nextCycleDate: string | null;
  completedCycles: number[];
}

type Refusal = { kind: 'not-assigned' } | { kind: 'not-open' } | { kind: 'wrong-kind' } | { kind: 'no-attempt-left' };

export class TrainingTaking {
  constructor(private readonly deps: TrainingDeps) {}

  private today(): string {
    return calendarDay(this.deps.now(), this.deps.catalogue.reminders.timeZone);
  }

  async mine(personId: string): Promise<MyModule[]> {
    const day = this.today();
    const order = { open: 0, completed: 1, closed: 2 };
    return (await this.deps.assignments.forPerson(personId))
      .map((s) => s.assignment)
      .filter((a) => this.deps.catalogue.module(a.moduleId) && (a.status !== 'closed' || a.completions.length > 0))
      .map((a) => {
        const m = this.deps.catalogue.module(a.moduleId)!;
        const last = a.completions.at(-1);
        return {
          moduleId: a.moduleId,
          title: m.title,
          description: m.description,
          kind: m.kind,
          estimatedMinutes: m.estimatedMinutes,
          status: a.status,
          overdue: a.status === 'open' && !a.pausedSince && a.dueDate < day,
          paused: a.pausedSince !== null,
          dueDate: a.dueDate,
          cycle: a.cycle,
          attempts: a.attempts,
          maxAttempts: m.quiz?.maxAttempts ?? null,
          url: m.url ?? null,
          lastCompletion: last ? { cycle: last.cycle, completedAt: last.completedAt, method: last.method, ...(last.score !== undefined ? { score: last.score } : {}) } : null,
          nextCycleDate: a.nextCycleDate,
          completedCycles: a.completions.map((c) => c.cycle),
        };
      })
      .sort((a, b) => order[a.status] - order[b.status] || a.dueDate.localeCompare(b.dueDate) || a.moduleId.localeCompare(b.moduleId));
  }

  private async openAssignment(personId: string, moduleId: string, kind: TrainingModule['kind']): Promise<{ module: TrainingModule; assignment: Assignment; etag: string } | Refusal> {
    const module = this.deps.catalogue.module(moduleId);
    const found = module ? await this.deps.assignments.get(`${personId}|${moduleId}`) : undefined;
    if (!module || !found) return { kind: 'not-assigned' };
    if (module.kind !== kind) return { kind: 'wrong-kind' };
    if (found.assignment.status !== 'open') return { kind: 'not-open' };
    return { module, assignment: found.assignment, etag: found.etag };
  }

  /** The quiz to take: questions and choices in a new random order, without the answers. */
  async quiz(personId: string, moduleId: string) {
    const open = await this.openAssignment(personId, moduleId, 'quiz');
    if ('kind' in open) return open;
    const quiz = open.module.quiz!;
    if (open.assignment.attempts >= quiz.maxAttempts) return { kind: 'no-attempt-left' } as const;
    return {
      kind: 'ok' as const,
      value: {
        moduleId,
        title: open.module.title,
        passMark: quiz.passMark,
        maxAttempts: quiz.maxAttempts,
        attemptsUsed: open.assignment.attempts,
        questions: shuffle(quiz.questions).map((q) => ({ id: q.id, kind: q.kind, prompt: q.prompt, choices: shuffle(q.choices).map((c) => ({ id: c.id, text: c.text })) })),
      },
    };
  }

  /**
   * Scores an attempt: a question is right when exactly its correct choices are chosen. Every
   * question must be answered (the caller names the missing ones). The attempt counts whether it
   * passes or not; passing completes the cycle. The audit says pass or fail, never the answers.
   */
  async answer(actor: Actor, moduleId: string, answers: Record<string, string[]>) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const open = await this.openAssignment(actor.oid, moduleId, 'quiz');
      if ('kind' in open) return open;
      const quiz = open.module.quiz!;
      if (open.assignment.attempts >= quiz.maxAttempts) return { kind: 'no-attempt-left' } as const;
      const missing = quiz.questions.filter((q) => !(answers[q.id]?.length)).map((q) => q.id);
      if (missing.length) return { kind: 'unanswered' as const, questions: missing };
      const results = quiz.questions.map((q) => {
        const chosen = new Set(answers[q.id]);
        const right = q.choices.filter((c) => c.correct).map((c) => c.id);
        const correct = right.length === chosen.size && right.every((id) => chosen.has(id));
        return { questionId: q.id, correct, correctChoices: right, explanation: q.explanation };
      });
      const score = results.filter((r) => r.correct).length / results.length;
      const passed = score + 1e-9 >= quiz.passMark;
      const now = this.deps.now();
      const tried = { ...open.assignment, attempts: open.assignment.attempts + 1, updatedAt: now.toISOString() };
      const next = passed ? completed(tried, { completedAt: now.toISOString(), method: 'quiz', score }, open.module, this.deps.catalogue.reminders.timeZone, now) : tried;
      try {
        await this.deps.assignments.save(next, open.etag);
      } catch (e) {
        if (e instanceof AssignmentConflict) continue;
        throw e;
      }
      await this.deps.audit.record(actor, 'quiz-attempt', { personId: actor.oid, moduleId, cycle: open.assignment.cycle, count: next.attempts, passed });
      if (passed) await this.deps.audit.record(actor, 'completed', { personId: actor.oid, moduleId, cycle: open.assignment.cycle, step: 'quiz' });
      return { kind: 'ok' as const, value: { passed, score, passMark: quiz.passMark, attemptsUsed: next.attempts, attemptsLeft: quiz.maxAttempts - next.attempts, results } };
    }
    throw new AssignmentConflict(`${actor.oid}|${moduleId}`);
  }

  /** The reading and its attestation in both languages, with the hash of this version of them. */
  async reading(personId: string, moduleId: string) {
    const module = this.deps.catalogue.module(moduleId);
    const found = module ? await this.deps.assignments.get(`${personId}|${moduleId}`) : undefined;
    if (!module || !found) return { kind: 'not-assigned' } as const;
    if (module.kind !== 'reading') return { kind: 'wrong-kind' } as const;
    return { kind: 'ok' as const, value: { text: module.reading!.text, attestation: module.reading!.attestation, versionHash: readingVersionHash(module) } };
  }

  /**
   * Signs the reading: accepted only for the version the person was shown (a text changed since
   * is refused: they read it again). The evidence is a hash of that version, the language, the
   * person and the time, so it can be checked against the catalogue's history later.
   */
  async attest(actor: Actor, moduleId: string, shown: { versionHash: string; language: 'fr-CA' | 'en' }) {
    const open = await this.openAssignment(actor.oid, moduleId, 'reading');
    if ('kind' in open) return open;
    if (shown.versionHash !== readingVersionHash(open.module)) return { kind: 'text-changed' } as const;
    const now = this.deps.now();
    const completedAt = now.toISOString();
    const attestationHash = createHash('sha256').update([shown.versionHash, shown.language, actor.oid, completedAt].join('\n')).digest('hex');
    const next = completed(open.assignment, { completedAt, method: 'attestation', attestationHash }, open.module, this.deps.catalogue.reminders.timeZone, now);
    try {
      await this.deps.assignments.save(next, open.etag);
    } catch (e) {
      if (e instanceof AssignmentConflict) return { kind: 'not-open' } as const;
      throw e;
    }
    await this.deps.audit.record(actor, 'completed', { personId: actor.oid, moduleId, cycle: open.assignment.cycle, step: 'attestation' });
    return { kind: 'ok' as const, value: { completedAt, attestationHash } };
  }

  /** An external course or video: the person says they finished it. */
  async done(actor: Actor, moduleId: string) {
    const open = await this.openAssignment(actor.oid, moduleId, 'content');
    if ('kind' in open) return open;
    const now = this.deps.now();
    const next = completed(open.assignment, { completedAt: now.toISOString(), method: 'content' }, open.module, this.deps.catalogue.reminders.timeZone, now);
    try {
      await this.deps.assignments.save(next, open.etag);
    } catch (e) {
      if (e instanceof AssignmentConflict) return { kind: 'not-open' } as const;
      throw e;
    }
    await this.deps.audit.record(actor, 'completed', { personId: actor.oid, moduleId, cycle: open.assignment.cycle, step: 'content' });
    return { kind: 'ok' as const, value: { completedAt: next.completions.at(-1)!.completedAt } };
  }

  /** What a certificate shows for one completed cycle. */
  async certificate(personId: string, moduleId: string, cycle: number) {
    const module = this.deps.catalogue.module(moduleId);
    const found = module ? await this.deps.assignments.get(`${personId}|${moduleId}`) : undefined;
    const completion = found?.assignment.completions.find((c) => c.cycle === cycle);
    if (!module || !completion) return { kind: 'not-found' } as const;
    return {
      kind: 'ok' as const,
      value: {
        module: { id: module.id, title: module.title },
        cycle,
        completedAt: completion.completedAt,
        method: completion.method,
        score: completion.score ?? null,
        attestationHash: completion.attestationHash ?? null,
        catalogueVersion: this.deps.catalogue.version,
      },
    };
  }
}

/** Hash of a reading's exact text and attestation, both languages: what the person signs. */
export function readingVersionHash(module: TrainingModule): string {
  const r = module.reading!;
  return createHash('sha256').update(JSON.stringify([module.id, r.text['fr-CA'], r.text.en, r.attestation['fr-CA'], r.attestation.en])).digest('hex');
}

function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
