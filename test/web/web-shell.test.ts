import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { openTab, screenshot, seriousViolations, signIn, type ThemeName } from '../support/web-browser';

/**
 * The Teams tab shell (web/src, built into dist/web by `npm run build`) in headless Chromium,
 * served by the real function app in the local host, signing in against the local token issuer.
 */
const [alice, , records] = [DEMO_USERS[0]!, DEMO_USERS[1]!, DEMO_USERS[2]!];
let issuer: TokenIssuer;
let host: AppHost;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  issuer = await startTokenIssuer();
  host = await startAppHost(issuer, { ARCHIVE_RUN_ON_STARTUP: 'false' });
  baseUrl = host.baseUrl;
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await issuer?.stop();
});

const shell = () => `${baseUrl}/api/web/index.html`;

describe('web shell', () => {
  it('signs in against the local token issuer and shows who is signed in, in French, with tools by role', async () => {
    const tab = await openTab(browser, shell());
    await signIn(tab.page, records.name);
    const { page } = tab;
    await expect.poll(() => page.locator('#welcome').textContent(), { timeout: 10_000 }).toBe(`Bonjour, ${records.name}`);
    expect(await page.locator('#signed-in-name').textContent()).toBe(records.name);
    expect(await page.locator('#roles').textContent()).toBe('Personnel, Responsable de la gestion documentaire');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr-CA');
    // A RecordsManager's home leads to their mail, the records tools, the on-prem systems, their training and the spaces.
    expect(await page.getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Mes courriels archivés', 'Gestion documentaire', 'Systèmes sur site', 'Mes formations', 'Espaces']);
    // Navigation shows only what exists for this person.
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).toEqual(['Accueil', 'Mes courriels archivés', 'Systèmes sur site', 'Mes formations', 'Espaces']);
    expect(await page.getByRole('link', { name: 'Accueil' }).getAttribute('aria-current')).toBe('page');
    await page.getByRole('button', { name: 'Ouvrir : Gestion documentaire' }).click();
    await expect.poll(() => page.url()).toMatch(/\/api\/web\/archive\.html$/);
    await page.locator('#records-title').waitFor({ timeout: 15_000 });
    await page.goBack();
    await page.locator('#welcome').waitFor();
    await screenshot(page, 'shell-home-records-light');
    expect(tab.errors).toEqual([]);
    await tab.close();

    const staff = await openTab(browser, shell());
    await signIn(staff.page, alice.name);
    await staff.page.locator('#welcome').waitFor();
    expect(await staff.page.getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Mes courriels archivés', 'Systèmes sur site', 'Mes formations', 'Espaces']);
    expect(staff.errors).toEqual([]);
    await staff.close();
  });

  it('switches to English and back, keyboard only, and remembers the choice', async () => {
    const tab = await openTab(browser, shell());
    const { page } = tab;
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    // Tab order: skip link, then the language switch.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Aller au contenu');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('language-switch');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await page.locator('h1').textContent()).toBe('Digital transformation');
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.locator('#language-switch').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr-CA');
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('is in French on a first visit, whatever the browser language', async () => {
    const tab = await openTab(browser, shell(), { locale: 'en-CA' });
    await expect.poll(() => tab.page.locator('h1').textContent()).toBe('Transformation numérique');
    expect(await tab.page.locator('html').getAttribute('lang')).toBe('fr-CA');
    await tab.close();
  });

  it('follows the system theme by default, remembers a chosen one, and loads no Teams library outside Teams', async () => {
    const tab = await openTab(browser, shell(), { theme: 'dark' });
    const { page } = tab;
    const scripts: string[] = [];
    page.on('request', (r) => r.resourceType() === 'script' && scripts.push(r.url()));
    await expect.poll(() => page.locator('[data-theme]').getAttribute('data-theme')).toBe('dark');
    await page.getByLabel('Thème').selectOption('light');
    await expect.poll(() => page.locator('[data-theme]').getAttribute('data-theme')).toBe('light');
    await page.reload();
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    expect(await page.locator('[data-theme]').getAttribute('data-theme')).toBe('light');
    // teams-js is loaded only when Teams frames the page (its CDN request would break the CSP).
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../dist/web/assets.json'), 'utf8')) as { chunks: { file: string }[] };
    const teamsChunk = manifest.chunks.map((c) => c.file).find((f) => readFileSync(path.resolve(__dirname, '../../dist/web', f), 'utf8').includes('validDomains'));
    expect(teamsChunk).toBeDefined();
    expect(scripts.some((s) => s.endsWith(teamsChunk!))).toBe(false);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('inside Teams, signs in with Teams SSO and follows Teams’ theme as it changes', async () => {
    // A stand-in for the Teams web client: a page at Teams' origin that frames the tab (served at an
    // https address that proxies to the local host) and answers teams-js' messages as Teams does.
    const token = await issuer.mintUserToken(records);
    const context = await browser.newContext({ locale: 'en-CA' });
    const hostJs = `
      const frame = document.getElementById('tab');
      window.setTheme = (t) => frame.contentWindow.postMessage({ func: 'themeChange', args: [t] }, '*');
      window.addEventListener('message', (e) => {
        const m = e.data;
        const reply = (args) => frame.contentWindow.postMessage({ id: m.id, uuid: m.uuid, args }, '*');
        if (m.func === 'initialize') reply(['content', 'web', JSON.stringify({ apiVersion: 4, supports: { pages: { config: {} }, teamsCore: {}, authentication: {} } }), '2.0.0']);
        else if (m.func === 'getContext') reply([{ locale: 'en-us', theme: 'dark', entityId: 'archive', frameContext: 'content', hostClientType: 'web' }]);
        else if (m.func === 'authentication.getAuthToken') reply([true, ${JSON.stringify(token)}]);
      });`;
    await context.route('https://teams.microsoft.com/**', (route) =>
      route.request().url().endsWith('/host.js')
        ? route.fulfill({ contentType: 'text/javascript', body: hostJs })
        : route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Teams</title><iframe id="tab" src="https://tab.spgq.example/api/web/index.html" width="1200" height="800"></iframe><script src="/host.js"></script>' }),
    );
    await context.route('https://tab.spgq.example/**', async (route) => {
      const url = new URL(route.request().url());
      await route.fulfill({ response: await route.fetch({ url: `${baseUrl}${url.pathname}${url.search}` }) });
    });
    await context.route('https://res.cdn.office.net/**', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ validOrigins: ['teams.microsoft.com', '*.teams.microsoft.com'] }) }));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto('https://teams.microsoft.com/host.html');
    const tab = page.frameLocator('#tab');
    // No sign-in button: Teams gave the token. French still, whatever Teams' language.
    await expect.poll(() => tab.locator('#welcome').textContent(), { timeout: 20_000 }).toBe(`Bonjour, ${records.name}`);
    expect(await tab.locator('#sign-in').count()).toBe(0);
    expect(await tab.locator('#theme-choice').count()).toBe(0);
    expect(await tab.locator('#sign-out').count()).toBe(0);
    expect(await tab.locator('[data-theme]').getAttribute('data-theme')).toBe('dark');
    await page.evaluate('window.setTheme("contrast")');
    await expect.poll(() => tab.locator('[data-theme]').getAttribute('data-theme')).toBe('contrast');
    await page.evaluate('window.setTheme("default")');
    await expect.poll(() => tab.locator('[data-theme]').getAttribute('data-theme')).toBe('light');
    await page.waitForTimeout(500); // Fluent's colour transitions
    await screenshot(page, 'shell-in-teams-light');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the privacy notice and the terms of use to anyone, signed in or not, in both languages', async () => {
    const tab = await openTab(browser, `${baseUrl}/api/web/privacy.html`);
    const { page } = tab;
    await expect.poll(() => page.locator('#info-title').textContent(), { timeout: 10_000 }).toBe('Confidentialité');
    expect(await page.title()).toBe('Confidentialité');
    expect(await page.locator('article').textContent()).toContain('toutes les données infonuagiques demeurent au Canada');
    expect(await page.getByRole('button', { name: 'Se connecter' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#info-title').textContent()).toBe('Privacy');
    expect(await page.locator('article').textContent()).toContain('all cloud data stays in Canada');
    await screenshot(page, 'shell-privacy-en');
    await page.getByRole('link', { name: 'Terms of use' }).click();
    await expect.poll(() => page.locator('#info-title').textContent()).toBe('Terms of use');
    expect(await page.locator('article').textContent()).toContain('Views, downloads and exports of the archive are logged.');
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it.each<ThemeName>(['light', 'dark', 'contrast'])('has no serious accessibility violations, signed out and signed in (%s theme)', async (theme) => {
    const tab = await openTab(browser, shell(), { theme });
    const { page } = tab;
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    expect(await page.locator('[data-theme]').getAttribute('data-theme')).toBe(theme);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `shell-signed-out-${theme}`);
    await signIn(page, records.name);
    await page.locator('#welcome').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `shell-home-${theme}`);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('serves pages with a policy that lets only Teams frame them, hashed assets cached for good, and nothing outside the build', async () => {
    const response = await fetch(`${baseUrl}/api/web/index.html`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/frame-ancestors 'self' https:\/\/teams\.microsoft\.com/);
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    // Styles: the app's own, plus only an empty <style> (Fluent fills it through CSSOM).
    expect(csp).toContain("style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    const entry = /<script type="module" src="(assets\/main-[A-Z0-9]+\.js)"><\/script>/.exec(html)?.[1];
    expect(entry).toBeDefined();
    expect(html).not.toMatch(/<script>|<style>| style=/);
    const asset = await fetch(`${baseUrl}/api/web/${entry}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${baseUrl}/api/web/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/api/web/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/api/web/assets.json`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/api/web/nowhere.html`)).status).toBe(404);
    // Deep links: each page is the same shell, which shows the page its address names.
    for (const [page, title] of [['archive.html', 'Mes courriels archivés'], ['relay.html', 'Systèmes sur site'], ['people.html', 'Personnel'], ['training.html', 'Mes formations'], ['collaboration.html', 'Espaces'], ['rollout.html', 'Déploiement']]) {
      const deep = await fetch(`${baseUrl}/api/web/${page}`);
      expect(deep.status).toBe(200);
      const text = await deep.text();
      expect(text).toContain(`src="${entry}"`);
      expect(text).toContain(`<title>${title}</title>`);
    }
    const bare = await fetch(`${baseUrl}/api/web`, { redirect: 'manual' });
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/api/web/');
    expect((await fetch(`${baseUrl}/api/web/`)).status).toBe(200);
    // The site root leads to the tab's home page; any other unknown path is still a 404.
    const root = await fetch(`${baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/api/web/');
    expect((await fetch(`${baseUrl}/nowhere`, { redirect: 'manual' })).status).toBe(404);
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
