import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_USERS } from '../../dev/token-issuer';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { openTab, screenshot, signIn } from '../support/web-browser';
import { manyPartsMessage, plainMessage, relativeUrlsMessage } from '../support/hostile-mime';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';

/**
 * The archive reader in headless Chromium, served by the real app in the local host, on hostile
 * messages: an invalid Date:, relative and remote URLs in the HTML, a message beyond the parser's
 * limits. The browser must request nothing for a message until the reader asks for remote images.
 */
const alice = DEMO_USERS[0]!;
let stack: RecordsStack;
let host: AppHost;
let browser: Browser;

beforeAll(async () => {
  stack = await startRecordsStack();
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-05T10:00:00Z', subject: 'Date invalide', mime: plainMessage('Date invalide', { date: 'le 3 février, vers midi' }) });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-04T10:00:00Z', subject: 'Liens relatifs', mime: relativeUrlsMessage() });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00Z', subject: 'Dix mille parties', mime: manyPartsMessage(10_001) });
  host = await startAppHost(stack.issuer, { COSMOS_DATABASE: process.env.COSMOS_DATABASE!, ARCHIVE_RUN_ON_STARTUP: 'false' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await stack?.stop();
});

describe('archive reader on hostile messages', () => {
  it('says "no valid date" with the raw header, holds remote images back, requests no relative URL, and explains a message too complex to show', async () => {
    const tab = await openTab(browser, `${host.baseUrl}/api/web/archive.html`);
    const { page } = tab;
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await signIn(page, alice.name);
    await expect.poll(() => page.locator('#archive-status').textContent(), { timeout: 30_000 }).toBe('3 courriel(s) affiché(s).');

    await page.getByRole('button', { name: 'Date invalide' }).click();
    await expect.poll(() => page.locator('#reader-date').textContent(), { timeout: 15_000 }).toContain('aucune date valide');
    expect(await page.locator('#reader-date-raw').textContent()).toBe('le 3 février, vers midi');

    await page.getByRole('button', { name: 'Liens relatifs' }).click();
    await expect.poll(() => page.locator('#reader-remote-images').textContent(), { timeout: 15_000 }).toContain('1 image(s) externe(s) non chargée(s)');
    expect(await page.locator('#reader-content img[alt="inline-logo"]').evaluate((img) => {
      const image = img as unknown as { complete: boolean; naturalWidth: number };
      return image.complete && image.naturalWidth;
    })).toBe(1);
    expect(await page.locator('#reader-content img[alt="remote"]').getAttribute('src')).toBeNull();
    await screenshot(page, 'archive-reader-remote-blocked-fr');
    await page.locator('#show-remote-images').click();
    await expect.poll(() => page.locator('#reader-content img[alt="remote"]').getAttribute('src')).toBe('https://tracker.example/p.gif');
    expect(await page.locator('#reader-content img[alt="remote"]').getAttribute('referrerpolicy')).toBe('no-referrer');
    await expect.poll(() => requested.some((u) => u.startsWith('https://tracker.example/'))).toBe(true);
    // Nothing relative to the app's origin was ever requested for the message's HTML.
    expect(requested.filter((u) => /subject=grief|relative-dots|tracker\.gif|page\.html|\/api\/archive\/holds/.test(u))).toEqual([]);

    await page.getByRole('button', { name: 'Dix mille parties' }).click();
    await expect.poll(() => page.locator('#reader-too-complex').textContent(), { timeout: 15_000 }).toContain('trop complexe pour être affiché');
    expect(await page.locator('#reader-subject').textContent()).toBe('Dix mille parties');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#reader-too-complex').textContent()).toContain('too complex to display');
    // The one console error allowed: the remote image the reader asked for does not resolve offline.
    expect(tab.errors.filter((e) => !e.includes('https://tracker.example/p.gif'))).toEqual([]);
    await tab.close();
  }, 180_000);
});
