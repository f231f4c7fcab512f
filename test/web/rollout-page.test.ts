import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Request, Route } from 'playwright-core';
import { startTokenIssuer, type LocalUser, type TokenIssuer } from '../../dev/token-issuer';
import { startRolloutStack, type RolloutStack } from '../rollout/rollout-stack';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { openTab, screenshot, seriousViolations, signIn, type TabPage, type ThemeName } from '../support/web-browser';

/**
 * The "Déploiement" page (web/src/pages/rollout) in headless Chromium, served by the real function
 * app. Most states are shown over answers the test gives (page.route on /api/rollout/*): nothing
 * started, a rollout running, a failed step retried and skipped (a reason required, sent in the
 * body), a step that may never be skipped, the telephone numbers confirmed, a departure blocked on
 * archive completeness, a stop for good, HR's and a manager's read-only views. Then against the real
 * rollout API: IT starts a service and sees it under way; and end to end (Service Bus, the Microsoft
 * 365 sandbox, durable orchestrations) IT takes a service's rollout from start to completion through
 * the page. French first, then English; axe in light, dark and high contrast; no id on screen (run
 * ids only in request addresses).
 */

const IT: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000d1', name: 'Isabelle Gauthier', roles: ['Staff', 'ITAdmin'], preferredUsername: 'igauthier@spgq.local' };
const HR: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000d2', name: 'Nathalie Roy', roles: ['Staff', 'HR'], preferredUsername: 'nroy@spgq.local' };
const MANAGER: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000d3', name: 'Marc Lefebvre', roles: ['Staff', 'Manager'], preferredUsername: 'mlefebvre@spgq.local' };
const STAFF: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000d4', name: 'Paul Nadeau', roles: ['Staff'], preferredUsername: 'pnadeau@spgq.local' };

let issuer: TokenIssuer;
let host: AppHost;
let browser: Browser;

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

beforeAll(async () => {
  issuer = await startTokenIssuer({ users: [IT, HR, MANAGER, STAFF] });
  host = await startAppHost(issuer, {
    ARCHIVE_RUN_ON_STARTUP: 'false',
    PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *',
    TRAINING_CYCLES_SCHEDULE: '0 0 0 1 1 *',
    TRAINING_REMINDER_SCHEDULE: '0 0 0 1 1 *',
    COLLABORATION_DRIFT_SCHEDULE: '0 0 0 1 1 *',
    // The rollout endpoints build a Graph client, which reads its CA file: no sandbox here, the system's bundle stands in.
    GRAPH_CA_FILE: '/etc/ssl/certs/ca-certificates.crt',
    // Runs started against the real API (the last test) are this file's own.
    COSMOS_DATABASE: `rollout-web-${Math.random().toString(36).slice(2, 10)}`,
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await issuer?.stop();
});

// ---- The API's answers, as the test gives them.

type Json = Record<string, unknown>;
const NOW = Date.now();
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
/** Run ids as the orchestrations name them (a journey's holds the person's object id): only ever in request addresses. */
const RUN = { rt: 'rollout-service-RT', af: 'rollout-service-AF', com: 'rollout-service-COM', jean: 'rollout-offboarding-5e0d1a2b-0000-4000-8000-000000000004-v2', lea: 'rollout-service-RT:p:5e0d1a2b-0000-4000-8000-000000000005' };
const NAMES = {
  RT: { 'fr-CA': 'Relations du travail', en: 'Labour relations' },
  AF: { 'fr-CA': 'Administration et finances', en: 'Administration and finance' },
  COM: { 'fr-CA': 'Communications', en: 'Communications' },
};
const SERVICE_STEPS = ['space', 'people', 'training', 'telecom', 'templates', 'report'];

function step(name: string, state: string, extra: Json = {}): Json {
  const started = state === 'pending' ? null : ago(120);
  return { step: name, state, percent: state === 'done' || state === 'skipped' ? 100 : 0, done: null, total: null, startedAt: started, endedAt: state === 'done' || state === 'skipped' ? ago(60) : null, attempts: state === 'pending' ? 0 : 1, blocker: null, skippable: true, decisions: [], ...extra };
}
const pendingSteps = () => SERVICE_STEPS.map((s) => step(s, 'pending'));

function notStarted(code: keyof typeof NAMES, people: number): Json {
  return { serviceCode: code, serviceName: NAMES[code], runId: null, state: 'not-started', percent: 0, startedAt: null, updatedAt: null, people, steps: pendingSteps() };
}

const RT_RUNNING = {
  serviceCode: 'RT', serviceName: NAMES.RT, runId: RUN.rt, state: 'running', percent: 40, startedAt: ago(180), updatedAt: ago(2), people: 14,
  steps: [
    step('space', 'done', { startedAt: ago(180), endedAt: ago(150) }),
    step('people', 'running', { percent: 40, done: 12, total: 30, startedAt: ago(150) }),
    ...SERVICE_STEPS.slice(2).map((s) => step(s, 'pending')),
  ],
};

const AF_BLOCKED = {
  serviceCode: 'AF', serviceName: NAMES.AF, runId: RUN.af, state: 'blocked', percent: 20, startedAt: ago(300), updatedAt: ago(30), people: 9,
  steps: [
    step('space', 'done', { startedAt: ago(300), endedAt: ago(280) }),
    step('people', 'failed', {
      percent: 55, done: 5, total: 9, startedAt: ago(280), attempts: 2, skippable: true,
      blocker: { code: 'step-failed', mustAct: 'ITAdmin', since: ago(30), message: { 'fr-CA': 'La boîte de Sylvie Bélanger n’a pas pu être archivée : le service de courriel ne répond plus.', en: 'Sylvie Bélanger’s mailbox could not be archived: the mail service stopped answering.' } },
      decisions: [{ action: 'retry', by: 'Isabelle Gauthier', reason: 'Panne du service corrigée', at: ago(90) }],
    }),
    ...SERVICE_STEPS.slice(2).map((s) => step(s, 'pending')),
  ],
};

const COM_TELECOM = {
  serviceCode: 'COM', serviceName: NAMES.COM, runId: RUN.com, state: 'waiting', percent: 60, startedAt: ago(3000), updatedAt: ago(45), people: 6,
  steps: [
    step('space', 'done', { startedAt: ago(3000), endedAt: ago(2900) }),
    step('people', 'done', { done: 6, total: 6, startedAt: ago(2900), endedAt: ago(2000) }),
    step('training', 'skipped', { startedAt: ago(2000), endedAt: ago(1500), decisions: [{ action: 'skip', by: 'Isabelle Gauthier', reason: 'Formation donnée en classe le 1er décembre', at: ago(1500) }] }),
    step('telecom', 'waiting', { percent: 0, startedAt: ago(1500), blocker: { code: 'numbers-unconfirmed', mustAct: 'ITAdmin', since: ago(1500), message: { 'fr-CA': 'Les numéros de téléphone doivent être attribués dans Teams, puis confirmés ici.', en: 'Telephone numbers must be assigned in Teams, then confirmed here.' } } }),
    step('templates', 'pending'),
    step('report', 'pending'),
  ],
};

const JEAN_OFFBOARDING = {
  runId: RUN.jean, kind: 'offboarding', personName: 'Jean Roy', serviceName: NAMES.AF, state: 'blocked', percent: 25, startedAt: ago(600), updatedAt: ago(20),
  steps: [
    step('holds', 'done', { startedAt: ago(600), endedAt: ago(590), skippable: false }),
    step('archive', 'waiting', {
      percent: 80, done: 4, total: 5, startedAt: ago(590), skippable: false,
      decisions: [{ action: 'retry', by: null, reason: '', at: ago(100) }],
      blocker: { code: 'archive-incomplete', mustAct: 'RecordsManager', since: ago(20), message: { 'fr-CA': 'L’archive de la boîte n’est pas complète : 1 dossier sur 5 reste à vérifier.', en: 'The mailbox archive is not complete: 1 folder of 5 remains to be checked.' } },
    }),
    step('licences', 'pending', { skippable: false }),
    step('spaces', 'pending'),
    step('training', 'pending'),
    step('report', 'pending'),
  ],
};
const LEA_ONBOARDING = {
  runId: RUN.lea, kind: 'onboarding', personName: 'Léa Morin', serviceName: NAMES.RT, state: 'completed', percent: 100, startedAt: ago(5000), updatedAt: ago(4000),
  steps: ['holds', 'archive', 'licences', 'spaces', 'training', 'report'].map((s) => step(s, 'done', { startedAt: ago(5000), endedAt: ago(4000) })),
};

interface Api {
  services: Json[];
  journeys: Json[];
  /** POSTs the page made: path and body. */
  posts: { path: string; body: unknown }[];
  /** GET /api/rollout/journeys query strings. */
  journeyQueries: string[];
  /** An answer for a POST path (status and body), instead of 202. */
  answer?: (path: string) => { status: number; body: unknown } | undefined;
  /** Called on a POST, to change what the next reads give. */
  onPost?: (path: string, body: unknown) => void;
  /** A failure for every read. */
  failReads?: { status: number; body: unknown };
}

async function mockRollout(page: Page, api: Api): Promise<void> {
  const json = (route: Route, body: unknown, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route('**/api/rollout/**', async (route: Route, request: Request) => {
    const url = new URL(request.url());
    const path = url.pathname.replace(/^\/api\/rollout\//, '');
    if (request.method() === 'GET') {
      if (api.failReads) return json(route, api.failReads.body, api.failReads.status);
      if (path === 'services') return json(route, { services: api.services });
      if (path === 'journeys') {
        api.journeyQueries.push(url.search);
        const kind = url.searchParams.get('kind');
        const state = url.searchParams.get('state');
        return json(route, { journeys: api.journeys.filter((j) => (!kind || j.kind === kind) && (!state || j.state === state)) });
      }
      return json(route, { error: { code: 'not-found', message: 'Introuvable', messages: { 'fr-CA': 'Introuvable', en: 'Not found' } } }, 404);
    }
    const body: unknown = request.postDataJSON();
    api.posts.push({ path, body });
    const special = api.answer?.(path);
    if (special) return json(route, special.body, special.status);
    api.onPost?.(path, body);
    return json(route, path.endsWith('/start') ? { runId: RUN.rt, started: true } : {}, 202);
  });
}

const newApi = (services: Json[], journeys: Json[] = []): Api => ({ services, journeys, posts: [], journeyQueries: [] });

// ---- The page.

async function open(user: LocalUser, api: Api, theme: ThemeName = 'light'): Promise<TabPage> {
  const tab = await openTab(browser, `${host.baseUrl}/api/web/index.html`, { theme });
  await mockRollout(tab.page, api);
  await signIn(tab.page, user.name);
  await tab.page.locator('#welcome').waitFor({ timeout: 15_000 });
  await tab.page.getByRole('navigation').getByRole('link', { name: 'Déploiement' }).click();
  await tab.page.locator('#rollout-title').waitFor({ timeout: 15_000 });
  return tab;
}

const rows = (page: Page, table: string) => page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
const row = async (page: Page, table: string, first: string) => (await rows(page, table)).find((r) => r[0]!.startsWith(first));

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await screenshot(page, name);
}

/** Nothing on screen is an id or a raw code: no GUID, no run id, no state or step code. */
async function noIds(page: Page, language: 'fr-CA' | 'en' = 'fr-CA'): Promise<void> {
  const text = `${(await page.locator('main').textContent()) ?? ''} ${(await page.locator('[role="dialog"], [role="alertdialog"]').allTextContents()).join(' ')}`;
  expect(text).not.toMatch(GUID);
  expect(text).not.toMatch(/rollout-(service|offboarding|onboarding|move)/);
  const codes = ['not-started', 'step-failed', 'archive-incomplete', 'numbers-unconfirmed', 'offboarding', 'onboarding', 'ITAdmin', 'RecordsManager', 'telecom', ...(language === 'fr-CA' ? ['running', 'waiting', 'blocked', 'failed', 'pending', 'skipped', 'done'] : [])];
  for (const code of codes) expect(text).not.toMatch(new RegExp(`(^|[^\\w-])${code}($|[^\\w-])`));
}

/** Percentages as Intl writes them (« 40 % » with a no-break space in French). */
const pct = (n: number, language: string) => new Intl.NumberFormat(language, { style: 'percent' }).format(n / 100);
const minutes = (n: number, language: string) => new Intl.NumberFormat(language, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(n);
const when = (iso: string, language: string) => new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

describe('rollout page', () => {
  it('says no rollout has started, then IT starts one for a service (confirmed, with how many people) and follows it running', async () => {
    const api = newApi([notStarted('RT', 14), notStarted('AF', 9)]);
    api.onPost = (path) => {
      if (path === 'services/RT/start') api.services = [RT_RUNNING, notStarted('AF', 9)];
    };
    const tab = await open(IT, api);
    const { page } = tab;
    expect(await page.title()).toBe('Déploiement');
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Services', 'Personnes']);
    await expect.poll(() => page.locator('#rollout-services-status').textContent(), { timeout: 15_000 }).toBe('2 service(s) à déployer ; aucun n’est commencé.');
    expect(await page.locator('#rollout-services [role="status"]').allTextContents()).toContain('Aucun déploiement commencéChoisissez un service et commencez son déploiement : son avancement apparaîtra ici.');
    expect(await page.locator('#rollout-services-table thead th').allTextContents()).toEqual(['Service', 'État', 'Avancement', 'Étape qui retient', 'Début', 'Mise à jour', 'Actions']);
    expect(await row(page, 'rollout-services-table', 'Relations du travail')).toEqual(['Relations du travail', 'Pas commencé', pct(0, 'fr-CA'), '—', '—', '—', 'DétailsCommencer']);
    // Nothing begun: no time line yet.
    expect(await page.locator('#rollout-timeline').count()).toBe(0);
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-empty-fr');

    // A service not begun, in its dialog: its steps to come, no time line, start offered, nothing to stop.
    await page.getByRole('button', { name: 'Détails : Administration et finances' }).click();
    const waiting = page.getByRole('dialog');
    await waiting.locator('#rollout-step-space').waitFor();
    expect(await waiting.locator('#rollout-detail-state').textContent()).toBe('Pas commencé');
    expect(await waiting.textContent()).toContain('Pas encore commencé');
    expect(await waiting.locator('#rollout-detail-timeline').count()).toBe(0);
    expect(await waiting.getByRole('button').allInnerTexts()).toEqual(['Commencer', 'Fermer']);
    await waiting.getByRole('button', { name: 'Commencer' }).click();
    await expect.poll(() => page.getByRole('alertdialog').locator('#rollout-start-summary').textContent()).toBe('Cela commence le déploiement pour 9 personne(s) du service « Administration et finances ».');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Annuler' }).click();
    await waiting.getByRole('button', { name: 'Fermer' }).click();
    expect(api.posts).toEqual([]);

    await page.getByRole('button', { name: 'Commencer le déploiement : Relations du travail' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.locator('h2').textContent()).toBe('Commencer le déploiement de « Relations du travail » ?');
    expect(await confirm.locator('#rollout-start-summary').textContent()).toBe('Cela commence le déploiement pour 14 personne(s) du service « Relations du travail ».');
    await page.waitForTimeout(400);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-start-confirm-fr');
    await confirm.getByRole('button', { name: 'Commencer le déploiement' }).click();
    await expect.poll(() => page.locator('#rollout-services-notice').textContent(), { timeout: 10_000 }).toBe('Déploiement de « Relations du travail » commencé.');
    expect(api.posts).toEqual([{ path: 'services/RT/start', body: {} }]);

    // Running: its state, progress, the step at work; the page says it follows by itself.
    await expect.poll(async () => (await row(page, 'rollout-services-table', 'Relations du travail'))?.[1], { timeout: 15_000 }).toBe('En cours');
    const running = (await row(page, 'rollout-services-table', 'Relations du travail'))!;
    expect(running.slice(2, 6)).toEqual([pct(40, 'fr-CA'), 'Licences et archivage', when(RT_RUNNING.startedAt, 'fr-CA'), when(RT_RUNNING.updatedAt, 'fr-CA')]);
    expect(await page.locator('#rollout-services-status').textContent()).toBe('1 service(s) commencé(s) sur 2 : 1 en cours, 0 terminé(s).');
    expect(await page.locator('#rollout-services-following').textContent()).toBe('Un déploiement est en cours : cette page se met à jour toute seule.');
    expect(await page.locator('#rollout-services-table [role="progressbar"]').first().getAttribute('aria-label')).toBe(`Avancement de Relations du travail : ${pct(40, 'fr-CA')}`);
    // A started service no longer offers to start.
    expect(await page.getByRole('button', { name: 'Commencer le déploiement : Relations du travail' }).count()).toBe(0);

    // The time line: one image with its summary, and the same facts in a table.
    const chart = page.locator('#rollout-timeline svg[role="img"]');
    expect(await chart.getAttribute('aria-label')).toMatch(/^Chronologie des étapes de Relations du travail, du .+ au .+ : 1 fait, 1 en cours et 4 à venir\.$/);
    expect(await chart.locator('rect').count()).toBe(2);
    const timeline = await page.locator('#rollout-timeline-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())));
    expect(timeline[0]).toEqual(['Espace collaboratif', 'Fait', when(ago(180), 'fr-CA'), when(ago(150), 'fr-CA'), minutes(30, 'fr-CA')]);
    expect(timeline[1]!.slice(0, 4)).toEqual(['Licences et archivage', 'En cours', when(ago(150), 'fr-CA'), 'En cours']);
    expect(timeline[2]).toEqual(['Formation', 'À venir', '—', '—', '—']);

    // Details: the steps, the archiving counted.
    await page.getByRole('button', { name: 'Détails : Relations du travail' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#rollout-step-people').waitFor();
    expect(await dialog.locator('#rollout-detail-state').textContent()).toBe('En cours');
    expect(await dialog.locator('#rollout-step-people-count').textContent()).toBe('12 sur 30');
    expect(await dialog.locator('#rollout-step-people-state').textContent()).toBe('En cours');
    expect(await dialog.getByRole('button', { name: 'Arrêter définitivement' }).count()).toBe(1);
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-running-detail-fr');
    await dialog.getByRole('button', { name: 'Fermer' }).click();
    await shot(page, 'rollout-running-fr');

    // English: the same in English, dates in English.
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#rollout-title').textContent()).toBe('Rollout');
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Services', 'People']);
    expect(await page.locator('#rollout-services-table thead th').allTextContents()).toEqual(['Service', 'Status', 'Progress', 'Step holding it', 'Started', 'Updated', 'Actions']);
    expect((await row(page, 'rollout-services-table', 'Labour relations'))!.slice(0, 5)).toEqual(['Labour relations', 'In progress', pct(40, 'en'), 'Licences and archiving', when(RT_RUNNING.startedAt, 'en')]);
    expect(await page.locator('#rollout-services-status').textContent()).toBe('1 of 2 service(s) started: 1 in progress, 0 completed.');
    await noIds(page, 'en');
    await shot(page, 'rollout-running-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  it('shows a failed step with its blocker, who must act and the decisions taken; IT retries it, and skips it only with a reason', async () => {
    const api = newApi([AF_BLOCKED, RT_RUNNING]);
    const tab = await open(IT, api);
    const { page } = tab;
    await expect.poll(async () => (await row(page, 'rollout-services-table', 'Administration et finances'))?.[1], { timeout: 15_000 }).toBe('Bloqué');
    expect((await row(page, 'rollout-services-table', 'Administration et finances'))![3]).toBe(
      'Licences et archivage' + 'La boîte de Sylvie Bélanger n’a pas pu être archivée : le service de courriel ne répond plus.' + 'Doit agir : Administration TI',
    );
    await page.getByRole('button', { name: 'Détails : Administration et finances' }).click();
    const dialog = page.getByRole('dialog');
    const people = dialog.locator('#rollout-step-people');
    await people.waitFor();
    expect(await people.locator('#rollout-step-people-state').textContent()).toBe('En échec');
    expect(await people.locator('#rollout-step-people-percent').textContent()).toBe(pct(55, 'fr-CA'));
    expect(await people.locator('#rollout-step-people-count').textContent()).toBe('5 sur 9');
    expect(await people.textContent()).toContain('2 tentatives');
    expect(await people.locator('#rollout-step-people-blocker').textContent()).toBe(
      `La boîte de Sylvie Bélanger n’a pas pu être archivée : le service de courriel ne répond plus.Doit agir : Administration TI (depuis le ${when(ago(30), 'fr-CA')})`,
    );
    expect(await people.locator('#rollout-step-people-decisions li').allTextContents()).toEqual([`Reprise demandée par Isabelle Gauthier le ${when(ago(90), 'fr-CA')} : Panne du service corrigée`]);
    // Only the failed step offers retry and skip; pending and done steps offer nothing.
    expect(await dialog.getByRole('button', { name: /^Reprendre l’étape : / }).count()).toBe(1);
    expect(await dialog.getByRole('button', { name: /^Sauter l’étape : / }).count()).toBe(1);
    expect(await dialog.locator('#rollout-step-space button').count()).toBe(0);
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-failed-detail-fr');

    // Retry: confirmed; the run's id is in the address only.
    await dialog.getByRole('button', { name: 'Reprendre l’étape : Licences et archivage' }).click();
    let confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.locator('h2').textContent()).toBe('Reprendre l’étape « Licences et archivage » ?');
    await confirm.getByRole('button', { name: 'Reprendre l’étape' }).click();
    await expect.poll(() => dialog.locator('#rollout-step-notice').textContent(), { timeout: 10_000 }).toBe('Reprise de l’étape « Licences et archivage » demandée.');
    expect(api.posts).toEqual([{ path: `runs/${RUN.af}/steps/people/retry`, body: {} }]);

    // Skip: an empty (or too short) reason is refused in the dialog, nothing is sent.
    await dialog.getByRole('button', { name: 'Sauter l’étape : Licences et archivage' }).click();
    confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.locator('h2').textContent()).toBe('Sauter l’étape « Licences et archivage » ?');
    await confirm.getByRole('button', { name: 'Sauter l’étape' }).click();
    await expect.poll(() => confirm.textContent()).toContain('Indiquez un motif de 5 à 500 caractères.');
    await confirm.locator('#rollout-skip-reason').fill('   ok  ');
    await confirm.getByRole('button', { name: 'Sauter l’étape' }).click();
    expect(await confirm.textContent()).toContain('Indiquez un motif de 5 à 500 caractères.');
    expect(api.posts).toHaveLength(1);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-skip-reason-required-fr');
    await confirm.locator('#rollout-skip-reason').fill('  Boîte archivée à la main par la gestion documentaire  ');
    await confirm.getByRole('button', { name: 'Sauter l’étape' }).click();
    await expect.poll(() => dialog.locator('#rollout-step-notice').textContent(), { timeout: 10_000 }).toBe('Étape « Licences et archivage » sautée.');
    expect(api.posts[1]).toEqual({ path: `runs/${RUN.af}/steps/people/skip`, body: { reason: 'Boîte archivée à la main par la gestion documentaire' } });
    expect(await page.getByRole('alertdialog').count()).toBe(0);

    // The server refuses a skip (409 not-skippable): its own sentence, in the dialog that stays open.
    api.answer = (path) => (path.endsWith('/skip') ? { status: 409, body: { error: { code: 'not-skippable', message: 'La preuve de complétude de l’archive manque.', messages: { 'fr-CA': 'La preuve de complétude de l’archive manque.', en: 'The archive completeness proof is missing.' } } } } : undefined);
    await dialog.getByRole('button', { name: 'Sauter l’étape : Licences et archivage' }).click();
    confirm = page.getByRole('alertdialog');
    await confirm.locator('#rollout-skip-reason').fill('Tentative de contournement');
    await confirm.getByRole('button', { name: 'Sauter l’étape' }).click();
    await expect.poll(() => confirm.locator('#rollout-skip-refused').textContent(), { timeout: 10_000 }).toBe('Cette étape ne peut pas être sautée : La preuve de complétude de l’archive manque.');
    await confirm.getByRole('button', { name: 'Annuler' }).click();

    // English: the blocker in English; the refusal too.
    await dialog.getByRole('button', { name: 'Fermer' }).click();
    await page.locator('#language-switch').click();
    await page.getByRole('button', { name: 'Details: Administration and finance' }).click();
    const en = page.getByRole('dialog');
    await expect.poll(() => en.locator('#rollout-step-people-blocker').textContent()).toBe(`Sylvie Bélanger’s mailbox could not be archived: the mail service stopped answering.Must act: IT administration (since ${when(ago(30), 'en')})`);
    expect(await en.locator('#rollout-step-people-decisions li').allTextContents()).toEqual([`Retry requested by Isabelle Gauthier on ${when(ago(90), 'en')}: Panne du service corrigée`]);
    await en.getByRole('button', { name: 'Skip the step: Licences and archiving' }).click();
    confirm = page.getByRole('alertdialog');
    await confirm.getByRole('button', { name: 'Skip the step' }).click();
    await expect.poll(() => confirm.textContent()).toContain('Give a reason of 5 to 500 characters.');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await noIds(page, 'en');
    await shot(page, 'rollout-failed-detail-en');
    expect(tab.errors.filter((e) => !/409/.test(e))).toEqual([]);
    await tab.close();
  }, 90_000);

  it('asks IT to confirm the telephone numbers only while the telephony step waits, and sends the note', async () => {
    const api = newApi([COM_TELECOM, AF_BLOCKED]);
    api.onPost = (path) => {
      if (path === 'services/COM/telecom/confirm') api.services = [{ ...COM_TELECOM, state: 'running', steps: COM_TELECOM.steps.map((s) => (s.step === 'telecom' ? { ...s, state: 'done', percent: 100, endedAt: new Date().toISOString(), blocker: null } : s)) }, AF_BLOCKED];
    };
    const tab = await open(IT, api);
    const { page } = tab;
    await expect.poll(async () => (await row(page, 'rollout-services-table', 'Communications'))?.[1], { timeout: 15_000 }).toBe('En attente');
    // A service whose telephony does not wait has no such button.
    await page.getByRole('button', { name: 'Détails : Administration et finances' }).click();
    await page.getByRole('dialog').locator('#rollout-step-telecom').waitFor();
    expect(await page.getByRole('dialog').getByRole('button', { name: 'Confirmer les numéros de téléphone' }).count()).toBe(0);
    await page.getByRole('dialog').getByRole('button', { name: 'Fermer' }).click();

    await page.getByRole('button', { name: 'Détails : Communications' }).click();
    const dialog = page.getByRole('dialog');
    const telecom = dialog.locator('#rollout-step-telecom');
    await telecom.waitFor();
    expect(await telecom.locator('#rollout-step-telecom-state').textContent()).toBe('En attente');
    expect(await telecom.locator('#rollout-step-telecom-blocker').textContent()).toContain('Les numéros de téléphone doivent être attribués dans Teams, puis confirmés ici.');
    // The training skipped earlier says who skipped it, why and when.
    expect(await dialog.locator('#rollout-step-training-decisions li').allTextContents()).toEqual([`Étape sautée par Isabelle Gauthier le ${when(ago(1500), 'fr-CA')} : Formation donnée en classe le 1er décembre`]);
    expect(await dialog.locator('#rollout-step-training-state').textContent()).toBe('Sautée');
    // A skipped step shows no progress of its own.
    expect(await dialog.locator('#rollout-step-training [role="progressbar"]').count()).toBe(0);
    expect(await dialog.locator('#rollout-step-training-percent').count()).toBe(0);
    // Only the telephony step has the button.
    expect(await dialog.getByRole('button', { name: 'Confirmer les numéros de téléphone' }).count()).toBe(1);
    expect(await telecom.getByRole('button', { name: 'Confirmer les numéros de téléphone' }).count()).toBe(1);
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-telecom-fr');
    await telecom.getByRole('button', { name: 'Confirmer les numéros de téléphone' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('Confirmez que les numéros de téléphone du service ont été attribués dans Teams.');
    await confirm.locator('#rollout-telecom-note').fill('Numéros attribués par Bell le 4 décembre');
    await confirm.getByRole('button', { name: 'Confirmer les numéros de téléphone' }).click();
    await expect.poll(() => dialog.locator('#rollout-step-notice').textContent(), { timeout: 10_000 }).toBe('Numéros de téléphone confirmés : l’étape « Téléphonie Teams » se termine.');
    expect(api.posts).toEqual([{ path: 'services/COM/telecom/confirm', body: { note: 'Numéros attribués par Bell le 4 décembre' } }]);
    // Read again: the step is done and the button is gone.
    await expect.poll(() => dialog.locator('#rollout-step-telecom-state').textContent(), { timeout: 15_000 }).toBe('Fait');
    expect(await dialog.getByRole('button', { name: 'Confirmer les numéros de téléphone' }).count()).toBe(0);
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  it('stops a rollout for good only with a reason, saying it cannot be undone', async () => {
    const api = newApi([RT_RUNNING]);
    const tab = await open(IT, api);
    const { page } = tab;
    await page.getByRole('button', { name: 'Détails : Relations du travail' }).click({ timeout: 15_000 });
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Arrêter définitivement' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.locator('h2').textContent()).toBe('Arrêter définitivement « Relations du travail » ?');
    expect(await confirm.locator('#rollout-terminate-text').textContent()).toBe('Cet arrêt est irréversible : les étapes restantes ne seront pas faites et ce déploiement ne pourra pas reprendre. Ce qui est déjà fait reste en place.');
    await confirm.getByRole('button', { name: 'Arrêter définitivement' }).click();
    await expect.poll(() => confirm.textContent()).toContain('Indiquez un motif de 5 à 500 caractères.');
    expect(api.posts).toEqual([]);
    await page.waitForTimeout(400);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-terminate-fr');
    await confirm.locator('#rollout-terminate-reason').fill('Service fusionné avec Administration et finances');
    await confirm.getByRole('button', { name: 'Arrêter définitivement' }).click();
    await expect.poll(() => dialog.locator('#rollout-detail-notice').textContent(), { timeout: 10_000 }).toBe('Arrêt de « Relations du travail » demandé.');
    expect(api.posts).toEqual([{ path: `runs/${RUN.rt}/terminate`, body: { reason: 'Service fusionné avec Administration et finances' } }]);
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it('lists people’s journeys with kind and state filters; a departure blocked on archive completeness says who must act and can never be skipped', async () => {
    const api = newApi([RT_RUNNING], [JEAN_OFFBOARDING, LEA_ONBOARDING]);
    const tab = await open(IT, api);
    const { page } = tab;
    await page.getByRole('tab', { name: 'Personnes' }).click();
    await expect.poll(() => page.locator('#rollout-journeys-status').textContent(), { timeout: 15_000 }).toBe('2 parcours, dont 1 en cours.');
    expect(await page.locator('#rollout-journeys-table thead th').allTextContents()).toEqual(['Personne', 'Type', 'Service', 'État', 'Avancement', 'Étape en cours ou blocage', 'Mise à jour', 'Actions']);
    expect(await row(page, 'rollout-journeys-table', 'Jean Roy')).toEqual([
      'Jean Roy', 'Départ', 'Administration et finances', 'Bloqué', pct(25, 'fr-CA'),
      'Archivage des courriels' + 'L’archive de la boîte n’est pas complète : 1 dossier sur 5 reste à vérifier.' + 'Doit agir : Responsable de la gestion documentaire',
      when(JEAN_OFFBOARDING.updatedAt, 'fr-CA'), 'Détails',
    ]);
    expect((await row(page, 'rollout-journeys-table', 'Léa Morin'))!.slice(1, 6)).toEqual(['Arrivée', 'Relations du travail', 'Terminé', pct(100, 'fr-CA'), '—']);

    // Filters: sent to the API, the table shows what it answers.
    await page.locator('#rollout-filter-kind').selectOption('offboarding');
    await expect.poll(async () => (await rows(page, 'rollout-journeys-table')).map((r) => r[0]), { timeout: 10_000 }).toEqual(['Jean Roy']);
    expect(api.journeyQueries.at(-1)).toBe('?kind=offboarding');
    await page.locator('#rollout-filter-state').selectOption('completed');
    await expect.poll(() => page.locator('#rollout-journeys-status').textContent(), { timeout: 10_000 }).toBe('Aucun parcours ne correspond à ces filtres');
    expect(api.journeyQueries.at(-1)).toBe('?kind=offboarding&state=completed');
    await page.locator('#rollout-filter-state').selectOption('');
    await expect.poll(async () => (await rows(page, 'rollout-journeys-table')).map((r) => r[0]), { timeout: 10_000 }).toEqual(['Jean Roy']);
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-people-fr');

    // The departure's steps: the archive waits on the records manager, and neither it nor the licences may be skipped.
    await page.getByRole('button', { name: 'Détails : Jean Roy' }).click();
    const dialog = page.getByRole('dialog');
    const archive = dialog.locator('#rollout-step-archive');
    await archive.waitFor();
    expect(await dialog.locator('h2').first().textContent()).toBe('Jean Roy');
    expect(await archive.locator('#rollout-step-archive-blocker').textContent()).toContain('Doit agir : Responsable de la gestion documentaire');
    // A decision by someone the directory no longer knows: said so, never an id.
    expect(await archive.locator('#rollout-step-archive-decisions li').allTextContents()).toEqual([`Reprise demandée par personne inconnue le ${when(ago(100), 'fr-CA')} : sans motif`]);
    expect(await archive.locator('#rollout-step-archive-not-skippable').textContent()).toBe('Cette étape ne peut pas être sautée : l’archive des courriels doit être complète avant de continuer.');
    expect(await dialog.getByRole('button', { name: /^Sauter l’étape/ }).count()).toBe(0);
    // Waiting (not failed): nothing to retry either.
    expect(await dialog.getByRole('button', { name: /^Reprendre l’étape/ }).count()).toBe(0);
    expect(await dialog.locator('#rollout-step-holds-state').textContent()).toBe('Fait');
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-people-offboarding-fr');

    await dialog.getByRole('button', { name: 'Fermer' }).click();
    await page.locator('#language-switch').click();
    await expect.poll(async () => (await row(page, 'rollout-journeys-table', 'Jean Roy'))?.slice(1, 4)).toEqual(['Departure', 'Administration and finance', 'Blocked']);
    expect(await page.locator('#rollout-filter-kind option:checked').textContent()).toBe('Departure');
    await page.getByRole('button', { name: 'Details: Jean Roy' }).click();
    expect(await page.getByRole('dialog').locator('#rollout-step-archive-not-skippable').textContent()).toBe('This step cannot be skipped: the e-mail archive must be complete before going on.');
    expect(await page.getByRole('dialog').locator('#rollout-step-archive-blocker').textContent()).toContain('Must act: Records manager');
    await noIds(page, 'en');
    await shot(page, 'rollout-people-offboarding-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  it('lets HR follow both tabs without acting, and a manager read the services only', async () => {
    const api = newApi([AF_BLOCKED, COM_TELECOM, notStarted('RT', 14)], [JEAN_OFFBOARDING]);
    const hr = await open(HR, api);
    expect(await hr.page.getByRole('tab').allInnerTexts()).toEqual(['Services', 'Personnes']);
    await expect.poll(() => hr.page.locator('#rollout-services-status').textContent(), { timeout: 15_000 }).toBe('2 service(s) commencé(s) sur 3 : 2 en cours, 0 terminé(s).');
    expect(await hr.page.getByRole('button', { name: /^Commencer/ }).count()).toBe(0);
    await hr.page.getByRole('tab', { name: 'Personnes' }).click();
    await hr.page.getByRole('button', { name: 'Détails : Jean Roy' }).click({ timeout: 15_000 });
    await hr.page.getByRole('dialog').locator('#rollout-step-archive').waitFor();
    expect(await hr.page.getByRole('dialog').getByRole('button').allInnerTexts()).toEqual(['Fermer']);
    expect(await hr.page.getByRole('dialog').locator('#rollout-step-archive-not-skippable').count()).toBe(0);
    expect(hr.errors).toEqual([]);
    await hr.close();

    const tab = await open(MANAGER, api);
    const { page } = tab;
    // No people tab for a manager: only the services (one section, so no tab list), read-only.
    await page.locator('#rollout-title').waitFor();
    expect(await page.getByRole('tab').count()).toBe(0);
    await expect.poll(async () => (await row(page, 'rollout-services-table', 'Administration et finances'))?.[1], { timeout: 15_000 }).toBe('Bloqué');
    expect(await page.locator('#rollout-services [role="status"]').first().textContent()).toBe('2 service(s) commencé(s) sur 3 : 2 en cours, 0 terminé(s).');
    expect(await page.getByRole('button', { name: /^Commencer/ }).count()).toBe(0);
    expect(await row(page, 'rollout-services-table', 'Relations du travail')).toEqual(['Relations du travail', 'Pas commencé', pct(0, 'fr-CA'), '—', '—', '—', 'Détails']);
    await page.getByRole('button', { name: 'Détails : Administration et finances' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#rollout-step-people-blocker').waitFor();
    expect(await dialog.getByRole('button').allInnerTexts()).toEqual(['Fermer']);
    await dialog.getByRole('button', { name: 'Fermer' }).click();
    await page.getByRole('button', { name: 'Détails : Communications' }).click();
    await dialog.locator('#rollout-step-telecom-blocker').waitFor();
    expect(await dialog.getByRole('button').allInnerTexts()).toEqual(['Fermer']);
    await noIds(page);
    await shot(page, 'rollout-manager-detail-fr');
    await dialog.getByRole('button', { name: 'Fermer' }).click();
    await shot(page, 'rollout-manager-fr');
    expect(api.posts).toEqual([]);
    expect(tab.errors).toEqual([]);
    await tab.close();

    // Staff: no navigation entry; the page by its address says it is not theirs.
    const staff = await openTab(browser, `${host.baseUrl}/api/web/index.html`);
    await signIn(staff.page, STAFF.name);
    await staff.page.locator('#welcome').waitFor();
    expect(await staff.page.getByRole('navigation').getByRole('link').allTextContents()).not.toContain('Déploiement');
    await staff.close();
  }, 90_000);

  it('shows the API’s own message when the read fails, in the language in use', async () => {
    const api = newApi([]);
    api.failReads = { status: 503, body: { error: { code: 'unavailable', message: 'Le suivi du déploiement est momentanément indisponible.', messages: { 'fr-CA': 'Le suivi du déploiement est momentanément indisponible.', en: 'Rollout tracking is unavailable for now.' } } } };
    const tab = await open(IT, api);
    const { page } = tab;
    await expect.poll(() => page.locator('#rollout-services [role="alert"]').textContent(), { timeout: 15_000 }).toContain('Le suivi du déploiement est momentanément indisponible.');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#rollout-services [role="alert"]').textContent()).toContain('Rollout tracking is unavailable for now.');
    await shot(page, 'rollout-error-en');
    // Retry once the API answers: no services at all is said plainly.
    api.failReads = undefined;
    await page.locator('#rollout-services [role="alert"]').getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => page.locator('#rollout-services-status').textContent(), { timeout: 10_000 }).toBe('No service to roll out');
    await tab.close();
  }, 60_000);

  it.each<ThemeName>(['light', 'dark', 'contrast'])('shows services, a step’s detail and the journeys legibly (%s theme)', async (theme) => {
    const api = newApi([AF_BLOCKED, COM_TELECOM, RT_RUNNING], [JEAN_OFFBOARDING, LEA_ONBOARDING]);
    const tab = await open(IT, api, theme);
    const { page } = tab;
    expect(await page.locator('[data-theme]').getAttribute('data-theme')).toBe(theme);
    await page.locator('#rollout-services-table').waitFor({ timeout: 15_000 });
    await page.locator('#rollout-timeline').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `rollout-services-${theme}`);
    await page.getByRole('button', { name: 'Détails : Administration et finances' }).click();
    await page.getByRole('dialog').locator('#rollout-step-people-blocker').waitFor();
    await page.waitForTimeout(400);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `rollout-detail-${theme}`);
    await page.getByRole('dialog').getByRole('button', { name: 'Fermer' }).click();
    await page.getByRole('tab', { name: 'Personnes' }).click();
    await page.locator('#rollout-journeys-table').waitFor({ timeout: 15_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `rollout-people-${theme}`);
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 60_000);
});

describe('rollout page against the real API', () => {
  it('lists the catalogue’s services not started; IT starts one and sees it under way, by name only', async () => {
    const tab = await openTab(browser, `${host.baseUrl}/api/web/index.html`);
    const { page } = tab;
    await signIn(page, IT.name);
    await page.locator('#welcome').waitFor({ timeout: 15_000 });
    await page.getByRole('navigation').getByRole('link', { name: 'Déploiement' }).click();
    await expect.poll(() => page.locator('#rollout-services-status').textContent(), { timeout: 30_000 }).toMatch(/^\d+ service\(s\) à déployer ; aucun n’est commencé\.$/);
    expect(await page.locator('#rollout-services [role="status"]').allTextContents()).toContain('Aucun déploiement commencéChoisissez un service et commencez son déploiement : son avancement apparaîtra ici.');
    const before = await rows(page, 'rollout-services-table');
    expect(before.map((r) => r[0])).toEqual(expect.arrayContaining(['Direction générale', 'Relations du travail', 'Administration et finances']));
    expect(before.every((r) => r[1] === 'Pas commencé')).toBe(true);

    await page.getByRole('button', { name: 'Commencer le déploiement : Direction générale' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.locator('#rollout-start-summary').textContent()).toMatch(/^Cela commence le déploiement pour \d+ personne\(s\) du service « Direction générale »\.$/);
    await confirm.getByRole('button', { name: 'Commencer le déploiement' }).click();
    await expect.poll(() => page.locator('#rollout-services-notice').textContent(), { timeout: 30_000 }).toBe('Déploiement de « Direction générale » commencé.');
    // Read again until the run shows: begun, with its start date, no longer offered to start.
    await expect.poll(async () => (await row(page, 'rollout-services-table', 'Direction générale'))?.[1], { timeout: 60_000, interval: 1000 }).toMatch(/^(En cours|En attente|Bloqué|En échec)$/);
    const started = (await row(page, 'rollout-services-table', 'Direction générale'))!;
    expect(started[4]).not.toBe('—');
    expect(await page.getByRole('button', { name: 'Commencer le déploiement : Direction générale' }).count()).toBe(0);
    expect(await page.locator('#rollout-services-status').textContent()).toMatch(/^1 service\(s\) commencé\(s\) sur \d+ : /);
    await page.locator('#rollout-timeline').waitFor();

    await page.getByRole('button', { name: 'Détails : Direction générale' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#rollout-step-space').waitFor();
    expect(await dialog.locator('ol[aria-label="Étapes, dans l’ordre"] h4').allTextContents()).toEqual(['Espace collaboratif', 'Licences et archivage', 'Formation', 'Téléphonie Teams', 'Modèles de documents', 'Rapport']);
    await noIds(page);
    await shot(page, 'rollout-real-started-fr');
    await dialog.getByRole('button', { name: 'Fermer' }).click();

    // Asking again attaches to the run under way (started false) — through the API, as the page would.
    const token = await issuer.mintUserToken(IT);
    const again = await fetch(`${host.baseUrl}/api/rollout/services/DG/start`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ started: false });
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 180_000);
});


/**
 * config/rollout.json with retries short enough for a test (a second apart); the rest as shipped.
 * Graph work gets one retry, so the licence fault the test injects blocks the people step quickly;
 * the other kinds keep five attempts, so a step slowed by a loaded machine is not mistaken for one IT
 * must repair.
 */
function quickRolloutConfig(): string {
  const config = JSON.parse(readFileSync(path.resolve(__dirname, '../../config/rollout.json'), 'utf8')) as { retries: Record<string, unknown> };
  for (const kind of Object.keys(config.retries)) config.retries[kind] = { firstRetrySeconds: 1, backoff: 1, maxAttempts: kind === 'graph' ? 2 : 5 };
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rollout-web-')), 'rollout.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('rollout page end to end (local host, Service Bus, Microsoft 365 sandbox)', () => {
  let stack: RolloutStack;

  beforeAll(async () => {
    stack = await startRolloutStack({ env: { ROLLOUT_CONFIG_FILE: quickRolloutConfig(), ROLLOUT_PARALLELISM: '3' } });
    await stack.sync();
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('IT starts Relations du travail from the page, retries the failed onboarding, skips the late training with a reason, confirms the numbers and sees it completed', async () => {
    const listed = await stack.call('GET', 'services');
    expect(listed.status, JSON.stringify(listed.json) + stack.host.output().slice(-3000)).toBe(200);
    const people = (listed.json as { services: Array<{ serviceCode: string; people: number }> }).services.find((x) => x.serviceCode === 'RT')!.people;
    expect(people).toBeGreaterThan(0);
    // Graph refuses licence changes until IT "fixes" it: the members' onboarding fails.
    await stack.control.request('PUT', '/faults', { rates: { '503': 1 }, pathPattern: '/assignLicense$' });

    const tab = await openTab(browser, `${stack.host.baseUrl}/api/web/index.html`);
    const { page } = tab;
    await signIn(page, stack.it.name);
    await page.locator('#welcome').waitFor({ timeout: 15_000 });
    await page.getByRole('navigation').getByRole('link', { name: 'Déploiement' }).click();
    await expect.poll(async () => (await row(page, 'rollout-services-table', 'Relations du travail'))?.[1], { timeout: 30_000 }).toBe('Pas commencé');

    await page.getByRole('button', { name: 'Commencer le déploiement : Relations du travail' }).click();
    const confirm = page.getByRole('alertdialog');
    expect(await confirm.locator('#rollout-start-summary').textContent()).toBe(`Cela commence le déploiement pour ${people} personne(s) du service « Relations du travail ».`);
    await confirm.getByRole('button', { name: 'Commencer le déploiement' }).click();
    await expect.poll(() => page.locator('#rollout-services-notice').textContent(), { timeout: 30_000 }).toBe('Déploiement de « Relations du travail » commencé.');

    // Blocked on the people step: who must act, in words, on the page as it reads again by itself.
    await expect.poll(async () => (await row(page, 'rollout-services-table', 'Relations du travail'))?.[1], { timeout: 240_000, interval: 1000 }).toBe('Bloqué');
    expect((await row(page, 'rollout-services-table', 'Relations du travail'))![3]).toMatch(/^Licences et archivage.+Doit agir : Administration TI$/);
    await page.getByRole('button', { name: 'Détails : Relations du travail' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.locator('#rollout-step-people-state').textContent(), { timeout: 15_000 }).toBe('En échec');
    expect(await dialog.locator('#rollout-step-space-state').textContent()).toBe('Fait');
    expect(await dialog.locator('#rollout-step-people-blocker').textContent()).toContain(`${people} employé(s)`);
    await noIds(page);
    await shot(page, 'rollout-e2e-blocked-fr');

    // Graph back: IT retries from the page, with a reason.
    await stack.control.request('PUT', '/faults', {});
    await dialog.getByRole('button', { name: 'Reprendre l’étape : Licences et archivage' }).click();
    await page.getByRole('alertdialog').locator('#rollout-retry-reason').fill('Graph rétabli');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Reprendre l’étape' }).click();
    await expect.poll(() => dialog.locator('#rollout-step-notice').textContent(), { timeout: 15_000 }).toBe('Reprise de l’étape « Licences et archivage » demandée.');

    // The people step done; training misses its (shrunk) deadline and the numbers are late: both wait on a decision.
    await expect.poll(() => dialog.locator('#rollout-step-training-state').textContent(), { timeout: 240_000, interval: 1000 }).toBe('En échec');
    expect(await dialog.locator('#rollout-step-people-state').textContent()).toBe('Fait');
    expect(await dialog.locator('#rollout-step-people-count').textContent()).toBe(`${people} sur ${people}`);
    expect(await dialog.locator('#rollout-step-people-decisions li').allTextContents()).toEqual([expect.stringMatching(new RegExp(`^Reprise demandée par ${stack.it.name} le .+ : Graph rétabli$`))]);
    expect(await dialog.locator('#rollout-step-training-blocker').textContent()).toContain('Doit agir : Les gestionnaires');
    await expect.poll(() => dialog.locator('#rollout-step-telecom-state').textContent(), { timeout: 60_000, interval: 1000 }).toMatch(/^(En attente|En échec)$/);
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'rollout-e2e-decisions-fr');

    await dialog.getByRole('button', { name: 'Sauter l’étape : Formation' }).click();
    await page.getByRole('alertdialog').locator('#rollout-skip-reason').fill('Formations reportées à janvier');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Sauter l’étape' }).click();
    await expect.poll(() => dialog.locator('#rollout-step-notice').textContent(), { timeout: 15_000 }).toBe('Étape « Formation » sautée.');
    await expect.poll(() => dialog.locator('#rollout-step-training-state').textContent(), { timeout: 60_000, interval: 1000 }).toBe('Sautée');

    await dialog.locator('#rollout-step-telecom').getByRole('button', { name: 'Confirmer les numéros de téléphone' }).click();
    await page.getByRole('alertdialog').locator('#rollout-telecom-note').fill('Numéros attribués');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Confirmer les numéros de téléphone' }).click();
    await expect.poll(() => dialog.locator('#rollout-step-notice').textContent(), { timeout: 15_000 }).toBe('Numéros de téléphone confirmés : l’étape « Téléphonie Teams » se termine.');

    // A run that blocks instead says where and why (the dialog's text), not only "Bloqué".
    const runState = async () => {
      const state = await dialog.locator('#rollout-detail-state').textContent();
      return state === 'Bloqué' ? `${state}: ${await dialog.locator('ol[aria-label="Étapes, dans l’ordre"]').textContent()}` : state;
    };
    await expect.poll(runState, { timeout: 240_000, interval: 1000 }).toBe('Terminé');
    expect(await dialog.locator('#rollout-detail-percent').textContent()).toBe(`${pct(100, 'fr-CA')} fait`);
    expect(await dialog.locator('ol[aria-label="Étapes, dans l’ordre"] [id$="-state"]').allTextContents()).toEqual(['Fait', 'Fait', 'Sautée', 'Fait', 'Fait', 'Fait']);
    expect(await dialog.locator('#rollout-step-training-decisions li').allTextContents()).toEqual([expect.stringMatching(new RegExp(`^Étape sautée par ${stack.it.name} le .+ : Formations reportées à janvier$`))]);
    expect(await dialog.locator('#rollout-detail-timeline svg[role="img"] rect').count()).toBeGreaterThanOrEqual(5);
    await noIds(page);
    await shot(page, 'rollout-e2e-completed-fr');
    await dialog.getByRole('button', { name: 'Fermer' }).click();
    expect((await row(page, 'rollout-services-table', 'Relations du travail'))!.slice(1, 3)).toEqual(['Terminé', pct(100, 'fr-CA')]);

    // The members' onboardings, by name, for the people tab.
    await page.getByRole('tab', { name: 'Personnes' }).click();
    await page.locator('#rollout-filter-kind').selectOption('onboarding');
    await expect.poll(async () => (await rows(page, 'rollout-journeys-table')).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(people);
    const journeys = await rows(page, 'rollout-journeys-table');
    expect(journeys.every((r) => r[1] === 'Arrivée' && r[2] === 'Relations du travail' && r[0] !== 'personne inconnue')).toBe(true);
    await noIds(page);
    await shot(page, 'rollout-e2e-people-fr');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 900_000);
});
