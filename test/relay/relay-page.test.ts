import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { openTab, screenshot, seriousViolations, signIn, type TabPage, type ThemeName } from '../support/web-browser';
import { startRelayStack, type RelayStack } from './support';

/**
 * The Teams tab page of the relay in headless Chromium, served by the real app in the local host,
 * talking to the agent through the Service Bus emulator: member and case look-up, archive search
 * and document opening (legacy charsets too), keyboard, languages, themes and accessibility.
 */
let issuer: TokenIssuer;
let stack: RelayStack;
let host: AppHost;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  issuer = await startTokenIssuer();
  stack = await startRelayStack();
  await stack.startAgent();
  host = await startAppHost(issuer, {
    ARCHIVE_RUN_ON_STARTUP: 'false',
    ServiceBusConnection: stack.emulator.connectionString,
    RELAY_SIGNING_KEY: stack.relay.privateKeyPem,
    RELAY_AGENT_PUBLIC_KEYS: stack.relay.agentPublicKeys,
    RELAY_DOCUMENTS_CONTAINER: stack.documentsContainer,
    RELAY_SIGNING_KEY_ID: stack.relay.kid,
    RELAY_HEARTBEAT_CONTAINER: stack.heartbeatContainer,
  });
  baseUrl = host.baseUrl;
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await stack?.stop();
  await issuer?.stop();
});

async function signedIn(userIndex: number, options: { locale?: string; theme?: ThemeName; language?: 'fr-CA' | 'en' } = {}): Promise<TabPage> {
  const tab = await openTab(browser, `${baseUrl}/api/web/relay.html`, options);
  if (options.language === 'en') await tab.page.locator('#language-switch').click();
  await signIn(tab.page, DEMO_USERS[userIndex]!.name, options.language);
  await tab.page.locator('#member-form').waitFor({ timeout: 15_000 });
  return tab;
}

const memberWithOpenCases = () => stack.relay.mission.members.find((m) => stack.relay.mission.cases.some((c) => c.memberNumber === m.memberNumber && c.status !== 'closed'))!;

describe('relay page', () => {
  it('finds a member, lists their open cases and shows a case history, keyboard only', async () => {
    const tab = await signedIn(0);
    const { page } = tab;
    const member = memberWithOpenCases();
    await page.getByLabel('Numéro de membre (ex. M00042)').fill(member.memberNumber.toLowerCase());
    await page.keyboard.press('Enter');
    const casesButton = page.getByRole('button', { name: `Dossiers ouverts de ${member.firstName} ${member.lastName}` });
    await casesButton.focus();
    await page.keyboard.press('Enter');
    const open = stack.relay.mission.cases.filter((c) => c.memberNumber === member.memberNumber && c.status !== 'closed');
    // The cases' heading takes focus; kinds and statuses in words.
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.textContent'), { timeout: 15_000 }).toBe(`Dossiers ouverts de ${member.firstName} ${member.lastName}`);
    const kinds: Record<string, string> = { grievance: 'Grief', accommodation: 'Accommodement', complaint: 'Plainte' };
    expect(await page.locator('#cases-results').textContent()).toContain(kinds[open[0]!.kind]);
    const first = page.getByRole('button', { name: open[0]!.caseNumber });
    await first.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#case-detail h4').textContent(), { timeout: 15_000 }).toBe(`Dossier ${open[0]!.caseNumber}`);
    const history = stack.relay.mission.events.filter((e) => e.caseNumber === open[0]!.caseNumber);
    expect(await page.locator('#case-detail li').count()).toBe(history.length);
    // Dates in words, never raw ISO.
    expect(await page.locator('#case-detail').textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    await screenshot(page, 'relay-case-light-fr');
    // Switching language relabels what is shown without asking the agent again.
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#case-detail h4').textContent()).toBe(`Case ${open[0]!.caseNumber}`);
    expect(await page.locator('#cases-results').textContent()).toContain(({ grievance: 'Grievance', accommodation: 'Accommodation', complaint: 'Complaint' } as Record<string, string>)[open[0]!.kind]);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('says what is wrong with a member number or a classification code, in the person’s language', async () => {
    const tab = await signedIn(0);
    const { page } = tab;
    await page.getByLabel('Numéro de membre (ex. M00042)').fill('42');
    await page.getByRole('button', { name: 'Chercher', exact: true }).click();
    await expect.poll(() => page.locator('#member-form').textContent()).toContain('Un numéro de membre s’écrit M suivi de cinq chiffres');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#member-form').textContent()).toContain('A member number is M followed by five digits');
    await page.getByRole('button', { name: 'Search', exact: true }).last().click();
    await expect.poll(() => page.locator('#docs-form').textContent()).toContain('Give at least one criterion.');
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('shows the server’s refusal in the person’s language, and in the other after a switch', async () => {
    const tab = await signedIn(0);
    const { page } = tab;
    // The page checks a member number before sending it; here the request is changed on its way,
    // so the real endpoint refuses it (400) as it would refuse a client that did not check.
    await page.route('**/api/relay/lookupMember', (route) => route.continue({ postData: JSON.stringify({ memberNumber: 'pas-un-numéro' }) }));
    await page.getByLabel('Numéro de membre (ex. M00042)').fill('M00042');
    await page.getByRole('button', { name: 'Chercher', exact: true }).click();
    const refusal = page.getByText(/^(La requête|The request)/);
    await expect.poll(() => refusal.textContent(), { timeout: 15_000 }).toMatch(/^La requête/);
    const french = await refusal.textContent();
    await page.locator('#language-switch').click();
    await expect.poll(() => refusal.textContent()).toMatch(/^The request/);
    expect(await refusal.textContent()).not.toBe(french);
    await tab.close();
  });

  it('searches the legacy archive in English and opens a document in a new tab', async () => {
    const tab = await signedIn(2, { language: 'en' });
    const { page } = tab;
    await page.getByLabel('Classification code (e.g. GRF-01)').fill('cnv-02');
    await page.getByRole('button', { name: 'Search', exact: true }).last().click();
    await expect.poll(() => page.locator('#docs-status').textContent(), { timeout: 15_000 }).toMatch(/document\(s\) shown of \d+/);
    const rows = page.locator('#docs-results tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    const [opened] = await Promise.all([page.context().waitForEvent('page'), rows.first().getByRole('button').click()]);
    await expect.poll(() => opened.url(), { timeout: 15_000 }).toMatch(/^blob:|^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/relay-documents-[a-z0-9]+\//);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('shows a legacy text document written in windows-1252 with its accents', async () => {
    const doc = stack.relay.archive.find((d) => d.mediaType === 'text/plain' && !d.restricted)!;
    const text = `${doc.title}\nÉvaluation du grief – décision rendue à Québec, ½ journée, « entente » conclue.\n`;
    // As old systems wrote it: one byte per character, no charset anywhere.
    writeFileSync(path.join(stack.relay.archiveRoot, doc.file), Buffer.from(text.replace('–', '-'), 'latin1'));
    const tab = await signedIn(0);
    const { page } = tab;
    await page.getByLabel('Mots du titre').fill(doc.title.split(' ').slice(0, 2).join(' '));
    await page.getByLabel('Code de classification (ex. GRF-01)').fill(doc.classification);
    await page.getByRole('button', { name: 'Rechercher', exact: true }).click();
    const button = page.getByRole('button', { name: `Ouvrir : ${doc.title}` }).first();
    await button.waitFor({ timeout: 15_000 });
    const [opened] = await Promise.all([page.context().waitForEvent('page'), button.click()]);
    await expect.poll(() => opened.url(), { timeout: 15_000 }).toMatch(/^blob:/);
    await expect.poll(() => opened.locator('body').textContent()).toContain('Évaluation du grief - décision rendue à Québec, ½ journée, « entente » conclue.');
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('shows restricted documents to records managers only', async () => {
    const restricted = stack.relay.archive.find((d) => d.restricted)!;
    const search = async (tab: TabPage) => {
      const { page } = tab;
      await page.getByLabel('Mots du titre').fill(restricted.title.split(' – ')[0]!);
      await page.getByLabel('Code de classification (ex. GRF-01)').fill(restricted.classification);
      await page.getByRole('button', { name: 'Rechercher', exact: true }).click();
      await expect.poll(() => page.locator('#docs-status').textContent(), { timeout: 15_000 }).toMatch(/affiché/);
      return (await page.locator('#docs-results').textContent()) ?? '';
    };
    const staff = await signedIn(0);
    expect(await search(staff)).not.toContain(restricted.title);
    await staff.close();
    const records = await signedIn(2);
    expect(await search(records)).toContain(`${restricted.title} (accès restreint)`);
    await records.close();
  });

  it.each<ThemeName>(['light', 'dark', 'contrast'])('has no serious accessibility violations with results shown (%s theme)', async (theme) => {
    const tab = await signedIn(0, { theme });
    const { page } = tab;
    await page.getByLabel('ou nom').fill(stack.relay.mission.members[0]!.lastName);
    await page.getByRole('button', { name: 'Chercher', exact: true }).click();
    await page.locator('#members-results table').waitFor({ timeout: 15_000 });
    await page.getByLabel('Code de classification (ex. GRF-01)').fill('CNV-02');
    await page.getByRole('button', { name: 'Rechercher', exact: true }).click();
    await page.locator('#docs-results table').waitFor({ timeout: 15_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `relay-results-${theme}-fr`);
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#relay-title').textContent()).toBe('On-premises systems');
    expect(await page.locator('#members-results').textContent()).toMatch(/active|retired|suspended/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `relay-results-${theme}-en`);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });
});
