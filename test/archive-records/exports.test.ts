import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ServiceBusClient } from '@azure/service-bus';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { blobServiceClient } from '../../shared/platform/adapters/clients';
import { BlobContentStore } from '../../shared/archive/adapters/content-store';
import { Exports } from '../../shared/archive/records/export';
import type { ExportRecord, ExportTiming } from '../../shared/archive/records/export-request';
import { ServiceBusExportQueue } from '../../shared/archive/adapters/export-queue';
import { CONTAINERS } from '../../shared/archive/model';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';
import { takeExportJob } from './export-jobs';
import { invocation } from '../support/app-env';

/**
 * The export worker's failure paths, on the emulators: a failed attempt is retried later from the
 * start, a dead attempt is taken over, a live one is left alone, a stale one that wakes up stops
 * without touching the record, and nothing waits forever.
 */
let stack: RecordsStack;
let bus: ServiceBusEmulator;
let client: ServiceBusClient;
const mailboxId = randomUUID();
const TIMING: ExportTiming = { heartbeatMs: 50, staleMs: 2_000, maxAttempts: 2, retryBaseMs: 100 };

beforeAll(async () => {
  bus = await startServiceBusEmulator({ config: 'dev/local-stack/servicebus-config.json' });
  client = new ServiceBusClient(bus.connectionString);
  stack = await startRecordsStack({ ServiceBusConnection: bus.connectionString });
  await archiveEntry(stack, { mailboxId, receivedAt: '2026-03-01T10:00:00Z', subject: 'Premier' });
  await archiveEntry(stack, { mailboxId, receivedAt: '2026-03-02T10:00:00Z', subject: 'Second' });
});
afterAll(async () => {
  await client?.close();
  await stack?.stop();
  await bus?.stop();
});

/** The real content store, whose open() first runs `before` (a fault, another attempt's write...). */
class ContentWithHook extends BlobContentStore {
  constructor(private readonly before: () => Promise<void>) {
    super(blobServiceClient(), { immutability: 'off' });
  }
  override async open(contentHash: string): Promise<Readable> {
    await this.before();
    return super.open(contentHash);
  }
}

function exportsWith(content: BlobContentStore = stack.content, queueName = 'archive-exports', now: () => Date = () => new Date()): Exports {
  const s = stack.services;
  return new Exports({ records: s.exportRecords, files: s.exportFiles, search: s.search, content, queue: new ServiceBusExportQueue(client, queueName) }, now, TIMING);
}

async function record(id: string): Promise<ExportRecord & { _etag: string }> {
  const { resource } = await (await stack.services.store.recordsContainer()).item(id, 'export').read<ExportRecord & { _etag: string }>();
  return resource!;
}

async function blobExists(name: string): Promise<boolean> {
  return blobServiceClient().getContainerClient(CONTAINERS.exports).getBlobClient(name).exists();
}

const request = { matter: 'Demande 2026-03', format: 'zip' as const, filter: { mailboxId } };

describe('export jobs', () => {
  it('retries a failed attempt later, from the start, into its own blobs', async () => {
    let failures = 1;
    const exports = exportsWith(new ContentWithHook(async () => {
      if (failures-- > 0) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    }));
    const queued = await exports.request(request, 'records-oid');
    const first = await exports.run(await takeExportJob(bus, queued.id));
    expect(first).toEqual({ outcome: 'retry-scheduled', failure: 'error', attempt: 1 });
    expect(await record(queued.id)).toMatchObject({ status: 'queued', attempts: 1, failure: 'error', heartbeatAt: null, completedAt: null });
    // The retry is a scheduled message, not an immediate redelivery.
    expect(bus.counts('archive-exports').scheduled + bus.counts('archive-exports').active).toBe(1);
    const second = await exports.run(await takeExportJob(bus, queued.id));
    expect(second).toEqual({ outcome: 'completed', count: 2, size: expect.any(Number) });
    const done = await record(queued.id);
    expect(done).toMatchObject({ status: 'completed', attempts: 2, count: 2, failure: null, blobName: `${queued.id}/attempt-2/export.zip` });
    expect(await blobExists(done.blobName)).toBe(true);
    expect(await blobExists(`${queued.id}/attempt-1/export.zip`)).toBe(false);
  });

  it('gives up after the last attempt, and at once when a message’s content is missing', async () => {
    const exports = exportsWith(new ContentWithHook(async () => {
      throw new Error('storage unavailable');
    }));
    const queued = await exports.request(request, 'records-oid');
    expect((await exports.run(await takeExportJob(bus, queued.id))).outcome).toBe('retry-scheduled');
    expect(await exports.run(await takeExportJob(bus, queued.id))).toEqual({ outcome: 'failed', failure: 'error' });
    expect(await record(queued.id)).toMatchObject({ status: 'failed', attempts: 2, failure: 'error' });
    expect(bus.counts('archive-exports')).toMatchObject({ active: 0, scheduled: 0 });

    const orphanBox = randomUUID();
    const { entry } = await archiveEntry(stack, { mailboxId: orphanBox, receivedAt: '2026-03-03T10:00:00Z', subject: 'Perdu' });
    await stack.content.delete(entry.contentHash);
    for (const format of ['zip', 'mbox'] as const) {
      const lost = await exportsWith().request({ matter: 'Demande contenu', format, filter: { mailboxId: orphanBox } }, 'records-oid');
      expect(await exportsWith().run(await takeExportJob(bus, lost.id))).toEqual({ outcome: 'failed', failure: 'content-missing' });
      expect(await record(lost.id)).toMatchObject({ status: 'failed', attempts: 1, failure: 'content-missing' });
    }
    expect(bus.counts('archive-exports')).toMatchObject({ active: 0, scheduled: 0 });
  });

  it('takes over from an attempt that died (stale heartbeat), and marks failed one that died on its last attempt', async () => {
    const exports = exportsWith();
    const queued = await exports.request(request, 'records-oid');
    const job = await takeExportJob(bus, queued.id);
    const records = await stack.services.store.recordsContainer();
    const stale = new Date(Date.now() - TIMING.staleMs - 1000).toISOString();
    await records.item(queued.id, 'export').replace({ ...queued, status: 'running', attempts: 1, heartbeatAt: stale });
    expect((await exports.run(job)).outcome).toBe('completed');
    expect(await record(queued.id)).toMatchObject({ status: 'completed', attempts: 2, blobName: `${queued.id}/attempt-2/export.zip` });

    const last = await exports.request(request, 'records-oid');
    const lastJob = await takeExportJob(bus, last.id);
    await records.item(last.id, 'export').replace({ ...last, status: 'running', attempts: TIMING.maxAttempts, heartbeatAt: stale });
    expect(await exports.run(lastJob)).toEqual({ outcome: 'failed', failure: 'attempts-exhausted' });
    expect(await record(last.id)).toMatchObject({ status: 'failed', failure: 'attempts-exhausted', completedAt: expect.any(String) });
  });

  it('leaves a live attempt alone and looks again later', async () => {
    const exports = exportsWith();
    const queued = await exports.request(request, 'records-oid');
    const job = await takeExportJob(bus, queued.id);
    const live = { ...queued, status: 'running' as const, attempts: 1, heartbeatAt: new Date().toISOString() };
    await (await stack.services.store.recordsContainer()).item(queued.id, 'export').replace(live);
    expect(await exports.run(job)).toEqual({ outcome: 'deferred' });
    expect(await record(queued.id)).toMatchObject({ status: 'running', attempts: 1, heartbeatAt: live.heartbeatAt });
    expect(bus.counts('archive-exports').scheduled).toBe(1);
    // Once that attempt's heartbeat is stale, the deferred job takes over.
    expect((await exports.run(await takeExportJob(bus, queued.id, TIMING.staleMs + 5_000))).outcome).toBe('completed');
  });

  it('stops an attempt that was taken over meanwhile, leaving the record to the new one', async () => {
    let takenOver = false;
    let id = '';
    const exports = exportsWith(new ContentWithHook(async () => {
      if (takenOver) return;
      takenOver = true;
      // Another attempt takes the record (as after a long pause of this one); this one must notice.
      const current = await record(id);
      await (await stack.services.store.recordsContainer()).item(id, 'export').replace({ ...current, attempts: 2, heartbeatAt: new Date().toISOString() });
      // Slow enough for this attempt's heartbeat (every 50 ms) to find the record changed.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }));
    const queued = await exports.request(request, 'records-oid');
    id = queued.id;
    expect(await exports.run(await takeExportJob(bus, id))).toEqual({ outcome: 'superseded' });
    expect(await record(id)).toMatchObject({ status: 'running', attempts: 2, sha256: null, completedAt: null });
    expect(await blobExists(`${id}/attempt-1/export.zip`)).toBe(false);
  });

  it('marks the export failed when its job cannot be queued', async () => {
    const exports = exportsWith(stack.content, 'no-such-queue');
    const matter = `Demande ${randomUUID()}`;
    await expect(exports.request({ ...request, matter }, 'records-oid')).rejects.toThrow();
    const records = await stack.services.store.recordsContainer();
    const { resources } = await records.items.query<ExportRecord>({ query: 'SELECT * FROM c WHERE c.pk = "export" AND c.matter = @m', parameters: [{ name: '@m', value: matter }] }).fetchAll();
    expect(resources).toEqual([expect.objectContaining({ status: 'failed', failure: 'error', attempts: 0 })]);
  });

  it('deletes the files of exports past their retention, and only those', async () => {
    const clock = { now: new Date('2026-01-10T10:00:00Z') };
    const exports = exportsWith(stack.content, 'archive-exports', () => clock.now);
    const old = await exports.request(request, 'records-oid');
    expect((await exports.run(await takeExportJob(bus, old.id))).outcome).toBe('completed');
    const oldBlobs = [(await record(old.id)).blobName, (await record(old.id)).manifestBlobName];
    clock.now = new Date('2026-02-01T10:00:00Z');
    const recent = await exports.request(request, 'records-oid');
    expect((await exports.run(await takeExportJob(bus, recent.id))).outcome).toBe('completed');
    const waiting = await exports.request(request, 'records-oid');

    // 30 days after the old one was built, 9 after the recent one.
    clock.now = new Date('2026-02-10T10:00:01Z');
    const expired = await exports.expire(30);
    expect(expired).toContain(old.id);
    expect(expired).not.toContain(recent.id);
    expect(expired).not.toContain(waiting.id);
    expect(await record(old.id)).toMatchObject({ status: 'expired', expiredAt: '2026-02-10T10:00:01.000Z', count: 2 });
    for (const name of oldBlobs) expect(await blobExists(name)).toBe(false);
    expect(await record(recent.id)).toMatchObject({ status: 'completed' });
    expect(await blobExists((await record(recent.id)).blobName)).toBe(true);
    expect(await record(waiting.id)).toMatchObject({ status: 'queued' });
    // A second pass finds nothing more to do, and a late job for it does not build it again.
    expect(await exports.expire(30)).not.toContain(old.id);
    expect(await exports.run({ exportId: old.id })).toEqual({ outcome: 'nothing-to-do' });
    expect(await record(old.id)).toMatchObject({ status: 'expired', attempts: 1 });
    await takeExportJob(bus, waiting.id);
  });

  it('expires old exports in the daily disposition timer, audited', async () => {
    const exports = exportsWith();
    const done = await exports.request(request, 'records-oid');
    expect((await exports.run(await takeExportJob(bus, done.id))).outcome).toBe('completed');
    const finished = await record(done.id);
    await (await stack.services.store.recordsContainer()).item(done.id, 'export').replace({ ...finished, completedAt: new Date(Date.now() - 31 * 86_400_000).toISOString() });
    // Imported once the environment is set: the module reads the settings when it loads.
    const { runDisposition } = await import('../../functions/archive/records-timers');
    const logs = invocation('archiveDispositionTimer');
    await runDisposition({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, logs.context);
    expect(await record(done.id)).toMatchObject({ status: 'expired' });
    expect(await blobExists(finished.blobName)).toBe(false);
    // Ours, and the earlier test's exports built on its January clock.
    expect(logs.lines.join('\n')).toMatch(/"expiredExports":[1-9]/);
    const audit = await stack.services.audit.query({ from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000), action: 'export-expire', pageSize: 50 });
    expect(audit.items).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'system', target: { exportId: done.id } })]));
  });
});
