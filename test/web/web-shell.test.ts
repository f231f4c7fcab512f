import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';

/**
 * The Teams tab shell in headless Chromium (Debian's chromium package), served by the real
 * function app in the local host, signing in against the local token issuer.
 */
let issuer: TokenIssuer;
let host: AppHost;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  issuer = await startTokenIssuer();
  host = await startAppHost(issuer);
  baseUrl = host.baseUrl;
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
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
    // Each tab page is the shell plus its own stylesheet and script.
    const archivePage = await (await fetch(`${baseUrl}/api/web/archive.html`)).text();
    expect(archivePage).toContain('<script src="archive.js" defer></script>');
    expect(archivePage).toContain('data-page="archive"');
    expect(archivePage).toContain('id="language-switch"');
    expect((await fetch(`${baseUrl}/api/web/nowhere.html`)).status).toBe(404);
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
