import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';

/**
 * The Teams tab shell in headless Chromium (Debian's chromium package), served by the real
 * function app in the local host, signing in against the local token issuer.
 */
const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let issuer: TokenIssuer;
let host: ChildProcess;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required for the browser tests: apt-get install chromium (looked for ${CHROMIUM})`);
  issuer = await startTokenIssuer();
  const sample = JSON.parse(readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  host = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/host/cli.ts'), '--app', ROOT, '--port', '0'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...sample.Values,
      AzureWebJobsStorage: inject('azurite').connectionString,
      CosmosDb: inject('cosmos').connectionString,
      AUTH_TENANT_ID: issuer.tenantId,
      AUTH_CLIENT_ID: issuer.clientId,
      AUTH_AUTHORITY: issuer.authority,
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
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (host && host.exitCode === null) {
    const exited = new Promise((r) => host.once('exit', r));
    host.kill('SIGTERM');
    await exited;
  }
  await issuer?.stop();
});

async function openShell(locale: string): Promise<Page> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/api/web/index.html`);
  return page;
}

describe('web shell', () => {
  it('signs in against the local token issuer and shows who is signed in, in French', async () => {
    const page = await openShell('fr-CA');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const user = DEMO_USERS[2]!;
    await page.getByRole('button', { name: new RegExp(user.name) }).click();
    await expect.poll(() => page.locator('#welcome').textContent(), { timeout: 10_000 }).toBe(`Bonjour, ${user.name}`);
    expect(await page.locator('#roles').textContent()).toBe('Personnel, Responsable de la gestion documentaire');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr-CA');
    await page.context().close();
  });

  it('switches to English and back, keyboard only', async () => {
    const page = await openShell('fr-CA');
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    // Tab order: skip link, then the language switch.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.className')).toBe('skip-link');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('language-switch');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr-CA');
    await page.context().close();
  });

  it('follows the browser language on a first visit', async () => {
    const page = await openShell('en-CA');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Digital transformation');
    await page.context().close();
  });

  it('has no serious accessibility violations, signed out and signed in', async () => {
    const page = await openShell('fr-CA');
    const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    const audit = async () => {
      await page.addScriptTag({ content: axeSource }).catch(async () => {
        // The page's CSP forbids inline scripts: evaluate axe through the devtools protocol instead.
        await page.evaluate(axeSource);
      });
      // Serious and critical violations only, by rule id.
      return page.evaluate<string[]>(`(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
      })()`);
    };
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    expect(await audit()).toEqual([]);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: new RegExp(DEMO_USERS[0]!.name) }).click();
    await page.locator('#welcome').waitFor();
    expect(await audit()).toEqual([]);
    await page.context().close();
  });

  it('serves pages with a policy that lets only Teams frame them, and nothing outside web/', async () => {
    const response = await fetch(`${baseUrl}/api/web/index.html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self' https:\/\/teams\.microsoft\.com/);
    expect((await fetch(`${baseUrl}/api/web/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/api/web/vendor/teams-js.js`)).status).toBe(200);
    const config = (await (await fetch(`${baseUrl}/api/web/config.json`)).json()) as Record<string, unknown>;
    expect(config).toEqual({
      tenantId: issuer.tenantId,
      clientId: issuer.clientId,
      authority: issuer.authority,
      scope: `api://${issuer.clientId}/access_as_user`,
      localSignIn: true,
    });
  });
});
