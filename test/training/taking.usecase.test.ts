import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { followPeopleEvent } from '../../shared/training/assignments';
import { TrainingTaking, readingVersionHash } from '../../shared/training/taking';
import { peopleEvent, trainingCatalogue, trainingWorld } from '../fakes/training';

/** Taking a module: quiz scoring, pass mark and attempts; attestation; content; certificate. */

const ana = { oid: 'ana', kind: 'user' as const };

async function world(catalogue = trainingCatalogue()) {
  const w = trainingWorld({ catalogue });
  await followPeopleEvent(peopleEvent('ana', 'joined', 1), w.deps);
  return { ...w, taking: new TrainingTaking(w.deps) };
}

const rightAnswers = (w: Awaited<ReturnType<typeof world>>) =>
  Object.fromEntries(w.deps.catalogue.module('CYBER-BASE')!.quiz!.questions.map((q) => [q.id, q.choices.filter((c) => c.correct).map((c) => c.id)]));

describe('taking training (use case)', () => {
  it('a quiz comes without its answers, questions in a random order', async () => {
    const w = await world();
    const orders = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const quiz = await w.taking.quiz('ana', 'CYBER-BASE');
      if (quiz.kind !== 'ok') throw new Error(quiz.kind);
      expect(JSON.stringify(quiz.value)).not.toContain('correct');
      expect(JSON.stringify(quiz.value)).not.toContain('explanation');
      orders.add(quiz.value.questions.map((q) => q.id).join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('scores exactly: a multiple-choice question is right only with all its correct choices and no other', async () => {
    const w = await world();
    const answers = rightAnswers(w);
    // 3 of 4 right (the multiple-choice one misses a choice) = 0.75 = the pass mark: passes.
    const partial = { ...answers, phish: ['a', 'b'] };
    const result = await w.taking.answer(ana, 'CYBER-BASE', partial);
    expect(result).toMatchObject({ kind: 'ok', value: { passed: true, score: 0.75, attemptsUsed: 1, attemptsLeft: 2 } });
    if (result.kind !== 'ok') return;
    expect(result.value.results.find((r) => r.questionId === 'phish')).toMatchObject({ correct: false, correctChoices: ['a', 'b', 'd'] });
    expect(w.assignments.assignment('ana', 'CYBER-BASE')).toMatchObject({ status: 'completed', completions: [{ cycle: 1, method: 'quiz', score: 0.75 }] });
  });

  it('counts failed attempts and refuses one more than the limit; an unanswered question is named', async () => {
    const w = await world();
    const wrong = { mfa: ['a'], phish: ['c'], report: ['b'], share: ['b'] };
    expect(await w.taking.answer(ana, 'CYBER-BASE', { mfa: ['b'] })).toEqual({ kind: 'unanswered', questions: ['phish', 'report', 'share'] });
    for (let i = 1; i <= 3; i++) expect(await w.taking.answer(ana, 'CYBER-BASE', wrong)).toMatchObject({ kind: 'ok', value: { passed: false, score: 0, attemptsUsed: i } });
    expect(await w.taking.answer(ana, 'CYBER-BASE', rightAnswers(w))).toEqual({ kind: 'no-attempt-left' });
    expect(await w.taking.quiz('ana', 'CYBER-BASE')).toEqual({ kind: 'no-attempt-left' });
    const attempts = w.audit.records.filter((r) => r.action === 'quiz-attempt');
    expect(attempts.map((r) => r.target.passed)).toEqual([false, false, false]);
    // The trail says pass or fail, never what was answered.
    expect(JSON.stringify(w.audit.records)).not.toMatch(/"mfa"|"phish"/);
  });

  it('attests the exact version shown: the hash covers it, the time and the person; a changed text is refused', async () => {
    const w = await world();
    const reading = await w.taking.reading('ana', 'ARCHIVE-POLICY');
    if (reading.kind !== 'ok') throw new Error(reading.kind);
    expect(reading.value.versionHash).toBe(readingVersionHash(w.deps.catalogue.module('ARCHIVE-POLICY')!));
    expect(await w.taking.attest(ana, 'ARCHIVE-POLICY', { versionHash: 'f'.repeat(64), language: 'fr-CA' })).toEqual({ kind: 'text-changed' });
    const signed = await w.taking.attest(ana, 'ARCHIVE-POLICY', { versionHash: reading.value.versionHash, language: 'fr-CA' });
    if (signed.kind !== 'ok') throw new Error(signed.kind);
    const expected = createHash('sha256').update([reading.value.versionHash, 'fr-CA', 'ana', signed.value.completedAt].join('\n')).digest('hex');
    expect(signed.value.attestationHash).toBe(expected);
    expect(await w.taking.attest(ana, 'ARCHIVE-POLICY', { versionHash: reading.value.versionHash, language: 'fr-CA' })).toEqual({ kind: 'not-open' });

    // A new version of the text: the hash the person was shown before no longer signs it.
    const edited = trainingCatalogue((f) => {
      const m = f.modules.find((x) => x.id === 'ARCHIVE-POLICY') as { reading: { text: { 'fr-CA': string } } };
      m.reading.text['fr-CA'] += ' Nouvelle phrase.';
    });
    expect(readingVersionHash(edited.module('ARCHIVE-POLICY')!)).not.toBe(reading.value.versionHash);
  });

  it('content is done when the person says so; a certificate shows each completed cycle', async () => {
    const w = await world();
    expect(await w.taking.done(ana, 'CYBER-BASE')).toEqual({ kind: 'wrong-kind' });
    const done = await w.taking.done(ana, 'TEAMS-ESPACES');
    expect(done.kind).toBe('ok');
    expect(await w.taking.certificate('ana', 'TEAMS-ESPACES', 1)).toMatchObject({ kind: 'ok', value: { cycle: 1, method: 'content', catalogueVersion: '2026.1', module: { id: 'TEAMS-ESPACES' } } });
    expect(await w.taking.certificate('ana', 'TEAMS-ESPACES', 2)).toEqual({ kind: 'not-found' });
    expect(await w.taking.certificate('ana', 'ARCHIVE-POLICY', 1)).toEqual({ kind: 'not-found' });
    expect(await w.taking.done({ oid: 'stranger', kind: 'user' }, 'TEAMS-ESPACES')).toEqual({ kind: 'not-assigned' });
  });

  it('lists one’s modules: open first by due date, overdue and paused flags, completed cycles', async () => {
    const w = await world();
    await w.taking.done(ana, 'TEAMS-ESPACES');
    w.clock.now = new Date('2027-01-10T14:00:00Z');
    const mine = await w.taking.mine('ana');
    expect(mine.map((m) => [m.moduleId, m.status, m.overdue])).toEqual([
      ['ARCHIVE-POLICY', 'open', true],
      ['CYBER-BASE', 'open', true],
      ['DOSSIERS-NUM', 'open', false],
      ['CYBER-PHISH', 'open', false],
      ['TEAMS-ESPACES', 'completed', false],
    ]);
    expect(mine.at(-1)).toMatchObject({ completedCycles: [1], lastCompletion: { method: 'content' } });
  });
});
