import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * What the Teams tab's browser tests share: a page in a given language and theme, signing in
 * through the local token issuer's list of demo staff, the console errors the page logged,
 * screenshots kept as test artefacts (test-results/screenshots/, not committed) and axe audits.
 */
export type ThemeName = 'light' | 'dark' | 'contrast';

export interface TabPage {
  page: Page;
  context: BrowserContext;
  /** console errors, uncaught exceptions and failed requests the page logged so far. */
  errors: string[];
  close(): Promise<void>;
}

export const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots');

export async function openTab(browser: Browser, url: string, options: { locale?: string; theme?: ThemeName; acceptDownloads?: boolean } = {}): Promise<TabPage> {
  const theme = options.theme ?? 'light';
  const context = await browser.newContext({
    locale: options.locale ?? 'fr-CA',
    colorScheme: theme === 'dark' ? 'dark' : 'light',
    forcedColors: 'none',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: options.acceptDownloads ?? false,
  });
  // High contrast as Teams shows it (its own theme, not the OS's forced colours): chosen in the shell.
  if (theme === 'contrast') await context.addInitScript("localStorage.setItem('spgq.theme', 'contrast')");
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    // The local token issuer's own page is not ours: its favicon request is its business.
    if (m.type() === 'error' && !/127\.0\.0\.1:\d+\/favicon\.ico/.test(m.location().url)) errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, context, errors, close: () => context.close() };
}

/** Signs in from the shell's sign-in button, picking `name` in the issuer's list of demo staff. */
export async function signIn(page: Page, name: string, language: 'fr-CA' | 'en' = 'fr-CA'): Promise<void> {
  await page.getByRole('button', { name: language === 'en' ? 'Sign in' : 'Se connecter', exact: true }).click();
  await page.getByRole('button', { name: new RegExp(name) }).click();
  await page.locator('#signed-in-name').waitFor({ timeout: 20_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe violations on the page as it is, by rule id (with the first target). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // A dialog or a badge still fading in has blended colours: axe would measure a contrast the page
  // never keeps (seen on a loaded machine). Wait for running animations to end first.
  // (Endless ones, a spinner's, are left out: they never finish.)
  await page.evaluate(`Promise.all(document.getAnimations().filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity).map((a) => a.finished.catch(() => undefined)))`);
  // The page's CSP forbids inline scripts: axe is evaluated through the devtools protocol.
  await page.evaluate(axeSource);
  return page.evaluate<string[]>(`(async () => {
    // Fluent's focus manager (Tabster) puts invisible focus sentinels (data-tabster-dummy) around
    // arrow-key groups such as tab lists; they hand focus on at once and are not content.
    const r = await window.axe.run({ exclude: [['[data-tabster-dummy]']] }, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ' ' + JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target)));
  })()`);
}
