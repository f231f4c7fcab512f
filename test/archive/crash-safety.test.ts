import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type AzuriteInstance } from '../../dev/local-stack/azurite';
import { parseSettings } from '../../shared/platform/settings';
import { buildArchiveServices } from '../../shared/archive/adapters/capture-services';
import { handleMailboxWork } from '../../shared/archive/capture/mailbox-run';
import { sweepOrphans } from '../../shared/archive/capture/orphan-sweep';
import { CONTAINERS, mailboxLockBlobName } from '../../shared/archive/model';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { ordinaryStaffMailbox, sha256Of, startCaptureStack, type CaptureStack } from './capture-stack';

const TRIALS = 20;
let stack: CaptureStack;
let azurite: AzuriteInstance;
let mailboxId: string;
let blobs: BlobServiceClient;

/** Each trial gets its own database and empty containers, so trials cannot hide each other's debris. */
async function freshTrial(name: string) {
  for (const c of [CONTAINERS.content, CONTAINERS.staging, CONTAINERS.locks]) await blobs.getContainerClient(c).deleteIfExists();
  const env = { ...stack.env, COSMOS_DATABASE: name };
  const s = parseSettings(env);
  // Same storage account as the workers, or the comparison would look at the wrong blobs.
  if (s.storage.mode !== 'connectionString' || s.storage.connectionString !== azurite.connectionString) throw new Error('trial storage mismatch');
  const services = buildArchiveServices(s);
  expect(services.content).toBeDefined();
  return { env, services };
}

async function cleanRun(services: ReturnType<typeof buildArchiveServices>) {
  const outcome = await handleMailboxWork(
    { mailboxId, reason: 'manual', runId: 'clean', enqueuedAt: new Date().toISOString() },
    { ...services, queue: { enqueue: async () => undefined }, log: () => undefined },
    { runSeconds: 600, lockSeconds: 15 },
  );
  expect(outcome.status).toBe('done');
  await sweepOrphans(services, { graceMs: 0, now: new Date(Date.now() + 2000) });
}

async function snapshot(services: ReturnType<typeof buildArchiveServices>, database: string) {
  const resources = await cosmosDatabase(parseSettings({ ...stack.env, COSMOS_DATABASE: database })).container(CONTAINERS.messages).items
    .query<{ messageId: string; contentHash: string; folderId: string }>('SELECT c.messageId, c.contentHash, c.folderId FROM c').fetchAll()
    .then((r) => r.resources, (e: { code?: number }) => {
      if (e.code === 404) return []; // killed before the container was made
      throw e;
    });
  const content: string[] = [];
  for await (const blob of services.content.list()) content.push(blob.contentHash);
  const staging: string[] = [];
  for await (const name of services.content.listStaging(new Date(Date.now() + 60_000))) staging.push(name);
  return { entries: resources.map((e) => `${e.messageId} ${e.contentHash} ${e.folderId}`).sort(), content: content.sort(), staging };
}

/** Runs the worker and SIGKILLs it `killAfterMs` after its run started (start-up excluded). */
function runWorkerUntilKilled(env: Record<string, string>, killAfterMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crash-worker.ts')], {
      env: { ...process.env, ...env, CRASH_MAILBOX_ID: mailboxId },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      if (!timer && d.toString().includes('run started')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('finished');
      else reject(new Error(`crash worker failed: ${stderr}`));
    });
  });
}

beforeAll(async () => {
  // Its own Azurite: the trials empty the containers, and the app's clients (cached per process)
  // must point at the same storage as the worker processes.
  azurite = await startAzurite({});
  stack = await startCaptureStack({ sandbox: { scale: { mailboxes: 3, messagesPerMailbox: 40 } }, env: { ARCHIVE_PAGE_SIZE: '5', AzureWebJobsStorage: azurite.connectionString } });
  blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  mailboxId = await ordinaryStaffMailbox(stack);
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
  await stack?.stop();
});

describe('archive crash safety', () => {
  it(`SIGKILLed workers (${TRIALS} trials at random points), then a clean run, leave the same archive as a crash-free run`, async () => {
    const reference = await freshTrial('crash-reference');
    const started = Date.now();
    await cleanRun(reference.services);
    const cleanMs = Date.now() - started;
    const expected = await snapshot(reference.services, 'crash-reference');
    expect(expected.entries.length).toBeGreaterThan(20);
    expect(expected.content).toEqual([...new Set(expected.entries.map((e) => e.split(' ')[1]!))].sort());

    let killed = 0;
    let withDebris = 0;
    for (let trial = 0; killed < TRIALS && trial < TRIALS * 3; trial++) {
      const db = `crash-trial-${trial}`;
      const { env, services } = await freshTrial(db);
      // Somewhere in the run: a worker's run takes at least as long as the warm clean run did.
      const verdict = await runWorkerUntilKilled(env, Math.random() * cleanMs);
      if (verdict === 'killed') killed++;
      const crashed = await snapshot(services, db);
      if (crashed.staging.length || crashed.entries.length < expected.entries.length) withDebris++;
      // The dead worker's lease would expire within 15 s; the harness knows it is dead and breaks it.
      await blobs.getContainerClient(CONTAINERS.locks).getBlobClient(mailboxLockBlobName(mailboxId)).getBlobLeaseClient().breakLease(0).catch(() => undefined);
      await cleanRun(services);
      const after = await snapshot(services, db);
      expect(after.entries).toEqual(expected.entries);
      expect(after.content).toEqual(expected.content);
      expect(after.staging).toEqual([]);
      for (const hash of after.content.slice(0, 3)) expect(await sha256Of(await services.content.open(hash))).toBe(hash);
    }
    expect(killed).toBeGreaterThanOrEqual(TRIALS);
    // The kills really landed mid-run in most trials (something was left to finish).
    expect(withDebris).toBeGreaterThanOrEqual(TRIALS / 2);
  }, 400_000);
});
