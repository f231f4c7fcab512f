import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';
import { startTokenIssuer, type LocalUser, type TokenIssuer } from '../../dev/token-issuer';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { useAppEnvironment } from '../support/app-env';
import { openTab, screenshot, seriousViolations, signIn, type TabPage, type ThemeName } from '../support/web-browser';
import { seedPerson, terminateInstances } from '../collaboration/request-fixtures';

/**
 * The "Espaces" page's requests tab (web/src/pages/collaboration) in headless Chromium, served by the
 * real function app on the emulators with the Microsoft 365 sandbox for Graph: a staff member fills
 * the form (errors first, then a service by name, a member by name and an end date) and follows the
 * request; a service manager approves one request and refuses another with a reason, each after a
 * confirmation. French first, then English; axe and screenshots in light, dark and high contrast.
 */

let sandbox: M365Sandbox;
let issuer: TokenIssuer;
let host: AppHost;
let browser: Browser;
const users: Record<'requester' | 'manager' | 'member', LocalUser> = {} as never;
const requestIds: string[] = [];

beforeAll(async () => {
  sandbox = await startM365Sandbox({ scale: { mailboxes: 0 } });
  const tenant = sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled);
  users.requester = { oid: tenant[0]!.id, name: 'Geneviève Tremblay', roles: ['Staff'], preferredUsername: 'gtremblay@spgq.local' };
  users.manager = { oid: tenant[1]!.id, name: 'Marc-André Gagnon', roles: ['Staff', 'Manager'], preferredUsername: 'magagnon@spgq.local' };
  users.member = { oid: tenant[2]!.id, name: 'Luc Bouchard', roles: ['Staff'], preferredUsername: 'lbouchard@spgq.local' };
  issuer = await startTokenIssuer({ users: Object.values(users) });
  const database = `collab-web-${Math.random().toString(36).slice(2, 10)}`;
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'collab-web-')), 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const graph = { GRAPH_BASE_URL: sandbox.graphBaseUrl, GRAPH_CA_FILE: caFile };
  await useAppEnvironment(issuer, { COSMOS_DATABASE: database, ...graph });
  await seedPerson(cosmosDatabase(), users.requester.oid, users.requester.name, { serviceCode: 'RT', jobCategoryCode: 'CONSEIL' });
  await seedPerson(cosmosDatabase(), users.manager.oid, users.manager.name, { serviceCode: 'RT', jobCategoryCode: 'DIRECTION' });
  await seedPerson(cosmosDatabase(), users.member.oid, users.member.name, { serviceCode: 'JUR', jobCategoryCode: 'JURISTE' });
  host = await startAppHost(issuer, { COSMOS_DATABASE: database, ...graph, ARCHIVE_RUN_ON_STARTUP: 'false', PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *', TRAINING_CYCLES_SCHEDULE: '0 0 0 1 1 *', TRAINING_REMINDER_SCHEDULE: '0 0 0 1 1 *' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (host) await terminateInstances(host.baseUrl, requestIds.map((id) => `collab-request-${id}`));
  await host?.stop();
  await issuer?.stop();
  await sandbox?.stop();
});

const pageUrl = () => `${host.baseUrl}/api/web/collaboration.html`;

async function open(user: LocalUser, theme: ThemeName = 'light'): Promise<TabPage> {
  const tab = await openTab(browser, pageUrl(), { theme });
  await signIn(tab.page, user.name);
  await tab.page.locator('#collaboration-title').waitFor({ timeout: 15_000 });
  await expect.poll(() => tab.page.locator('#requests-status').textContent(), { timeout: 15_000 }).toMatch(/demande\(s\)|request\(s\)/);
  await tab.page.locator('#request-form').waitFor({ timeout: 15_000 });
  return tab;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await screenshot(page, name);
}

const rows = (page: Page, table: string) => page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));

async function noIds(page: Page): Promise<void> {
  const text = (await page.locator('main').textContent()) ?? '';
  for (const u of Object.values(users)) expect(text).not.toContain(u.oid);
  for (const id of requestIds) expect(text).not.toContain(id);
  for (const code of ['pending', 'approved', 'refused', 'provisioned', 'DIRECTION', 'JURISTE']) expect(text).not.toMatch(new RegExp(`\\b${code}\\b`));
}

async function request(page: Page, name: string): Promise<void> {
  await page.locator('#request-name').fill(name);
  await page.locator('#request-purpose').fill('Préparer la négociation de la convention collective');
  await page.locator('#request-service').selectOption('RT');
  await page.locator('#request-members').fill('Luc');
  await page.getByRole('option', { name: /Luc Bouchard/ }).click();
  await page.locator('#request-end-date').fill(new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10));
  await page.locator('#request-submit').click();
  await expect.poll(() => page.locator('#request-submitted').textContent(), { timeout: 15_000 }).toContain(`« ${name} » envoyée`);
}

describe('Espaces: project space requests', () => {
  it('lets staff request a project space: errors named first, then sent and followed by status, in French then English', async () => {
    const tab = await open(users.requester);
    const { page } = tab;
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).toContain('Espaces');
    expect(await page.title()).toBe('Espaces');
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Demandes d’espace', 'Mes espaces', 'Modèles de documents']);
    expect(await page.locator('#requests-status').textContent()).toBe('0 demande(s) de votre part, 0 à décider.');
    expect(await page.locator('#to-decide-title').count()).toBe(0);
    expect(await page.getByText('Aucune demande', { exact: true }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'collaboration-requests-empty-fr');

    // Nothing sent while the form says what is missing.
    await page.locator('#request-name').fill('a/');
    await page.locator('#request-submit').click();
    const form = (await page.locator('#request-form').textContent()) ?? '';
    expect(form).toContain('Le nom doit compter de 3 à 80 caractères.');
    expect(form).toContain('Choisissez le service responsable.');
    expect(form).toContain('Indiquez la date de fin.');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'collaboration-request-errors-fr');

    await request(page, 'Négociation 2027');
    await request(page, 'Projet Communication');
    await expect.poll(async () => (await rows(page, 'my-requests-table')).length, { timeout: 15_000 }).toBe(2);
    const mine = await rows(page, 'my-requests-table');
    expect(mine.map((r) => [r[0], r[1], r[2]]).sort()).toEqual([
      ['Négociation 2027', 'Relations du travail', 'En attente de décision'],
      ['Projet Communication', 'Relations du travail', 'En attente de décision'],
    ]);
    await noIds(page);
    await shot(page, 'collaboration-requests-mine-fr');

    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#my-requests-title').textContent()).toBe('My requests');
    expect((await rows(page, 'my-requests-table')).map((r) => r[2])).toEqual(['Awaiting a decision', 'Awaiting a decision']);
    expect(await page.locator('#request-form').textContent()).toContain('Project name');
    await page.locator('#language-switch').click();
    await tab.close();
    const listed = (await (await fetch(`${host.baseUrl}/api/collaboration/requests`, { headers: { authorization: `Bearer ${await issuer.mintUserToken(users.requester)}` } })).json()) as { mine: Array<{ id: string }> };
    requestIds.push(...listed.mine.map((r) => r.id));
    expect(tab.errors).toEqual([]);
  });

  it('lets the service manager approve one request and refuse another with a reason, each confirmed first', async () => {
    const tab = await open(users.manager);
    const { page } = tab;
    await page.locator('#to-decide-table').waitFor();
    const toDecide = await rows(page, 'to-decide-table');
    expect(toDecide.map((r) => r[0]).sort()).toEqual(['Négociation 2027Préparer la négociation de la convention collective', 'Projet CommunicationPréparer la négociation de la convention collective']);
    expect(toDecide[0]![1]).toBe('Geneviève Tremblay');
    expect(toDecide[0]![3]).toBe('Luc Bouchard');
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'collaboration-to-decide-fr');

    await page.getByRole('button', { name: 'Approuver la demande « Négociation 2027 »' }).click();
    const approve = page.getByRole('alertdialog');
    await approve.waitFor();
    expect(await approve.textContent()).toContain('L’espace de projet « Négociation 2027 » demandé par Geneviève Tremblay sera créé dans Teams');
    // Once the dialog's fade-in is over (axe would measure its colours half-way).
    await page.waitForTimeout(600);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'collaboration-approve-dialog-fr');
    await approve.getByRole('button', { name: 'Approuver et créer l’espace' }).click();
    await expect.poll(() => page.locator('#requests-notice').textContent(), { timeout: 15_000 }).toBe('Demande « Négociation 2027 » approuvée : l’espace est en création.');

    await page.getByRole('button', { name: 'Refuser la demande « Projet Communication »' }).click();
    const refuse = page.getByRole('alertdialog');
    await refuse.waitFor();
    await refuse.getByRole('button', { name: 'Refuser la demande' }).click();
    expect(await refuse.textContent()).toContain('Le motif est obligatoire pour refuser');
    await refuse.locator('#refuse-reason').fill('Le canal Communication du service suffit');
    await shot(page, 'collaboration-refuse-dialog-fr');
    await refuse.getByRole('button', { name: 'Refuser la demande' }).click();
    await expect.poll(() => page.locator('#requests-notice').textContent(), { timeout: 15_000 }).toBe('Demande « Projet Communication » refusée : la personne en est avisée.');
    await expect.poll(() => page.locator('#to-decide-table').count()).toBe(0);
    await shot(page, 'collaboration-decided-fr');
    await tab.close();
    expect(tab.errors).toEqual([]);

    // The requester sees both outcomes in words, with who decided and the reason.
    const back = await open(users.requester);
    await expect.poll(async () => (await rows(back.page, 'my-requests-table')).map((r) => r[2]).sort().join(' | ')).toMatch(/^Approuvée, espace en création.*Marc-André Gagnon.* \| Refusée.*Marc-André Gagnon.*Motif : Le canal Communication du service suffit$/);
    await back.close();
  });

  it.each<ThemeName>(['light', 'dark', 'contrast'])('has no serious accessibility violations on the form and the requests (%s theme)', async (theme) => {
    const tab = await open(users.requester, theme);
    const { page } = tab;
    expect(await page.locator('[data-theme]').getAttribute('data-theme')).toBe(theme);
    await page.locator('#my-requests-table').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `collaboration-requests-${theme}`);
    await tab.close();
  });

  it('opens the request a notification links to, and says so when it is not one the person may see', async () => {
    // Signed in first: the local sign-in comes back to the page without its query, as Teams never does.
    const tab = await openTab(browser, pageUrl());
    await signIn(tab.page, users.requester.name);
    await tab.page.goto(`${pageUrl()}?request=${requestIds[0]}`);
    await expect.poll(() => tab.page.locator('#request-opened-title').textContent(), { timeout: 15_000 }).toMatch(/^Demande : /);
    await tab.close();
    const other = await openTab(browser, pageUrl());
    await signIn(other.page, users.member.name);
    await other.page.goto(`${pageUrl()}?request=00000000-0000-4000-8000-000000000000`);
    await expect.poll(() => other.page.locator('#request-not-found').textContent(), { timeout: 15_000 }).toContain('introuvable');
    await other.close();
  });
});
