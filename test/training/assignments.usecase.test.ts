import { describe, expect, it } from 'vitest';
import { dueDateFor, followPeopleEvent, nextCycleDate, openDueCycles, reassignIfCatalogueChanged } from '../../shared/training/assignments';
import { TrainingTaking } from '../../shared/training/taking';
import { MemoryCatalogueState, peopleEvent, trainingCatalogue, trainingWorld } from '../fakes/training';

/** What lifecycle events do to someone's training, over fakes of the training ports. */

const modulesOf = (w: ReturnType<typeof trainingWorld>, personId: string, status?: string) =>
  [...w.assignments.docs.values()].map((d) => d.assignment).filter((a) => a.personId === personId && (!status || a.status === status)).map((a) => a.moduleId).sort();

describe('training assignments (use case)', () => {
  it('rules by job category and service: everyone gets cybersecurity, lawyers their own modules, advisers theirs', async () => {
    const w = trainingWorld();
    await followPeopleEvent(peopleEvent('ana', 'joined', 1), w.deps);
    await followPeopleEvent(peopleEvent('jo', 'joined', 1, { serviceCode: 'JUR', jobCategoryCode: 'JURISTE' }), w.deps);
    await followPeopleEvent(peopleEvent('ti', 'joined', 1, { serviceCode: 'RI', jobCategoryCode: 'TI' }), w.deps);
    expect(modulesOf(w, 'ana')).toEqual(['ARCHIVE-POLICY', 'CYBER-BASE', 'CYBER-PHISH', 'DOSSIERS-NUM', 'TEAMS-ESPACES']);
    expect(modulesOf(w, 'jo')).toEqual(['ARCHIVE-POLICY', 'CONFIDENTIALITE-JUR', 'CYBER-BASE', 'CYBER-PHISH', 'DOSSIERS-NUM', 'TEAMS-ESPACES']);
    expect(modulesOf(w, 'ti')).toEqual(['ARCHIVE-POLICY', 'CYBER-BASE', 'CYBER-PHISH', 'TEAMS-ESPACES']);
    expect(w.audit.records.filter((r) => r.action === 'assigned')).toHaveLength(15);
  });

  it('a rule naming a job category and a service needs both', () => {
    const catalogue = trainingCatalogue((f) => {
      (f.rules as unknown[]).push({ id: 'jur-rt', jobCategories: ['CONSEIL'], services: ['JUR'], modules: ['CONFIDENTIALITE-JUR'] });
    });
    expect(catalogue.modulesFor({ serviceCode: 'JUR', jobCategoryCode: 'CONSEIL' }).get('CONFIDENTIALITE-JUR')).toEqual(['jur-rt']);
    expect(catalogue.modulesFor({ serviceCode: 'RT', jobCategoryCode: 'CONSEIL' }).has('CONFIDENTIALITE-JUR')).toBe(false);
  });

  it('a joiner’s onboarding modules are due from the hire date; others from assignment', async () => {
    const w = trainingWorld();
    await followPeopleEvent(peopleEvent('ana', 'joined', 1, { hireDate: '2026-12-14T00:00:00Z' }), w.deps);
    expect(w.assignments.assignment('ana', 'CYBER-BASE')!.dueDate).toBe('2027-01-13');
    expect(w.assignments.assignment('ana', 'ARCHIVE-POLICY')!.dueDate).toBe('2027-01-06');
    // A long-serving employee given a hire-based module gets the full delay from today.
    expect(dueDateFor(w.deps.catalogue.module('CYBER-BASE')!, '2026-12-07', '2015-04-13T00:00:00Z')).toBe('2027-01-06');
    // The annual campaign is due when its window closes (next year's once this year's has closed).
    expect(w.assignments.assignment('ana', 'CYBER-PHISH')!.dueDate).toBe('2027-11-30');
  });

  it('a move adds the new category’s modules, keeps completed ones, closes open ones no rule gives any more', async () => {
    const w = trainingWorld();
    await followPeopleEvent(peopleEvent('jo', 'joined', 1, { serviceCode: 'JUR', jobCategoryCode: 'JURISTE' }), w.deps);
    const taking = new TrainingTaking(w.deps);
    await taking.done({ oid: 'jo', kind: 'user' }, 'DOSSIERS-NUM');
    await followPeopleEvent(peopleEvent('jo', 'moved', 2, { serviceCode: 'RI', jobCategoryCode: 'TI' }), w.deps);
    expect(w.assignments.assignment('jo', 'DOSSIERS-NUM')!.status).toBe('completed');
    expect(w.assignments.assignment('jo', 'CONFIDENTIALITE-JUR')).toMatchObject({ status: 'closed', closedReason: 'no-longer-assigned' });
    expect(modulesOf(w, 'jo', 'open')).toEqual(['ARCHIVE-POLICY', 'CYBER-BASE', 'CYBER-PHISH', 'TEAMS-ESPACES']);
    // Back to lawyer: the closed module opens again; the completed one stays completed.
    await followPeopleEvent(peopleEvent('jo', 'moved', 3, { serviceCode: 'JUR', jobCategoryCode: 'JURISTE' }), w.deps);
    expect(w.assignments.assignment('jo', 'CONFIDENTIALITE-JUR')!.status).toBe('open');
    expect(w.assignments.assignment('jo', 'DOSSIERS-NUM')!.status).toBe('completed');
  });

  it('leave pauses due dates and resumes them on return, moved by the days away', async () => {
    const w = trainingWorld();
    await followPeopleEvent(peopleEvent('ana', 'joined', 1), w.deps);
    const due = w.assignments.assignment('ana', 'ARCHIVE-POLICY')!.dueDate;
    await followPeopleEvent(peopleEvent('ana', 'leave-started', 2), w.deps);
    expect(w.assignments.assignment('ana', 'ARCHIVE-POLICY')!.pausedSince).toBe('2026-12-07T14:00:00.000Z');
    w.clock.now = new Date('2026-12-28T15:00:00Z');
    await followPeopleEvent(peopleEvent('ana', 'leave-ended', 3), w.deps);
    const resumed = w.assignments.assignment('ana', 'ARCHIVE-POLICY')!;
    expect(resumed.pausedSince).toBeNull();
    expect(resumed.dueDate).toBe('2027-01-27');
    expect(due).toBe('2027-01-06');
  });

  it('left closes every open assignment and cancels future cycles; completed ones stay as evidence', async () => {
    const w = trainingWorld();
    await followPeopleEvent(peopleEvent('ana', 'joined', 1), w.deps);
    await new TrainingTaking(w.deps).done({ oid: 'ana', kind: 'user' }, 'TEAMS-ESPACES');
    await followPeopleEvent(peopleEvent('ana', 'left', 2), w.deps);
    expect(modulesOf(w, 'ana', 'open')).toEqual([]);
    expect(modulesOf(w, 'ana', 'closed')).toEqual(['ARCHIVE-POLICY', 'CYBER-BASE', 'CYBER-PHISH', 'DOSSIERS-NUM']);
    expect(w.assignments.assignment('ana', 'TEAMS-ESPACES')).toMatchObject({ status: 'completed', nextCycleDate: null });
  });

  it('a repeated or older event changes nothing', async () => {
    const w = trainingWorld();
    await followPeopleEvent(peopleEvent('ana', 'joined', 1), w.deps);
    await followPeopleEvent(peopleEvent('ana', 'moved', 3, { jobCategoryCode: 'TECHADM' }), w.deps);
    const before = JSON.stringify([...w.assignments.docs.values()]);
    expect((await followPeopleEvent(peopleEvent('ana', 'moved', 3, { jobCategoryCode: 'TECHADM' }), w.deps)).applied).toBe(false);
    expect((await followPeopleEvent(peopleEvent('ana', 'moved', 2, { jobCategoryCode: 'CONSEIL' }), w.deps)).applied).toBe(false);
    expect(JSON.stringify([...w.assignments.docs.values()])).toBe(before);
  });

  it('recurrence opens a new cycle when the next one is due, not for someone who left', async () => {
    const w = trainingWorld();
    await followPeopleEvent(peopleEvent('ana', 'joined', 1), w.deps);
    await followPeopleEvent(peopleEvent('ben', 'joined', 1), w.deps);
    const taking = new TrainingTaking(w.deps);
    for (const who of ['ana', 'ben']) {
      const quiz = await taking.quiz(who, 'CYBER-BASE');
      if (quiz.kind !== 'ok') throw new Error(quiz.kind);
      const answers = Object.fromEntries(w.deps.catalogue.module('CYBER-BASE')!.quiz!.questions.map((q) => [q.id, q.choices.filter((c) => c.correct).map((c) => c.id)]));
      expect(await taking.answer({ oid: who, kind: 'user' }, 'CYBER-BASE', answers)).toMatchObject({ kind: 'ok', value: { passed: true } });
    }
    expect(w.assignments.assignment('ana', 'CYBER-BASE')!.nextCycleDate).toBe('2027-12-07');
    await followPeopleEvent(peopleEvent('ben', 'left', 2), w.deps);
    w.clock.now = new Date('2027-12-07T14:00:00Z');
    expect(await openDueCycles(w.deps)).toBe(1);
    expect(w.assignments.assignment('ana', 'CYBER-BASE')).toMatchObject({ status: 'open', cycle: 2, attempts: 0, dueDate: '2028-01-06' });
    expect(w.assignments.assignment('ben', 'CYBER-BASE')).toMatchObject({ status: 'completed', cycle: 1 });
    expect(nextCycleDate(w.deps.catalogue.module('CYBER-PHISH')!, '2026-10-15')).toBe('2027-09-01');
    expect(nextCycleDate(w.deps.catalogue.module('CYBER-PHISH')!, '2026-08-20')).toBe('2026-09-01');
  });

  it('a new catalogue version applies to everyone on staff at once, and only once', async () => {
    const w = trainingWorld();
    const state = new MemoryCatalogueState();
    await followPeopleEvent(peopleEvent('ti', 'joined', 1, { serviceCode: 'RI', jobCategoryCode: 'TI' }), w.deps);
    await followPeopleEvent(peopleEvent('gone', 'joined', 1, { serviceCode: 'RI', jobCategoryCode: 'TI' }), w.deps);
    await followPeopleEvent(peopleEvent('gone', 'left', 2, { serviceCode: 'RI', jobCategoryCode: 'TI' }), w.deps);
    expect(await reassignIfCatalogueChanged(w.deps, state)).toEqual({ reassigned: 0 });
    w.deps.catalogue = trainingCatalogue((f) => {
      f.version = '2026.2';
      (f.rules as unknown[]).push({ id: 'ti-dossiers', jobCategories: ['TI'], modules: ['DOSSIERS-NUM'] });
    });
    expect(await reassignIfCatalogueChanged(w.deps, state)).toEqual({ reassigned: 1 });
    expect(w.assignments.assignment('ti', 'DOSSIERS-NUM')!.status).toBe('open');
    expect(w.assignments.assignment('gone', 'DOSSIERS-NUM')).toBeUndefined();
    expect(await reassignIfCatalogueChanged(w.deps, state)).toBeNull();
  });
});
