import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { DEMO_USERS } from '../../dev/token-issuer';
import { launchChromium, startAppHost, type AppHost } from '../support/app-host';
import { openTab, screenshot, seriousViolations, signIn, type ThemeName } from '../support/web-browser';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { archiveEntry, buildMime, startRecordsStack, type RecordsStack } from './records-stack';
import { recordMailbox, recordRun } from './mailboxes';
import { ensureContainer } from '../../shared/platform/adapters/cosmos';
import { CONTAINERS, MODEL_VERSION, PARTITION_KEY_PATHS, type ArchiveSubscription } from '../../shared/archive/model';

/**
 * The "Mes courriels archivés" page in headless Chromium, served by the real app in the local host,
 * over mail written to this run's emulators: search, read, download, language, the records tools
 * (mailbox picker, holds, exports with their confirmation, verify now), in three themes.
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
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-02-03T10:00:00Z', subject: 'Convocation au comité de griefs', mime, retentionRuleId: 'COUR-GRIEF', retainUntil: '2036-02-03T10:00:00Z' });
  await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: '2026-01-03T10:00:00Z', subject: 'Vacances d’été', retentionRuleId: 'COUR-GEN', retainUntil: '2033-01-03T10:00:00Z' });
  await archiveEntry(stack, { mailboxId: records.oid, receivedAt: '2026-01-10T10:00:00Z', subject: 'Calendrier de conservation' });
  await recordMailbox(stack, { mailboxId: alice.oid, displayName: alice.name, address: 'gtremblay@spgq.local' });
  await recordMailbox(stack, { mailboxId: records.oid, displayName: records.name, address: 'scote@spgq.local' });
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

const archivePage = () => `${baseUrl}/api/web/archive.html`;
const rows = '#archive-results tbody tr';

describe('archive page', () => {
  it('lists, reads (sanitised) and downloads the signed-in person’s mail, in French', async () => {
    const tab = await openTab(browser, archivePage(), { acceptDownloads: true });
    const { page } = tab;
    await signIn(page, alice.name);
    await expect.poll(() => page.locator('#archive-title').textContent(), { timeout: 15_000 }).toBe('Mes courriels archivés');
    await expect.poll(() => page.locator('#archive-status').textContent(), { timeout: 25_000 }).toBe('2 courriel(s) affiché(s).');
    expect(await page.locator(rows).count()).toBe(2);
    // Staff: no records tools, no mailbox picker.
    expect(await page.locator('#tab-records').count()).toBe(0);
    expect(await page.locator('#q-mailbox').count()).toBe(0);
    // Retention by rule name and keep-until date, in words.
    const first = page.locator(rows).first();
    expect(await first.textContent()).toContain('Dossiers de griefs et d’arbitrage');
    expect(await first.textContent()).toContain('3 février 2036');
    await page.getByLabel('Mots du sujet').fill('griefs');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await expect.poll(() => page.locator(rows).count()).toBe(1);
    await page.getByRole('button', { name: 'Convocation au comité de griefs' }).click();
    await expect.poll(() => page.locator('#reader-content').innerHTML()).toContain('<b>Geneviève</b>');
    // The remote image is held back (data-remote-src, no src) until the reader asks (docs/decisions/0014).
    expect(await page.locator('#reader-content').innerHTML()).not.toMatch(/script| src="https:\/\/tracker/);
    expect(await page.title()).not.toBe('pwned');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Télécharger le .eml' }).click()]);
    expect(Buffer.compare(readFileSync(await download.path()), mime)).toBe(0);
    const [attachment] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /ordre-du-jour\.txt/ }).click()]);
    expect(attachment.suggestedFilename()).toBe('ordre-du-jour.txt');
    expect(readFileSync(await attachment.path()).toString()).toBe('Point 1');
    await screenshot(page, 'archive-staff-reader-light-fr');
    // Zod-driven validation, in the person's language, switching with it.
    await page.getByLabel('Participant (adresse courriel ou nom)').fill('pas-une-adresse@');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await expect.poll(() => page.locator('#archive-search').textContent()).toMatch(/courriel invalide|adresse/i);
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#archive-search').textContent()).toMatch(/Invalid email/i);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('switches to English without losing the results shown, and gives RecordsManagers a picker and the records tools', async () => {
    const tab = await openTab(browser, archivePage());
    const { page } = tab;
    const searches: string[] = [];
    const urls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/')) urls.push(r.url());
      if (new URL(r.url()).pathname === '/api/archive/search' && r.method() === 'POST') searches.push(r.postData() ?? '');
    });
    await signIn(page, records.name);
    await expect.poll(() => page.locator('#archive-status').textContent(), { timeout: 25_000 }).toBe('3 courriel(s) affiché(s).');
    expect(await page.locator(rows).first().textContent()).toContain('3 févr. 2026');
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#archive-title').textContent()).toBe('My archived mail');
    // Same rows, relabelled and re-formatted in place: no new search.
    expect(await page.locator(rows).first().textContent()).toContain('Feb 3, 2026');
    expect(await page.locator(rows).first().textContent()).toContain('Grievance and arbitration files');
    expect(await page.locator('#archive-status').textContent()).toBe('3 message(s) shown.');
    expect(searches).toHaveLength(1);
    // The mailbox is chosen by name.
    await page.locator('#q-mailbox').fill('Genev');
    await page.getByRole('option', { name: new RegExp(`${alice.name} \\(gtremblay@spgq\\.local\\)`) }).click();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('#archive-status').textContent()).toBe('2 message(s) shown.');
    // The name typed and the search's filters went in request bodies: no URL carries them (request logs keep URLs).
    expect(searches.length).toBeGreaterThan(1);
    expect(urls.filter((u) => /[?&](search|participant|subject|mailboxId)=/.test(u) || u.includes('Genev'))).toEqual([]);
    await screenshot(page, 'archive-records-mail-light-en');

    await page.getByRole('tab', { name: 'Records management' }).click();
    await expect.poll(() => page.locator('#integrity-status').textContent(), { timeout: 25_000 }).toBe('Not verified yet.');
    expect(await page.locator('#integrity-state').textContent()).toBe('Never verified');
    // A hold on a mailbox picked by name; the list names it, not its id.
    await page.getByLabel('Matter (name)').fill('Grief 2026-01');
    await page.locator('#h-mailbox').fill('Trem');
    await page.getByRole('option', { name: new RegExp(alice.name) }).click();
    await page.getByRole('button', { name: 'Create hold' }).click();
    await expect.poll(() => page.locator('#holds-list').textContent()).toContain('Grief 2026-01');
    const hold = page.locator('#holds-list tbody tr', { hasText: 'Grief 2026-01' });
    expect(await hold.textContent()).toContain(alice.name);
    expect(await hold.textContent()).not.toContain(alice.oid);
    // Applied in the background by the records worker; the list follows it until the count is final.
    await expect.poll(() => hold.locator('td').nth(4).textContent(), { timeout: 60_000 }).toBe('2');
    // Exporting the current search (this mailbox): queued, then built in the background.
    await page.getByLabel('Request (name)').fill('Demande 2026-07');
    expect(await page.locator('#export-scope').textContent()).toBe('Criteria of the current search: mailbox');
    await page.getByRole('button', { name: 'Export the current search' }).click();
    const exportRow = page.locator('#exports-list tbody tr', { hasText: 'Demande 2026-07' });
    await expect.poll(() => exportRow.textContent(), { timeout: 30_000 }).toMatch(/ready \(2 messages\)/);
    expect(await exportRow.count()).toBe(1);
    const zip = Buffer.from(await (await fetch((await exportRow.getByRole('link', { name: 'Download' }).getAttribute('href'))!)).arrayBuffer());
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    await screenshot(page, 'archive-records-tools-light-en');
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  // Its own waits allow 15 s + 30 s + 60 s: its budget covers them (the default 30 s did not, under load).
  it('asks before exporting everything, saying how many messages; verifies now on request', async () => {
    const tab = await openTab(browser, archivePage());
    const { page } = tab;
    await signIn(page, records.name);
    await page.getByRole('tab', { name: 'Gestion documentaire' }).click();
    await page.getByLabel('Demande (nom)').fill('Tout le courrier');
    expect(await page.locator('#export-scope').textContent()).toBe('Critères de la recherche courante : aucun (tous les courriels)');
    await page.getByRole('button', { name: 'Exporter la recherche courante' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect.poll(() => dialog.textContent(), { timeout: 15_000 }).toContain('l’exportation contiendra 3 courriel(s) de toutes les boîtes');
    await screenshot(page, 'archive-export-confirm-light-fr');
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    expect(await page.locator('#exports-list tbody tr', { hasText: 'Tout le courrier' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Exporter la recherche courante' }).click();
    await dialog.getByRole('button', { name: 'Exporter 3 courriel(s)' }).click();
    await expect.poll(() => page.locator('#exports-list tbody tr', { hasText: 'Tout le courrier' }).textContent(), { timeout: 30_000 }).toMatch(/prête \(3 courriels\)/);

    // Three days on, the day of this capture is sealed (as the daily timer would have done).
    stack.clock.now = new Date(Date.now() + 3 * 86_400_000);
    expect((await stack.services.manifests.seal()).length).toBeGreaterThanOrEqual(1);
    // Verify now: a background pass (durable orchestration) seals and verifies; the page follows it.
    await page.getByRole('button', { name: 'Vérifier maintenant' }).click();
    await expect.poll(() => page.locator('#integrity-state').textContent(), { timeout: 60_000 }).toBe('Intègre');
    expect(await page.locator('#integrity-status').textContent()).toMatch(/^Intègre : (\d+) jours de capture vérifiés sur \1 ; dernière vérification le .+\. Chaque jour a été revérifié depuis le .+\.$/);
    await expect.poll(() => page.getByText('Vérification terminée.').count()).toBe(1);
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 150_000);

  it('shows a mailbox whose last run left a message behind in red, saying so in words, with the message id and error, in French and English', async () => {
    // What capture records when one message's content cannot be read (shared/archive/capture/mailbox-run.ts).
    const failedId = 'AAMkAGFhYmM-message-qui-echoue=';
    await recordRun(stack, {
      mailboxId: records.oid,
      lastOutcome: 'failed',
      failedMessages: [{ messageId: failedId, folderId: 'inbox-folder', at: new Date().toISOString(), code: 'graph-network', detail: 'Microsoft Graph kept refusing' }],
    });
    // Its change notifications were lost (docs/decisions/0018): the page says it is being repaired.
    const now = new Date().toISOString();
    const subscription: ArchiveSubscription = { id: 'subscription', type: 'subscription', mailboxId: records.oid, subscriptionId: 'sub-1', expiresAt: now, mode: 'repairing', modeSince: now, reason: 'missed', lastSweepAt: null, updatedAt: now, version: MODEL_VERSION };
    await (await ensureContainer(stack.services.store.database, CONTAINERS.subscriptions, PARTITION_KEY_PATHS.subscriptions)).items.upsert(subscription);
    const tab = await openTab(browser, archivePage());
    const { page } = tab;
    await signIn(page, records.name);
    await page.getByRole('tab', { name: 'Gestion documentaire' }).click();
    const failing = page.locator('#completeness tbody tr', { hasText: records.name });
    await expect.poll(() => failing.locator('[data-capture-mode]').textContent(), { timeout: 25_000 }).toBe('En réparation');
    await expect.poll(() => failing.textContent(), { timeout: 25_000 }).toContain(`${records.name} (en échec)`);
    expect(await failing.textContent()).toContain(`Erreur graph-network : ${failedId}`);
    expect(await failing.textContent()).toContain('Non : en échec');
    const ok = page.locator('#completeness tbody tr', { hasText: alice.name });
    expect(await ok.textContent()).not.toContain('en échec');
    // Red: the mailbox's name is drawn in the palette's red foreground, not the body colour.
    const colour = (locator: ReturnType<typeof page.locator>) => locator.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    const [red, body] = [await colour(failing.locator('[data-failing]')), await colour(page.locator('#completeness-title'))];
    const [r, g, b] = red.match(/\d+/g)!.map(Number);
    expect(red).not.toBe(body);
    expect(r).toBeGreaterThan(g! + 60);
    expect(r).toBeGreaterThan(b! + 60);
    await screenshot(page, 'archive-completeness-failing-light-fr');
    await page.locator('#language-switch').click();
    await expect.poll(() => failing.textContent()).toContain(`${records.name} (failing)`);
    expect(await failing.locator('[data-capture-mode]').textContent()).toBe('Repairing');
    expect(await failing.textContent()).toContain(`Error graph-network: ${failedId}`);
    expect(await seriousViolations(page)).toEqual([]);
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 90_000);

  it.each<ThemeName>(['dark', 'contrast'])('clicks through mail and records in the %s theme, in both languages, with no serious accessibility violation', async (theme) => {
    const tab = await openTab(browser, archivePage(), { theme });
    const { page } = tab;
    await signIn(page, records.name);
    await expect.poll(() => page.locator('#archive-status').textContent(), { timeout: 25_000 }).toBe('3 courriel(s) affiché(s).');
    await page.getByRole('button', { name: 'Vacances d’été' }).click();
    await page.locator('#reader-content').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `archive-mail-${theme}-fr`);
    await page.getByRole('tab', { name: 'Gestion documentaire' }).click();
    await page.locator('#completeness').waitFor({ timeout: 15_000 }).catch(() => undefined);
    await page.locator('#holds-list, #records [role=status]').first().waitFor({ timeout: 15_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `archive-records-${theme}-fr`);
    await page.locator('#language-switch').click();
    await expect.poll(() => page.locator('#records-title').textContent()).toBe('Records management');
    await page.getByRole('button', { name: 'Read the log' }).click();
    await expect.poll(() => page.locator('#audit-list').textContent(), { timeout: 15_000 }).toContain('Search');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `archive-records-${theme}-en`);
    expect(tab.errors).toEqual([]);
    await tab.close();
  });

  it('re-assigns a mailbox’s retention rule after a confirmation, in the background, audited; staff may not', async () => {
    // Staff: refused (403, audited by the endpoint's role check); no mailbox id, no body needed to tell.
    const staffToken = await stack.issuer.mintUserToken(alice);
    const refused = await fetch(`${baseUrl}/api/archive/retention/reassignments`, { method: 'POST', headers: { authorization: `Bearer ${staffToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ mailboxId: alice.oid }) });
    expect(refused.status).toBe(403);
    const recordsToken = await stack.issuer.mintUserToken(records);
    const bad = await fetch(`${baseUrl}/api/archive/retention/reassignments`, { method: 'POST', headers: { authorization: `Bearer ${recordsToken}`, 'content-type': 'application/json', 'accept-language': 'en' }, body: JSON.stringify({ mailboxId: 'not an id!', ruleId: 'COUR-GEN' }) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('mailboxId');

    const tab = await openTab(browser, archivePage());
    const { page } = tab;
    await signIn(page, records.name);
    await page.getByRole('tab', { name: 'Gestion documentaire' }).click();
    // The list only ever offers the answer for the text in the box: while that answer is held back
    // (a slow connection), it says it is searching rather than showing the previous list, which would
    // reorder under the pointer when the answer lands.
    await page.locator('#r-mailbox').click();
    await expect.poll(() => page.getByRole('listbox').getByRole('option').allTextContents(), { timeout: 25_000 }).toContain(`${alice.name} (gtremblay@spgq.local)`);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/archive/mailboxes/search', async (route) => {
      if ((route.request().postData() ?? '').includes('Genev')) await held;
      await route.continue();
    });
    await page.locator('#r-mailbox').fill('Genev');
    await expect.poll(() => page.getByRole('listbox').getByRole('option').allTextContents(), { timeout: 25_000 }).toEqual(['Recherche…']);
    release();
    await expect.poll(() => page.getByRole('listbox').getByRole('option').allTextContents(), { timeout: 25_000 }).toEqual([`${alice.name} (gtremblay@spgq.local)`]);
    await page.getByRole('option', { name: new RegExp(alice.name) }).click();
    await expect.poll(() => page.getByRole('listbox').count()).toBe(0);
    await page.getByRole('button', { name: 'Réattribuer', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    await expect.poll(() => dialog.textContent(), { timeout: 15_000 }).toContain(`Tous les courriels archivés de ${alice.name} passeront à la règle « Celle du calendrier pour cette boîte »`);
    expect(await dialog.textContent()).toContain('une politique d’immuabilité plus longue déjà posée est conservée');
    await dialog.getByRole('button', { name: 'Réattribuer' }).click();
    // Alice's mail captured under COUR-GRIEF goes to the calendar's rule for her mailbox (the default).
    await expect.poll(() => page.locator('#records').textContent(), { timeout: 90_000 }).toMatch(/Réattribution terminée : [1-9]\d* courriel\(s\) réattribué\(s\), dont 0 gardé\(s\) plus longtemps/);
    const rules = new Set<string | null>();
    for await (const e of stack.services.search.all({ mailboxId: alice.oid })) rules.add(e.retentionRuleId);
    expect([...rules]).toEqual(['COUR-GEN']);
    const audit = await stack.services.audit.query({ from: new Date(Date.now() - 600_000), to: new Date(Date.now() + 60_000), pageSize: 50 });
    expect(audit.items.filter((r) => r.action.startsWith('retention-reassign')).map((r) => [r.action, r.target.mailboxId])).toEqual(
      expect.arrayContaining([['retention-reassign', alice.oid], ['retention-reassign-complete', alice.oid]]),
    );
    expect(tab.errors).toEqual([]);
    await tab.close();
  }, 150_000);
});
