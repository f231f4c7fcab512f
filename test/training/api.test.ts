import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppHost, type AppHost } from '../support/app-host';
import { startPeopleStack, type PeopleStack } from '../people/people-stack';

/**
 * Training in the running app: the people sync publishes, the training subscription assigns, and
 * the endpoints take, oversee and record training, by role, with errors in French and English.
 */
let stack: PeopleStack;
let host: AppHost;
const tokens: Record<string, string> = {};
let staffId: string;
let managerId: string;
let lawyerId: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

async function call(method: string, path: string, who: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; text: string; headers: Headers }> {
  const res = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, 'accept-language': 'fr-CA', ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV and empty bodies
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function eventually<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v).slice(0, 400)}\n${host.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  stack = await startPeopleStack();
  host = await startAppHost(stack.issuer, { ...stack.env, LOCAL_MODE: 'true', PEOPLE_SYNC_ON_STARTUP: 'true', PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *', ARCHIVE_RUN_ON_STARTUP: 'false', ARCHIVE_SCHEDULE: '0 0 0 1 1 *' });
  const users = stack.sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled);
  const onLeave = new Set(await stack.members(stack.sandbox.tenant.onLeaveGroupId));
  const staff = users.find((u) => u.department === 'Relations du travail' && u.jobCategory === 'CONSEIL' && u.managerId && !onLeave.has(u.id))!;
  staffId = staff.id;
  managerId = staff.managerId!;
  lawyerId = users.find((u) => u.jobCategory === 'JURISTE' && !onLeave.has(u.id))!.id;
  tokens.staff = await stack.issuer.mintUserToken({ oid: staffId, name: 'Staff', roles: ['Staff'] });
  tokens.lawyer = await stack.issuer.mintUserToken({ oid: lawyerId, name: 'Lawyer', roles: ['Staff'] });
  tokens.manager = await stack.issuer.mintUserToken({ oid: managerId, name: 'Manager', roles: ['Staff', 'Manager'] });
  tokens.hr = await stack.issuer.mintUserToken({ oid: '0b1c2d3e-0000-4000-8000-0000000000f2', name: 'RH', roles: ['Staff', 'HR'] });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await stack?.stop();
});

describe('training in the running app', { timeout: 180_000 }, () => {
  it('the people stream assigns: an adviser gets cybersecurity, the policies and the grievance files module', async () => {
    const mine = await eventually('assigned', () => call('GET', '/api/training/me', 'staff'), (r) => r.status === 200 && r.json.items.length >= 5);
    expect(mine.json.items.map((i: Json) => i.moduleId).sort()).toEqual(['ARCHIVE-POLICY', 'CYBER-BASE', 'CYBER-PHISH', 'DOSSIERS-NUM', 'TEAMS-ESPACES']);
    expect(mine.json.items.every((i: Json) => i.status === 'open' && i.title['fr-CA'] && i.title.en)).toBe(true);
  });

  it('takes the quiz: a failed attempt counts, a pass completes it; unanswered questions are named', async () => {
    const quiz = await call('GET', '/api/training/modules/CYBER-BASE/quiz', 'staff');
    expect(quiz.status).toBe(200);
    expect(quiz.text).not.toContain('correct');
    const missing = await call('POST', '/api/training/modules/CYBER-BASE/quiz', 'staff', { answers: { mfa: ['b'] } });
    expect(missing.status).toBe(400);
    expect(missing.json.error.messages['fr-CA']).toContain('3 sans réponse');
    expect(missing.json.error.messages.en).toContain('3 unanswered');
    const wrong = await call('POST', '/api/training/modules/CYBER-BASE/quiz', 'staff', { answers: { mfa: ['a'], phish: ['c'], report: ['b'], share: ['b'] } });
    expect(wrong.json).toMatchObject({ passed: false, score: 0, attemptsUsed: 1, attemptsLeft: 2 });
    expect(wrong.json.results[0].explanation['fr-CA']).toBeTruthy();
    const right = await call('POST', '/api/training/modules/CYBER-BASE/quiz', 'staff', { answers: { mfa: ['b'], phish: ['a', 'b', 'd'], report: ['a'], share: ['a'] } });
    expect(right.json).toMatchObject({ passed: true, score: 1, attemptsUsed: 2 });
    const again = await call('GET', '/api/training/modules/CYBER-BASE/quiz', 'staff');
    expect(again.status).toBe(409);
  });

  it('attests the reading it was shown, marks a course done, and prints certificates', async () => {
    const reading = await call('GET', '/api/training/modules/ARCHIVE-POLICY/reading', 'staff');
    expect(reading.json.versionHash).toMatch(/^[0-9a-f]{64}$/);
    const stale = await call('POST', '/api/training/modules/ARCHIVE-POLICY/attest', 'staff', { versionHash: '0'.repeat(64), language: 'fr-CA' });
    expect(stale.status).toBe(409);
    expect(stale.json.error.messages.en).toMatch(/read it again/);
    const signed = await call('POST', '/api/training/modules/ARCHIVE-POLICY/attest', 'staff', { versionHash: reading.json.versionHash, language: 'fr-CA' });
    expect(signed.status).toBe(201);
    expect(signed.json.attestationHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await call('POST', '/api/training/modules/TEAMS-ESPACES/done', 'staff')).status).toBe(201);
    const certificate = await call('GET', '/api/training/modules/ARCHIVE-POLICY/certificates/1', 'staff');
    expect(certificate.json).toMatchObject({ cycle: 1, method: 'attestation', attestationHash: signed.json.attestationHash, module: { id: 'ARCHIVE-POLICY' } });
    expect(certificate.json.person.displayName).toBeTruthy();
    expect((await call('GET', '/api/training/modules/CYBER-PHISH/certificates/1', 'staff')).status).toBe(404);
    // Someone else's module is not theirs to sign.
    expect((await call('POST', '/api/training/modules/CONFIDENTIALITE-JUR/attest', 'staff', { versionHash: reading.json.versionHash, language: 'fr-CA' })).status).toBe(404);
  });

  it('a manager sees their team; others may not', async () => {
    const team = await call('GET', '/api/training/team', 'manager');
    expect(team.status).toBe(200);
    const person = team.json.people.find((p: Json) => p.personId === staffId);
    expect(person.displayName).toBeTruthy();
    expect(person.items.find((i: Json) => i.moduleId === 'CYBER-BASE').status).toBe('completed');
    expect((await call('GET', '/api/training/team', 'staff')).status).toBe(403);
  });

  it('HR: compliance, CSV, manual completion with a reason, and a CSV import report', async () => {
    expect((await call('GET', '/api/training/compliance', 'staff')).status).toBe(403);
    const report = await call('GET', '/api/training/compliance', 'hr');
    expect(report.status).toBe(200);
    expect(report.json.byService.find((x: Json) => x.code === 'RT').names['fr-CA']).toBe('Relations du travail');
    const csv = await fetch(`${host.baseUrl}/api/training/compliance.csv`, { headers: { authorization: `Bearer ${tokens.hr}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await csv.arrayBuffer());
    // A byte-order mark first, so Excel reads the accents as UTF-8.
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.subarray(3).toString('utf8').startsWith('Nom,Service,Formation,Échéance')).toBe(true);

    const bad = await call('POST', '/api/training/completions', 'hr', { personId: 'nope', moduleId: 'x', completedAt: 'hier' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error.details)).toMatch(/personId[\s\S]*completedAt[\s\S]*reason/);
    // The training subscription handles people in parallel sessions: wait for the lawyer's turn.
    await eventually('lawyer assigned', () => call('GET', '/api/training/me', 'lawyer'), (r) => r.status === 200 && r.json.items.length >= 6);
    const future = await call('POST', '/api/training/completions', 'hr', { personId: lawyerId, moduleId: 'CYBER-BASE', completedAt: '2099-01-01', reason: 'Formation en classe' });
    expect(future.status).toBe(400);
    const manual = await call('POST', '/api/training/completions', 'hr', { personId: lawyerId, moduleId: 'CYBER-BASE', completedAt: '2026-12-01', reason: 'Formation en classe' });
    expect(manual.status).toBe(201);

    const file = ['personId,moduleId,completedAt,source', `${lawyerId},CONFIDENTIALITE-JUR,2026-12-02,Barreau`, `${lawyerId},INCONNU,2026-12-02,Barreau`, `${lawyerId},DOSSIERS-NUM,2099-12-02,Barreau`].join('\n');
    const dry = await call('POST', '/api/training/completions/import?dryRun=true', 'hr', file, { 'content-type': 'text/csv' });
    expect(dry.json).toMatchObject({ accepted: 1, applied: false });
    expect(dry.json.rejected.map((r: Json) => [r.line, r.field])).toEqual([[3, 'moduleId'], [4, 'completedAt']]);
    const applied = await call('POST', '/api/training/completions/import?dryRun=false', 'hr', file, { 'content-type': 'text/csv' });
    expect(applied.json).toMatchObject({ accepted: 1, applied: true, completed: 1 });
    // HR assigns a module no rule gives this adviser, with a reason and a due date of its own.
    const assigned = await call('POST', '/api/training/assignments', 'hr', { personId: staffId, moduleId: 'CONFIDENTIALITE-JUR', dueDate: '2099-01-31', reason: 'Dossier conjoint' });
    expect(assigned.status, assigned.text).toBe(201);
    const past = await call('POST', '/api/training/assignments', 'hr', { personId: staffId, moduleId: 'CONFIDENTIALITE-JUR', dueDate: '2001-01-31', reason: 'Dossier conjoint' });
    expect(past.status).toBe(400);
    expect(past.json.error.messages.en).toMatch(/due date cannot be in the past/);
    expect((await call('GET', '/api/training/me', 'staff')).json.items.find((i: Json) => i.moduleId === 'CONFIDENTIALITE-JUR')).toMatchObject({ status: 'open', dueDate: '2099-01-31' });
    // HR sends a reminder again: once, then the hourly limit in words; never for a completed module.
    const resent = await call('POST', '/api/training/reminders/resend', 'hr', { personId: staffId, moduleId: 'DOSSIERS-NUM' });
    expect(resent.status, resent.text).toBe(202);
    const again = await call('POST', '/api/training/reminders/resend', 'hr', { personId: staffId, moduleId: 'DOSSIERS-NUM' });
    expect(again.status).toBe(429);
    expect(again.json.error.messages['fr-CA']).toMatch(/moins d’une heure/);
    expect((await call('POST', '/api/training/reminders/resend', 'hr', { personId: staffId, moduleId: 'CYBER-BASE' })).status).toBe(409);
    expect((await call('POST', '/api/training/reminders/resend', 'staff', { personId: staffId, moduleId: 'DOSSIERS-NUM' })).status).toBe(403);
    const lawyer = await call('GET', '/api/training/me', 'lawyer');
    expect(Object.fromEntries(lawyer.json.items.map((i: Json) => [i.moduleId, i.status]))).toMatchObject({ 'CYBER-BASE': 'completed', 'CONFIDENTIALITE-JUR': 'completed', 'DOSSIERS-NUM': 'open' });
  });
});
