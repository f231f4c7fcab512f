import { describe, expect, it } from 'vitest';
import { followPeopleEvent } from '../../shared/training/assignments';
import { TrainingOversight, WEEKDAYS } from '../../shared/training/oversight';
import { TrainingTaking } from '../../shared/training/taking';
import { peopleEvent, trainingWorld } from '../fakes/training';

/** Managers' and HR's views and actions, over fakes. */

const NAMES = new Map([['ana', 'Ana Roy'], ['ben', 'Ben Côté'], ['jo', 'Jo Juriste'], ['boss', 'Élise Chef']]);
const hr = { oid: 'hr', roles: ['Staff', 'HR'] as const };
const boss = { oid: 'boss', roles: ['Staff', 'Manager'] as const };

async function world() {
  const w = trainingWorld();
  await followPeopleEvent(peopleEvent('ana', 'joined', 1), w.deps);
  await followPeopleEvent(peopleEvent('ben', 'joined', 1), w.deps);
  await followPeopleEvent(peopleEvent('jo', 'joined', 1, { serviceCode: 'JUR', jobCategoryCode: 'JURISTE', managerId: 'other' }), w.deps);
  await new TrainingTaking(w.deps).done({ oid: 'ana', kind: 'user' }, 'TEAMS-ESPACES');
  const oversight = new TrainingOversight({
    ...w.deps,
    names: { namesOf: async (ids) => new Map(ids.filter((id) => NAMES.has(id)).map((id) => [id, NAMES.get(id)!])) },
    calendar: WEEKDAYS,
    labels: { services: new Map([['RT', { 'fr-CA': 'Relations du travail', en: 'Labour Relations' }], ['JUR', { 'fr-CA': 'Services juridiques', en: 'Legal Services' }]]), jobCategories: new Map() },
    idOfUpn: async (upn) => (upn === 'ben@exemple.ca' ? 'ben' : null),
  });
  return { ...w, oversight };
}

describe('training oversight (use case)', () => {
  it('a manager sees their own people only, overdue first, with business days late', async () => {
    const w = await world();
    w.clock.now = new Date('2027-01-11T15:00:00Z'); // Monday; ARCHIVE-POLICY was due Wednesday 2027-01-06
    expect(await w.oversight.team({ oid: 'ana', roles: ['Staff'] })).toEqual({ kind: 'forbidden' });
    const team = await w.oversight.team(boss);
    if (team.kind !== 'ok') throw new Error(team.kind);
    expect(team.value.people.map((p) => p.displayName)).toEqual(['Ana Roy', 'Ben Côté']);
    const ana = team.value.people[0]!;
    expect(ana.items[0]).toMatchObject({ moduleId: 'ARCHIVE-POLICY', overdue: true, overdueBusinessDays: 3 });
    expect(ana.items.find((i) => i.moduleId === 'TEAMS-ESPACES')).toMatchObject({ status: 'completed', overdue: false });
    expect(await w.oversight.manages(boss, 'ana')).toBe(true);
    expect(await w.oversight.manages(boss, 'jo')).toBe(false);
  });

  it('HR sees compliance by service and module, and the overdue list with names; CSV for Excel', async () => {
    const w = await world();
    w.clock.now = new Date('2027-01-11T15:00:00Z');
    expect(await w.oversight.compliance(boss, {})).toEqual({ kind: 'forbidden' });
    const report = await w.oversight.compliance(hr, {});
    if (report.kind !== 'ok') throw new Error(report.kind);
    expect(report.value.byService).toEqual([
      { code: 'JUR', names: { 'fr-CA': 'Services juridiques', en: 'Legal Services' }, assigned: 6, completed: 0, overdue: 3 },
      { code: 'RT', names: { 'fr-CA': 'Relations du travail', en: 'Labour Relations' }, assigned: 10, completed: 1, overdue: 4 },
    ]);
    expect(report.value.byModule.find((m) => m.moduleId === 'TEAMS-ESPACES')).toMatchObject({ assigned: 3, completed: 1, overdue: 0 });
    expect(report.value.overdue.map((o) => `${o.displayName}:${o.moduleId}`).sort()).toEqual(['Ana Roy:ARCHIVE-POLICY', 'Ana Roy:CYBER-BASE', 'Ben Côté:ARCHIVE-POLICY', 'Ben Côté:CYBER-BASE', 'Jo Juriste:ARCHIVE-POLICY', 'Jo Juriste:CONFIDENTIALITE-JUR', 'Jo Juriste:CYBER-BASE']);
    const filtered = await w.oversight.compliance(hr, { service: 'JUR' });
    expect(filtered.kind === 'ok' && filtered.value.overdue.every((o) => o.personId === 'jo')).toBe(true);
    const csv = await w.oversight.complianceCsv(hr, {}, { oid: 'hr', kind: 'user' });
    if (csv.kind !== 'ok') throw new Error(csv.kind);
    expect(csv.value.startsWith('\uFEFFNom,Service,Formation,Échéance,Jours ouvrables de retard\n')).toBe(true);
    expect(csv.value).toContain('Ana Roy,Relations du travail,Politique d\'archivage des courriels,2027-01-06,3');
    expect(w.audit.records.at(-1)).toMatchObject({ action: 'report-exported', target: { count: 7 } });
  });

  it('manual completion needs HR, an assigned open module and a date not in the future; it is audited', async () => {
    const w = await world();
    const actor = { oid: 'hr', kind: 'user' as const };
    const input = { personId: 'ben', moduleId: 'CYBER-BASE', completedAt: '2026-12-03', reason: 'Formation en classe le 3 décembre' };
    expect(await w.oversight.completeByHand(boss, actor, input)).toEqual({ kind: 'forbidden' });
    expect(await w.oversight.completeByHand(hr, actor, { ...input, completedAt: '2026-12-31' })).toEqual({ kind: 'future-date' });
    expect(await w.oversight.completeByHand(hr, actor, { ...input, moduleId: 'NOPE' })).toEqual({ kind: 'unknown-module' });
    expect(await w.oversight.completeByHand(hr, actor, { ...input, personId: 'nobody' })).toEqual({ kind: 'not-assigned' });
    expect(await w.oversight.completeByHand(hr, actor, input)).toEqual({ kind: 'ok' });
    expect(w.assignments.assignment('ben', 'CYBER-BASE')).toMatchObject({ status: 'completed', completions: [{ method: 'manual', recordedBy: 'hr', reason: input.reason }] });
    expect(await w.oversight.completeByHand(hr, actor, input)).toEqual({ kind: 'not-open' });
    expect(w.audit.records.filter((r) => r.action === 'manual-completion')).toEqual([{ actor: 'hr', action: 'manual-completion', target: { personId: 'ben', moduleId: 'CYBER-BASE' }, outcome: 'allowed' }]);
  });

  it('imports completions with a report naming each refused line: unknown people and modules, bad or future dates', async () => {
    const w = await world();
    const actor = { oid: 'hr', kind: 'user' as const };
    const csv = [
      'personId,userPrincipalName,moduleId,completedAt,source',
      'ana,,CYBER-BASE,2026-12-02,KnowBe4',
      ',ben@exemple.ca,CYBER-PHISH,2026-12-01,KnowBe4',
      'ghost,,CYBER-BASE,2026-12-01,KnowBe4',
      'ana,,NOPE,2026-12-01,KnowBe4',
      'ana,,ARCHIVE-POLICY,2026-13-01,KnowBe4',
      'ana,,ARCHIVE-POLICY,2027-06-01,KnowBe4',
      'ana,,CONFIDENTIALITE-JUR,2026-12-01,KnowBe4',
    ].join('\n');
    const dry = await w.oversight.importCompletions(hr, actor, csv, true);
    if (dry.kind !== 'ok') throw new Error(dry.kind);
    expect(dry.value).toMatchObject({ accepted: 2, applied: false, completed: 0 });
    expect(dry.value.rejected.map((r) => [r.line, r.field])).toEqual([[4, 'personId'], [5, 'moduleId'], [6, 'completedAt'], [7, 'completedAt'], [8, 'moduleId']]);
    expect(dry.value.rejected[3]!.problem).toEqual({ 'fr-CA': 'Date dans le futur : refusée.', en: 'Date in the future: refused.' });
    expect(w.assignments.assignment('ana', 'CYBER-BASE')!.status).toBe('open');
    const real = await w.oversight.importCompletions(hr, actor, csv, false);
    expect(real).toMatchObject({ kind: 'ok', value: { accepted: 2, applied: true, completed: 2 } });
    expect(w.assignments.assignment('ben', 'CYBER-PHISH')).toMatchObject({ status: 'completed', completions: [{ method: 'import', source: 'KnowBe4' }] });
    expect(await w.oversight.importCompletions(hr, actor, 'personId,moduleId\n"unterminated', true)).toMatchObject({ kind: 'unreadable' });
  });

  it('HR assigns a module no rule gives, with a reason; a move keeps it; a completed one reopens only on request', async () => {
    const w = await world();
    const actor = { oid: 'hr', kind: 'user' as const };
    const input = { personId: 'ana', moduleId: 'CONFIDENTIALITE-JUR', dueDate: '2027-01-15', reason: 'Dossier conjoint avec le service juridique' };
    expect(await w.oversight.assignByHand(boss, actor, input)).toEqual({ kind: 'forbidden' });
    expect(await w.oversight.assignByHand(hr, actor, { ...input, dueDate: '2026-12-01' })).toEqual({ kind: 'past-date' });
    expect(await w.oversight.assignByHand(hr, actor, { ...input, personId: 'ghost' })).toEqual({ kind: 'unknown-person' });
    expect(await w.oversight.assignByHand(hr, actor, input)).toEqual({ kind: 'ok', value: { cycle: 1, dueDate: '2027-01-15' } });
    expect(w.assignments.assignment('ana', 'CONFIDENTIALITE-JUR')).toMatchObject({ status: 'open', rules: [], hr: { by: 'hr', reason: input.reason } });
    await followPeopleEvent(peopleEvent('ana', 'moved', 2, { jobCategoryCode: 'TECHADM' }), w.deps);
    expect(w.assignments.assignment('ana', 'CONFIDENTIALITE-JUR')!.status).toBe('open');
    expect(await w.oversight.assignByHand(hr, actor, { ...input, moduleId: 'TEAMS-ESPACES' })).toEqual({ kind: 'already-completed' });
    expect(await w.oversight.assignByHand(hr, actor, { ...input, moduleId: 'TEAMS-ESPACES', newCycle: true })).toEqual({ kind: 'ok', value: { cycle: 2, dueDate: '2027-01-15' } });
    expect(w.audit.records.filter((r) => r.action === 'hr-assigned').map((r) => r.target)).toEqual([
      { personId: 'ana', moduleId: 'CONFIDENTIALITE-JUR', cycle: 1 },
      { personId: 'ana', moduleId: 'TEAMS-ESPACES', cycle: 2 },
    ]);
  });
});
