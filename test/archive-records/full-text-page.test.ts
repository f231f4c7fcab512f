import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { DEMO_USERS } from '../../dev/token-issuer';
import { LegalHoldInput } from '../../shared/archive/records/legal-hold';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { openTab, screenshot, seriousViolations, signIn } from '../support/web-browser';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';

/**
 * Full-text search on "Mes courriels archivés" in headless Chromium, served by the app in the local
 * host over this run's emulators and the search emulator: a query without accents finds the
 * message, the hit is marked and the message's own markup stays text, facets narrow, English.
 */
const [alice, marc, sophie] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];
const INDEX = `page-${randomUUID().slice(0, 8)}`;

let stack: RecordsStack;
let host: AppHost;
let browser: Browser;

beforeAll(async () => {
  stack = await startRecordsStack({ ARCHIVE_SEARCH_INDEX: INDEX });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00.000Z', subject: 'Réunion du comité', text: 'Ordre du jour : la réunion <img src=x onerror="document.title=\'pwned\'"> porte sur l’équité salariale.' });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2025-05-03T10:00:00.000Z', subject: 'Réunion de 2025', text: 'Une autre réunion.' });
  await archiveEntry(stack, { mailboxId: marc.oid, receivedAt: '2026-02-04T10:00:00.000Z', subject: 'Réunion de Marc', text: 'La réunion de Marc.' });
  stack.clock.now = new Date();
  expect(stack.services.fullText).toBeDefined();
  await stack.services.fullText!.indexing.pass();
  // A legal hold on Marc's mailbox, placed after indexing: it reaches the index by its merge.
  await stack.services.holds.create(LegalHoldInput.parse({ matter: 'Grief Gagnon 2026', mailboxes: [marc.oid] }), sophie.oid);
  host = await startAppHost(stack.issuer, { COSMOS_DATABASE: process.env.COSMOS_DATABASE!, ARCHIVE_RUN_ON_STARTUP: 'false', ARCHIVE_SEARCH_INDEX: INDEX });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await stack?.stop();
});

describe('full-text search on the archive page', () => {
  it('finds one’s own mail without accents, marks the hits as text, narrows by year, in French and English', async () => {
    const tab = await openTab(browser, `${host.baseUrl}/api/web/archive.html`);
    const { page } = tab;
    await signIn(page, alice.name);
    await expect.poll(() => page.locator('#archive-title').textContent(), { timeout: 15_000 }).toBe('Mes courriels archivés');
    await page.locator('#ft-text').fill('reunion');
    await page.locator('#ft-submit').click();
    await expect.poll(() => page.locator('#ft-status').textContent(), { timeout: 25_000 }).toBe('2 courriel(s) trouvé(s) — page 1 sur 1.');
    // Marc's message is not Alice's to see.
    expect(await page.locator('#ft-results').textContent()).not.toContain('Marc');
    expect(await page.locator('#ft-results mark').first().textContent()).toMatch(/réunion/i);
    // The message's markup is shown as text, never run.
    expect(await page.locator('#ft-results img').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    await page.getByRole('button', { name: '2025 (1)' }).click();
    await expect.poll(() => page.locator('#ft-status').textContent(), { timeout: 25_000 }).toBe('1 courriel(s) trouvé(s) — page 1 sur 1.');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'archive-fulltext-light-fr');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#fulltext-search legend').textContent()).toBe('Full-text search');
    await page.locator('#ft-submit').click();
    await expect.poll(() => page.locator('#ft-status').textContent(), { timeout: 25_000 }).toBe('2 message(s) found — page 1 of 1.');
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('lets a records manager narrow a search to a legal hold, chosen by its matter, and export just those results', async () => {
    const tab = await openTab(browser, `${host.baseUrl}/api/web/archive.html`);
    const { page } = tab;
    await signIn(page, sophie.name);
    await page.locator('#ft-text').fill('reunion');
    await page.locator('#ft-submit').click();
    await expect.poll(() => page.locator('#ft-status').textContent(), { timeout: 25_000 }).toBe('3 courriel(s) trouvé(s) — page 1 sur 1.');
    // The holds are listed by matter (never an id), active ones only; "any" is the default.
    await expect.poll(() => page.locator('#ft-hold option').allTextContents(), { timeout: 15_000 }).toEqual(['Toutes (aucun filtre)', 'Grief Gagnon 2026']);
    await page.locator('#ft-hold').selectOption({ label: 'Grief Gagnon 2026' });
    await page.locator('#ft-submit').click();
    await expect.poll(() => page.locator('#ft-status').textContent(), { timeout: 25_000 }).toBe('1 courriel(s) trouvé(s) — page 1 sur 1.');
    expect(await page.locator('#ft-results').textContent()).toContain('Réunion de Marc');
    expect(await page.locator('#ft-rule option').first().textContent()).toBe('Toutes (aucun filtre)');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'archive-fulltext-hold-fr');

    // The export of these results is narrowed the same way.
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/archive/exports') && r.method() === 'POST');
    await page.locator('#ft-matter').fill('Grief Gagnon 2026');
    await page.locator('#ft-export-button').click();
    expect((await sent).postDataJSON()).toMatchObject({ fullText: { text: 'reunion', hold: expect.stringMatching(/^hold-/) } });
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('says so when the list of holds cannot be loaded, in French and English, and the search still works without it', async () => {
    const tab = await openTab(browser, `${host.baseUrl}/api/web/archive.html`);
    const { page } = tab;
    await page.route('**/api/archive/holds', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"Service indisponible."}}' }));
    await signIn(page, sophie.name);
    await expect.poll(() => page.getByText('Liste indisponible pour le moment : la recherche reste possible sans ce filtre.').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('#ft-hold option').allTextContents()).toEqual(['Toutes (aucun filtre)']);
    await page.locator('#ft-text').fill('reunion');
    await page.locator('#ft-submit').click();
    await expect.poll(() => page.locator('#ft-status').textContent(), { timeout: 25_000 }).toBe('3 courriel(s) trouvé(s) — page 1 sur 1.');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'archive-fulltext-holds-unavailable-fr');

    await page.locator('#language-switch').click();
    await expect.poll(() => page.getByText('List unavailable right now: you can still search without this filter.').count(), { timeout: 15_000 }).toBe(1);
    await tab.close();
  });
});
