import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTokenIssuer, DEMO_USERS, type LocalUser, type TokenIssuer } from '../../dev/token-issuer';
import { CosmosPeople, CosmosSyncState } from '../../shared/people/adapters/cosmos-people';
import { eventId, type PeopleEvent, type PersonState } from '../../shared/people/model';
import { EMPTY_SYNC_STATE, type PersonRecord } from '../../shared/people/ports';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { useAppEnvironment } from '../support/app-env';
import { openTab, screenshot, seriousViolations, signIn, type ThemeName } from '../support/web-browser';

/**
 * The "Personnel" page (web/src/pages/people) in headless Chromium, served by the real function app
 * on the emulators, over a directory seeded through the app's own Cosmos adapter: HR reads names
 * and words (never ids or codes) in French then English; Staff are told the page is not theirs.
 */

// The head of Administration et finances holds HR (dev/local-stack/demo-users.ts); the issuer lists her too.
const HR_USER: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000a1', name: 'Nathalie Roy', roles: ['Staff', 'HR'], preferredUsername: 'nroy@spgq.local' };
const staffOnly = DEMO_USERS[0]!;
const ids = {
  nathalie: HR_USER.oid,
  luc: '5e0d1a2b-0000-4000-8000-000000000002',
  emilie: '5e0d1a2b-0000-4000-8000-000000000003',
  jean: '5e0d1a2b-0000-4000-8000-000000000004',
  chloe: '5e0d1a2b-0000-4000-8000-000000000005',
  marie: '5e0d1a2b-0000-4000-8000-000000000006',
};
const ALL_IDS = Object.values(ids);

let issuer: TokenIssuer;
let host: AppHost;
let baseUrl: string;
let browser: Browser;

function person(id: string, displayName: string, raw: { service: string | null; jobCategory: string | null }, state: Partial<PersonState>): PersonRecord {
  const full: PersonState = { status: 'active', leftReason: null, serviceCode: null, jobCategoryCode: null, managerId: null, language: 'fr-CA', employeeType: 'Employee', hireDate: null, leaveDate: null, ...state };
  return {
    id,
    facts: { displayName, service: raw.service, jobCategory: raw.jobCategory, managerId: full.managerId, preferredLanguage: full.language, accountEnabled: full.leftReason !== 'disabled', userType: 'Member', employeeType: full.employeeType, hireDate: full.hireDate, leaveDateTime: full.leaveDate, leaveValue: null, deleted: false },
    memberships: { inScope: true, inLeaveGroup: full.status === 'on-leave' },
    state: full,
    version: 1,
    catalogueVersion: '2026.1',
    outbox: [],
    updatedAt: '2026-12-01T12:00:00Z',
  };
}

function event(personId: string, version: number, kind: PeopleEvent['kind'], observedAt: string, changes: PeopleEvent['changes'], record: PersonRecord, leftReason?: PeopleEvent['leftReason']): PeopleEvent {
  const s = record.state;
  return { id: eventId(personId, version, kind), kind, personId, version, observedAt, changes, ...(leftReason ? { leftReason } : {}), state: { status: s.status, serviceCode: s.serviceCode, jobCategoryCode: s.jobCategoryCode, managerId: s.managerId, language: s.language } };
}

async function seed(): Promise<void> {
  const store = new CosmosPeople(cosmosDatabase());
  const people = {
    nathalie: person(ids.nathalie, 'Nathalie Roy', { service: 'Administration et finances', jobCategory: 'DIRECTION' }, { serviceCode: 'ADM', jobCategoryCode: 'DIRECTION', hireDate: '2015-04-13T00:00:00Z' }),
    luc: person(ids.luc, 'Luc Bouchard', { service: 'Relations du travail', jobCategory: 'CONSEIL' }, { serviceCode: 'RT', jobCategoryCode: 'CONSEIL', managerId: ids.nathalie, hireDate: '2019-09-03' }),
    emilie: person(ids.emilie, 'Émilie Lavoie', { service: 'Services juridiques', jobCategory: 'JURISTE' }, { status: 'on-leave', serviceCode: 'JUR', jobCategoryCode: 'JURISTE', managerId: ids.nathalie, hireDate: '2021-01-18T00:00:00Z' }),
    jean: person(ids.jean, 'Jean Fortin', { service: 'Ressources informationnelles', jobCategory: 'TI' }, { status: 'left', leftReason: 'disabled', serviceCode: 'RI', jobCategoryCode: 'TI', hireDate: '2012-06-04' }),
    chloe: person(ids.chloe, 'Chloé Pelletier', { service: 'Service des communications', jobCategory: 'CONSEIL' }, { serviceCode: null, jobCategoryCode: 'CONSEIL', managerId: ids.nathalie, language: 'en', hireDate: '2024-02-05' }),
    marie: person(ids.marie, 'Marie Tremblay', { service: 'Relations du travail', jobCategory: 'STAGIAIRE' }, { serviceCode: 'RT', jobCategoryCode: null, managerId: ids.luc, hireDate: '2026-11-30' }),
  };
  for (const p of Object.values(people)) await store.save(p);
  await store.record([
    event(ids.marie, 1, 'joined', '2026-12-01T14:05:00Z', [
      { field: 'status', before: null, after: 'active' },
      { field: 'service', before: null, after: 'RT' },
      { field: 'jobCategory', before: null, after: null },
      { field: 'manager', before: null, after: ids.luc },
    ], people.marie),
    event(ids.luc, 2, 'moved', '2026-12-02T09:30:00Z', [
      { field: 'service', before: 'JUR', after: 'RT' },
      { field: 'manager', before: ids.emilie, after: ids.nathalie },
    ], people.luc),
    event(ids.emilie, 2, 'leave-started', '2026-12-03T10:00:00Z', [{ field: 'status', before: 'active', after: 'on-leave' }], people.emilie),
    event(ids.jean, 2, 'left', '2026-12-04T08:15:00Z', [{ field: 'status', before: 'active', after: 'left' }], people.jean, 'disabled'),
    event(ids.chloe, 2, 'updated', '2026-12-04T16:45:00Z', [
      { field: 'language', before: 'fr-CA', after: 'en' },
      { field: 'displayName', before: null, after: null },
    ], people.chloe),
  ]);
  await new CosmosSyncState(cosmosDatabase()).save({
    ...EMPTY_SYNC_STATE,
    catalogueVersion: '2026.1',
    lastRun: { at: '2026-12-04T16:45:00Z', mode: 'incremental', outcome: 'ok', events: 5, requests: 3, unmapped: { services: ['Service des communications'], jobCategories: ['STAGIAIRE'] } },
  });
}

beforeAll(async () => {
  issuer = await startTokenIssuer({ users: [...DEMO_USERS, HR_USER] });
  const database = `people-web-${Math.random().toString(36).slice(2, 10)}`;
  // Seeded with the app's own adapter, in the database the host below reads.
  await useAppEnvironment(issuer, { COSMOS_DATABASE: database });
  await seed();
  // A schedule that never comes during the test: no sync against a directory that is not there.
  // The people endpoints build the sync's Graph client too, which reads the sandbox's CA file when
  // one is set (the sample's exists only once the sandbox has run): the system's bundle stands in.
  host = await startAppHost(issuer, { ARCHIVE_RUN_ON_STARTUP: 'false', COSMOS_DATABASE: database, PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *' });
  baseUrl = host.baseUrl;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await issuer?.stop();
});

const peopleUrl = () => `${baseUrl}/api/web/people.html`;
const rows = (page: Page, table: string) => page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
const names = async (page: Page) => (await rows(page, 'people-table')).map((r) => r[0]);

/** Waits until the staff list shows what was last asked for (its announcement names the count). */
async function listed(page: Page, count: number, language: 'fr-CA' | 'en' = 'fr-CA'): Promise<void> {
  const text = language === 'fr-CA' ? `${count} personne(s) trouvée(s).` : `${count} person(s) found.`;
  await expect.poll(() => page.locator('#people-status').textContent(), { timeout: 10_000 }).toBe(text);
}

async function openAsHr(theme: ThemeName = 'light') {
  const tab = await openTab(browser, peopleUrl(), { theme });
  await signIn(tab.page, HR_USER.name);
  await tab.page.locator('#people-title').waitFor({ timeout: 15_000 });
  await listed(tab.page, 5);
  return tab;
}

/** A screenshot once Fluent's transitions (the tab indicator's slide) have settled. */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await screenshot(page, name);
}

async function noIds(page: Page): Promise<void> {
  const text = (await page.locator('main').textContent()) ?? '';
  for (const id of ALL_IDS) expect(text).not.toContain(id);
  for (const code of ['on-leave', 'leave-started', 'leave-ended', 'jobCategory', 'JUR', 'DIRECTION', 'ADM', 'STAGIAIRE_']) expect(text).not.toMatch(new RegExp(`\\b${code}\\b`));
}

describe('people page', () => {
  it('shows HR the staff by name, service and status in words, with working filters, in French then English', async () => {
    const tab = await openTab(browser, `${baseUrl}/api/web/index.html`);
    const { page } = tab;
    await signIn(page, HR_USER.name);
    await page.locator('#welcome').waitFor();
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).toEqual(['Accueil', 'Mes courriels archivés', 'Systèmes sur site', 'Mes formations', 'Espaces', 'Personnel', 'Déploiement']);
    expect(await page.getByRole('heading', { level: 3 }).allTextContents()).toContain('Personnel');
    await page.getByRole('navigation').getByRole('link', { name: 'Personnel' }).click();
    await expect.poll(() => page.url()).toMatch(/\/api\/web\/people\.html$/);
    expect(await page.title()).toBe('Personnel');
    await listed(page, 5);

    // Current staff (not those who left), by name; columns labelled; words, dates in French.
    expect(await page.locator('#people-table thead th').allTextContents()).toEqual(['Nom', 'Service', 'Corps d’emplois', 'Gestionnaire', 'Statut', 'Date d’embauche']);
    const byName = new Map((await rows(page, 'people-table')).map((r) => [r[0], r]));
    expect([...byName.keys()]).toEqual(['Chloé Pelletier', 'Émilie Lavoie', 'Luc Bouchard', 'Marie Tremblay', 'Nathalie Roy']);
    expect(byName.get('Luc Bouchard')).toEqual(['Luc Bouchard', 'Relations du travail', 'Conseiller syndical / conseillère syndicale', 'Nathalie Roy', 'Actif', '3 septembre 2019']);
    expect(byName.get('Émilie Lavoie')?.[4]).toBe('En congé');
    expect(byName.get('Nathalie Roy')?.slice(1)).toEqual(['Administration et finances', 'Direction', '—', 'Actif', '13 avril 2015']);
    expect(byName.get('Chloé Pelletier')?.[1]).toBe('Non associé («\u00a0Service des communications\u00a0»)');
    expect(byName.get('Marie Tremblay')?.[2]).toBe('Non associé («\u00a0STAGIAIRE\u00a0»)');
    expect(await page.locator('#people-status-summary').textContent()).toBe('En tout : 4 actif(s), 1 en congé, 1 parti(s).');
    expect(await page.locator('#people-summary li').allTextContents()).toContain('Relations du travail : 2 personne(s)');
    expect(await page.locator('#people-summary li').allTextContents()).toContain('Non associé : 1 personne(s)');
    await noIds(page);
    await shot(page, 'people-directory-fr');

    // Filters: by service (names from the counts), "not mapped", status, a name without its accent.
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'Services juridiques (1)' });
    await listed(page, 1);
    expect(await names(page)).toEqual(['Émilie Lavoie']);
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'Non associé (1)' });
    await listed(page, 1);
    expect(await names(page)).toEqual(['Chloé Pelletier']);
    await page.getByRole('button', { name: 'Effacer les filtres' }).click();
    await listed(page, 5);
    await page.getByLabel('Statut').selectOption({ label: 'Parti (1)' });
    await listed(page, 1);
    expect(await rows(page, 'people-table')).toEqual([['Jean Fortin', 'Ressources informationnelles', 'Technologies de l’information', '—', 'Parti', '4 juin 2012']]);
    await page.getByLabel('Statut').selectOption({ label: 'Actifs et en congé' });
    await page.getByLabel('Corps d’emplois', { exact: true }).selectOption({ label: 'Conseiller syndical / conseillère syndicale (2)' });
    await listed(page, 2);
    expect(await names(page)).toEqual(['Chloé Pelletier', 'Luc Bouchard']);
    await page.getByRole('button', { name: 'Effacer les filtres' }).click();
    await page.getByLabel('Nom (ou une partie du nom)').fill('emilie');
    await page.keyboard.press('Enter');
    await listed(page, 1);
    expect(await names(page)).toEqual(['Émilie Lavoie']);
    await page.getByLabel('Nom (ou une partie du nom)').fill('personne');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await listed(page, 0);
    expect(await page.locator('#people-directory [role="status"]').allTextContents()).toContain('Aucune personne ne correspond à ces critères.Essayez un autre service ou statut, ou une partie du nom seulement.');
    await page.getByRole('button', { name: 'Effacer les filtres' }).click();
    await listed(page, 5);

    // Recent events: people by name, events and changes in words, managers and services by name.
    await page.getByRole('tab', { name: 'Événements récents' }).click();
    await expect.poll(() => page.locator('#events-status').textContent(), { timeout: 10_000 }).toBe('5 événement(s) affiché(s).');
    expect(await page.locator('#events-table thead th').allTextContents()).toEqual(['Date et heure', 'Personne', 'Événement', 'Détails']);
    const events = (await rows(page, 'events-table')).map((r) => r.slice(1));
    expect(events).toEqual([
      ['Chloé Pelletier', 'Mise à jour', 'Langue : français → anglaisNom modifié'],
      ['Jean Fortin', 'Départ (compte désactivé)', '—'],
      ['Émilie Lavoie', 'Début de congé', '—'],
      ['Luc Bouchard', 'Changement de serviceChangement de gestionnaire', 'Service : Services juridiques → Relations du travailGestionnaire : Émilie Lavoie → Nathalie Roy'],
      ['Marie Tremblay', 'Arrivée', 'Service : Relations du travailGestionnaire : Luc Bouchard'],
    ]);
    expect((await rows(page, 'events-table'))[0]![0]).toMatch(/2026/);
    await noIds(page);
    await shot(page, 'people-events-fr');

    // Values to map: attribute in words, the raw value, how many people; the catalogue and the last run.
    await page.getByRole('tab', { name: 'Valeurs à associer' }).click();
    await expect.poll(() => page.locator('#unmapped-status').textContent(), { timeout: 10_000 }).toBe('2 valeur(s) à associer.');
    expect(await rows(page, 'unmapped-table')).toEqual([
      ['Service', '«\u00a0Service des communications\u00a0»', '1'],
      ['Corps d’emplois', '«\u00a0STAGIAIRE\u00a0»', '1'],
    ]);
    expect(await page.locator('#people-unmapped').textContent()).toContain('config/people-catalogue.json');
    const lastSync = await page.locator('#last-sync').textContent();
    expect(lastSync).toContain('Version du catalogue2026.1');
    expect(lastSync).toContain('Typeincrémentale');
    expect(lastSync).toContain('Résultatréussie');
    expect(lastSync).toContain('Événements produits5');
    await shot(page, 'people-unmapped-fr');

    // English: everything already shown switches, server values included.
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#people-title').textContent()).toBe('Staff');
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Staff', 'Recent events', 'Values to map']);
    expect(await rows(page, 'unmapped-table')).toEqual([
      ['Service', '“Service des communications”', '1'],
      ['Job category', '“STAGIAIRE”', '1'],
    ]);
    expect(await page.locator('#last-sync').textContent()).toContain('Kindincremental');
    expect(await page.locator('#unmapped-status').textContent()).toBe('2 value(s) to map.');
    await page.getByRole('tab', { name: 'Recent events' }).click();
    const eventsEn = (await rows(page, 'events-table')).map((r) => r.slice(1));
    expect(eventsEn[0]).toEqual(['Chloé Pelletier', 'Update', 'Language: French → EnglishName changed']);
    expect(eventsEn[1]).toEqual(['Jean Fortin', 'Departure (account disabled)', '—']);
    expect(eventsEn[2]).toEqual(['Émilie Lavoie', 'Leave started', '—']);
    expect(eventsEn[3]).toEqual(['Luc Bouchard', 'Change of serviceChange of manager', 'Service: Legal Services → Labour RelationsManager: Émilie Lavoie → Nathalie Roy']);
    expect(eventsEn[4]).toEqual(['Marie Tremblay', 'Arrival', 'Service: Labour RelationsManager: Luc Bouchard']);
    await shot(page, 'people-events-en');
    await page.getByRole('tab', { name: 'Staff' }).click();
    expect(await page.locator('#people-table thead th').allTextContents()).toEqual(['Name', 'Service', 'Job category', 'Manager', 'Status', 'Hire date']);
    const byNameEn = new Map((await rows(page, 'people-table')).map((r) => [r[0], r]));
    expect(byNameEn.get('Luc Bouchard')).toEqual(['Luc Bouchard', 'Labour Relations', 'Union adviser', 'Nathalie Roy', 'Active', 'September 3, 2019']);
    expect(byNameEn.get('Émilie Lavoie')?.[4]).toBe('On leave');
    expect(byNameEn.get('Chloé Pelletier')?.[1]).toBe('Not mapped (“Service des communications”)');
    await page.getByLabel('Status').selectOption({ label: 'Left (1)' });
    await listed(page, 1, 'en');
    expect(await names(page)).toEqual(['Jean Fortin']);
    await noIds(page);
    await shot(page, 'people-directory-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it.each<ThemeName>(['light', 'dark', 'contrast'])('has no serious accessibility violations on any of its tabs (%s theme)', async (theme) => {
    const tab = await openAsHr(theme);
    const { page } = tab;
    expect(await page.locator('[data-theme]').getAttribute('data-theme')).toBe(theme);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `people-directory-${theme}`);
    await page.getByRole('tab', { name: 'Événements récents' }).click();
    await page.locator('#events-table').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `people-events-${theme}`);
    // Keyboard: arrow keys move along the tabs, as in Teams.
    await page.getByRole('tab', { name: 'Événements récents' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.locator('#unmapped-table').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `people-unmapped-${theme}`);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('says plainly when every value is mapped, and shows the API’s own message when a read fails', async () => {
    const tab = await openAsHr();
    const { page } = tab;
    await page.route('**/api/people/unmapped', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ values: [], lastRun: null, catalogueVersion: '2026.1' }) }));
    const failure = { error: { code: 'unavailable', message: 'L’annuaire est momentanément indisponible.', messages: { 'fr-CA': 'L’annuaire est momentanément indisponible.', en: 'The directory is unavailable for now.' } } };
    await page.route('**/api/people/events**', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(failure) }));
    await page.getByRole('tab', { name: 'Valeurs à associer' }).click();
    await expect.poll(() => page.locator('#unmapped-status').textContent(), { timeout: 10_000 }).toBe('Toutes les valeurs de l’annuaire sont associées');
    expect(await page.locator('#people-unmapped [role="status"]').allTextContents()).toContain('Toutes les valeurs de l’annuaire sont associéesChaque service et chaque corps d’emplois inscrit dans l’annuaire correspond au catalogue.');
    expect(await page.locator('#last-sync').textContent()).toBe('Version du catalogue2026.1');
    expect(await page.locator('#people-unmapped').textContent()).toContain('Aucune synchronisation encore.');
    await page.getByRole('tab', { name: 'Événements récents' }).click();
    await expect.poll(() => page.locator('#people-events [role="alert"]').textContent(), { timeout: 10_000 }).toContain('L’annuaire est momentanément indisponible.');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#people-events [role="alert"]').textContent()).toContain('The directory is unavailable for now.');
    await shot(page, 'people-events-error-en');
    await tab.close();
  });

  it('pages through the staff list with the API, keyboard only', async () => {
    const tab = await openTab(browser, peopleUrl());
    const { page } = tab;
    // As if the directory held 60 current people (three pages of 25): the real answer, its total
    // raised, each further page the seeded people marked with the page the API was asked for.
    const asked: string[] = [];
    await page.route((url) => url.pathname === '/api/people/search', async (route) => {
      const filter = route.request().postDataJSON() as { page?: number };
      const requested = String(filter.page ?? 1);
      asked.push(requested);
      const response = await route.fetch({ postData: JSON.stringify({ ...filter, page: 1 }) });
      const body = (await response.json()) as { total: number; people: { id: string; displayName: string }[] };
      const people = requested === '1' ? body.people : body.people.map((p) => ({ ...p, id: `${p.id}-${requested}`, displayName: `${p.displayName} ${requested}` }));
      await route.fulfill({ response, json: { ...body, total: body.total === 5 ? 60 : body.total, people } });
    });
    await signIn(page, HR_USER.name);
    await expect.poll(() => page.locator('#people-status').textContent(), { timeout: 10_000 }).toBe('60 personne(s) trouvée(s).');
    const pager = page.locator('#people-directory nav');
    expect(await pager.textContent()).toContain('Page 1 sur 3');
    expect(await page.getByRole('button', { name: 'Page précédente' }).isDisabled()).toBe(true);
    const next = page.getByRole('button', { name: 'Page suivante' });
    await next.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => pager.textContent()).toContain('Page 2 sur 3');
    // The pager says page 2 as soon as it is asked for; the rows follow once the API answers.
    await expect.poll(async () => (await names(page))[0]).toBe('Chloé Pelletier 2');
    await page.keyboard.press('Enter');
    await expect.poll(() => pager.textContent()).toContain('Page 3 sur 3');
    expect(await next.isDisabled()).toBe(true);
    await expect.poll(() => asked.slice(-3)).toEqual(['1', '2', '3']);
    // A new filter starts again at the first page.
    await page.getByLabel('Statut').selectOption({ label: 'En congé (1)' });
    await listed(page, 1);
    expect(asked.at(-1)).toBe('1');
    expect(await names(page)).toEqual(['Émilie Lavoie']);
    expect(await pager.count()).toBe(0);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('offers nothing to Staff, and tells them plainly when they open the page by its address', async () => {
    const tab = await openTab(browser, `${baseUrl}/api/web/index.html`);
    const { page } = tab;
    await signIn(page, staffOnly.name);
    await page.locator('#welcome').waitFor();
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).not.toContain('Personnel');
    expect(await page.getByRole('heading', { level: 3 }).allTextContents()).not.toContain('Personnel');
    let asked = false;
    page.on('request', (r) => new URL(r.url()).pathname.startsWith('/api/people') && (asked = true));
    await page.goto(peopleUrl());
    await page.locator('#not-allowed').waitFor({ timeout: 15_000 });
    expect(await page.locator('#not-allowed-title').textContent()).toBe('Accès non autorisé');
    expect(await page.locator('#not-allowed').textContent()).toContain('Cette page est réservée aux rôles suivants : Ressources humaines et Administration TI.');
    expect(await page.locator('#people-title').count()).toBe(0);
    expect(asked).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'people-not-allowed-fr');
    await page.getByRole('button', { name: 'Retour à l’accueil' }).click();
    await page.locator('#welcome').waitFor();
    expect(tab.errors).toEqual([]);
    await tab.close();
    // The API refuses too, whatever the page shows.
    const token = await issuer.mintUserToken(staffOnly);
    for (const path of ['people', 'people/events', 'people/unmapped']) {
      expect((await fetch(`${baseUrl}/api/${path}`, { headers: { authorization: `Bearer ${token}` } })).status, path).toBe(403);
    }
  });
});
