import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { blobServiceClient } from '../../shared/platform/adapters/clients';
import { CONTAINERS, contentBlobName } from '../../shared/archive/model';
import { assertArchiveIntegrity, integrityStatus, verifyArchive } from '../../shared/archive/records/integrity';
import { merkleRoot } from '../../shared/archive/records/manifest';
import { health } from '../../functions/platform/health';
import type { HealthReport } from '../../shared/platform/health/health-report';
import { httpRequest, invocation } from '../support/app-env';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';

let stack: RecordsStack;
const mailbox = `mbx-${randomUUID()}`;

beforeAll(async () => {
  stack = await startRecordsStack();
  stack.clock.now = new Date('2026-01-13T06:00:00Z');
});
afterAll(async () => {
  await stack?.stop();
});

const verify = () => verifyArchive({ manifests: stack.services.manifests, verdicts: stack.services.verdicts, disposals: stack.services.disposals, content: stack.content, now: () => stack.clock.now });
const blob = (hash: string) => blobServiceClient().getContainerClient(CONTAINERS.content).getBlockBlobClient(contentBlobName(hash));

describe('daily manifests and verification', () => {
  let entries: Awaited<ReturnType<typeof archiveEntry>>[];

  it('seals one chained manifest per day of capture, empty days included, once', async () => {
    entries = [
      await archiveEntry(stack, { mailboxId: mailbox, receivedAt: '2026-01-09T12:00:00Z', capturedAt: '2026-01-10T10:00:00.000Z' }),
      await archiveEntry(stack, { mailboxId: mailbox, receivedAt: '2026-01-09T13:00:00Z', capturedAt: '2026-01-10T23:59:59.000Z' }),
      await archiveEntry(stack, { mailboxId: mailbox, receivedAt: '2026-01-11T08:00:00Z', capturedAt: '2026-01-11T09:00:00.000Z' }),
    ];
    expect(await stack.services.manifests.seal()).toEqual(['2026-01-10', '2026-01-11', '2026-01-12']);
    expect(await stack.services.manifests.seal()).toEqual([]);
    const first = await stack.services.manifests.read('2026-01-10');
    const second = await stack.services.manifests.read('2026-01-11');
    const empty = await stack.services.manifests.read('2026-01-12');
    expect(first.manifest.items.map((i) => i.entryId).sort()).toEqual([entries[0]!.entry.id, entries[1]!.entry.id].sort());
    expect(first.manifest.previousManifestHash).toBeNull();
    expect(second.manifest).toMatchObject({ previousDay: '2026-01-10', previousManifestHash: first.hash, merkleRoot: merkleRoot(second.manifest.items) });
    expect(empty.manifest).toMatchObject({ items: [], previousManifestHash: second.hash });
    // Write-once: a second write of a sealed day is refused by storage.
    await expect(blobServiceClient().getContainerClient(CONTAINERS.manifests).getBlockBlobClient(first.blobName).upload('{}', 2, { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({ statusCode: 409 });
  });

  it('finds an intact archive intact, and accepts an entry destroyed by disposition with evidence', async () => {
    const ok = await verify();
    expect(ok).toMatchObject({ status: 'ok', manifestsChecked: 3, entriesChecked: 3, blobsRehashed: 3, problems: [] });
    await expect(assertArchiveIntegrity(stack.services.verdicts)).resolves.toBeUndefined();

    const doomed = await archiveEntry(stack, { mailboxId: mailbox, receivedAt: '2015-01-01T00:00:00Z', capturedAt: '2026-01-12T10:00:00.000Z', retentionRuleId: 'COUR-GEN', retainUntil: '2022-01-01T00:00:00.000Z' });
    // The 12th was sealed empty: an entry dated that day afterwards is reported as added after the fact.
    expect((await verify()).problems).toEqual([{ kind: 'entry-unlisted', day: '2026-01-12', entryId: doomed.entry.id, contentHash: doomed.entry.contentHash }]);
    expect((await stack.services.disposition.run()).destroyed).toBe(1);
    expect((await verify()).status).toBe('ok');
  });

  it('catches a flipped byte in a stored message, names the entry and hash, and fails health loudly', async () => {
    const target = entries[2]!.entry;
    const original = await blob(target.contentHash).downloadToBuffer();
    const raw = brotliDecompressSync(original);
    const at = Math.floor(raw.length / 2);
    raw[at] = raw[at]! ^ 0x01;
    const recompressed = brotliCompressSync(raw);
    await blob(target.contentHash).upload(recompressed, recompressed.length);

    const report = await verify();
    expect(report.status).toBe('mismatch');
    expect(report.problems).toEqual([{ kind: 'content-mismatch', day: '2026-01-11', entryId: target.id, contentHash: target.contentHash }]);
    expect(await integrityStatus(stack.services.verdicts)).toMatchObject({ status: 'mismatch', problemCount: 1 });
    await expect(assertArchiveIntegrity(stack.services.verdicts)).rejects.toThrow(/1 problem/);
    const response = await health(httpRequest({ url: 'http://localhost:7071/api/health' }), invocation('health').context);
    expect(response.status).toBe(503);
    expect((response.jsonBody as HealthReport).checks.archiveIntegrity).toMatchObject({ status: 'failed', reason: 'violation' });

    // A flipped byte in the compressed bytes makes the blob unreadable: caught too.
    const corrupt = Buffer.from(original);
    const mid = Math.floor(corrupt.length / 2);
    corrupt[mid] = corrupt[mid]! ^ 0xff;
    await blob(target.contentHash).upload(corrupt, corrupt.length);
    expect((await verify()).problems).toEqual([{ kind: expect.stringMatching(/^content-(unreadable|mismatch)$/), day: '2026-01-11', entryId: target.id, contentHash: target.contentHash }]);

    await blob(target.contentHash).upload(original, original.length);
    expect((await verify()).status).toBe('ok');
  });

  it('catches an index entry pointed at other content and a rewritten manifest', async () => {
    const target = entries[0]!.entry;
    const messages = await stack.services.store.messagesContainer();
    const other = entries[2]!.entry.contentHash;
    await messages.item(target.id, target.pk).patch([{ op: 'set', path: '/contentHash', value: other }]);
    expect((await verify()).problems).toEqual([{ kind: 'entry-changed', day: '2026-01-10', entryId: target.id, contentHash: target.contentHash }]);
    await messages.item(target.id, target.pk).patch([{ op: 'set', path: '/contentHash', value: target.contentHash }]);

    // An administrator rewriting a manifest (possible on Azurite, refused by WORM in Azure) breaks its root and the next link.
    const stored = await stack.services.manifests.read('2026-01-10');
    const forged = JSON.stringify({ ...stored.manifest, items: stored.manifest.items.slice(1) });
    await blobServiceClient().getContainerClient(CONTAINERS.manifests).getBlockBlobClient(stored.blobName).upload(forged, forged.length);
    const kinds = (await verify()).problems.map((p) => `${p.kind} ${p.day}`);
    expect(kinds).toEqual(expect.arrayContaining(['root-mismatch 2026-01-10', 'entry-unlisted 2026-01-10', 'chain-broken 2026-01-11']));
  });

  it('npm run archive:verify exits 2 and names the problems on a mismatch', () => {
    const root = path.resolve(__dirname, '../..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'shared/archive/adapters/verify-command.ts', '--no-seal'], { cwd: root, env: { ...process.env }, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/ARCHIVE INTEGRITY MISMATCH: \d+ problem\(s\); first: .*root-mismatch 2026-01-10/);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'mismatch' });
  });
});
