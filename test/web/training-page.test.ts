import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';
import { startTokenIssuer, DEMO_USERS, type LocalUser, type TokenIssuer } from '../../dev/token-issuer';
import { CosmosPeople } from '../../shared/people/adapters/cosmos-people';
import type { PersonState } from '../../shared/people/model';
import type { PersonRecord } from '../../shared/people/ports';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { CosmosAssignments, CosmosTrainees } from '../../shared/training/adapters/cosmos-training';
import { assignmentId, type Assignment, type Trainee } from '../../shared/training/model';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { useAppEnvironment } from '../support/app-env';
import { openTab, screenshot, seriousViolations, signIn, type TabPage, type ThemeName } from '../support/web-browser';

/**
 * The "Mes formations" page (web/src/pages/training) in headless Chromium, served by the real
 * function app on the emulators, over trainees and assignments seeded through the app's own training
 * adapters and names through the people adapter: a staff member takes a quiz (fails, then passes),
 * signs a reading, finishes a course and opens a certificate; a manager sees their team and reminds
 * (then meets the hourly limit); HR reads compliance, exports it, records a completion by hand and
 * imports a CSV with a bad line. French first, then English; axe in light, dark and high contrast.
 */

const staff = DEMO_USERS[0]!; // Geneviève Tremblay, Staff
const manager = DEMO_USERS[1]!; // Marc-André Gagnon, Staff + Manager
const HR_USER: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000a1', name: 'Nathalie Roy', roles: ['Staff', 'HR'], preferredUsername: 'nroy@spgq.local' };
/** A person of the Microsoft 365 sandbox's tenant, so the manager's reminder reaches a real activity feed. */
let LUC = '';
const allIds = () => [staff.oid, manager.oid, HR_USER.oid, LUC];
let sandbox: M365Sandbox;

let issuer: TokenIssuer;
let host: AppHost;
let baseUrl: string;
let browser: Browser;

/** A calendar day `days` from today (negative: in the past), as the API writes due dates. */
function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function person(id: string, displayName: string, state: Partial<PersonState>): PersonRecord {
  const full: PersonState = { status: 'active', leftReason: null, serviceCode: null, jobCategoryCode: null, managerId: null, language: 'fr-CA', employeeType: 'Employee', hireDate: '2020-01-06', leaveDate: null, ...state };
  return {
    id,
    facts: { displayName, service: null, jobCategory: null, managerId: full.managerId, preferredLanguage: full.language, accountEnabled: true, userType: 'Member', employeeType: full.employeeType, hireDate: full.hireDate, leaveDateTime: null, leaveValue: null, deleted: false },
    memberships: { inScope: true, inLeaveGroup: false },
    state: full,
    version: 1,
    catalogueVersion: '2026.1',
    outbox: [],
    updatedAt: '2026-12-01T12:00:00Z',
  };
}

function trainee(personId: string, serviceCode: string, jobCategoryCode: string, managerId: string | null): Trainee {
  return { personId, serviceCode, jobCategoryCode, managerId, language: 'fr-CA', status: 'active', hireDate: '2020-01-06', version: 1, leaveSince: null, updatedAt: '2026-12-01T12:00:00Z' };
}

function assignment(personId: string, moduleId: string, dueDate: string, over: Partial<Assignment> = {}): Assignment {
  return { id: assignmentId(personId, moduleId), personId, moduleId, rules: ['test'], hr: null, status: 'open', cycle: 1, cycleOpenedAt: '2026-10-01T12:00:00Z', dueDate, attempts: 0, completions: [], nextCycleDate: null, closedAt: null, closedReason: null, pausedSince: null, updatedAt: '2026-12-01T12:00:00Z', ...over };
}

async function seed(): Promise<void> {
  const people = new CosmosPeople(cosmosDatabase());
  await people.save(person(staff.oid, staff.name, { serviceCode: 'RT', jobCategoryCode: 'CONSEIL', managerId: manager.oid }));
  await people.save(person(LUC, 'Luc Bouchard', { serviceCode: 'JUR', jobCategoryCode: 'JURISTE', managerId: manager.oid }));
  await people.save(person(manager.oid, manager.name, { serviceCode: 'RT', jobCategoryCode: 'DIRECTION' }));
  await people.save(person(HR_USER.oid, HR_USER.name, { serviceCode: 'ADM', jobCategoryCode: 'DIRECTION' }));
  const trainees = new CosmosTrainees(cosmosDatabase());
  await trainees.save(trainee(staff.oid, 'RT', 'CONSEIL', manager.oid));
  await trainees.save(trainee(LUC, 'JUR', 'JURISTE', manager.oid));
  await trainees.save(trainee(manager.oid, 'RT', 'DIRECTION', null));
  await trainees.save(trainee(HR_USER.oid, 'ADM', 'DIRECTION', null));
  const assignments = new CosmosAssignments(cosmosDatabase());
  for (const a of [
    assignment(staff.oid, 'CYBER-BASE', day(30)),
    assignment(staff.oid, 'ARCHIVE-POLICY', day(-14)),
    assignment(staff.oid, 'CYBER-PHISH', day(45)),
    assignment(staff.oid, 'CONFIDENTIALITE-JUR', day(60)),
    assignment(staff.oid, 'TEAMS-ESPACES', day(-90), { status: 'completed', completions: [{ cycle: 1, completedAt: '2026-09-15T14:30:00.000Z', method: 'content' }] }),
    assignment(LUC, 'CYBER-BASE', day(-21)),
    assignment(LUC, 'DOSSIERS-NUM', day(20)),
    assignment(manager.oid, 'CYBER-BASE', day(10), { status: 'completed', completions: [{ cycle: 1, completedAt: '2026-11-20T15:00:00.000Z', method: 'quiz', score: 1 }] }),
  ])
    await assignments.save(a);
}

beforeAll(async () => {
  issuer = await startTokenIssuer({ users: [...DEMO_USERS, HR_USER] });
  const database = `training-web-${Math.random().toString(36).slice(2, 10)}`;
  sandbox = await startM365Sandbox({ scale: { mailboxes: 0 } });
  LUC = sandbox.tenant.users.find((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled)!.id;
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'training-web-')), 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const graph = { GRAPH_BASE_URL: sandbox.graphBaseUrl, GRAPH_CA_FILE: caFile };
  await useAppEnvironment(issuer, { COSMOS_DATABASE: database, ...graph });
  await seed();
  // Schedules that never come during the test: no sync and no reminder pass behind the test's back.
  host = await startAppHost(issuer, { ARCHIVE_RUN_ON_STARTUP: 'false', COSMOS_DATABASE: database, PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *', TRAINING_CYCLES_SCHEDULE: '0 0 0 1 1 *', TRAINING_REMINDER_SCHEDULE: '0 0 0 1 1 *', ...graph });
  baseUrl = host.baseUrl;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await issuer?.stop();
  await sandbox?.stop();
});

const trainingUrl = () => `${baseUrl}/api/web/training.html`;
const rows = (page: Page, table: string) => page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
const row = async (page: Page, table: string, first: string) => (await rows(page, table)).find((r) => r[0]!.startsWith(first));

async function open(user: LocalUser, theme: ThemeName = 'light', options: { acceptDownloads?: boolean } = {}): Promise<TabPage> {
  const tab = await openTab(browser, trainingUrl(), { theme, ...options });
  await signIn(tab.page, user.name);
  await tab.page.locator('#training-title').waitFor({ timeout: 15_000 });
  await expect.poll(() => tab.page.locator('#my-training-status').textContent(), { timeout: 15_000 }).toMatch(/assignée|Aucune/);
  return tab;
}

/** A screenshot once Fluent's transitions (the tab indicator's slide, dialogs) have settled. */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await screenshot(page, name);
}

async function noIds(page: Page, language: 'fr-CA' | 'en' = 'fr-CA'): Promise<void> {
  const text = (await page.locator('main').textContent()) ?? '';
  for (const id of allIds()) expect(text).not.toContain(id);
  // The API's status codes are English words: in French they must never show.
  const codes = ['CYBER-BASE', 'ARCHIVE-POLICY', 'TEAMS-ESPACES', 'JURISTE', 'CONSEIL', ...(language === 'fr-CA' ? ['open', 'completed', 'closed', 'overdue', 'quiz', 'attestation'] : [])];
  for (const code of codes) expect(text).not.toMatch(new RegExp(`\\b${code}\\b`));
}

/** Answers the quiz on screen: each question by its id, the choices by theirs (the order is random). */
async function answer(page: Page, answers: Record<string, string[]>): Promise<void> {
  for (const [question, choices] of Object.entries(answers)) for (const choice of choices) await page.locator(`#question-${question} input[value="${choice}"]`).check();
}
/** A percentage as the page writes it (French puts a no-break space before the sign). */
const pct = (n: number, language = 'fr-CA') => new Intl.NumberFormat(language, { style: 'percent' }).format(n / 100);
const WRONG = { mfa: ['a'], phish: ['c'], report: ['b'], share: ['b'] };
const RIGHT = { mfa: ['b'], phish: ['a', 'b', 'd'], report: ['a'], share: ['a'] };

describe('training page', () => {
  it('lets staff take a quiz (failed, then passed), sign a reading, finish a course and print a certificate, in French then English', async () => {
    const tab = await openTab(browser, `${baseUrl}/api/web/index.html`);
    const { page } = tab;
    await signIn(page, staff.name);
    await page.locator('#welcome').waitFor();
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).toEqual(['Accueil', 'Mes courriels archivés', 'Systèmes sur site', 'Mes formations', 'Espaces']);
    await page.getByRole('button', { name: 'Ouvrir : Mes formations' }).click();
    await expect.poll(() => page.url()).toMatch(/\/api\/web\/training\.html$/);
    expect(await page.title()).toBe('Mes formations');
    await expect.poll(() => page.locator('#my-training-status').textContent(), { timeout: 15_000 }).toBe('5 formation(s) assignée(s).');
    // Staff only: no tabs for the team or compliance.
    expect(await page.getByRole('tab').count()).toBe(0);
    expect(await page.locator('#my-training-table thead th').allTextContents()).toEqual(['Formation', 'Type', 'Statut', 'Échéance', 'Progression', 'Actions']);
    expect(await page.locator('#my-training-progress').textContent()).toContain('1 formation(s) terminée(s) sur 5');
    expect(await page.locator('#my-training-progress').textContent()).toContain('1 formation(s) en retard');
    const archive = await row(page, 'my-training-table', "Politique d'archivage des courriels");
    expect(archive?.[1]).toMatch(/^Lecture à signer, environ \d+ min$/);
    expect(archive?.[2]).toBe('À faireEn retard');
    const espaces = await row(page, 'my-training-table', 'Travailler dans les espaces Teams');
    expect(espaces?.[2]).toBe('Terminée');
    expect(espaces?.[4]).toContain('Terminée le 15 sept. 2026');
    await noIds(page);
    await shot(page, 'training-mine-fr');

    // The quiz: all wrong first (score, explanations, attempts left), then right.
    await page.getByRole('button', { name: 'Répondre au questionnaire : Cybersécurité : les essentiels' }).click();
    await page.locator('#quiz-form').waitFor();
    expect(await page.locator('#quiz-intro').textContent()).toBe(`4 question(s). Note de passage : ${pct(75)}. Il vous reste 3 tentative(s) sur 3.`);
    expect(await page.locator('#quiz-form legend').count()).toBe(4);
    // Unanswered questions are named before anything is sent.
    await page.getByRole('button', { name: 'Soumettre mes réponses' }).click();
    expect(await page.locator('#quiz-missing').textContent()).toMatch(/^Il reste à répondre à : question\(s\) 1, 2, 3 et 4\.$/);
    await answer(page, WRONG);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'training-quiz-fr');
    await page.getByRole('button', { name: 'Soumettre mes réponses' }).click();
    await expect.poll(() => page.locator('#quiz-score').textContent(), { timeout: 10_000 }).toBe(`Pas encore réussi : ${pct(0)} (note de passage : ${pct(75)}). Il vous reste 2 tentative(s).`);
    expect(await page.locator('#quiz-explanations li').count()).toBe(4);
    expect(await page.locator('#quiz-explanations').textContent()).toContain('Mauvaise réponse.');
    expect(await page.locator('#quiz-explanations').textContent()).toContain('Réponse attendue : ');
    await shot(page, 'training-quiz-failed-fr');
    await page.getByRole('button', { name: 'Refaire le questionnaire' }).click();
    await page.locator('#quiz-form').waitFor();
    expect(await page.locator('#quiz-intro').textContent()).toContain('Il vous reste 2 tentative(s) sur 3.');
    await answer(page, RIGHT);
    await page.getByRole('button', { name: 'Soumettre mes réponses' }).click();
    await expect.poll(() => page.locator('#quiz-score').textContent(), { timeout: 10_000 }).toBe(`Réussi : ${pct(100)} (note de passage : ${pct(75)}). `);
    expect(await page.locator('#my-training-notice').textContent()).toBe(`« Cybersécurité : les essentiels » : questionnaire réussi (${pct(100)}).`);
    await expect.poll(async () => (await row(page, 'my-training-table', 'Cybersécurité : les essentiels'))?.[2]).toBe('Terminée');
    await shot(page, 'training-quiz-passed-fr');

    // The reading: not signed without ticking the attestation; then signed.
    await page.getByRole('button', { name: "Lire et signer : Politique d'archivage des courriels" }).click();
    await page.locator('#reading-text').waitFor();
    await page.getByRole('button', { name: 'Je signe' }).click();
    expect(await page.locator('#training-activity').textContent()).toContain('Cochez la case pour attester');
    await page.locator('#attestation').check();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'training-reading-fr');
    await page.getByRole('button', { name: 'Je signe' }).click();
    await expect.poll(() => page.locator('#my-training-notice').textContent(), { timeout: 10_000 }).toMatch(/^« Politique d'archivage des courriels » : lecture attestée \(/);
    await expect.poll(async () => (await row(page, 'my-training-table', "Politique d'archivage des courriels"))?.[2]).toBe('Terminée');

    // A course: "J'ai terminé".
    await page.getByRole('button', { name: /^Commencer : Campagne annuelle contre l'hameçonnage/ }).click();
    await page.getByRole('button', { name: 'J’ai terminé' }).click();
    await expect.poll(() => page.locator('#my-training-notice').textContent(), { timeout: 10_000 }).toMatch(/est terminée/);
    await expect.poll(() => page.locator('#my-training-progress').textContent()).toContain('4 formation(s) terminée(s) sur 5');

    // The certificate of the reading: who, what, when, how, the fingerprint of the text signed; a print view.
    await page.getByRole('button', { name: "Attestation de Politique d'archivage des courriels, cycle 1" }).click();
    await page.locator('#training-certificate').waitFor();
    const certificate = (await page.locator('#training-certificate').textContent()) ?? '';
    expect(certificate).toContain('Attestation de formation');
    expect(certificate).toContain(staff.name);
    expect(certificate).toContain("a terminé la formation « Politique d'archivage des courriels ».");
    expect(certificate).toContain('Modelecture attestée');
    expect(certificate).toMatch(/Empreinte du texte signé[0-9a-f]{64}/);
    await shot(page, 'training-certificate-fr');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#certificate-print').isVisible()).toBe(false);
    const visibility = (selector: string) => page.evaluate<string>(`getComputedStyle(document.querySelector('${selector}')).visibility`);
    expect(await visibility('header')).toBe('hidden');
    expect(await visibility('#training-certificate')).toBe('visible');
    await shot(page, 'training-certificate-print');
    await page.emulateMedia({ media: 'screen' });

    // English: everything shown switches, catalogue texts included.
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#training-title').textContent()).toBe('My training');
    expect(await page.locator('#my-training-table thead th').allTextContents()).toEqual(['Module', 'Kind', 'Status', 'Due date', 'Progress', 'Actions']);
    expect((await row(page, 'my-training-table', 'Cybersecurity'))?.[2]).toBe('Completed');
    expect(await page.locator('#training-certificate').textContent()).toContain('Training certificate');
    expect(await page.locator('#my-training-progress').textContent()).toContain('4 of 5 module(s) completed');
    await noIds(page, 'en');
    await shot(page, 'training-mine-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  it('shows a manager their team by name and who is late, in French then English', async () => {
    const tab = await open(manager);
    const { page } = tab;
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Mes formations', 'Mon équipe']);
    await page.getByRole('tab', { name: 'Mon équipe' }).click();
    await expect.poll(() => page.locator('#team-status').textContent(), { timeout: 10_000 }).toMatch(/^2 personne\(s\) dans votre équipe, \d formation\(s\) en retard\.$/);
    expect(await page.locator('#team-table thead th').allTextContents()).toEqual(['Personne', 'Formation', 'Statut', 'Échéance', 'Actions']);
    const luc = await row(page, 'team-table', 'Luc Bouchard');
    expect(luc?.slice(1, 3)).toEqual(['Cybersécurité : les essentiels', expect.stringMatching(/^À faireEn retard de \d+ jour\(s\) ouvrable\(s\)$/)]);
    expect((await rows(page, 'team-table')).map((r) => r[0])).toContain(staff.name);
    await noIds(page);
    await page.getByLabel(/^Seulement les retards/).check();
    const late = await rows(page, 'team-table');
    expect(late.map((r) => r[0])).toContain('Luc Bouchard');
    expect(late.every((r) => /En retard/.test(r[2]!))).toBe(true);
    await shot(page, 'training-team-fr');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#team-status').textContent()).toMatch(/^2 person\(s\) in your team, \d module\(s\) overdue\.$/);
    expect(await page.locator('#team-table thead th').allTextContents()).toEqual(['Person', 'Module', 'Status', 'Due date', 'Actions']);
    expect((await row(page, 'team-table', 'Luc Bouchard'))?.slice(1, 3)).toEqual(['Cybersecurity essentials', expect.stringMatching(/^To doOverdue by \d+ business day\(s\)$/)]);
    await noIds(page, 'en');
    await shot(page, 'training-team-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it('lets a manager remind someone in one click, then says the hourly limit in words', async () => {
    const tab = await open(manager);
    const { page } = tab;
    await page.getByRole('tab', { name: 'Mon équipe' }).click();
    await page.locator('#team-table').waitFor({ timeout: 10_000 });
    const remind = page.getByRole('button', { name: 'Relancer Luc Bouchard pour « Cybersécurité : les essentiels »' });
    await remind.click();
    await expect.poll(() => page.locator('#team-notice').textContent(), { timeout: 10_000 }).toBe('Rappel envoyé à Luc Bouchard pour « Cybersécurité : les essentiels ».');
    await remind.click();
    await expect.poll(() => page.locator('#team-notice').textContent(), { timeout: 10_000 }).toMatch(/^Le rappel à Luc Bouchard n’a pas été envoyé : ./);
    await shot(page, 'training-team-limited-fr');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#team-notice').textContent()).toMatch(/^The reminder to Luc Bouchard was not sent: ./);
    await shot(page, 'training-team-limited-en');
    // The browser logs the refused request (429) as a failed resource: expected here.
    expect(tab.errors.filter((e) => !/429/.test(e))).toEqual([]);
    await tab.close();
  }, 60_000);

  it('shows HR compliance by service with a chart, exports it, records a completion by hand and imports a CSV with a report', async () => {
    const tab = await open(HR_USER, 'light', { acceptDownloads: true });
    const { page } = tab;
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Mes formations', 'Conformité']);
    await page.getByRole('tab', { name: 'Conformité' }).click();
    await expect.poll(() => page.locator('#compliance-status').textContent(), { timeout: 10_000 }).toMatch(/formation\(s\) en retard\.$/);
    const services = await rows(page, 'compliance-by-service');
    expect(services.map((r) => r[0])).toEqual(expect.arrayContaining(['Relations du travail', 'Services juridiques']));
    expect(services.find((r) => r[0] === 'Services juridiques')?.slice(1)).toEqual(['2', '0', pct(0), '1']);
    expect(await page.locator('#training-compliance figure li').allTextContents()).toContain(`Services juridiques : 0 terminée(s) sur 2 (${pct(0)})`);
    const late = await row(page, 'compliance-overdue', 'Luc Bouchard');
    expect(late?.slice(1, 3)).toEqual(['Services juridiques', 'Cybersécurité : les essentiels']);
    await noIds(page);
    await shot(page, 'training-compliance-fr');

    // Filters by service: the rows follow.
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'Services juridiques' });
    await expect.poll(async () => (await rows(page, 'compliance-by-service')).map((r) => r[0])).toEqual(['Services juridiques']);
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'Tous les services' });

    // CSV export: a download, French headings, a BOM for Excel.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Exporter en CSV' }).click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain('Luc Bouchard');
    expect(await page.locator('#compliance-notice').textContent()).toBe('Le fichier CSV est enregistré dans vos téléchargements.');

    // Manual completion: person by name, module, date, reason; a confirmation first.
    await page.getByRole('button', { name: 'Inscrire l’achèvement' }).click();
    expect(await page.locator('#training-manual').textContent()).toContain('Choisissez une personne dans la liste.');
    await page.locator('#manual-person').fill('Luc');
    await page.getByRole('option', { name: /Luc Bouchard/ }).click();
    await page.locator('#manual-module').selectOption({ label: 'Cybersécurité : les essentiels' });
    await page.locator('#manual-date').fill(day(-2));
    await page.locator('#manual-reason').fill('Formation suivie en présentiel avec l’équipe juridique');
    await page.getByRole('button', { name: 'Inscrire l’achèvement' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Luc Bouchard sera considéré(e) comme ayant terminé « Cybersécurité : les essentiels »');
    await shot(page, 'training-manual-confirm-fr');
    await dialog.getByRole('button', { name: 'Inscrire' }).click();
    await expect.poll(() => page.locator('#manual-notice').textContent(), { timeout: 10_000 }).toBe('Achèvement inscrit : Luc Bouchard, « Cybersécurité : les essentiels ».');
    await expect.poll(async () => (await rows(page, 'compliance-by-service')).find((r) => r[0] === 'Services juridiques')?.slice(1)).toEqual(['2', '1', pct(50), '0']);

    // Import: one good line, one unknown module, one date in the future; the report, then the import.
    const csvText = ['personId,moduleId,completedAt,source', `${LUC},DOSSIERS-NUM,${day(-5)},Plateforme X`, `${LUC},INCONNU,${day(-5)},Plateforme X`, `${staff.oid},CONFIDENTIALITE-JUR,${day(5)},Plateforme X`].join('\n');
    await page.locator('#import-csv').fill(csvText);
    await page.getByRole('button', { name: 'Vérifier le fichier' }).click();
    await expect.poll(() => page.locator('#import-report').textContent(), { timeout: 10_000 }).toBe('Vérification : 1 ligne(s) acceptée(s), 2 refusée(s).');
    expect(await rows(page, 'import-rejected')).toEqual([
      ['3', 'moduleId', 'Formation inconnue : « INCONNU ».'],
      ['4', 'completedAt', 'Date dans le futur : refusée.'],
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'training-import-report-fr');
    await page.getByRole('button', { name: 'Importer 1 achèvement(s)' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Importer 1 achèvement(s)' }).click();
    await expect.poll(() => page.locator('#import-notice').textContent(), { timeout: 10_000 }).toBe('1 achèvement(s) importé(s).');
    await expect.poll(async () => (await rows(page, 'compliance-by-service')).find((r) => r[0] === 'Services juridiques')?.slice(1)).toEqual(['2', '2', pct(100), '0']);

    // English: the compliance tables and the overdue list.
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#training-title').textContent()).toBe('My training');
    expect(await page.locator('#compliance-by-service thead th').allTextContents()).toEqual(['Service', 'Assigned', 'Completed', 'Rate', 'Overdue']);
    expect((await rows(page, 'compliance-by-service')).find((r) => r[0] === 'Legal Services')?.slice(1)).toEqual(['2', '2', pct(100, 'en'), '0']);
    await noIds(page, 'en');
    await shot(page, 'training-compliance-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  it.each<ThemeName>(['light', 'dark', 'contrast'])('has no serious accessibility violations on its three views (%s theme)', async (theme) => {
    for (const [user, tabName] of [[staff, null], [manager, 'Mon équipe'], [HR_USER, 'Conformité']] as const) {
      const tab = await open(user, theme);
      const { page } = tab;
      expect(await page.locator('[data-theme]').getAttribute('data-theme')).toBe(theme);
      if (tabName) {
        await page.getByRole('tab', { name: tabName }).click();
        await page.locator(tabName === 'Mon équipe' ? '#team-table' : '#compliance-by-service').waitFor({ timeout: 10_000 });
      }
      expect(await seriousViolations(page)).toEqual([]);
      await shot(page, `training-${tabName ? (tabName === 'Mon équipe' ? 'team' : 'compliance') : 'mine'}-${theme}`);
      expect(tab.errors).toEqual([]);
      await tab.close();
    }
  });

  it('says plainly when nothing is assigned, and shows the API’s own message when a read fails', async () => {
    const tab = await openTab(browser, trainingUrl());
    const { page } = tab;
    await page.route('**/api/training/me', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ items: [] }) }));
    await signIn(page, staff.name);
    await expect.poll(() => page.locator('#my-training-status').textContent(), { timeout: 15_000 }).toBe('Aucune formation ne vous est assignée');
    expect(await page.locator('#training-mine [role="status"]').allTextContents()).toContain('Aucune formation ne vous est assignéeQuand une formation vous sera assignée, elle apparaîtra ici avec sa date d’échéance.');
    await shot(page, 'training-none-fr');
    const failure = { error: { code: 'unavailable', message: 'Les formations sont momentanément indisponibles.', messages: { 'fr-CA': 'Les formations sont momentanément indisponibles.', en: 'Training is unavailable for now.' } } };
    await page.unroute('**/api/training/me');
    await page.route('**/api/training/me', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(failure) }));
    await page.reload();
    await expect.poll(() => page.locator('#training-mine [role="alert"]').textContent(), { timeout: 15_000 }).toContain('Les formations sont momentanément indisponibles.');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#training-mine [role="alert"]').textContent()).toContain('Training is unavailable for now.');
    await shot(page, 'training-error-en');
    await tab.close();
  });
});
