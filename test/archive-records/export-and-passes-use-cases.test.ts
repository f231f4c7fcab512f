import { describe, expect, it } from 'vitest';
import type { Requester } from '../../shared/archive/records/access';
import { AuditRecord } from '../../shared/archive/records/audit-record';
import { ExportRequest } from '../../shared/archive/records/export-request';
import { MboxrdQuote } from '../../shared/archive/records/export-archive';
import { archived, recordsOverFakes } from '../fakes/archive-records';

/** Export requests, the export job and the daily passes as use cases over in-memory ports (no emulator). */
const records: Requester = { oid: 'records-0001', kind: 'user', recordsManager: true };
const DAY = 86_400_000;

describe('export requests', () => {
  it('refuses a request without a matter, with an unknown format, a bad participant or a reversed range, naming each field', () => {
    const problems = (input: unknown) => {
      const parsed = ExportRequest.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.')).sort();
    };
    expect(problems({ matter: 'x', format: 'rar', filter: { participant: 'personne@' } })).toEqual(['filter.participant', 'format', 'matter']);
    expect(problems({ matter: 'Demande', format: 'zip', filter: { from: '2026-02-01', to: '2026-01-01' } })).toEqual(['filter.to']);
    expect(ExportRequest.parse({ matter: '  Demande 2026-07 ', format: 'mbox' })).toEqual({ matter: 'Demande 2026-07', format: 'mbox', filter: {} });
  });

  it('records and queues an export, builds it once, and hands out audited links only when completed', async () => {
    const fakes = recordsOverFakes();
    archived(fakes, { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000001', receivedAt: '2026-03-01T10:00:00.000Z' });
    archived(fakes, { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000001', receivedAt: '2026-03-02T10:00:00.000Z' });
    archived(fakes, { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000002', receivedAt: '2026-03-02T10:00:00.000Z' });
    const record = await fakes.exportRequests.create(records, ExportRequest.parse({ matter: 'Demande 2026-03', format: 'mbox', filter: { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000001' } }));
    expect(record).toMatchObject({ status: 'queued', filters: ['mailboxId'], attempts: 0, blobName: `${record.id}/attempt-1/export.mbox` });
    expect(fakes.queue.jobs).toEqual([{ job: { exportId: record.id }, messageId: `${record.id}:1` }]);
    expect(await fakes.exportRequests.get(records, record.id)).toEqual({ kind: 'ok', export: expect.not.objectContaining({ url: expect.anything() }) });

    expect(await fakes.exportRequests.build({ exportId: record.id })).toEqual({ outcome: 'completed', count: 2, size: expect.any(Number) });
    const file = fakes.exportFiles.files.get(record.blobName)!;
    expect(file.contentType).toBe('application/mbox');
    expect(file.bytes.toString('latin1').match(/^From MAILER-DAEMON /gm)).toHaveLength(2);
    const manifest = JSON.parse(fakes.exportFiles.files.get(record.manifestBlobName)!.bytes.toString('utf8')) as { count: number; size: number };
    expect(manifest).toMatchObject({ count: 2, size: file.bytes.length });
    // A repeated delivery builds nothing again.
    expect(await fakes.exportRequests.build({ exportId: record.id })).toEqual({ outcome: 'nothing-to-do' });

    const done = await fakes.exportRequests.get(records, record.id);
    expect(done).toMatchObject({ kind: 'ok', export: { status: 'completed', count: 2, url: expect.stringContaining(record.blobName), manifestUrl: expect.stringContaining(record.manifestBlobName) } });
    expect(await fakes.exportRequests.get(records, 'export-00000000-0000-0000-0000-000000000000')).toEqual({ kind: 'not-found' });
    expect(fakes.trail.records.map((r) => `${r.actor}:${r.action}`)).toEqual([`${records.oid}:export-create`, 'system:export-complete', `${records.oid}:export-link`]);
    expect(JSON.stringify(fakes.trail.records)).not.toContain('Demande');
  });

  it('marks the export failed when its job cannot be queued', async () => {
    const fakes = recordsOverFakes();
    fakes.queue.failing = true;
    await expect(fakes.exportRequests.create(records, ExportRequest.parse({ matter: 'Demande', format: 'zip' }))).rejects.toThrow();
    expect([...fakes.exportRecords.records.values()]).toEqual([expect.objectContaining({ status: 'failed', failure: 'error', attempts: 0 })]);
  });

  it('fails at once with content-missing when a message’s content is gone', async () => {
    const fakes = recordsOverFakes();
    const entry = archived(fakes, { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000001', receivedAt: '2026-03-01T10:00:00.000Z' });
    fakes.content.blobs.delete(entry.contentHash);
    const record = await fakes.exports.request(ExportRequest.parse({ matter: 'Demande', format: 'zip', filter: { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000001' } }), records.oid);
    expect(await fakes.exports.run({ exportId: record.id })).toEqual({ outcome: 'failed', failure: 'content-missing' });
    expect(fakes.exportRecords.records.get(record.id)).toMatchObject({ status: 'failed', attempts: 1, failure: 'content-missing' });
  });

  it('quotes mboxrd "From " lines so every message is recovered exactly', async () => {
    const quote = new MboxrdQuote();
    const out: Buffer[] = [];
    quote.on('data', (c: Buffer) => out.push(c));
    // Split mid-line, so the quoting must carry a partial ">Fro" over a chunk boundary.
    quote.write(Buffer.from('Subject: x\r\n\r\nFrom here\r\n>Fro'));
    quote.end(Buffer.from('m there\r\nno newline'));
    await new Promise((resolve) => quote.on('end', resolve));
    expect(Buffer.concat(out).toString()).toBe('Subject: x\r\n\r\n>From here\r\n>>From there\r\nno newline\n');
  });
});

describe('daily passes', () => {
  it('disposition pass: assigns missing rules (by mailbox), disposes, expires old exports, all audited', async () => {
    const fakes = recordsOverFakes();
    fakes.mailboxes.docs.push({ id: 'mailbox', type: 'mailbox', mailboxId: 'mbx-rt', address: 'griefs@syndicat-exemple.onmicrosoft.com', displayName: 'RT', kind: 'staff', department: 'Relations du travail', accountEnabled: true, firstSeenAt: '2020-01-01T00:00:00.000Z', lastSeenInScopeAt: '2026-01-01T00:00:00.000Z', goneAt: null, version: 1 });
    const unassigned = archived(fakes, { mailboxId: 'mbx-rt', receivedAt: '2025-03-10T08:00:00.000Z' });
    const byDefault = archived(fakes, { mailboxId: 'mbx-unknown', receivedAt: '2025-03-10T08:00:00.000Z' });
    const expired = archived(fakes, { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000001', receivedAt: '2015-01-01T00:00:00.000Z', retentionRuleId: 'COUR-GEN', retainUntil: '2022-01-01T00:00:00.000Z' });
    const old = await fakes.exports.request(ExportRequest.parse({ matter: 'Demande ancienne', format: 'zip' }), records.oid);
    await fakes.exports.run({ exportId: old.id });
    const built = fakes.exportRecords.records.get(old.id)!;
    await fakes.exportRecords.replace({ ...built, completedAt: new Date(fakes.clock.now.getTime() - 31 * DAY).toISOString() });

    const result = await fakes.passes.disposition();
    expect(result).toMatchObject({ assigned: 2, destroyed: 1, expiredExports: 1 });
    expect(fakes.index.entry(unassigned)).toMatchObject({ retentionRuleId: 'COUR-GRIEF', retainUntil: '2035-03-10T08:00:00.000Z' });
    expect(fakes.index.entry(byDefault)).toMatchObject({ retentionRuleId: 'COUR-GEN', retainUntil: '2032-03-10T08:00:00.000Z' });
    // The storage lock is asked to keep the content until the rule's date.
    expect(fakes.lock.protectedUntil.get(unassigned.contentHash)?.toISOString()).toBe('2035-03-10T08:00:00.000Z');
    expect(fakes.index.entry(expired)).toBeUndefined();
    expect(fakes.exportRecords.records.get(old.id)).toMatchObject({ status: 'expired', expiredAt: fakes.clock.now.toISOString() });
    expect([...fakes.exportFiles.files.keys()].filter((n) => n.startsWith(old.id))).toEqual([]);
    expect(fakes.trail.records.filter((r) => r.actor === 'system').map((r) => r.action).sort()).toEqual(['disposition', 'export-expire']);
    // A second pass has nothing left to do.
    expect(await fakes.passes.disposition()).toMatchObject({ assigned: 0, destroyed: 0, expiredExports: 0 });
  });

  it('integrity pass: seals each day once, chained, and reports a changed message by entry and hash', async () => {
    const fakes = recordsOverFakes();
    fakes.clock.now = new Date('2026-01-13T06:00:00.000Z');
    const a = archived(fakes, { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000001', receivedAt: '2026-01-09T12:00:00.000Z', capturedAt: '2026-01-10T10:00:00.000Z' });
    archived(fakes, { mailboxId: 'aaaaaaaa-0000-4000-8000-000000000001', receivedAt: '2026-01-11T08:00:00.000Z', capturedAt: '2026-01-11T09:00:00.000Z' });
    const first = await fakes.passes.integrity();
    expect(first.sealed).toEqual(['2026-01-10', '2026-01-11', '2026-01-12']);
    expect(first.status).toMatchObject({ status: 'ok', manifestsChecked: 3, entriesChecked: 2, blobsRehashed: 2, daysSealed: 3, daysVerified: 3 });
    const second = await fakes.manifests.read('2026-01-11');
    expect(second.manifest.previousManifestHash).toBe((await fakes.manifests.read('2026-01-10')).hash);
    expect([...fakes.manifestStore.protectedUntil.values()].every((d) => d.getUTCFullYear() === 2051)).toBe(true);

    fakes.content.blobs.set(a.contentHash, Buffer.from('altered'));
    const again = await fakes.passes.integrity();
    expect(again.sealed).toEqual([]);
    expect(again.status).toMatchObject({ status: 'mismatch', problemCount: 1, problems: [{ kind: 'content-mismatch', day: '2026-01-10', entryId: a.id, contentHash: a.contentHash }] });
    expect(await fakes.verdicts.status()).toMatchObject({ status: 'mismatch' });
    const overview = await fakes.oversight.integrity(records);
    expect(overview).toMatchObject({ status: { status: 'mismatch' }, manifests: { count: 3, first: '2026-01-10', last: '2026-01-12' } });
  });
});

describe('audit log', () => {
  it('refuses a record that could carry content (strict schema), and pages newest first', async () => {
    const fakes = recordsOverFakes();
    await expect(fakes.audit.record(records, 'search', { subject: 'Grief' } as never)).rejects.toThrow();
    expect(() => AuditRecord.parse({ id: 'x', pk: '2026-03', type: 'audit', at: '2026-03-10T12:00:00.000Z', actor: 'a', actorKind: 'user', action: 'view', outcome: 'allowed', target: {}, body: 'x' })).toThrow();
    for (let i = 0; i < 3; i++) {
      fakes.clock.now = new Date(Date.parse('2026-03-10T12:00:00.000Z') + i * 1000);
      await fakes.audit.record(records, 'view', { entryId: `e${i}` });
    }
    const query = { from: '2026-03-10T00:00:00.000Z', to: '2026-03-11T00:00:00.000Z', pageSize: 2 };
    const page = await fakes.oversight.auditLog(records, query);
    expect(page.items.map((r) => r.target.entryId)).toEqual(['e2', 'e1']);
    const rest = await fakes.oversight.auditLog(records, { ...query, continuation: page.continuation! });
    expect(rest.items.map((r) => r.target.entryId)).toEqual(['e0']);
    // Reading the log is itself recorded, with the range as asked.
    expect(fakes.trail.records.filter((r) => r.action === 'audit-query').map((r) => r.target)).toEqual([
      { dateFrom: query.from, dateTo: query.to, resultCount: 2 },
      { dateFrom: query.from, dateTo: query.to, resultCount: 1 },
    ]);
  });
});
