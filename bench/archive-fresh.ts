/**
 * npm run bench:archive-fresh — archive freshness with Graph change notifications
 * (docs/decisions/0018), on the real stack: the function app on the local Functions host, the
 * Service Bus emulator, the Cosmos DB emulator, Azurite, and the Microsoft 365 sandbox (its own
 * process) with BENCH_MAILBOXES mailboxes in the archive's scope, Outlook throttling on.
 *
 * 1. Start-up: the app subscribes every mailbox (validation handshake against the host) and
 *    catches each up; the bench waits until every mailbox is `listening` and swept once.
 * 2. Load: a message delivered every BENCH_INTERVAL_MS to a random mailbox for BENCH_DURATION_S
 *    (default 100 ms for 300 s: 3,000 messages). Freshness of a message = its index entry's
 *    capturedAt minus the moment the bench asked the sandbox to deliver it (conservative: the
 *    message exists a little later). After the last one, up to BENCH_DRAIN_S for the rest;
 *    `lost` = messages not archived by then (a dropped notification would wait for the daily
 *    sweep: it counts as lost here).
 * 3. Idle: BENCH_IDLE_DAYS days of a quiet tenant, time-scaled: each "day" the bench ages every
 *    mailbox's last sweep by 25 hours (what a day does) and waits for the schedule (every 15 s
 *    here) to sweep them all. Outlook requests per mailbox (the sandbox's per-mailbox counter) and
 *    subscription requests are counted over those days; subscription renewals, which a real day
 *    would add, are added by their rate: one PATCH per half lifetime (ARCHIVE_SUBSCRIPTION_MINUTES
 *    10,000: 0.288 a day).
 *
 * Last line: {"freshness_p50_s":..,"freshness_p95_s":..,"idle_requests_per_mailbox_day":..,"lost":..}
 * Targets (issue #23): freshness_p95_s <= 60, idle_requests_per_mailbox_day <= 30, lost 0.
 * Knobs: BENCH_MAILBOXES (200), BENCH_INTERVAL_MS (100), BENCH_DURATION_S (300), BENCH_DRAIN_S
 * (240), BENCH_IDLE_DAYS (2), BENCH_WINDOW_S (the coalescing window, 10).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { startAzurite } from '../dev/local-stack/azurite';
import { startCosmosEmulator } from '../dev/local-stack/cosmos';
import { SandboxControl, type M365Sandbox, type M365SandboxOptions } from '../dev/m365-sandbox';
import { startServiceBusEmulator } from '../dev/servicebus-emulator';
import { startTokenIssuer } from '../dev/token-issuer';
import { CONTAINERS, type ArchiveSubscription } from '../shared/archive/model';
import { startChildService } from './child-service';

const ROOT = path.resolve(__dirname, '..');
const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 200);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 100);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 300);
const DRAIN_S = Number(process.env.BENCH_DRAIN_S ?? 240);
const IDLE_DAYS = Number(process.env.BENCH_IDLE_DAYS ?? 2);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const SUBSCRIPTION_MINUTES = 10_000;
const NEVER = '0 0 0 1 1 *';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stderr.write(`${line}\n`);

async function until<T>(what: string, check: () => Promise<T | undefined>, limitMs: number): Promise<T> {
  let last: unknown;
  for (const end = Date.now() + limitMs; Date.now() < end; await sleep(1000)) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`${what} did not happen in ${limitMs} ms (last error: ${String(last)})`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-archive-fresh-'));
  // The sandbox puts about 85% of the mailboxes it fills in the archive group (plus the shared
  // ones): fill enough for BENCH_MAILBOXES in scope.
  const sandboxOptions: M365SandboxOptions = { seed: 20261206, scale: { mailboxes: Math.ceil(MAILBOXES / 0.8), messagesPerMailbox: 2 } };
  const [azurite, cosmosEmulator, bus, sandboxChild] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    startCosmosEmulator({ port: 0 }),
    startServiceBusEmulator({ config: path.join(ROOT, 'dev/local-stack/servicebus-config.json') }),
    startChildService<Omit<M365Sandbox, 'stop'>>('archive-sandbox.ts', sandboxOptions),
  ]);
  const sandbox = sandboxChild.ready;
  const issuer = await startTokenIssuer({});
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const port = await freePort();
  const database = `bench-fresh-${Date.now().toString(36)}`;
  const sample = JSON.parse(readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  const env: Record<string, string> = {
    ...sample.Values,
    AzureWebJobsStorage: azurite.connectionString,
    CosmosDb: cosmosEmulator.connectionString,
    COSMOS_DATABASE: database,
    ServiceBusConnection: bus.connectionString,
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    AUTH_TENANT_ID: issuer.tenantId,
    AUTH_CLIENT_ID: issuer.clientId,
    AUTH_AUTHORITY: issuer.authority,
    DURABLE_TASK_HUB_NAME: `benchfresh${Date.now().toString(36)}`,
    APP_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ARCHIVE_NOTIFICATION_KEY: 'bench-archive-fresh-notification-key-0123456789',
    ARCHIVE_NOTIFICATION_WINDOW_SECONDS: String(WINDOW_S),
    ARCHIVE_SUBSCRIPTION_MINUTES: String(SUBSCRIPTION_MINUTES),
    ARCHIVE_SUBSCRIPTIONS_SCHEDULE: '*/10 * * * * *',
    ARCHIVE_LISTENING_SWEEP_MINUTES: '1440',
    ARCHIVE_SCHEDULE: '*/15 * * * * *',
    ARCHIVE_RUN_ON_STARTUP: 'true',
    ARCHIVE_SCOPE_GROUP: 'Archivage-Courriels',
    ARCHIVE_SHARED_MAILBOXES: sandbox.tenant.sharedMailboxIds.join(','),
    ARCHIVE_GRAPH_SLOTS: 'local',
    ARCHIVE_WAVE_SPREAD_SECONDS: '0',
    ARCHIVE_SWEEP_SCHEDULE: NEVER,
    ARCHIVE_DISPOSITION_SCHEDULE: NEVER,
    ARCHIVE_INTEGRITY_SCHEDULE: NEVER,
    PEOPLE_SYNC_SCHEDULE: NEVER,
    TRAINING_CYCLES_SCHEDULE: NEVER,
    TRAINING_REMINDER_SCHEDULE: NEVER,
    COLLABORATION_DRIFT_SCHEDULE: NEVER,
    RELAY_DEADLETTER_SCHEDULE: NEVER,
  };
  const cs = cosmosEmulator.connectionString;
  const cosmos = new CosmosClient({ endpoint: /AccountEndpoint=([^;]+)/.exec(cs)![1]!, key: /AccountKey=([^;]+)/.exec(cs)![1]!, connectionPolicy: { enableEndpointDiscovery: false } });
  const db = cosmos.database(database);
  const control = new SandboxControl(sandbox);
  let host: ChildProcess | undefined;
  let log = '';
  try {
    host = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/host/cli.ts'), '--app', ROOT, '--port', String(port)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    host.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    host.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await until('the host ready', async () => /\{"ready":true,"port":(\d+)\}/.exec(log)?.[1], 120_000);
    const subscriptions = async () => (await db.container(CONTAINERS.subscriptions).items.query<ArchiveSubscription>("SELECT * FROM c WHERE c.type = 'subscription'").fetchAll()).resources;
    const mailboxCount = async () => (await db.container(CONTAINERS.mailboxes).items.query<number>("SELECT VALUE COUNT(1) FROM c WHERE c.type = 'mailbox'").fetchAll()).resources[0] ?? 0;

    // 1. Every mailbox listening and swept once.
    const setupStart = Date.now();
    let previousKnown = -1;
    const inScope = await until('every mailbox listening', async () => {
      const [docs, known] = await Promise.all([subscriptions(), mailboxCount()]);
      say(`setup: ${docs.filter((d) => d.mode === 'listening' && d.lastSweepAt).length}/${known} listening`);
      // The same count twice: the first schedule tick has recorded the whole scope.
      const settled = known === previousKnown;
      previousKnown = known;
      return settled && known >= MAILBOXES && docs.length === known && docs.every((d) => d.mode === 'listening' && d.lastSweepAt) ? docs.map((d) => d.mailboxId) : undefined;
    }, 1_800_000);
    // The load goes to BENCH_MAILBOXES of them; every mailbox in scope counts in the idle phase.
    const mailboxIds = inScope.slice(0, MAILBOXES);
    say(`setup: ${mailboxIds.length} mailboxes listening after ${Math.round((Date.now() - setupStart) / 1000)} s`);
    await sleep(WINDOW_S * 1000 + 5000);

    // 2. Load.
    const sent = new Map<string, number>();
    const failures: unknown[] = [];
    const inFlight = new Set<Promise<unknown>>();
    const loadStart = Date.now();
    for (let n = 0; Date.now() - loadStart < DURATION_S * 1000; n++) {
      const due = loadStart + n * INTERVAL_MS;
      if (due > Date.now()) await sleep(due - Date.now());
      const subject = `fresh-${n}`;
      const mailboxId = mailboxIds[Math.floor(Math.random() * mailboxIds.length)]!;
      sent.set(subject, Date.now());
      const p = control.addMessage(mailboxId, { subject }).catch((e: unknown) => {
        failures.push(e);
        sent.delete(subject);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (n % 200 === 0) say(`load: ${n} sent`);
    }
    await Promise.all(inFlight);
    const lastSent = Date.now();
    const captured = new Map<string, number>();
    const readCaptured = async () => {
      const { resources } = await db.container(CONTAINERS.messages).items
        .query<{ subject: string; capturedAt: string }>("SELECT c.subject, c.capturedAt FROM c WHERE STARTSWITH(c.subject, 'fresh-')")
        .fetchAll();
      for (const r of resources) if (!captured.has(r.subject)) captured.set(r.subject, Date.parse(r.capturedAt));
    };
    while (Date.now() - lastSent < DRAIN_S * 1000) {
      await readCaptured();
      say(`drain: ${captured.size}/${sent.size} archived`);
      if ([...sent.keys()].every((s) => captured.has(s))) break;
      await sleep(5000);
    }
    const freshness = [...sent].flatMap(([subject, at]) => (captured.has(subject) ? [(captured.get(subject)! - at) / 1000] : [])).sort((a, b) => a - b);
    const lost = [...sent.keys()].filter((s) => !captured.has(s)).length;
    const notificationRuns = log.split('\n').filter((l) => l.includes('archive.run.start') && l.includes('"reason":"notification"')).length;
    const notificationStats = await control.notificationStats();
    const modesAfterLoad = Object.fromEntries(['listening', 'polling', 'repairing'].map((m) => [m, 0]));
    for (const d of await subscriptions()) modesAfterLoad[d.mode] = (modesAfterLoad[d.mode] ?? 0) + 1;
    say(`after load: ${JSON.stringify({ modesAfterLoad, notificationStats })}`);

    // 3. Idle days, time-scaled.
    await sleep(WINDOW_S * 1000 + 5000);
    await control.resetRequestCounts();
    const idleStart = Date.now();
    for (let day = 0; day < IDLE_DAYS; day++) {
      const dayStart = new Date().toISOString();
      const container = db.container(CONTAINERS.subscriptions);
      for (const d of await subscriptions()) await container.items.upsert({ ...d, lastSweepAt: new Date(Date.now() - 25 * 3600_000).toISOString() });
      // Listening mailboxes are swept; any not listening (repairing, polling) is polled at every
      // schedule tick meanwhile, and its requests count too.
      await until(`idle day ${day + 1} swept`, async () => {
        const docs = (await subscriptions()).filter((d) => d.mode === 'listening');
        say(`idle day ${day + 1}: ${docs.filter((d) => d.lastSweepAt && d.lastSweepAt >= dayStart).length}/${docs.length} listening mailboxes swept`);
        return docs.every((d) => d.lastSweepAt && d.lastSweepAt >= dayStart) ? true : undefined;
      }, 900_000);
      // The sweeps queued, now let them run to the end: no run ends for 10 s (the timers keep logging).
      const runEnds = () => log.split('\n').filter((l) => l.includes('archive.run.end')).length;
      for (let quiet = 0, seen = runEnds(); quiet < 5; await sleep(2000)) {
        const now = runEnds();
        quiet = now === seen ? quiet + 1 : 0;
        seen = now;
      }
    }
    const stats = await control.stats();
    const outlook = Object.values(stats.byMailbox).reduce((a, b) => a + b, 0);
    const renewalsPerDay = 1440 / (SUBSCRIPTION_MINUTES / 2);
    const idlePerMailboxDay = (outlook + stats.subscriptionRequests) / (inScope.length * IDLE_DAYS) + renewalsPerDay;

    const result = {
      freshness_p50_s: Math.round(percentile(freshness, 50) * 10) / 10,
      freshness_p95_s: Math.round(percentile(freshness, 95) * 10) / 10,
      idle_requests_per_mailbox_day: Math.round(idlePerMailboxDay * 10) / 10,
      lost,
      freshness_max_s: Math.round((freshness[freshness.length - 1] ?? NaN) * 10) / 10,
      sent: sent.size,
      send_failures: failures.length,
      mailboxes: mailboxIds.length,
      mailboxes_in_scope: inScope.length,
      duration_s: DURATION_S,
      interval_ms: INTERVAL_MS,
      window_s: WINDOW_S,
      notification_runs: notificationRuns,
      notifications_delivered: notificationStats.delivered,
      notifications_dropped: notificationStats.dropped,
      notification_endpoint: Object.values(notificationStats.endpoints).map((e) => e.state),
      modes_after_load: modesAfterLoad,
      idle_days: IDLE_DAYS,
      idle_outlook_requests: outlook,
      idle_subscription_requests: stats.subscriptionRequests,
      idle_seconds: Math.round((Date.now() - idleStart) / 1000),
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (error) {
    say(log.slice(-6000));
    throw error;
  } finally {
    cosmos.dispose();
    if (host && host.exitCode === null) {
      const exited = new Promise((r) => host!.once('exit', r));
      host.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }
    await Promise.allSettled([bus.stop(), sandboxChild.stop(), issuer.stop(), azurite.stop(), cosmosEmulator.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
