import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PeopleEvent } from '../../shared/people/events';
import type { RolloutAuditAction } from '../../shared/rollout/ports';
import { RunConflict, type LicenceDirectory, type RunStore } from '../../shared/rollout/ports';
import { parseRolloutConfig } from '../../shared/rollout/config';
import { journeyViews, serviceViews } from '../../shared/rollout/dashboard';
import { journeyForEvent } from '../../shared/rollout/journeys';
import { recordDecision, recordProgress, recordTermination } from '../../shared/rollout/ledger';
import { ensureLicences, LicencesUnavailable, releaseLicences, removeLicences } from '../../shared/rollout/licences';
import { applyProgress, checkDecision, runPercent, visibleState, type ProgressUpdate, type RunRecord } from '../../shared/rollout/model';

/** The rollout's use cases over in-memory fakes of its own ports. */

class MemoryRuns implements RunStore {
  readonly docs = new Map<string, { record: RunRecord; etag: string }>();
  private n = 0;
  /** Makes the next save fail as if another writer got there first (after changing the record). */
  interfere?: (record: RunRecord) => RunRecord;
  async get(id: string) {
    const d = this.docs.get(id);
    return d ? { record: structuredClone(d.record), etag: d.etag } : undefined;
  }
  async save(record: RunRecord, etag?: string) {
    const current = this.docs.get(record.id);
    if (this.interfere && current) {
      const change = this.interfere;
      this.interfere = undefined;
      this.docs.set(record.id, { record: change(structuredClone(current.record)), etag: `e${++this.n}` });
      throw new RunConflict(record.id);
    }
    if ((etag === undefined && current) || (etag !== undefined && current?.etag !== etag)) throw new RunConflict(record.id);
    const next = `e${++this.n}`;
    this.docs.set(record.id, { record: structuredClone(record), etag: next });
    return next;
  }
  async list(kind: RunRecord['kind'] | 'journeys') {
    return [...this.docs.values()].map((d) => d.record).filter((r) => (kind === 'journeys' ? r.kind !== 'service' : r.kind === kind));
  }
}

const audit = () => {
  const records: Array<{ action: RolloutAuditAction; target: object }> = [];
  return { records, record: async (_a: unknown, action: RolloutAuditAction, target: object) => void records.push({ action, target }) };
};

const T0 = '2026-12-06T10:00:00.000Z';
type RunWrite = Extract<ProgressUpdate, { target: 'run' }>;
type Created = NonNullable<RunWrite['create']>;
const create = (id = 'rollout-service-RT', kind: RunRecord['kind'] = 'service'): RunWrite & { create: Created } => ({
  runId: id, target: 'run', seq: 1, at: T0, state: 'running',
  create: { id, kind, subject: kind === 'service' ? 'RT' : 'p1', serviceCode: 'RT', state: 'running', startedAt: T0, startedBy: { oid: 'it', kind: 'user' }, configVersion: '2026.1', stepOrder: kind === 'service' ? ['space', 'people', 'training', 'telecom', 'templates', 'report'] : ['holds', 'archive', 'licences', 'report'] },
});
const step = (seq: number, patch: Extract<ProgressUpdate, { target: 'step' }>['patch'], name: 'people' | 'archive' | 'telecom' | 'space' = 'people', runId = 'rollout-service-RT'): ProgressUpdate => ({
  runId, target: 'step', step: name, instanceId: `${runId}:${name}`, seq, at: T0, patch,
});

describe('the run ledger', () => {
  it('applies an orchestration’s writes in its order: a late or repeated write changes nothing', () => {
    let run = applyProgress(undefined, create())!;
    run = applyProgress(run, step(1, { state: 'running', attempts: 1, startedAt: T0 }))!;
    run = applyProgress(run, step(3, { state: 'done', endedAt: T0 }))!;
    // An activity re-run after a crash delivers an older write again.
    expect(applyProgress(run, step(2, { state: 'failed' }))).toBeNull();
    expect(applyProgress(run, step(3, { state: 'done', endedAt: T0 }))).toBeNull();
    expect(run.steps.people).toMatchObject({ state: 'done', attempts: 1, instanceId: 'rollout-service-RT:people' });
    expect(applyProgress(run, { ...create(), seq: 1, create: undefined, state: 'completed' })).toBeNull();
    expect(applyProgress(run, { ...create(), seq: 2, create: undefined, state: 'completed' })!.state).toBe('completed');
  });

  it('counts a fan-out per lane, from what earlier attempts finished, and a retry counts afresh', () => {
    let run = applyProgress(undefined, create())!;
    run = applyProgress(run, step(1, { state: 'running', attempts: 1 }))!;
    run = applyProgress(run, step(2, { total: 10, done: 0, laneBase: 0 }))!;
    const lane = (l: number, done: number): ProgressUpdate => ({ runId: run.id, target: 'lane', step: 'people', lane: l, done, at: T0 });
    run = applyProgress(run, lane(0, 2))!;
    run = applyProgress(run, lane(1, 3))!;
    expect(applyProgress(run, lane(1, 2))).toBeNull();
    expect(run.steps.people).toMatchObject({ done: 5, total: 10 });
    run = applyProgress(run, step(3, { state: 'failed' }))!;
    run = applyProgress(run, step(4, { state: 'running', attempts: 2, done: 0 }))!;
    run = applyProgress(run, step(5, { total: 10, done: 8, laneBase: 8 }))!;
    run = applyProgress(run, lane(0, 1))!;
    expect(run.steps.people).toMatchObject({ done: 9, lanes: { '0': 1 } });
  });

  it('keeps what a run set out to assign (once each) and a compensation that only moves forward', () => {
    let run = applyProgress(undefined, create('j1', 'onboarding'))!;
    run = applyProgress(run, { runId: 'j1', target: 'licences', at: T0, added: ['MCOEV'] })!;
    expect(applyProgress(run, { runId: 'j1', target: 'licences', at: T0, added: ['MCOEV'] })).toBeNull();
    run = applyProgress(run, { runId: 'j1', target: 'licences', at: T0, added: ['SPE_E3'] })!;
    expect(run.licencesAdded).toEqual(['MCOEV', 'SPE_E3']);
    run = applyProgress(run, { runId: 'j1', target: 'compensation', at: T0, state: 'running', released: 2 })!;
    expect(applyProgress(run, { runId: 'j1', target: 'compensation', at: T0, state: 'running', released: 0 })).toBeNull();
    run = applyProgress(run, { runId: 'j1', target: 'compensation', at: T0, state: 'done', released: 3 })!;
    expect(applyProgress(run, { runId: 'j1', target: 'compensation', at: T0, state: 'running', released: 3 })).toBeNull();
    expect(run.compensation).toEqual({ state: 'done', released: 3 });
  });

  it('keeps one report, and starts a new record when the same run id starts again later', () => {
    let run = applyProgress(undefined, create())!;
    run = applyProgress(run, { runId: run.id, target: 'report', at: T0, report: { people: 3 } })!;
    expect(applyProgress(run, { runId: run.id, target: 'report', at: T0, report: { people: 4 } })).toBeNull();
    const again = applyProgress(run, { ...create(), create: { ...create().create, startedAt: '2026-12-07T00:00:00.000Z' } })!;
    expect(again).toMatchObject({ report: null, steps: {}, startedAt: '2026-12-07T00:00:00.000Z' });
  });

  it('shows a running run with a failed step as blocked, one waiting on people as waiting, and its percentage', () => {
    let run = applyProgress(undefined, create())!;
    run = applyProgress(run, step(1, { state: 'done' }, 'space'))!;
    run = applyProgress(run, step(1, { state: 'failed' }))!;
    expect(visibleState(run)).toBe('blocked');
    run = applyProgress(run, step(2, { state: 'waiting', done: 3, total: 6 }))!;
    expect(visibleState(run)).toBe('waiting');
    expect(runPercent(run)).toBe(Math.floor((100 + 50) / 6));
  });

  it('accepts a decision only on a step that awaits one, a skip only where allowed, a confirmation only for the numbers', () => {
    let run = applyProgress(undefined, create())!;
    expect(checkDecision(undefined, 'people', 'retry')).toEqual({ ok: false, code: 'not-found' });
    expect(checkDecision(run, 'people', 'retry')).toEqual({ ok: false, code: 'not-awaiting-decision' });
    expect(checkDecision(run, 'holds', 'retry')).toEqual({ ok: false, code: 'not-found' });
    run = applyProgress(run, step(1, { state: 'running', skippable: true }))!;
    expect(checkDecision(run, 'people', 'retry')).toEqual({ ok: false, code: 'not-awaiting-decision' });
    run = applyProgress(run, step(2, { state: 'failed' }))!;
    expect(checkDecision(run, 'people', 'retry')).toEqual({ ok: true });
    expect(checkDecision(run, 'people', 'skip')).toEqual({ ok: true });
    expect(checkDecision(run, 'people', 'confirm')).toEqual({ ok: false, code: 'not-awaiting-decision' });
    run = applyProgress(run, step(3, { state: 'waiting', skippable: false, blocker: { code: 'archive-incomplete', mustAct: 'ITAdmin', since: T0, detail: {} } }))!;
    expect(checkDecision(run, 'people', 'skip')).toEqual({ ok: false, code: 'not-skippable' });
    expect(checkDecision(run, 'people', 'retry')).toEqual({ ok: true });
    // Checking again on its own, still blocked: a retry is heard at its next wait.
    run = applyProgress(run, step(4, { state: 'running' }))!;
    expect(checkDecision(run, 'people', 'retry')).toEqual({ ok: true });
    run = applyProgress(run, step(5, { state: 'done', blocker: null }))!;
    expect(checkDecision(run, 'people', 'retry')).toEqual({ ok: false, code: 'not-awaiting-decision' });
    run = applyProgress(run, step(1, { state: 'failed' }, 'telecom'))!;
    expect(checkDecision(run, 'telecom', 'confirm')).toEqual({ ok: true });
    expect(checkDecision({ ...run, state: 'completed' }, 'telecom', 'confirm')).toEqual({ ok: false, code: 'not-running' });
  });

  it('records a decision (who, why, when) and audits it, re-reading after a concurrent write', async () => {
    const store = new MemoryRuns();
    await recordProgress(store, create());
    await recordProgress(store, step(1, { state: 'failed', skippable: true }));
    store.interfere = (r) => applyProgress(r, step(2, { blocker: { code: 'people-failed', mustAct: 'ITAdmin', since: T0, detail: { failed: 2 } } }))!;
    const trail = audit();
    const deps = { store, audit: trail, now: () => new Date('2026-12-06T11:00:00Z') };
    const outcome = await recordDecision(deps, 'rollout-service-RT', 'people', { action: 'skip', reason: 'Reporté' }, { oid: 'it-1', kind: 'user' });
    expect(outcome).toEqual({ ok: true, instanceId: 'rollout-service-RT:people' });
    const saved = (await store.get('rollout-service-RT'))!.record.steps.people!;
    expect(saved.decisions).toEqual([{ action: 'skip', by: 'it-1', reason: 'Reporté', at: '2026-12-06T11:00:00.000Z' }]);
    expect(saved.blocker).toMatchObject({ code: 'people-failed' });
    expect(trail.records).toEqual([{ action: 'step-skipped', target: { runId: 'rollout-service-RT', step: 'people' } }]);
    const refused = await recordDecision(deps, 'rollout-service-RT', 'space', { action: 'retry', reason: '' }, { oid: 'it-1', kind: 'user' });
    expect(refused).toEqual({ ok: false, code: 'not-awaiting-decision' });
    expect(trail.records).toHaveLength(1);
  });

  it('applies the writes an orchestration made since its last wait in one save, and says when a report was kept', async () => {
    const store = new MemoryRuns();
    let saves = 0;
    const save = store.save.bind(store);
    store.save = async (r, e) => {
      saves++;
      return save(r, e);
    };
    const first = await recordProgress(store, [create(), step(1, { state: 'running', attempts: 1 }), step(2, { state: 'done' })]);
    expect(first).toEqual({ reportsKept: [] });
    expect(saves).toBe(1);
    expect((await store.get('rollout-service-RT'))!.record.steps.people).toMatchObject({ state: 'done', attempts: 1, seq: 2 });
    const report = { runId: 'rollout-service-RT', target: 'report' as const, at: T0, report: { people: 3 } };
    expect(await recordProgress(store, [report, { ...create(), seq: 2, create: undefined, state: 'completed' }])).toEqual({ reportsKept: ['rollout-service-RT'] });
    // The same batch again (an activity re-run after a crash): nothing saved, no report kept twice.
    expect(await recordProgress(store, [report, { ...create(), seq: 2, create: undefined, state: 'completed' }])).toEqual({ reportsKept: [] });
    expect(saves).toBe(2);
  });

  it('ends a running run for good, with who and why; a run that is not running is refused', async () => {
    const store = new MemoryRuns();
    await recordProgress(store, create());
    const trail = audit();
    const deps = { store, audit: trail, now: () => new Date(T0) };
    const ended = await recordTermination(deps, 'rollout-service-RT', 'Service fusionné', { oid: 'it-1', kind: 'user' });
    expect(ended).toMatchObject({ state: 'terminated', report: { terminated: { by: 'it-1', reason: 'Service fusionné' } } });
    // A write the orchestration had in flight does not bring it back to life.
    await recordProgress(store, { ...create(), seq: 99, create: undefined, state: 'completed' });
    expect((await store.get('rollout-service-RT'))!.record.state).toBe('terminated');
    expect(await recordTermination(deps, 'rollout-service-RT', 'Encore', { oid: 'it-1', kind: 'user' })).toBeNull();
    expect(trail.records.map((r) => r.action)).toEqual(['run-terminated']);
  });
});

class MemoryLicences implements LicenceDirectory {
  readonly changes: Array<{ userId: string; add: string[]; remove: string[] }> = [];
  constructor(readonly held: Map<string, string[]>, readonly skus = new Map([['SPE_E3', 'e3'], ['MCOEV', 'phone']])) {}
  async skuIds(parts: string[]) {
    return new Map(parts.filter((p) => this.skus.has(p)).map((p) => [p, this.skus.get(p)!] as const));
  }
  async assigned(userId: string) {
    return this.held.get(userId) ?? [];
  }
  async change(userId: string, add: string[], remove: string[]) {
    this.changes.push({ userId, add, remove });
    this.held.set(userId, [...(this.held.get(userId) ?? []).filter((s) => !remove.includes(s)), ...add]);
  }
}

describe('licences', () => {
  it('assigns only what is missing, so running again after a crash assigns nothing', async () => {
    const dir = new MemoryLicences(new Map([['u1', ['e3']]]));
    expect(await ensureLicences(dir, 'u1', ['SPE_E3', 'MCOEV'])).toEqual({ added: ['MCOEV'], already: ['SPE_E3'] });
    expect(await ensureLicences(dir, 'u1', ['SPE_E3', 'MCOEV'])).toEqual({ added: [], already: ['SPE_E3', 'MCOEV'] });
    expect(dir.changes).toEqual([{ userId: 'u1', add: ['phone'], remove: [] }]);
  });

  it('refuses a SKU the tenant has no subscription for, naming it, before changing anything', async () => {
    const dir = new MemoryLicences(new Map());
    await expect(ensureLicences(dir, 'u1', ['SPE_E3', 'SPE_E5'])).rejects.toThrow(LicencesUnavailable);
    await expect(ensureLicences(dir, 'u1', ['SPE_E5'])).rejects.toThrow('SPE_E5');
    expect(dir.changes).toEqual([]);
  });

  it('says what it is about to assign before assigning it, and never for what the person holds', async () => {
    const dir = new MemoryLicences(new Map([['u1', ['e3']]]));
    const told: Array<{ parts: string[]; changesSoFar: number }> = [];
    await ensureLicences(dir, 'u1', ['SPE_E3', 'MCOEV'], async (parts) => void told.push({ parts, changesSoFar: dir.changes.length }));
    await ensureLicences(dir, 'u1', ['SPE_E3', 'MCOEV'], async (parts) => void told.push({ parts, changesSoFar: dir.changes.length }));
    expect(told).toEqual([{ parts: ['MCOEV'], changesSoFar: 0 }]);
  });

  it('takes back only the licences named that the person still holds', async () => {
    const dir = new MemoryLicences(new Map([['u1', ['e3', 'phone']], ['u2', ['e3']]]));
    expect(await releaseLicences(dir, 'u1', ['MCOEV'])).toEqual({ released: ['MCOEV'] });
    expect(await releaseLicences(dir, 'u2', ['MCOEV'])).toEqual({ released: [] });
    expect(dir.changes).toEqual([{ userId: 'u1', add: [], remove: ['phone'] }]);
    expect(dir.held.get('u1')).toEqual(['e3']);
  });

  it('removes every licence once, and nothing when none is left', async () => {
    const dir = new MemoryLicences(new Map([['u1', ['e3', 'phone']]]));
    expect(await removeLicences(dir, 'u1')).toEqual({ removed: 2 });
    expect(await removeLicences(dir, 'u1')).toEqual({ removed: 0 });
    expect(dir.changes).toEqual([{ userId: 'u1', add: [], remove: ['e3', 'phone'] }]);
  });
});

describe('which journey an event starts', () => {
  const event = (over: Partial<PeopleEvent> & { hireDate?: string | null }): PeopleEvent => ({
    id: 'e1', kind: 'joined', personId: 'p1', version: 1, observedAt: '2026-12-06T10:00:00Z',
    changes: [{ field: 'status', before: null, after: 'active' }],
    state: { status: 'active', serviceCode: 'RT', jobCategoryCode: 'CONSEIL', managerId: null, language: 'fr-CA', hireDate: over.hireDate === undefined ? '2026-12-01' : over.hireDate },
    ...over,
  });
  const config = { onboarding: { recentHireDays: 60 } };

  it('onboards a recent hire, not people already on staff at the first synchronisation, nor a replay', () => {
    expect(journeyForEvent(event({}), config)).toEqual({ kind: 'onboarding' });
    expect(journeyForEvent(event({ hireDate: '2019-04-01' }), config)).toEqual({ kind: null, reason: 'not-recent-hire' });
    expect(journeyForEvent(event({ hireDate: null }), config)).toEqual({ kind: null, reason: 'not-recent-hire' });
    expect(journeyForEvent(event({ changes: [] }), config)).toEqual({ kind: null, reason: 'replay' });
    // Hired next month (HR enters it ahead): onboarding starts now.
    expect(journeyForEvent(event({ hireDate: '2027-01-04' }), config)).toEqual({ kind: 'onboarding' });
  });

  it('moves on a change of service or job category only; offboards on left; nothing on leave', () => {
    expect(journeyForEvent(event({ kind: 'moved', changes: [{ field: 'service', before: 'RT', after: 'JUR' }] }), config)).toEqual({ kind: 'move' });
    expect(journeyForEvent(event({ kind: 'moved', changes: [{ field: 'manager', before: 'a', after: 'b' }] }), config)).toEqual({ kind: null, reason: 'no-move' });
    expect(journeyForEvent(event({ kind: 'left', changes: [{ field: 'status', before: 'active', after: 'left' }] }), config)).toEqual({ kind: 'offboarding' });
    expect(journeyForEvent(event({ kind: 'leave-started' }), config)).toEqual({ kind: null, reason: 'no-journey' });
  });
});

describe('the rollout configuration', () => {
  it('loads the shipped file', () => {
    const config = parseRolloutConfig(readFileSync('config/rollout.json', 'utf8'), 'config/rollout.json');
    expect(config.licences).toEqual({ standard: ['SPE_E3'], telecom: ['MCOEV'] });
  });

  it('names the line and path of a bad value', () => {
    const text = readFileSync('config/rollout.json', 'utf8').replace('"completionThreshold": 0.9', '"completionThreshold": 1.5');
    expect(() => parseRolloutConfig(text, 'rollout.json')).toThrow(/line \d+, training\.completionThreshold/);
    const unknownRetry = readFileSync('config/rollout.json', 'utf8').replace('"graph": {', '"grpah": {');
    expect(() => parseRolloutConfig(unknownRetry, 'rollout.json')).toThrow(/retries/);
  });
});

describe('the dashboard', () => {
  const services = [
    { code: 'RT', names: { 'fr-CA': 'Relations du travail', en: 'Labour Relations' }, people: 10 },
    { code: 'JUR', names: { 'fr-CA': 'Services juridiques', en: 'Legal Services' }, people: 4 },
  ];
  const names = { namesOf: async (ids: string[]) => new Map(ids.filter((id) => id !== 'gone').map((id) => [id, `Nom ${id}`] as const)) };

  it('has a row per service, started or not, with blockers in both languages', async () => {
    const store = new MemoryRuns();
    await recordProgress(store, create());
    await recordProgress(store, step(1, { state: 'failed', blocker: { code: 'people-failed', mustAct: 'ITAdmin', since: T0, detail: { failed: 3 } } }));
    const [rt, jur] = await serviceViews({ store, services, names });
    expect(jur).toMatchObject({ serviceCode: 'JUR', state: 'not-started', runId: null, people: 4 });
    expect(jur!.steps.every((s) => s.state === 'pending')).toBe(true);
    expect(rt).toMatchObject({ state: 'blocked', runId: 'rollout-service-RT' });
    expect(rt!.steps.find((s) => s.step === 'people')!.blocker!.message).toEqual({
      'fr-CA': expect.stringContaining('3 employé(s)'),
      en: expect.stringContaining('3 employee(s)'),
    });
  });

  it('lists each person once, at their latest attempt, with names (null when unknown)', async () => {
    const store = new MemoryRuns();
    for (const id of ['rollout-service-RT:p:p1', 'rollout-service-RT:p:p1:a2', 'rollout-service-RT:p:gone']) {
      await recordProgress(store, { ...create(id, 'onboarding'), create: { ...create(id, 'onboarding').create, subject: id.includes('gone') ? 'gone' : 'p1' } });
    }
    const journeys = await journeyViews({ store, services, names }, {});
    expect(journeys.map((j) => [j.runId, j.personName]).sort()).toEqual([['rollout-service-RT:p:gone', null], ['rollout-service-RT:p:p1:a2', 'Nom p1']]);
    expect(await journeyViews({ store, services, names }, { kind: 'offboarding' })).toEqual([]);
  });
});
