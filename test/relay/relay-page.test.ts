import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { startRelayStack, type RelayStack } from './support';

/**
 * The Teams tab page of the relay in headless Chromium, served by the real app in the local host,
 * talking to the agent through the Service Bus emulator: member and case look-up, archive search
 * and document opening, keyboard and accessibility.
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

async function signedIn(userIndex: number, locale = 'fr-CA'): Promise<Page> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/api/web/relay.html`);
  await page.getByRole('button', { name: locale === 'en' ? 'Sign in' : 'Se connecter' }).click();
  await page.getByRole('button', { name: new RegExp(DEMO_USERS[userIndex]!.name) }).click();
  await page.locator('#member-form').waitFor({ timeout: 15_000 });
  return page;
}

describe('relay page', () => {
  it('finds a member, lists their open cases and shows a case history, keyboard only', async () => {
    const page = await signedIn(0);
    const member = stack.relay.mission.members.find((m) => stack.relay.mission.cases.some((c) => c.memberNumber === m.memberNumber && c.status !== 'closed'))!;
    await page.getByLabel('Numéro de membre (ex. M00042)').fill(member.memberNumber);
    await page.keyboard.press('Enter');
    const casesButton = page.getByRole('button', { name: `Dossiers ouverts de ${member.firstName} ${member.lastName}` });
    await casesButton.focus();
    await page.keyboard.press('Enter');
    const open = stack.relay.mission.cases.filter((c) => c.memberNumber === member.memberNumber && c.status !== 'closed');
    const first = page.getByRole('button', { name: open[0]!.caseNumber });
    await first.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#case-detail h4').textContent(), { timeout: 15_000 }).toBe(`Dossier ${open[0]!.caseNumber}`);
    const history = stack.relay.mission.events.filter((e) => e.caseNumber === open[0]!.caseNumber);
    expect(await page.locator('#case-detail li').count()).toBe(history.length);
    await page.context().close();
  });

  it('searches the legacy archive in English and opens a document in a new tab', async () => {
    const page = await signedIn(2, 'en');
    await page.getByLabel('Classification code (e.g. GRF-01)').fill('cnv-02');
    await page.getByRole('button', { name: 'Search', exact: true }).last().click();
    await expect.poll(() => page.locator('#docs-status').textContent(), { timeout: 15_000 }).toMatch(/document\(s\) shown of \d+/);
    const rows = page.locator('#docs-results tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    const [tab] = await Promise.all([page.context().waitForEvent('page'), rows.first().getByRole('button').click()]);
    await expect.poll(() => tab.url(), { timeout: 15_000 }).toMatch(/^blob:|^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/relay-documents-[a-z0-9]+\//);
    await page.context().close();
  });

  it('shows restricted documents to records managers only', async () => {
    const restricted = stack.relay.archive.find((d) => d.restricted)!;
    const search = async (page: Page) => {
      await page.getByLabel('Mots du titre').fill(restricted.title.split(' – ')[0]!);
      await page.getByLabel('Code de classification (ex. GRF-01)').fill(restricted.classification);
      await page.getByRole('button', { name: 'Rechercher', exact: true }).click();
      await expect.poll(() => page.locator('#docs-status').textContent(), { timeout: 15_000 }).toMatch(/affiché/);
      return (await page.locator('#docs-results').textContent()) ?? '';
    };
    const staff = await signedIn(0);
    expect(await search(staff)).not.toContain(restricted.title);
    await staff.context().close();
    const records = await signedIn(2);
    expect(await search(records)).toContain(`${restricted.title} (accès restreint)`);
    await records.context().close();
  });

  it('has no serious accessibility violations with results shown', async () => {
    const page = await signedIn(0);
    await page.getByLabel('ou nom').fill(stack.relay.mission.members[0]!.lastName);
    await page.getByRole('button', { name: 'Chercher', exact: true }).click();
    await page.locator('#members-results table').waitFor();
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const violations = await page.evaluate<string[]>(`(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    })()`);
    expect(violations).toEqual([]);
    await page.context().close();
  });
});
