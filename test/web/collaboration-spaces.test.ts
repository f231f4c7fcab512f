import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
import { startTokenIssuer, type LocalUser, type TokenIssuer } from '../../dev/token-issuer';
import { CosmosSpaceStore } from '../../shared/collaboration/adapters/cosmos-collaboration';
import { CosmosPeople } from '../../shared/people/adapters/cosmos-people';
import type { PersonRecord } from '../../shared/people/ports';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { startHostStack, type HostStack } from '../collaboration/host-stack';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { openTab, screenshot, seriousViolations, signIn, type TabPage, type ThemeName } from '../support/web-browser';

/**
 * The "Espaces" page's spaces, administration and templates tabs (web/src/pages/collaboration; the
 * requests tab has its own test, collaboration-page.test.ts) in headless Chromium, served by the real function
 * app (durable orchestrations included) on the emulators, against the Microsoft 365 sandbox's
 * tenant: IT lists every space, starts a verification and follows it, reads a space's changes in
 * words and applies the template to one service; a member of that service sees the space in sync
 * with its folder tree; someone in no space is told so. The blast-radius guard (a blocked space,
 * removals approved with a separate confirmation) and a run in progress are shown over answers
 * the test gives in place of the API's. French first, then English; axe in light, dark and high
 * contrast; no id on screen.
 */

const IT: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000c7', name: 'Isabelle Gauthier', roles: ['Staff', 'ITAdmin'], preferredUsername: 'igauthier@spgq.local' };
const NOBODY: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000c8', name: 'Paul Nadeau', roles: ['Staff'], preferredUsername: 'pnadeau@spgq.local' };
/** The issuer's sign-in list: the service member is added once the sandbox's tenant is known. */
const users: LocalUser[] = [IT, NOBODY];
/** A member of Relations du travail in the sandbox's tenant (a person of the roster). */
let MEMBER: LocalUser;

let issuer: TokenIssuer;
let stack: HostStack;
let host: AppHost;
let browser: Browser;

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const RT = 'RT – Relations du travail';

const hostEnv = () => ({
  ...stack.env,
  ARCHIVE_RUN_ON_STARTUP: 'false',
  PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *',
  TRAINING_CYCLES_SCHEDULE: '0 0 0 1 1 *',
  TRAINING_REMINDER_SCHEDULE: '0 0 0 1 1 *',
  COLLABORATION_DRIFT_SCHEDULE: '0 0 0 1 1 *',
});

/** A person as the people capability keeps them: the page's changes name people from these records. */
function person(id: string, displayName: string): PersonRecord {
  return {
    id,
    facts: { displayName, service: null, jobCategory: null, managerId: null, preferredLanguage: 'fr-CA', accountEnabled: true, userType: 'Member', employeeType: 'Employee', hireDate: '2020-01-06', leaveDateTime: null, leaveValue: null, deleted: false },
    memberships: { inScope: true, inLeaveGroup: false },
    state: { status: 'active', leftReason: null, serviceCode: null, jobCategoryCode: null, managerId: null, language: 'fr-CA', employeeType: 'Employee', hireDate: '2020-01-06', leaveDate: null },
    version: 1,
    catalogueVersion: '2026.1',
    outbox: [],
    updatedAt: '2026-12-01T12:00:00Z',
  };
}

beforeAll(async () => {
  issuer = await startTokenIssuer({ users });
  stack = await startHostStack(issuer);
  const staff = stack.sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled);
  const rt = staff.find((u) => u.department === 'Relations du travail' && u.jobCategory !== 'DIRECTION')!;
  MEMBER = { oid: rt.id, name: rt.displayName, roles: ['Staff'], preferredUsername: rt.userPrincipalName };
  users.push(MEMBER);
  const people = new CosmosPeople(cosmosDatabase());
  for (const u of staff) await people.save(person(u.id, u.displayName));
  host = await startAppHost(issuer, hostEnv());
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await stack?.stop();
  await issuer?.stop();
});

const pageUrl = () => `${host.baseUrl}/api/web/collaboration.html`;
const rows = (page: Page, table: string) => page.locator(`#${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
const row = async (page: Page, table: string, first: string) => (await rows(page, table)).find((r) => r[0]!.startsWith(first));

async function open(user: LocalUser, theme: ThemeName = 'light'): Promise<TabPage> {
  const tab = await openTab(browser, pageUrl(), { theme });
  await signIn(tab.page, user.name);
  await tab.page.locator('#collaboration-title').waitFor({ timeout: 15_000 });
  await tab.page.getByRole('tab', { name: 'Mes espaces' }).click();
  await expect.poll(() => tab.page.locator('#collaboration-mine-status').textContent(), { timeout: 30_000 }).toMatch(/espace\(s\)\.|Vous n’êtes membre/);
  return tab;
}

async function openAdmin(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Administration des espaces' }).click();
  await expect.poll(() => page.locator('#collaboration-admin-status').textContent(), { timeout: 30_000 }).toMatch(/espace\(s\)/);
}

/** A screenshot once Fluent's transitions (the tab indicator's slide, dialogs) have settled. */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await screenshot(page, name);
}

/** Nothing on screen is an id: no GUID, no person's object id, no raw status or operation code. */
async function noIds(page: Page, language: 'fr-CA' | 'en' = 'fr-CA'): Promise<void> {
  const text = `${(await page.locator('main').textContent()) ?? ''} ${(await page.locator('[role="dialog"], [role="alertdialog"]').allTextContents()).join(' ')}`;
  expect(text).not.toMatch(GUID);
  const codes = ['service-rt', 'in-sync', 'awaiting-approval', 'create-team', 'add-member', 'remove-member', 'create-folder', 'place-document', 'set-retention-label', 'unknown-content', 'dropped-node', ...(language === 'fr-CA' ? ['new', 'drift', 'blocked', 'failed', 'Running', 'Completed'] : [])];
  for (const code of codes) expect(text).not.toMatch(new RegExp(`(^|[^\\w-])${code}($|[^\\w-])`));
}

/** IT's call to the API, as the page makes it. */
async function call(method: string, route: string, body?: unknown): Promise<{ status: number; json: { status?: string; lastVerifiedAt?: string } | null }> {
  const token = await issuer.mintUserToken(IT);
  const res = await fetch(`${host.baseUrl}/api/collaboration/${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-language': 'fr-CA' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as { status?: string; lastVerifiedAt?: string } | null };
}

const longDate = (iso: string, language: string) => new Intl.DateTimeFormat(language, { dateStyle: 'long' }).format(new Date(iso));

describe('collaboration page', () => {
  it('lists every space for IT, follows a verification run and shows a space’s changes in words, then applies the template to one service', async () => {
    const tab = await open(IT);
    const { page } = tab;
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).toContain('Espaces');
    expect(await page.title()).toBe('Espaces');
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Demandes d’espace', 'Mes espaces', 'Administration des espaces', 'Modèles de documents']);
    await openAdmin(page);
    expect(await page.locator('#collaboration-admin-table thead th').allTextContents()).toEqual(['Espace', 'État', 'Changements', 'À approuver', 'Constats', 'Dernière vérification', 'Version du gabarit', 'Actions']);
    const before = await rows(page, 'collaboration-admin-table');
    expect(before).toHaveLength(6);
    expect(before.map((r) => r[0])).toContain(`${RT}Espace de service`);
    expect((await row(page, 'collaboration-admin-table', RT))?.slice(1, 2)).toEqual(['Pas encore créé']);
    await noIds(page);
    await shot(page, 'collaboration-admin-fr');

    // Verify all (a preview: nothing written): the run is followed to its end, then the table shows what it found.
    await page.getByRole('button', { name: 'Vérifier tout (aperçu)' }).click();
    await expect.poll(() => page.locator('#collaboration-run-notice').textContent(), { timeout: 10_000 }).toMatch(/^Passe lancée : vérification \(aperçu\)\.|^Fin de la passe/);
    await expect.poll(() => page.locator('#collaboration-run-notice').textContent(), { timeout: 180_000, interval: 1000 }).toMatch(/^Fin de la passe \(Terminée\) : \d+ conforme\(s\), \d+ bloqué\(s\), 0 en échec\.$/);
    expect(await page.locator('#collaboration-run-progress').textContent()).toBe('6 espace(s) traité(s) sur 6');
    expect(await page.locator('#collaboration-run-state [role="progressbar"]').getAttribute('aria-valuenow')).toBe('6');
    await expect.poll(async () => Number((await row(page, 'collaboration-admin-table', RT))?.[2] ?? '0'), { timeout: 15_000 }).toBeGreaterThan(0);
    const verified = (await row(page, 'collaboration-admin-table', RT))!;
    expect(verified[5]).not.toBe('Jamais vérifié');
    await noIds(page);
    await shot(page, 'collaboration-admin-verified-fr');

    // The space's changes, in words: the team to create, its members by name, its folders by their French names.
    await page.getByRole('button', { name: `Détails : ${RT}` }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.locator('#space-detail-status').textContent(), { timeout: 15_000 }).toBe('Détails chargés.');
    const detail = (await dialog.textContent()) ?? '';
    expect(detail).toContain(`Créer l’équipe « ${RT} »`);
    expect(detail).toMatch(new RegExp(`Ajouter ${MEMBER.name} comme (membre|propriétaire)`));
    expect(detail).toMatch(/Changements \(\d+\)/);
    expect(detail).toMatch(/Constats \(\d+\), jamais modifiés/);
    await noIds(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'collaboration-detail-fr');
    await dialog.getByRole('button', { name: 'Fermer' }).click();
    await page.locator('#language-switch').click();

    // English: the same table and the same changes in English.
    await expect.poll(() => page.locator('#collaboration-title').textContent()).toBe('Collaboration spaces');
    expect(await page.locator('#collaboration-admin-table thead th').allTextContents()).toEqual(['Space', 'Status', 'Changes', 'To approve', 'Findings', 'Last verified', 'Template version', 'Actions']);
    await page.getByRole('button', { name: `Details: ${RT}` }).click();
    await expect.poll(() => page.getByRole('dialog').textContent(), { timeout: 15_000 }).toContain(`Create the team “${RT}”`);
    expect(await page.getByRole('dialog').textContent()).toMatch(new RegExp(`Add ${MEMBER.name} as an? (member|owner)`));
    await noIds(page, 'en');
    await shot(page, 'collaboration-detail-en');

    // Apply to this one space, confirmed; the run is followed until the space is in sync.
    await page.getByRole('dialog').getByRole('button', { name: 'Apply to this space' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain(`Apply the template to “${RT}”?`);
    expect(await confirm.textContent()).toContain('Nothing is ever deleted.');
    await confirm.getByRole('button', { name: 'Apply to this space' }).click();
    await expect.poll(() => page.locator('#space-detail-notice').textContent(), { timeout: 10_000 }).toBe('Application started for this space. Its progress shows in the tab.');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.locator('#collaboration-run-notice').textContent(), { timeout: 300_000, interval: 1000 }).toMatch(/^Run ended \(Completed\): 1 in sync, 0 blocked, 0 failed\.$/);
    await expect.poll(async () => (await row(page, 'collaboration-admin-table', RT))?.[1], { timeout: 15_000 }).toBe('In sync with the template');
    await noIds(page, 'en');
    await shot(page, 'collaboration-admin-applied-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 600_000);

  it('shows a member their space in sync, when it was last verified and its folder tree, in French then English', async () => {
    const tab = await open(MEMBER);
    const { page } = tab;
    // Staff: no administration tab.
    expect(await page.getByRole('tab').allInnerTexts()).toEqual(['Demandes d’espace', 'Mes espaces', 'Modèles de documents']);
    expect(await page.locator('#collaboration-mine-status').textContent()).toBe('1 espace(s).');
    const json = (await call('GET', 'spaces/service-rt')).json!;
    expect(json.status).toBe('in-sync');
    const card = page.locator('#space-service-rt');
    expect(await card.locator('h4').textContent()).toBe(RT);
    expect(await card.locator('#space-service-rt-state').textContent()).toBe('Conforme au gabarit');
    expect(await card.locator('#space-service-rt-verified').textContent()).toBe(`Dernière vérification : ${longDate(json.lastVerifiedAt!, 'fr-CA')}`);
    const tree = card.locator('#space-service-rt-tree');
    expect(await tree.getAttribute('aria-label')).toBe(`Arborescence de ${RT}`);
    const tops = await tree.locator(':scope > li > div:first-child').allTextContents();
    expect(tops).toEqual(['100 Administrationcanal', '200 Dossiers des membrescanal', '300 Communicationscanal', '900 Modèlescanal']);
    const text = (await tree.textContent()) ?? '';
    for (const folder of ['110 Budget et finances', '120 Gestion du personnel', '210 Dossiers actifs', '220 Dossiers fermés', '310 Publications', 'Conservation : Finances – 7 ans']) expect(text).toContain(folder);
    expect(text).toContain('Modèles : Lettre à en-tête, Note de service, Budget de projet, Présentation et Courriel de convocation');
    await noIds(page);
    await shot(page, 'collaboration-mine-fr');

    await page.locator('#language-switch').click();
    await expect.poll(() => card.locator('#space-service-rt-state').textContent()).toBe('In sync with the template');
    expect(await card.locator('#space-service-rt-verified').textContent()).toBe(`Last verified: ${longDate(json.lastVerifiedAt!, 'en')}`);
    expect(await tree.locator(':scope > li > div:first-child').allTextContents()).toEqual(['100 Administrationchannel', '200 Member fileschannel', '300 Communicationschannel', '900 Templateschannel']);
    expect(await tree.textContent()).toContain('110 Budget and finance');
    expect(await tree.textContent()).toContain('Retention: Finances – 7 ans');
    await noIds(page, 'en');
    await shot(page, 'collaboration-mine-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  it('finds drift made by people (a folder renamed, a member removed, unknown content), says it in words and repairs it by policy', async () => {
    const stored = (await new CosmosSpaceStore(cosmosDatabase()).get('service-rt'))!.record;
    const actifs = stored.nodes['dossiers/actifs']!.itemId;
    const administration = stored.nodes.administration!.itemId;
    await stack.control.renameItem(stored.driveId!, actifs, 'Dossiers en cours');
    await stack.control.createItem(stored.driveId!, administration, 'Vieux dossier', true);
    await stack.control.removeTeamMember(stored.teamId!, MEMBER.oid);

    const tab = await open(IT);
    const { page } = tab;
    await openAdmin(page);
    await page.getByRole('button', { name: 'Vérifier tout (aperçu)' }).click();
    await expect.poll(() => page.locator('#collaboration-run-notice').textContent(), { timeout: 180_000, interval: 1000 }).toMatch(/^Fin de la passe \(Terminée\)/);
    await expect.poll(async () => (await row(page, 'collaboration-admin-table', RT))?.[1], { timeout: 15_000 }).toMatch(/^Changements en attente/);
    await page.getByRole('button', { name: `Détails : ${RT}` }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.locator('#space-detail-status').textContent(), { timeout: 15_000 }).toBe('Détails chargés.');
    const auto = (await dialog.locator('#space-changes-auto li').allTextContents()).map((t) => t.trim());
    expect(auto).toContain('Renommer « Dossiers en cours » en « 210 Dossiers actifs »');
    expect(auto).toContain(`Ajouter ${MEMBER.name} comme membre`);
    expect((await dialog.locator('#space-findings li').allTextContents()).some((f) => /Vieux dossier » : contenu inconnu \(laissé tel quel\)$/.test(f))).toBe(true);
    await noIds(page);
    await shot(page, 'collaboration-detail-drift-fr');
    await dialog.getByRole('button', { name: 'Fermer' }).click();

    // Repair: the automatic changes are made; the unknown folder stays where it is.
    await page.getByRole('button', { name: 'Réparer' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.locator('#collaboration-repair-summary').textContent()).toMatch(/^Dans 6 espace\(s\) : \d+ changement\(s\) automatique\(s\) seront faits ; \d+ changement\(s\) à approuver attendront votre décision ; \d+ autre\(s\) seront seulement signalés\.$/);
    await confirm.getByRole('button', { name: 'Réparer' }).click();
    await expect.poll(() => page.locator('#collaboration-run-notice').textContent(), { timeout: 300_000, interval: 1000 }).toMatch(/^Fin de la passe \(Terminée\)/);
    await page.getByRole('button', { name: `Détails : ${RT}` }).click();
    await expect.poll(() => page.getByRole('dialog').locator('#space-detail-status').textContent(), { timeout: 15_000 }).toBe('Détails chargés.');
    const after = (await page.getByRole('dialog').textContent()) ?? '';
    expect(after).not.toContain('Renommer « Dossiers en cours »');
    expect(after).toMatch(/Vieux dossier » : contenu inconnu \(laissé tel quel\)/);
    await shot(page, 'collaboration-detail-repaired-fr');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 600_000);

  it('lists the document templates by kind with their version', async () => {
    const tab = await open(MEMBER);
    const { page } = tab;
    await page.getByRole('tab', { name: 'Modèles de documents' }).click();
    await expect.poll(() => page.locator('#collaboration-templates-status').textContent(), { timeout: 15_000 }).toBe('5 modèle(s).');
    expect(await page.locator('#collaboration-templates h4').allTextContents()).toEqual(['Documents Word', 'Classeurs Excel', 'Présentations PowerPoint', 'Modèles de courriel']);
    expect(await page.locator('#templates-word li').allTextContents()).toEqual(['Lettre à en-têteVersion 1', 'Note de serviceVersion 1']);
    expect(await page.locator('#templates-email li').allTextContents()).toEqual(['Courriel de convocationVersion 1']);
    await shot(page, 'collaboration-templates-fr');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#collaboration-templates h4').allTextContents()).toEqual(['Word documents', 'Excel workbooks', 'PowerPoint presentations', 'E-mail templates']);
    expect(await page.locator('#templates-word li').allTextContents()).toEqual(['LetterheadVersion 1', 'MemoVersion 1']);
    await shot(page, 'collaboration-templates-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it('tells someone in no space so, plainly', async () => {
    const tab = await open(NOBODY);
    const { page } = tab;
    expect(await page.locator('#collaboration-mine-status').textContent()).toBe('Vous n’êtes membre d’aucun espace');
    expect(await page.locator('#collaboration-mine [role="status"]').allTextContents()).toContain(
      'Vous n’êtes membre d’aucun espaceL’espace de votre service apparaîtra ici dès que vous y serez inscrit(e). Pour un projet, faites une demande d’espace.',
    );
    await shot(page, 'collaboration-mine-none-fr');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it('shows a blocked space’s changes by policy and asks separately before approving removals beyond the guard', async () => {
    const tab = await openTab(browser, pageUrl());
    const { page } = tab;
    const approvals: unknown[] = [];
    await mockBlockedSpace(page, approvals);
    await signIn(page, IT.name);
    await page.locator('#collaboration-title').waitFor({ timeout: 15_000 });
    await openAdmin(page);
    const blocked = await row(page, 'collaboration-admin-table', RT);
    expect(blocked?.slice(1, 5)).toEqual(['Bloqué : retraits à approuver6 retrait(s) d’accès prévu(s) ; 3 au plus permis sans approbation.', '12', '2', '3']);

    await page.getByRole('button', { name: `Détails : ${RT}` }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.locator('#space-detail-blocked').textContent(), { timeout: 10_000 }).toBe(
      'Cet espace est bloqué : 6 retrait(s) d’accès prévu(s), alors que 3 au plus sont permis sans approbation. Cochez les retraits que vous approuvez.',
    );
    expect(await dialog.locator('#space-changes-ask legend').textContent()).toBe('À approuver (2)');
    expect(await dialog.locator('#space-changes-auto legend').textContent()).toBe('Faits automatiquement (8)');
    expect(await dialog.locator('#space-changes-ignore legend').textContent()).toBe('Signalés seulement (2)');
    const auto = (await dialog.locator('#space-changes-auto li').allTextContents()).map((t) => t.trim());
    expect(auto).toEqual([
      'Ajouter Marie Tremblay comme membre',
      'Ajouter Luc Bouchard comme propriétaire',
      'Renommer « Dossiers en cours » en « 210 Dossiers actifs »',
      'Retirer Jean Roy de l’équipeRetrait d’accès',
      'Retirer personne inconnue de l’équipeRetrait d’accès',
      'Retirer Hélène Picard de l’équipeRetrait d’accès',
      'Retirer l’accès de Pierre Dubé à « 100 Administration »Retrait d’accès',
      'Placer le modèle « Budget de projet.xltx » (version 2) dans « 900 Modèles »',
    ]);
    expect((await dialog.locator('#space-changes-ask li').allTextContents()).map((t) => t.trim())).toEqual([
      'Donner à Sophie Lavoie l’accès en modification à « 120 Gestion du personnel »',
      'Retirer l’accès du groupe « Tout le personnel » à « 120 Gestion du personnel »Retrait d’accès',
    ]);
    expect((await dialog.locator('#space-changes-ignore li').allTextContents()).map((t) => t.trim())).toEqual([
      'Appliquer l’étiquette de conservation « Dossiers – 10 ans » à « 220 Dossiers fermés »',
      'Remplacer le modèle « Lettre à en-tête.dotx » par la version 2 dans « 900 Modèles »',
    ]);
    expect(await dialog.locator('#space-findings li').allTextContents()).toEqual([
      '« Documents partagés/100 Administration/Vieux dossier » : contenu inconnu (laissé tel quel)',
      '« Documents partagés/400 Archives » : nœud retiré du gabarit (jamais supprimé)',
      'Aucun propriétaire : l’espace n’a aucun gestionnaire pour le piloter.',
    ]);
    // Only what waits for IT and the removals the guard held back can be ticked.
    expect(await dialog.getByRole('checkbox').count()).toBe(6);
    await noIds(page);

    // Nothing ticked: said, nothing sent.
    await dialog.getByRole('button', { name: 'Approuver la sélection (0)' }).click();
    expect(await dialog.locator('#space-approve-missing').textContent()).toBe('Cochez au moins un changement à approuver.');
    // Four removals ticked, one more than the guard allows: a separate confirmation says so.
    for (const name of ['Retirer Jean Roy de l’équipe', 'Retirer personne inconnue de l’équipe', 'Retirer Hélène Picard de l’équipe', 'Retirer l’accès de Pierre Dubé à « 100 Administration »']) await dialog.getByRole('checkbox', { name: new RegExp(`^${name}`) }).check();
    await dialog.getByRole('checkbox', { name: /^Donner à Sophie Lavoie/ }).check();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'collaboration-detail-blocked-fr');
    await dialog.getByRole('button', { name: 'Approuver la sélection (5)' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('Approuver des retraits d’accès au-delà du seuil?');
    expect(await confirm.textContent()).toContain(`Vous approuvez 4 retrait(s) d’accès dans « ${RT} », au-delà du seuil de sécurité (3 permis sans approbation).`);
    // The dialog's fade-in over: axe reads the colours as shown.
    await page.waitForTimeout(400);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'collaboration-removals-confirm-fr');
    await confirm.getByRole('button', { name: 'Approuver les 4 retrait(s)' }).click();
    await expect.poll(() => dialog.locator('#space-detail-notice').textContent(), { timeout: 10_000 }).toBe('5 changement(s) approuvé(s) : ils sont en cours.');
    expect(approvals).toEqual([{ operationIds: ['op-remove-jean-roy-0000', 'op-remove-unknown-0000', 'op-remove-helene-00000', 'op-revoke-pierre-00000', 'op-grant-sophie-000000'], approveRemovals: true }]);

    // English: the same changes in English.
    await dialog.getByRole('button', { name: 'Fermer' }).click();
    await page.locator('#language-switch').click();
    await page.getByRole('button', { name: `Details: ${RT}` }).click();
    await expect.poll(() => page.getByRole('dialog').locator('#space-changes-auto li').allTextContents(), { timeout: 10_000 }).toContain('Rename “Dossiers en cours” to “210 Dossiers actifs”');
    const en = (await page.getByRole('dialog').textContent()) ?? '';
    expect(en).toContain('Add Marie Tremblay as a member');
    expect(en).toContain('Remove unknown person from the team');
    expect(en).toContain('Give Sophie Lavoie edit access to “120 Staff management”');
    expect(en).toContain('“Documents partagés/400 Archives”: node dropped from the template (never deleted)');
    await noIds(page, 'en');
    await shot(page, 'collaboration-detail-blocked-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  it('follows a run in progress with a progress bar, buttons held until it ends, and confirms before applying', async () => {
    const tab = await openTab(browser, pageUrl());
    const { page } = tab;
    let state: 'running' | 'done' = 'running';
    await mockBlockedSpace(page, []);
    await page.route('**/api/collaboration/run', (route) =>
      route.request().method() === 'GET'
        ? route.fulfill({ contentType: 'application/json', body: JSON.stringify({ run: state === 'running' ? RUN_RUNNING : RUN_DONE }) })
        : route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify({ instanceId: 'collaboration-apply' }) }),
    );
    await signIn(page, IT.name);
    await page.locator('#collaboration-title').waitFor({ timeout: 15_000 });
    await openAdmin(page);
    await expect.poll(() => page.locator('#collaboration-run-progress').textContent(), { timeout: 10_000 }).toBe('2 espace(s) traité(s) sur 6');
    expect(await page.locator('#collaboration-run-title').textContent()).toBe('Passe en cours');
    const bar = page.locator('#collaboration-run-state [role="progressbar"]');
    expect([await bar.getAttribute('aria-valuenow'), await bar.getAttribute('aria-valuemax'), await bar.getAttribute('aria-label')]).toEqual(['2', '6', '2 espace(s) traité(s) sur 6']);
    expect(await page.locator('#collaboration-run-state').textContent()).toContain(`En cours de traitement : ${RT} et DG – Direction générale`);
    expect(await page.getByRole('button', { name: 'Appliquer le gabarit' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Vérifier tout (aperçu)' }).isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'collaboration-run-progress-fr');

    state = 'done';
    await expect.poll(() => page.locator('#collaboration-run-notice').textContent(), { timeout: 10_000 }).toBe('Fin de la passe (Terminée) : 4 conforme(s), 1 bloqué(s), 1 en échec.');
    expect(await page.getByRole('button', { name: 'Appliquer le gabarit' }).isDisabled()).toBe(false);

    // Apply: the confirmation states how many spaces and changes.
    await page.getByRole('button', { name: 'Appliquer le gabarit' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.locator('#collaboration-apply-summary').textContent()).toBe('Le gabarit sera appliqué à 2 espace(s) : 12 changement(s) connu(s) à la dernière vérification.');
    expect(await confirm.textContent()).toContain('1 espace(s) jamais créé(s) le seront en entier.');
    await shot(page, 'collaboration-apply-confirm-fr');
    await confirm.getByRole('button', { name: 'Annuler' }).click();
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it('shows the API’s own message when a read fails, in the language in use', async () => {
    const tab = await openTab(browser, pageUrl());
    const { page } = tab;
    const failure = { error: { code: 'unavailable', message: 'Les espaces sont momentanément indisponibles.', messages: { 'fr-CA': 'Les espaces sont momentanément indisponibles.', en: 'Spaces are unavailable for now.' } } };
    await page.route('**/api/collaboration/spaces', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify(failure) }));
    await signIn(page, MEMBER.name);
    await page.getByRole('tab', { name: 'Mes espaces' }).click();
    await expect.poll(() => page.locator('#collaboration-mine [role="alert"]').textContent(), { timeout: 15_000 }).toContain('Les espaces sont momentanément indisponibles.');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#collaboration-mine [role="alert"]').textContent()).toContain('Spaces are unavailable for now.');
    await shot(page, 'collaboration-error-en');
    await tab.close();
  }, 60_000);

  it.each<ThemeName>(['light', 'dark', 'contrast'])('shows a blocked space and its changes legibly (%s theme)', async (theme) => {
    const tab = await openTab(browser, pageUrl(), { theme });
    const { page } = tab;
    await mockBlockedSpace(page, []);
    await signIn(page, IT.name);
    await page.locator('#collaboration-title').waitFor({ timeout: 15_000 });
    await openAdmin(page);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `collaboration-admin-blocked-${theme}`);
    await page.getByRole('button', { name: `Détails : ${RT}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#space-detail-blocked').waitFor({ timeout: 10_000 });
    await dialog.getByRole('checkbox').first().check();
    await page.waitForTimeout(400);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `collaboration-detail-blocked-${theme}`);
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it.each<ThemeName>(['light', 'dark', 'contrast'])('has no serious accessibility violations on its views (%s theme)', async (theme) => {
    const member = await open(MEMBER, theme);
    expect(await member.page.locator('[data-theme]').getAttribute('data-theme')).toBe(theme);
    expect(await seriousViolations(member.page)).toEqual([]);
    await shot(member.page, `collaboration-mine-${theme}`);
    await member.page.getByRole('tab', { name: 'Modèles de documents' }).click();
    await member.page.locator('#templates-word').waitFor({ timeout: 10_000 });
    expect(await seriousViolations(member.page)).toEqual([]);
    await shot(member.page, `collaboration-templates-${theme}`);
    expect(member.errors).toEqual([]);
    await member.close();

    const admin = await open(IT, theme);
    const { page } = admin;
    await openAdmin(page);
    await page.locator('#collaboration-admin-table').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `collaboration-admin-${theme}`);
    await page.getByRole('button', { name: `Détails : ${RT}` }).click();
    await expect.poll(() => page.getByRole('dialog').locator('#space-detail-status').textContent(), { timeout: 15_000 }).toBe('Détails chargés.');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, `collaboration-detail-${theme}`);
    expect(admin.errors).toEqual([]);
    await admin.close();
  }, 120_000);
});

// ---- Answers the test gives in place of the API's: a space the blast-radius guard stopped, a run in progress.

const NODES = [
  { key: 'administration', names: { 'fr-CA': 'Administration', en: 'Administration' }, code: '100', channel: true, retentionLabel: 'Administration – 7 ans', repair: 'auto', documents: [] },
  { key: 'administration/personnel', names: { 'fr-CA': 'Gestion du personnel', en: 'Staff management' }, code: '120', channel: false, retentionLabel: 'Personnel – 7 ans après départ', repair: 'ask', documents: [] },
  { key: 'dossiers', names: { 'fr-CA': 'Dossiers des membres', en: 'Member files' }, code: '200', channel: true, retentionLabel: 'Dossiers – 10 ans', repair: 'auto', documents: [] },
  { key: 'dossiers/actifs', names: { 'fr-CA': 'Dossiers actifs', en: 'Active files' }, code: '210', channel: false, retentionLabel: 'Dossiers – 10 ans', repair: 'auto', documents: [] },
  { key: 'dossiers/fermes', names: { 'fr-CA': 'Dossiers fermés', en: 'Closed files' }, code: '220', channel: false, retentionLabel: 'Dossiers – 10 ans', repair: 'ignore', documents: [] },
  { key: 'modeles', names: { 'fr-CA': 'Modèles', en: 'Templates' }, code: '900', channel: true, retentionLabel: null, repair: 'auto', documents: ['lettre', 'budget'] },
];

const uid = (n: number) => `5a1e${String(n).padStart(4, '0')}-0000-4000-8000-00000000abcd`;
const OPERATIONS = [
  { id: 'op-add-marie-000000000', kind: 'add-member', repair: 'auto', spaceKey: 'service-rt', userId: uid(1), owner: false, userName: 'Marie Tremblay' },
  { id: 'op-add-luc-00000000000', kind: 'add-member', repair: 'auto', spaceKey: 'service-rt', userId: uid(2), owner: true, userName: 'Luc Bouchard' },
  { id: 'op-rename-actifs-00000', kind: 'rename', repair: 'auto', spaceKey: 'service-rt', nodeKey: 'dossiers/actifs', itemId: 'item-1', from: 'Dossiers en cours', to: '210 Dossiers actifs', channel: false },
  { id: 'op-remove-jean-roy-0000', kind: 'remove-member', repair: 'auto', spaceKey: 'service-rt', userId: uid(3), membershipId: 'm-3', userName: 'Jean Roy' },
  { id: 'op-remove-unknown-0000', kind: 'remove-member', repair: 'auto', spaceKey: 'service-rt', userId: uid(4), membershipId: 'm-4', userName: null },
  { id: 'op-remove-helene-00000', kind: 'remove-member', repair: 'auto', spaceKey: 'service-rt', userId: uid(5), membershipId: 'm-5', userName: 'Hélène Picard' },
  { id: 'op-revoke-pierre-00000', kind: 'revoke', repair: 'auto', spaceKey: 'service-rt', nodeKey: 'administration', permissionId: 'p-1', principal: { kind: 'user', id: uid(6) }, roles: ['write'], principalName: 'Pierre Dubé' },
  { id: 'op-place-budget-000000', kind: 'place-document', repair: 'auto', spaceKey: 'service-rt', nodeKey: 'modeles', documentKey: 'budget', fileName: 'Budget de projet.xltx', version: '2', sha256: 'x', replaces: null },
  { id: 'op-grant-sophie-000000', kind: 'grant', repair: 'ask', spaceKey: 'service-rt', nodeKey: 'administration/personnel', principal: { kind: 'user', id: uid(7) }, role: 'write', principalName: 'Sophie Lavoie' },
  { id: 'op-revoke-everyone-000', kind: 'revoke', repair: 'ask', spaceKey: 'service-rt', nodeKey: 'administration/personnel', permissionId: 'p-2', principal: { kind: 'group', id: uid(8) }, roles: ['read'], principalName: 'Tout le personnel' },
  { id: 'op-label-fermes-000000', kind: 'set-retention-label', repair: 'ignore', spaceKey: 'service-rt', nodeKey: 'dossiers/fermes', label: 'Dossiers – 10 ans', from: null },
  { id: 'op-replace-lettre-0000', kind: 'place-document', repair: 'ignore', spaceKey: 'service-rt', nodeKey: 'modeles', documentKey: 'lettre', fileName: 'Lettre à en-tête.dotx', version: '2', sha256: 'y', replaces: 'item-9' },
];

const BLOCKED = {
  key: 'service-rt', kind: 'service', serviceCode: 'RT', displayName: RT, status: 'blocked', statusReason: 'removals-need-approval:6/3',
  progress: { done: 0, total: 0 }, templateVersion: '2026.1', lastAppliedAt: '2026-12-01T14:00:00Z', lastVerifiedAt: '2026-12-05T07:30:00Z',
  changes: { total: 12, auto: 8, awaitingApproval: 2, ignored: 2 }, findings: 3, member: false,
};
const NEW_DG = {
  key: 'service-dg', kind: 'service', serviceCode: 'DG', displayName: 'DG – Direction générale', status: 'new', statusReason: null, progress: { done: 0, total: 0 },
  templateVersion: null, lastAppliedAt: null, lastVerifiedAt: null, changes: { total: 0, auto: 0, awaitingApproval: 0, ignored: 0 }, findings: 0, member: false,
};
const RUN_RUNNING = { instanceId: 'collaboration-apply', runtimeStatus: 'Running', createdTime: '2026-12-05T22:00:00Z', lastUpdatedTime: '2026-12-05T22:01:00Z', customStatus: { total: 6, done: 2, running: ['service-rt', 'service-dg'], inSync: 2, blocked: 0, failed: 0 } };
const RUN_DONE = { ...RUN_RUNNING, runtimeStatus: 'Completed', lastUpdatedTime: '2026-12-05T22:03:00Z', customStatus: { total: 6, done: 6, running: [], inSync: 4, blocked: 1, failed: 1 } };

async function mockBlockedSpace(page: Page, approvals: unknown[]): Promise<void> {
  const json = (route: Route, body: unknown, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route('**/api/collaboration/spaces', (route) => json(route, { templateVersion: '2026.1', spaces: [BLOCKED, NEW_DG], problems: [] }));
  await page.route('**/api/collaboration/spaces/service-rt', (route) =>
    json(route, {
      ...BLOCKED,
      nodes: NODES,
      operations: OPERATIONS,
      findingsList: [
        { kind: 'unknown-content', spaceKey: 'service-rt', path: 'Documents partagés/100 Administration/Vieux dossier' },
        { kind: 'dropped-node', spaceKey: 'service-rt', nodeKey: 'archives', path: 'Documents partagés/400 Archives' },
        { kind: 'no-owner', spaceKey: 'service-rt' },
      ],
    }),
  );
  await page.route('**/api/collaboration/spaces/service-rt/approve', (route) => {
    approvals.push(route.request().postDataJSON());
    return json(route, { instanceId: 'approved-1' }, 202);
  });
  await page.route('**/api/collaboration/run', (route) => json(route, { run: null }));
}
