import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_USERS } from '../../dev/token-issuer';
import { archiveEntry, buildMime, startRecordsStack, type RecordsStack } from './records-stack';

/**
 * The "Mes courriels archivés" page in headless Chromium, served by the real app in the local host,
 * over mail written to this run's emulators: search, read, download, language, records view.
 */
const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const [alice, , records] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];

let stack: RecordsStack;
let host: ChildProcess;
let baseUrl: string;
let browser: Browser;
let mime: Buffer;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required for the browser tests: apt-get install chromium (looked for ${CHROMIUM})`);
  stack = await startRecordsStack();
  mime = buildMime({ subject: 'Convocation au comité de griefs', html: '<p>Bonjour <b>Geneviève</b></p><script>document.title="pwned"</script><img src="https://tracker.example/p.gif">', attachments: [{ filename: 'ordre-du-jour.txt', contentType: 'text/plain', content: Buffer.from('Point 1') }] });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00Z', subject: 'Convocation au comité de griefs', mime });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-01-03T10:00:00Z', subject: 'Vacances d’été' });
  const sample = JSON.parse(readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  host = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/host/cli.ts'), '--app', ROOT, '--port', '0'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...sample.Values,
      AzureWebJobsStorage: inject('azurite').connectionString,
      CosmosDb: inject('cosmos').connectionString,
      COSMOS_DATABASE: process.env.COSMOS_DATABASE!,
      AUTH_TENANT_ID: stack.issuer.tenantId,
      AUTH_CLIENT_ID: stack.issuer.clientId,
      AUTH_AUTHORITY: stack.issuer.authority,
      ARCHIVE_RUN_ON_STARTUP: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  host.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 45_000);
    host.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /\{"ready":true,"port":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    host.once('exit', (code) => reject(new Error(`host exited with ${code}:\n${out}`)));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (host && host.exitCode === null) {
    const exited = new Promise((r) => host.once('exit', r));
    host.kill('SIGTERM');
    await exited;
  }
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
    await expect.poll(() => page.locator('#exports-list li').first().textContent()).toContain('Demande 2026-07');
    await page.context().close();
  });
});
