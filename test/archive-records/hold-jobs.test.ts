import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { DEMO_USERS, type LocalUser } from '../../dev/token-issuer';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import type { EndpointHandler } from '../../functions/http/endpoint';
import * as api from '../../functions/archive/records';
import { runExportJob } from '../../functions/archive/exports';
import type { MessageEntry } from '../../shared/archive/model';
import { LegalHoldInput } from '../../shared/archive/records/legal-hold';
import { httpRequest, invocation } from '../support/app-env';
import { archived, recordsOverFakes } from '../fakes/archive-records';
import { archiveEntry, readEntry, startRecordsStack, type RecordsStack } from './records-stack';
import { recordMailbox } from './mailboxes';
import { takeHoldJob } from './export-jobs';

/**
 * A legal hold on a large mailbox is applied in the background, like an export: the request stores
 * the hold and answers 202 with a status URL; the records worker tags the entries, recording its
 * progress; start and finish are audited.
 */
let stack: RecordsStack;
let bus: ServiceBusEmulator;
const [records] = [DEMO_USERS[2]!];
const owner = randomUUID();
let token: string;
const entries: MessageEntry[] = [];

beforeAll(async () => {
  bus = await startServiceBusEmulator({ config: 'dev/local-stack/servicebus-config.json' });
  stack = await startRecordsStack({ ServiceBusConnection: bus.connectionString });
  token = await stack.issuer.mintUserToken(records);
  await recordMailbox(stack, { mailboxId: owner, displayName: 'Griefs', address: 'griefs@spgq.local', kind: 'shared' });
  for (let i = 1; i <= 3; i++) entries.push((await archiveEntry(stack, { mailboxId: owner, receivedAt: `2026-04-0${i}T10:00:00Z`, subject: `Grief ${i}` })).entry);
});
afterAll(async () => {
  await stack?.stop();
  await bus?.stop();
});

async function call(handler: EndpointHandler, user: LocalUser, c: { params?: Record<string, string>; json?: unknown } = {}): Promise<HttpResponseInit & { json: Record<string, unknown> }> {
  const response = await handler(
    httpRequest({ method: c.json === undefined ? 'GET' : 'POST', url: 'http://localhost:7071/api/archive/holds', params: c.params ?? {}, json: c.json, headers: { authorization: `Bearer ${token}`, 'accept-language': 'fr-CA' } }),
    invocation('archive').context,
  );
  return { ...response, json: response.jsonBody as Record<string, unknown> };
}

describe('legal hold as a background job', () => {
  it('answers 202 with a status URL, tags nothing within the request, then the worker applies it, audited start and finish', async () => {
    const created = await call(api.archiveHoldCreate, records, { json: { matter: 'Grief 2026-04', mailboxes: [owner] } });
    expect(created.status).toBe(202);
    const id = created.json.id as string;
    expect(created.headers).toMatchObject({ location: `/api/archive/holds/${id}` });
    expect(created.json).toMatchObject({ status: 'active', applyStatus: 'queued', appliedCount: 0 });
    // Nothing was tagged within the request.
    for (const e of entries) expect((await readEntry(stack, e))!.holds).toEqual([]);
    expect((await call(api.archiveHoldGet, records, { params: { id } })).json).toMatchObject({ applyStatus: 'queued' });

    await runExportJob(await takeHoldJob(bus, id, 60_000), invocation('archiveExport').context);
    const done = (await call(api.archiveHoldGet, records, { params: { id } })).json;
    expect(done).toMatchObject({ applyStatus: 'completed', appliedCount: 3, applyStartedAt: expect.any(String), applyCompletedAt: expect.any(String) });
    for (const e of entries) expect((await readEntry(stack, e))!.holds).toEqual([id]);

    const audit = (await stack.services.audit.query({ from: new Date(Date.now() - 600_000), to: new Date(Date.now() + 60_000), pageSize: 100 })).items.filter((r) => r.target.holdId === id);
    expect(audit.map((r) => `${r.action}:${r.actor}:${r.target.resultCount ?? '-'}`).sort()).toEqual([`hold-apply-complete:system:3`, `hold-create:${records.oid}:-`]);

    // A repeated delivery changes nothing.
    await runExportJob({ holdId: id }, invocation('archiveExport').context);
    expect((await call(api.archiveHoldGet, records, { params: { id } })).json).toMatchObject({ applyStatus: 'completed', appliedCount: 3 });
  });

  it('records its progress while it runs', async () => {
    const fakes = recordsOverFakes();
    for (let i = 0; i < 250; i++) archived(fakes, { mailboxId: owner, receivedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() });
    const hold = await fakes.holds.record(LegalHoldInput.parse({ matter: 'Grande boîte', mailboxes: [owner] }), records.oid);
    const seen: Array<{ applyStatus?: string; appliedCount?: number }> = [];
    const setApplyState = fakes.holdRecords.setApplyState.bind(fakes.holdRecords);
    fakes.holdRecords.setApplyState = async (holdId, state) => {
      seen.push({ applyStatus: state.applyStatus, appliedCount: state.appliedCount });
      return setApplyState(holdId, state);
    };
    expect(await fakes.holds.runApply(hold.id)).toEqual({ outcome: 'completed', appliedCount: 250 });
    expect(seen.map((s) => s.appliedCount)).toEqual([0, 100, 200, 250]);
    expect(seen.at(-1)!.applyStatus).toBe('completed');
  });
});
