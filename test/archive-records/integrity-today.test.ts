import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import path from 'node:path';
import type { HttpResponseInit } from '@azure/functions';
import { DEMO_USERS, type LocalUser } from '../../dev/token-issuer';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { blobServiceClient } from '../../shared/platform/adapters/clients';
import { CONTAINERS, contentBlobName, type MessageEntry } from '../../shared/archive/model';
import { integrityStatus, verifyArchive } from '../../shared/archive/records/integrity';
import { messageRef } from '../../shared/archive/records/search-filter';
import type { AuditRecord } from '../../shared/archive/records/audit';
import type { EndpointHandler } from '../../functions/http/endpoint';
import * as api from '../../functions/archive/records';
import { health } from '../../functions/platform/health';
import type { HealthReport } from '../../shared/platform/health/health-report';
import { resetHealthForTests } from '../../shared/platform/adapters/dependency-probes';
import { httpRequest, invocation } from '../support/app-env';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';
import { takeExportJob } from './export-jobs';

/**
 * Tampering with content captured today is caught at once (not when the day is sealed, up to a day
 * later), and no read path (.eml, reader, export) serves bytes that do not match the recorded hash.
 */
let stack: RecordsStack;
let bus: ServiceBusEmulator;
const [alice, records] = [DEMO_USERS[0]!, DEMO_USERS[2]!];
const tokens = new Map<string, string>();
let today: MessageEntry;
let original: Buffer;

beforeAll(async () => {
  bus = await startServiceBusEmulator({ config: 'dev/local-stack/servicebus-config.json' });
  stack = await startRecordsStack({ ServiceBusConnection: bus.connectionString });
  for (const u of [alice, records]) tokens.set(u.oid, await stack.issuer.mintUserToken(u));
  // Captured a minute ago, as capture would have stored it: no manifest covers today yet.
  stack.clock.now = new Date();
  today = (await archiveEntry(stack, { mailboxId: alice.oid, receivedAt: new Date(Date.now() - 3600_000).toISOString(), capturedAt: new Date(Date.now() - 60_000).toISOString(), subject: 'Réunion du comité' })).entry;
  original = await blob(today.contentHash).downloadToBuffer();
});
afterAll(async () => {
  await stack?.stop();
  await bus?.stop();
});

const blob = (hash: string) => blobServiceClient().getContainerClient(CONTAINERS.content).getBlockBlobClient(contentBlobName(hash));
const verify = () => verifyArchive({ manifests: stack.services.manifests, verdicts: stack.services.verdicts, disposals: stack.services.disposals, content: stack.content, now: () => stack.clock.now });
const day = () => today.capturedAt.slice(0, 10);

/** One bit flipped in the middle of the message itself (the blob still decompresses). */
async function flipOneByte(): Promise<void> {
  const raw = brotliDecompressSync(original);
  const at = Math.floor(raw.length / 2);
  raw[at] = raw[at]! ^ 0x01;
  const recompressed = brotliCompressSync(raw);
  await blob(today.contentHash).upload(recompressed, recompressed.length);
}
async function restore(): Promise<void> {
  await blob(today.contentHash).upload(original, original.length);
}

async function call(handler: EndpointHandler, user: LocalUser, params: Record<string, string>): Promise<HttpResponseInit> {
  return handler(
    httpRequest({ method: 'GET', url: 'http://localhost:7071/api/archive/test', params, headers: { authorization: `Bearer ${tokens.get(user.oid)}`, 'accept-language': 'fr-CA' } }),
    invocation('archive').context,
  );
}

async function healthReport(): Promise<{ status: number | undefined; report: HealthReport }> {
  // The health report is cached for a few seconds; each check here wants the state of now.
  resetHealthForTests();
  const response = await health(httpRequest({ url: 'http://localhost:7071/api/health' }), invocation('health').context);
  return { status: response.status, report: response.jsonBody as HealthReport };
}

async function auditOf(action: string): Promise<AuditRecord[]> {
  const page = await stack.services.audit.query({ from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 3600_000), pageSize: 200 });
  return page.items.filter((r) => r.action === action);
}

describe('same-day verification', () => {
  it('reports a flipped byte in content captured today at once, naming the entry, without sealing the day', async () => {
    expect((await verify()).status).toBe('ok');
    await flipOneByte();
    const report = await verify();
    expect(report.status).toBe('mismatch');
    expect(report.problems).toEqual([{ kind: 'content-mismatch', day: day(), entryId: today.id, contentHash: today.contentHash }]);
    // Today is not sealed: verifying it made no manifest.
    expect(await stack.services.manifests.days()).not.toContain(day());
    const { status, report: healthBody } = await healthReport();
    expect(status).toBe(503);
    expect(healthBody.checks.archiveIntegrity).toMatchObject({ status: 'failed', reason: 'violation' });
    // What the archive page reads.
    const page = await stack.services.oversight.integrity({ oid: records.oid, kind: 'user', recordsManager: true });
    expect(page.status).toMatchObject({ status: 'mismatch', problems: [{ kind: 'content-mismatch', entryId: today.id }] });
  });

  it('npm run archive:verify exits 2 naming the entry', () => {
    const root = path.resolve(__dirname, '../..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'shared/archive/adapters/verify-command.ts'], { cwd: root, env: { ...process.env }, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toContain(`content-mismatch ${day()} ${today.id}`);
    expect(run.status).toBe(2);
  });

  it('reports the day intact again once the content is restored', async () => {
    await restore();
    expect((await verify()).status).toBe('ok');
    expect((await healthReport()).report.checks.archiveIntegrity).toMatchObject({ status: 'ok' });
  });
});

describe('read paths hash what they serve', () => {
  it('refuses the .eml of tampered content before sending a byte, audits it and fails health', async () => {
    await flipOneByte();
    const response = await call(api.archiveEml, alice, { ref: messageRef(today) });
    expect(response.status).toBe(409);
    expect(response.jsonBody).toMatchObject({ error: { code: 'content_integrity' } });
    expect((response.headers as Record<string, string> | undefined)?.['x-content-sha256']).toBeUndefined();
    expect(await auditOf('content-tampered')).toEqual([expect.objectContaining({ outcome: 'denied', actor: alice.oid, target: { mailboxId: alice.oid, entryId: today.id, contentHash: today.contentHash } })]);
    // Reported at once, without waiting for a verification pass.
    expect(await integrityStatus(stack.services.verdicts)).toMatchObject({ status: 'mismatch', problems: [expect.objectContaining({ kind: 'content-mismatch', entryId: today.id })] });
    expect((await healthReport()).status).toBe(503);
  });

  it('refuses to show tampered content in the reader', async () => {
    const response = await call(api.archiveMessage, alice, { ref: messageRef(today) });
    expect(response.status).toBe(409);
    expect(response.jsonBody).toMatchObject({ error: { code: 'content_integrity' } });
    expect((await auditOf('content-tampered')).length).toBe(2);
  });

  it('fails an export holding tampered content at once, naming the message, without retrying', async () => {
    for (const format of ['zip', 'mbox'] as const) {
      const queued = await stack.services.exports.request({ matter: 'Demande 2026', format, filter: { mailboxId: alice.oid } }, records.oid);
      const outcome = await stack.services.exports.run(await takeExportJob(bus, queued.id, 60_000));
      expect(outcome).toEqual({ outcome: 'failed', failure: 'content-mismatch' });
      expect(await stack.services.exports.get(queued.id)).toMatchObject({ status: 'failed', attempts: 1, failure: 'content-mismatch', failedEntryId: today.id });
    }
    expect(bus.counts('archive-exports')).toMatchObject({ active: 0, scheduled: 0 });
  });

  it('fails an export at once on content that no longer decodes (damaged compressed bytes), instead of retrying', async () => {
    const corrupt = Buffer.from(original);
    const mid = Math.floor(corrupt.length / 2);
    corrupt[mid] = corrupt[mid]! ^ 0xff;
    await blob(today.contentHash).upload(corrupt, corrupt.length);
    const queued = await stack.services.exports.request({ matter: 'Demande 2026', format: 'zip', filter: { mailboxId: alice.oid } }, records.oid);
    const outcome = await stack.services.exports.run(await takeExportJob(bus, queued.id, 60_000));
    expect(outcome).toEqual({ outcome: 'failed', failure: expect.stringMatching(/^content-(unreadable|mismatch)$/) });
    expect(await stack.services.exports.get(queued.id)).toMatchObject({ status: 'failed', attempts: 1, failedEntryId: today.id });
    expect((await call(api.archiveEml, alice, { ref: messageRef(today) })).status).toBe(409);
  });

  it('serves the content again once restored', async () => {
    await restore();
    const response = await call(api.archiveEml, alice, { ref: messageRef(today) });
    expect(response.status).toBe(200);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).length).toBe(today.rawSize);
  });
});
