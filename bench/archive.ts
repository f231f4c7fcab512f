/**
 * npm run bench:archive — email archive capture against the local stack, measured in one run:
 * a Microsoft 365 sandbox scaled to >= 50 mailboxes x 400 messages, Azurite and the Cosmos
 * emulator, each in its own process; this process is the app.
 *
 * 1. rss: peak RSS growth of this process (the app's) while it stores the 100 MB message.
 * 2. Throttling on (time-scaled Outlook limits: BENCH_WINDOW_REQUESTS per mailbox per scaled
 *    10-minute window, 4 concurrent): archive every mailbox, BENCH_PARALLEL runs at once.
 *    utilization = Outlook requests sent / requests permitted over each mailbox's run time;
 *    throttled_share = answers 429 / Outlook requests.
 * 3. Throttling off, on freshly started emulators: archive every mailbox; messages/s end to end.
 * 4. 1% of messages change (adds, moves, deletes); an incremental run of every mailbox;
 *    requests_per_change = HTTP requests the sandbox received / changed messages.
 * 5. Raw ceiling: the pipeline's storage writes alone, per message the same as capture makes
 *    them (conditional Put Blob of the compressed size with its metadata, headers and index tag;
 *    the index's locator upsert and entry create, through the app's own CosmosMessageIndex), the
 *    same number of messages, with 4 writers and with as many as the pipeline has messages in
 *    progress, each on freshly started emulators with the pipeline's stopped; the better rate is
 *    the ceiling. pipeline_vs_raw = (3) / (5).
 * Last line: {"utilization":..,"throttled_share":..,"pipeline_vs_raw":..,"rss_delta_mb":..,"requests_per_change":..}
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../dev/local-stack/azurite';
import { cpuMeter, startChildService } from './child-service';
import { describeInFlight, inFlightMeter } from './in-flight';
import { SandboxControl, type M365Sandbox, type M365SandboxOptions } from '../dev/m365-sandbox';
import { startTokenIssuer } from '../dev/token-issuer';
import { cosmosDatabase, resetClientsForTests } from '../shared/platform/adapters/clients';
import { parseSettings } from '../shared/platform/settings';
import { forEachLimited } from '../shared/archive/capture/mailbox-archiver';
import { CONTAINERS, type MessageEntry } from '../shared/archive/model';
import { CosmosMessageIndex } from '../shared/archive/adapters/message-index';
import { buildArchiveServices } from '../shared/archive/adapters/capture-services';
import { buildRecordsServices } from '../shared/archive/adapters/records-services';

const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 50);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 400);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
/** Mailboxes archived in the throttled phase, THROTTLED_PARALLEL at once (see the note there). */
const THROTTLED_MAILBOXES = Number(process.env.BENCH_THROTTLED_MAILBOXES ?? 8);
const THROTTLED_PARALLEL = Number(process.env.BENCH_THROTTLED_PARALLEL ?? 2);
/** Scaled window: 10 minutes become BENCH_WINDOW_MS; the request count is scaled with it. */
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 5000);
const WINDOW_REQUESTS = Number(process.env.BENCH_WINDOW_REQUESTS ?? 30);
const log = (line: string) => process.stdout.write(`${line}\n`);

/** The sandbox in a child process (its CPU is not the app's), stopped with SIGTERM. */
async function startM365Sandbox(options: M365SandboxOptions): Promise<M365Sandbox & { pid: number | undefined }> {
  const child = await startChildService<Omit<M365Sandbox, 'stop'>>('archive-sandbox.ts', options);
  running.add(child.stop);
  return { ...child.ready, pid: child.pid, stop: child.stop };
}

/** Stops of the processes started, so a failed run leaves none behind. */
const running = new Set<() => Promise<void>>();

/**
 * BENCH_CPU_PROFILE=<dir>: the app's CPU profile of one phase, written as <dir>/<name>.cpuprofile
 * (the child processes profile their whole life: see child-service.ts).
 */
async function profileApp(): Promise<{ stop(name: string): Promise<void> }> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return { stop: async () => undefined };
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async (name) => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** CPU milliseconds per message of each process, for the log. */
function cpuPerMessage(used: Record<string, number>, messages: number): string {
  return Object.entries(used).map(([name, ms]) => `${name} ${(ms / messages).toFixed(2)}`).join(', ');
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-archive-'));
  /**
   * Azurite and the Cosmos emulator, fresh. The pipeline and raw phases each get their own pair:
   * both then start from empty storage, with no earlier phase's deleted data for Azurite to clean
   * up in the background while they are measured (that moved the raw ceiling by up to 35%).
   */
  async function startStorage(name: string) {
    // On disk: gigabytes of content would make an in-memory Azurite slow (and eat the machine's RAM).
    const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`, `--cpu-prof-name=azurite-${name}.cpuprofile`] : [];
    const azurite = await startAzurite({ location: path.join(dir, `azurite-${name}`), nodeArgs: profile });
    running.add(azurite.stop);
    // In its own process, as Azurite and the sandbox are: the app's process does the app's work only.
    const cosmos = await startChildService<{ connectionString: string }>('cosmos-process.ts', {});
    running.add(cosmos.stop);
    return {
      azurite,
      cosmos,
      ports: { azurite: azurite.blobPort, cosmos: Number(new URL(/AccountEndpoint=([^;]+)/.exec(cosmos.ready.connectionString)![1]!).port) },
      blobs: BlobServiceClient.fromConnectionString(azurite.connectionString),
      stop: async () => {
        running.delete(cosmos.stop);
        running.delete(azurite.stop);
        await cosmos.stop();
        await azurite.stop();
        rmSync(path.join(dir, `azurite-${name}`), { recursive: true, force: true });
      },
    };
  }
  type Storage = Awaited<ReturnType<typeof startStorage>>;
  const first = await startStorage('rss-throttled');
  const issuer = await startTokenIssuer({});
  const scale = { mailboxes: MAILBOXES, messagesPerMailbox: MESSAGES };

  async function servicesFor(storage: Storage, sandbox: M365Sandbox, database: string, extra: Record<string, string> = {}) {
    const caFile = path.join(dir, `${new URL(sandbox.baseUrl).port}.pem`);
    writeFileSync(caFile, sandbox.caCertPem);
    await resetClientsForTests();
    const s = parseSettings({
      LOCAL_MODE: 'true', AzureWebJobsStorage: storage.azurite.connectionString, CosmosDb: storage.cosmos.ready.connectionString, COSMOS_DATABASE: database,
      ServiceBusConnection: 'Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=local;SharedAccessKey=bG9jYWw=;UseDevelopmentEmulator=true',
      GRAPH_BASE_URL: sandbox.graphBaseUrl, GRAPH_CA_FILE: caFile, AUTH_TENANT_ID: issuer.tenantId, AUTH_CLIENT_ID: issuer.clientId, AUTH_AUTHORITY: issuer.authority,
      // The app's defaults otherwise (leased Graph slots, page size 50), as it runs in Azure.
      ARCHIVE_GRAPH_SLOTS: 'leased', ...extra,
    });
    // As the app wires capture: each new entry gets its retention rule and active holds.
    return { s, services: buildArchiveServices(s, buildRecordsServices(s)) };
  }

  async function mailboxesOf(sandbox: M365Sandbox): Promise<string[]> {
    const control = new SandboxControl(sandbox);
    const ids: string[] = [];
    for (const id of [...sandbox.tenant.staffIds, ...sandbox.tenant.sharedMailboxIds]) {
      const folders = await control.folders(id).catch(() => []);
      if (folders.reduce((n, f) => n + f.totalItemCount, 0) > 0) ids.push(id);
    }
    return ids;
  }

  // 1. RSS while archiving the 100 MB message (first, on a quiet heap): a few ordinary messages
  //    warm the code paths and connection pools, then the 100 MB one is stored alone.
  const plain = await startM365Sandbox({ scale, throttling: false });
  const large = plain.tenant.largeMessage!;
  const all = (await mailboxesOf(plain)).filter((id) => id !== large.userId);
  log(`sandbox: ${all.length + 1} mailboxes with mail (${MESSAGES} messages each, one holding a 100 MB message)`);
  let rssDeltaMb: number;
  {
    const { services } = await servicesFor(first, plain, 'bench-rss');
    const pages = await services.mail.deltaPages(all[0]!, [{ folderId: 'inbox', link: null }]);
    const page = pages.get('inbox');
    for (const item of page?.kind === 'page' ? page.items.slice(0, 20) : []) {
      if (item.kind === 'present') await services.content.store(await services.mail.openMime(all[0]!, item.message.messageId));
    }
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const stored = await services.content.store(await services.mail.openMime(large.userId, large.messageId));
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    rssDeltaMb = (peak - base) / 1024 / 1024;
    log(`rss: +${rssDeltaMb.toFixed(1)} MB peak while storing a ${(stored.rawSize / 1024 / 1024).toFixed(0)} MB message (from ${(base / 1024 / 1024).toFixed(0)} MB)`);
  }

  // 2. Throttling on.
  const throttled = await startM365Sandbox({ scale, throttling: { concurrentRequestsPerApp: 4, requestsPerMailboxPerWindow: WINDOW_REQUESTS, windowMs: 600_000 }, timeScale: 600_000 / WINDOW_MS });
  let utilization: number;
  let throttledShare: number;
  {
    // This phase shares the first storage with the rss phase: it starts without that one's content.
    for (const c of [CONTAINERS.content, CONTAINERS.staging, CONTAINERS.locks]) await first.blobs.getContainerClient(c).deleteIfExists();
    const { services } = await servicesFor(first, throttled, 'bench-throttled', { ARCHIVE_GRAPH_WINDOW_REQUESTS: String(WINDOW_REQUESTS), ARCHIVE_GRAPH_WINDOW_SECONDS: String(WINDOW_MS / 1000) });
    // The permitted rate must be the binding limit, below what the pipeline can do on this machine
    // (about 50 messages/s): a few mailboxes at once, each with its scaled window. At that rate the
    // whole tenant would take over ten minutes, so this phase archives a subset of the mailboxes.
    let permitted = 0;
    const subset = all.slice(0, THROTTLED_MAILBOXES);
    const started = performance.now();
    await forEachLimited(subset, THROTTLED_PARALLEL, async (id) => {
      const t0 = performance.now();
      await services.archiver.archive(id, { deadline: Date.now() + 3_600_000 });
      permitted += ((performance.now() - t0) / WINDOW_MS) * WINDOW_REQUESTS;
    });
    const seconds = (performance.now() - started) / 1000;
    const stats = services.budget.stats;
    utilization = stats.outlookRequests / permitted;
    throttledShare = stats.throttled / stats.outlookRequests;
    log(`throttled: ${subset.length} mailboxes (${THROTTLED_PARALLEL} at once, ${WINDOW_REQUESTS} requests per mailbox per ${WINDOW_MS} ms) in ${seconds.toFixed(1)} s, ${stats.outlookRequests} Outlook requests (${stats.requests} HTTP), permitted ${permitted.toFixed(0)} over the mailboxes' run times -> utilization ${utilization.toFixed(3)}; ${stats.throttled} answered 429 (${(throttledShare * 100).toFixed(2)}%); requests waited ${(stats.waitsForWindowMs / 1000).toFixed(0)} s in all for mailbox windows`);
  }
  await throttled.stop();
  await first.stop();

  // 3. Throttling off, fresh storage: end-to-end messages/s.
  const pipelineStorage = await startStorage('pipeline');
  let pipelinePerS: number;
  let entries: MessageEntry[];
  /** The most messages the pipeline has in progress at once (mailboxes x message concurrency). */
  let pipelineWriters = 0;
  {
    const { s, services } = await servicesFor(pipelineStorage, plain, 'bench-pipeline');
    pipelineWriters = PARALLEL * s.archive.messageConcurrency;
    let stored = 0;
    const cpu = cpuMeter({ app: process.pid, sandbox: plain.pid, azurite: pipelineStorage.azurite.pid, cosmos: pipelineStorage.cosmos.pid });
    const profile = await profileApp();
    const inFlight = inFlightMeter(pipelineStorage.ports);
    const started = performance.now();
    await forEachLimited(all, PARALLEL, async (id) => {
      const result = await services.archiver.archive(id, { deadline: Date.now() + 3_600_000 });
      stored += result.stored;
    });
    const seconds = (performance.now() - started) / 1000;
    const writesInFlight = inFlight();
    await profile.stop('app-pipeline');
    pipelinePerS = stored / seconds;
    const used = cpu();
    entries = (await cosmosDatabase(s).container(CONTAINERS.messages).items.query<MessageEntry>('SELECT * FROM c').fetchAll()).resources;
    const raw = entries.reduce((n, e) => n + e.rawSize, 0) / entries.length;
    const gz = entries.reduce((n, e) => n + e.compressedSize, 0) / entries.length;
    log(`messages: average ${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB compressed`);
    log(`pipeline: ${stored} messages in ${seconds.toFixed(1)} s = ${pipelinePerS.toFixed(1)} messages/s (throttling off, ${PARALLEL} mailboxes at once); CPU ms per message: ${cpuPerMessage(used, stored)}; storage requests in flight on average: ${describeInFlight(writesInFlight)}`);
  }

  // 4. Incremental run after 1% of messages change (before the raw phase, so that phase runs with
  //    nothing else started: the pipeline's emulators are stopped once this is done).
  let requestsPerChange: number;
  {
    // On phase 3's storage: its index and content are the archive this incremental run continues.
    const { services } = await servicesFor(pipelineStorage, plain, 'bench-pipeline');
    const control = new SandboxControl(plain);
    const total = entries.length;
    const changes = Math.max(1, Math.round(total / 100));
    const byMailbox = new Map<string, MessageEntry[]>();
    for (const e of entries) byMailbox.set(e.mailboxId, [...(byMailbox.get(e.mailboxId) ?? []), e]);
    let made = 0;
    const mailboxes = [...byMailbox.keys()];
    for (let i = 0; made < changes; i++) {
      const id = mailboxes[i % mailboxes.length]!;
      const list = byMailbox.get(id)!;
      const kind = made % 3;
      if (kind === 0) await control.addMessage(id, { subject: `Bench change ${made}` });
      else {
        const entry = list.pop()!;
        if (kind === 1) await control.moveMessage(id, entry.messageId, /supprim|deleted/i.test(entry.folderPath) ? 'inbox' : 'deleteditems');
        else await control.deleteMessage(id, entry.messageId);
      }
      made++;
    }
    const before = (await control.stats()).requests;
    let seen = 0;
    await forEachLimited(mailboxes, PARALLEL, async (id) => {
      const r = await services.archiver.archive(id, { deadline: Date.now() + 3_600_000 });
      seen += r.stored + r.relocated + r.removed;
    });
    const requests = (await control.stats()).requests - before;
    requestsPerChange = requests / changes;
    log(`incremental: ${changes} changes (${seen} applied) across ${mailboxes.length} mailboxes; ${requests} HTTP requests to Graph (${services.budget.stats.outlookRequests} Outlook requests counting batch parts) -> ${requestsPerChange.toFixed(2)} per change`);
  }

  await pipelineStorage.stop();

  // 5. Raw write ceiling of the emulators, fresh as the pipeline's were: same count and sizes.
  //    Writers: as many as the pipeline can have messages in progress (PARALLEL mailboxes, each with
  //    its message concurrency). Its downloads are limited to the Outlook concurrency (4), but each
  //    message's writes overlap with the next downloads: the log shows the pipeline keeping 4 to 12
  //    blob writes in flight on average. The rate with 4 writers (the measure of earlier sessions)
  //    is printed too: it understated the ceiling by 10-25%. The ceiling is the better of the two.
  let rawPerS = 0;
  const largest = entries.reduce((n, e) => Math.max(n, e.compressedSize), 0);
  // The bytes are made once, outside the timing: the ceiling is of the writes alone.
  const bytes = randomBytes(largest);
  for (const writers of [4, pipelineWriters]) {
    const storage = await startStorage(`raw-${writers}`);
    const { s } = await servicesFor(storage, plain, 'bench-raw');
    const container = storage.blobs.getContainerClient('bench-raw');
    await container.createIfNotExists();
    const index = new CosmosMessageIndex(cosmosDatabase(s));
    // Every message the pipeline stored, not a sample: the emulators' cost per write grows with
    // what they hold (Azurite's metadata store, the Cosmos emulator's documents), so a shorter raw
    // run would measure a cheaper ceiling than the pipeline faced.
    const cpu = cpuMeter({ app: process.pid, azurite: storage.azurite.pid, cosmos: storage.cosmos.pid });
    const inFlight = inFlightMeter(storage.ports);
    const started = performance.now();
    await forEachLimited(entries, writers, async (entry) => {
      // The writes BlobContentStore.store and CosmosMessageIndex.create make, without Graph, hashing or compression.
      await container.getBlockBlobClient(`raw/${randomUUID()}`).uploadData(bytes.subarray(0, entry.compressedSize), {
        conditions: { ifNoneMatch: '*' },
        metadata: { sha256: entry.contentHash, rawsize: String(entry.rawSize) },
        blobHTTPHeaders: { blobContentType: 'message/rfc822', blobContentEncoding: 'br' },
        tags: { stored: new Date().toISOString() },
      });
      if (!(await index.create({ ...entry, id: randomUUID() }))) throw new Error('raw index write conflicted');
    });
    const perS = entries.length / ((performance.now() - started) / 1000);
    rawPerS = Math.max(rawPerS, perS);
    log(`raw: ${entries.length} blob + index writes, ${writers} writers = ${perS.toFixed(1)} writes/s; CPU ms per write: ${cpuPerMessage(cpu(), entries.length)}; requests in flight on average: ${describeInFlight(inFlight())}`);
    await storage.stop();
  }

  await plain.stop();
  await issuer.stop();
  rmSync(dir, { recursive: true, force: true });
  const round = (n: number) => Math.round(n * 1000) / 1000;
  log(JSON.stringify({ utilization: round(utilization), throttled_share: round(throttledShare), pipeline_vs_raw: round(pipelinePerS / rawPerS), rss_delta_mb: round(rssDeltaMb), requests_per_change: round(requestsPerChange) }));
  process.exit(0);
}

main().catch(async (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  await Promise.all([...running].map((stop) => stop().catch(() => undefined)));
  process.exit(1);
});
