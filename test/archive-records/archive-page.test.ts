import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { DEMO_USERS } from '../../dev/token-issuer';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { verifyArchive } from '../../shared/archive/records/integrity';
import { archiveEntry, buildMime, startRecordsStack, type RecordsStack } from './records-stack';

/**
 * The "Mes courriels archivés" page in headless Chromium, served by the real app in the local host,
 * over mail written to this run's emulators: search, read, download, language, records view.
 */
const [alice, , records] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];

let stack: RecordsStack;
let bus: ServiceBusEmulator;
let host: AppHost;
let baseUrl: string;
let browser: Browser;
let mime: Buffer;

beforeAll(async () => {
  stack = await startRecordsStack();
  mime = buildMime({ subject: 'Convocation au comité de griefs', html: '<p>Bonjour <b>Geneviève</b></p><script>document.title="pwned"</script><img src="https://tracker.example/p.gif">', attachments: [{ filename: 'ordre-du-jour.txt', contentType: 'text/plain', content: Buffer.from('Point 1') }] });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00Z', subject: 'Convocation au comité de griefs', mime });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-01-03T10:00:00Z', subject: 'Vacances d’été' });
  // The export worker runs in the host, fed by the export queue of this Service Bus emulator.
  bus = await startServiceBusEmulator({ config: 'dev/local-stack/servicebus-config.json' });
  host = await startAppHost(stack.issuer, { COSMOS_DATABASE: process.env.COSMOS_DATABASE!, ARCHIVE_RUN_ON_STARTUP: 'false', ServiceBusConnection: bus.connectionString });
  baseUrl = host.baseUrl;
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await bus?.stop();
  await stack?.stop();
});

async function signIn(user: (typeof DEMO_USERS)[number], locale = 'fr-CA'): Promise<Page> {
  const context = await browser.newContext({ locale, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/api/web/archive.html`);
  await page.getByRole('button', { name: locale === 'en' ? 'Sign in' : 'Se connecter' }).click();
  await page.getByRole('button', { name: new RegExp(user.name) }).click();
  return page;
}

describe('archive page', () => {
  it('lists, reads (sanitised) and downloads the signed-in person’s mail, in French', async () => {
    const page = await signIn(alice);
    await expect.poll(() => page.locator('#archive-title').textContent(), { timeout: 15_000 }).toBe('Mes courriels archivés');
    await expect.poll(() => page.locator('#archive-status').textContent(), { timeout: 25_000 }).toBe('2 courriel(s) affiché(s).');
    expect(await page.locator('#archive-results tbody tr').count()).toBe(2);
    expect(await page.locator('#records').count()).toBe(0);
    await page.getByLabel('Mots du sujet').fill('griefs');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await expect.poll(() => page.locator('#archive-results tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'Convocation au comité de griefs' }).click();
    await expect.poll(() => page.locator('#reader-content').innerHTML()).toContain('<b>Geneviève</b>');
    expect(await page.locator('#reader-content').innerHTML()).not.toMatch(/script|tracker/);
    expect(await page.title()).not.toBe('pwned');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Télécharger le .eml' }).click()]);
    const saved = await download.path();
    expect(Buffer.compare(readFileSync(saved), mime)).toBe(0);
    const [attachment] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /ordre-du-jour\.txt/ }).click()]);
    expect(attachment.suggestedFilename()).toBe('ordre-du-jour.txt');
    expect(readFileSync(await attachment.path()).toString()).toBe('Point 1');
    await page.context().close();
  });

  it('switches to English, and shows RecordsManagers the records view', async () => {
    const page = await signIn(records);
    await expect.poll(() => page.locator('#records-title').textContent(), { timeout: 15_000 }).toBe('Gestion documentaire');
    await expect.poll(() => page.locator('#integrity-status').textContent(), { timeout: 25_000 }).toBe('Aucune vérification encore.');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#archive-title').textContent()).toBe('My archived mail');
    expect(await page.locator('#records-title').textContent()).toBe('Records management');
    await page.getByLabel('Matter (name)').fill('Grief 2026-01');
    await page.getByLabel('Mailboxes (ids, comma-separated)').fill(alice.oid);
    await page.getByRole('button', { name: 'Create hold' }).click();
    await expect.poll(() => page.locator('#holds-list').textContent()).toContain('Grief 2026-01');
    await page.getByLabel('Request (name)').fill('Demande 2026-07');
    await page.getByRole('button', { name: 'Export the current search' }).click();
    // Queued, then built by the worker in the background: the page follows it until its link shows.
    await expect.poll(() => page.locator('#exports-list li').first().textContent()).toContain('Demande 2026-07');
    await expect.poll(() => page.locator('#exports-list li').first().textContent(), { timeout: 30_000 }).toMatch(/ready \(2 messages\)/);
    // The item was updated in place, not repeated.
    expect(await page.locator('#exports-list li', { hasText: 'Demande 2026-07' }).count()).toBe(1);
    const link = page.locator('#exports-list li').first().getByRole('link', { name: 'Download link (expires soon)' });
    const zip = Buffer.from(await (await fetch((await link.getAttribute('href'))!)).arrayBuffer());
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    await page.context().close();

    // Once verified: how many days of capture have a verdict, and since when every day was re-checked.
    // Three days on, the day of this capture (and the empty days after it) are sealed.
    stack.clock.now = new Date(Date.now() + 3 * 86_400_000);
    expect((await stack.services.manifests.seal()).length).toBeGreaterThanOrEqual(1);
    await verifyArchive({ manifests: stack.services.manifests, verdicts: stack.services.verdicts, disposals: stack.services.disposals, content: stack.content, now: () => stack.clock.now });
    const again = await signIn(records);
    await expect.poll(() => again.locator('#integrity-status').textContent(), { timeout: 25_000 }).toMatch(/^Intègre : (\d+) jours de capture vérifiés sur \1 ; dernière vérification \S+\. Chaque jour a été revérifié depuis le \S+\.$/);
    await again.context().close();
  });
});
