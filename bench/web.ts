/**
 * npm run bench:web — the Teams tab's weight and speed: builds the app (tsc + web/build.mjs),
 * starts the function app in the local host on fresh emulators with one mailbox of archived
 * mail, and loads the shell on the archive page in headless Chromium, already signed in (as
 * Teams SSO would be: the token is in the tab's session), with an empty cache each time.
 *
 * js_kb_gzip: gzip size of every JavaScript response the page loaded (shell + archive page).
 * interactive_ms: from navigation start to the app's "spgq:archive-interactive" mark (the mail
 * list rendered after sign-in), median of 5 cold-cache loads after one warm-up.
 * Budget: <= 350 KB and < 1500 ms. The last line printed is one JSON object.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID, createHash } from 'node:crypto';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CosmosClient } from '@azure/cosmos';
import { chromium } from 'playwright-core';
import { startAzurite } from '../dev/local-stack/azurite';
import { startCosmosEmulator } from '../dev/local-stack/cosmos';
import { startServiceBusEmulator } from '../dev/servicebus-emulator';
import { startTokenIssuer, DEMO_USERS } from '../dev/token-issuer';
import { CONTAINERS, MODEL_VERSION, PARTITION_KEY_PATHS, contentBlobName, messageEntryId, messagePartitionKey, type MailboxRecord, type MessageEntry } from '../shared/archive/model';
import { waitForLine } from './child-service';
import { ensureContainer } from '../shared/platform/adapters/cosmos';

const ROOT = path.resolve(__dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = 5;
const DATABASE = 'spgq';

/** One staff mailbox with 60 messages, as capture would have indexed them (the list shows 25). */
async function seed(emulator: { endpoint: string; key: string }, user: { oid: string; name: string }): Promise<void> {
  // As the app talks to the emulator (shared/platform/adapters/clients.ts): one region over HTTP, no discovery.
  const database = new CosmosClient({ endpoint: emulator.endpoint, key: emulator.key, connectionPolicy: { enableEndpointDiscovery: false } }).database(DATABASE);
  const mailboxes = await ensureContainer(database, CONTAINERS.mailboxes, PARTITION_KEY_PATHS.mailboxes);
  const messages = await ensureContainer(database, CONTAINERS.messages, PARTITION_KEY_PATHS.messages);
  const now = new Date().toISOString();
  const record: MailboxRecord = { id: 'mailbox', type: 'mailbox', mailboxId: user.oid, address: 'gtremblay@spgq.local', displayName: user.name, kind: 'staff', department: null, accountEnabled: true, firstSeenAt: now, lastSeenInScopeAt: now, goneAt: null, version: MODEL_VERSION };
  await mailboxes.items.upsert(record);
  for (let i = 0; i < 60; i++) {
    const receivedAt = new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString();
    const messageId = `AAMk-${randomUUID()}`;
    const contentHash = createHash('sha256').update(messageId).digest('hex');
    const entry: MessageEntry = {
      id: messageEntryId(user.oid, messageId), pk: messagePartitionKey(user.oid, receivedAt), type: 'message', mailboxId: user.oid, messageId,
      folderId: 'inbox', folderPath: 'Boîte de réception', contentHash, blobName: contentBlobName(contentHash), rawSize: 4096, compressedSize: 2048,
      from: { name: 'Comité exécutif', address: 'comite@spgq.local' }, to: [{ name: user.name, address: 'gtremblay@spgq.local' }], cc: [], bcc: [],
      subject: `Procès-verbal de la réunion n° ${i + 1}`, sentAt: receivedAt, receivedAt, attachmentNames: i % 3 === 0 ? ['ordre-du-jour.pdf'] : [],
      conversationId: null, internetMessageId: null, retentionRuleId: 'COUR-GEN', retainUntil: new Date(Date.parse(receivedAt) + 7 * 365 * 86_400_000).toISOString(),
      holds: [], capturedAt: now, removedAt: null, version: MODEL_VERSION,
    };
    await messages.items.upsert(entry);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed');
  const [azurite, cosmos, bus, issuer] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    startCosmosEmulator({ port: 0 }),
    startServiceBusEmulator({ config: path.join(ROOT, 'dev/local-stack/servicebus-config.json') }),
    startTokenIssuer(),
  ]);
  const user = DEMO_USERS[0]!;
  let host: ChildProcess | undefined;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    await seed(cosmos, user);
    host = spawn(process.execPath, [path.join(ROOT, 'dist-dev/host/cli.js'), '--app', ROOT, '--port', '0'], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOCAL_MODE: 'true',
        DEPLOYMENT_REGION: 'canadacentral',
        AzureWebJobsStorage: azurite.connectionString,
        CosmosDb: cosmos.connectionString,
        COSMOS_DATABASE: DATABASE,
        ServiceBusConnection: bus.connectionString,
        GRAPH_BASE_URL: 'https://127.0.0.1:1/v1.0',
        ARCHIVE_RUN_ON_STARTUP: 'false',
        AUTH_TENANT_ID: issuer.tenantId,
        AUTH_CLIENT_ID: issuer.clientId,
        AUTH_AUTHORITY: issuer.authority,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = await waitForLine(host, /\{"ready":true,"port":(\d+)\}/, 'Functions host', 90_000);
    const baseUrl = `http://127.0.0.1:${(JSON.parse(ready) as { port: number }).port}`;
    const token = await issuer.mintUserToken(user, { expiresInSeconds: 3600 });

    const load = async () => {
      const context = await browser.newContext({ locale: 'fr-CA', viewport: { width: 1280, height: 900 } });
      // Signed in as with Teams SSO: the token is already the tab's (no person picking a name).
      await context.addInitScript(`sessionStorage.setItem('spgq.token', ${JSON.stringify(token)})`);
      const page = await context.newPage();
      const scripts: Promise<{ url: string; gzip: number }>[] = [];
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('response', (r) => {
        if (r.request().resourceType() === 'script') scripts.push(r.body().then((b) => ({ url: r.url(), gzip: gzipSync(b).length })));
      });
      await page.goto(`${baseUrl}/api/web/archive.html`);
      await page.waitForFunction(() => performance.getEntriesByName('spgq:archive-interactive').length > 0, undefined, { timeout: 30_000 });
      const interactive = await page.evaluate(() => performance.getEntriesByName('spgq:archive-interactive')[0]!.startTime);
      const rows = await page.locator('#archive-results tbody tr').count();
      const loaded = await Promise.all(scripts);
      await context.close();
      if (errors.length) throw new Error(`console errors: ${errors.join('; ')}`);
      if (rows === 0) throw new Error('the mail list did not render');
      return { interactive, rows, loaded };
    };

    await load(); // warm-up: the host compiles its first requests
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await load());
    const last = runs[runs.length - 1]!;
    for (const s of last.loaded) console.log(`  ${path.basename(new URL(s.url).pathname)}  ${(s.gzip / 1024).toFixed(1)} KB gzip`);
    console.log(`  mail rows shown: ${last.rows}; interactive (ms) per run: ${runs.map((r) => Math.round(r.interactive)).join(', ')}`);
    const jsKb = last.loaded.reduce((n, s) => n + s.gzip, 0) / 1024;
    console.log(JSON.stringify({ js_kb_gzip: Math.round(jsKb * 10) / 10, interactive_ms: Math.round(median(runs.map((r) => r.interactive))) }));
  } finally {
    await browser.close();
    if (host && host.exitCode === null) {
      const exited = new Promise((r) => host!.once('exit', r));
      host.kill('SIGTERM');
      await exited;
    }
    await Promise.allSettled([azurite.stop(), cosmos.stop(), bus.stop(), issuer.stop()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
