import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPERATIONS, signRequest, verifyReplySignature, type RelayReply } from '../../shared/relay/contract';
import { RequestProcessor } from '../src/request-processor';
import { openIdempotencyStore } from '../src/idempotency-store';
import type { AuditEntry } from '../src/audit-log';
import type { Connectors } from '../src/operations';
import { Unavailable } from '../src/connectors/errors';

/** The decision pipeline on its own: timeouts, unexpected errors, bad results, and the store's replay across restarts. */
const keys = generateKeyPairSync('ed25519');
const agentKeys = generateKeyPairSync('ed25519');
const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(mission: Partial<Connectors['mission']>, dir = mkdtempSync(path.join(tmpdir(), 'agent-proc-'))) {
  dirs.push(dir);
  const audit: Omit<AuditEntry, 'at'>[] = [];
  const store = openIdempotencyStore(dir, 1);
  const unexpected: unknown[] = [];
  const processor = new RequestProcessor({
    publicKeys: new Map([['k', keys.publicKey]]),
    replyKey: { kid: 'agent', privateKey: agentKeys.privateKey },
    clockSkewMs: 30_000,
    maxLifetimeMs: 900_000,
    store,
    audit: { record: (e) => audit.push(e) },
    connectors: { mission: mission as Connectors['mission'], archive: {} as Connectors['archive'], inlineMaxBytes: 1000 },
    onUnexpected: (e) => unexpected.push(e),
  });
  return { processor, store, audit, unexpected, dir };
}

function request(operation: string, params: unknown) {
  const now = Date.now();
  return signRequest(
    { v: 1, id: randomUUID(), operation, params, user: { oid: randomUUID(), roles: ['Staff'] }, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString(), replyToSessionId: 's' },
    { kid: 'k', privateKey: keys.privateKey },
  );
}

const replyOf = (d: Awaited<ReturnType<RequestProcessor['process']>>): RelayReply => {
  if (d.kind !== 'reply') throw new Error(`expected a reply, got ${d.kind}`);
  return d.reply;
};

describe('request processor', () => {
  it('answers unavailable/timeout when the back end does not answer within the operation timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { processor } = setup({ getCase: () => new Promise(() => undefined) });
    const pending = processor.process({ body: request('getCase', { caseNumber: 'GR-2024-0001' }), deliveryCount: 0 });
    await vi.advanceTimersByTimeAsync(OPERATIONS.getCase.timeoutMs + 1);
    expect(replyOf(await pending)).toMatchObject({ outcome: 'unavailable', code: 'timeout' });
  });

  it('answers error without details for an unexpected failure, and reports it for the log', async () => {
    const { processor, unexpected } = setup({ getCase: async () => { throw new TypeError('row 7 of Tremblay is odd'); } });
    const reply = replyOf(await processor.process({ body: request('getCase', { caseNumber: 'GR-2024-0001' }), deliveryCount: 0 }));
    expect(reply).toMatchObject({ outcome: 'error', code: 'internal' });
    expect(JSON.stringify(reply)).not.toContain('Tremblay');
    expect(unexpected).toHaveLength(1);
  });

  it('answers error when the back end returns something the output schema refuses', async () => {
    const { processor } = setup({ getCase: async () => ({ case: { caseNumber: 'nope' }, history: [] }) as never });
    expect(replyOf(await processor.process({ body: request('getCase', { caseNumber: 'GR-2024-0001' }), deliveryCount: 0 }))).toMatchObject({ outcome: 'error', code: 'unexpected_result' });
  });

  it('answers unavailable with the connector’s reason when the database is down', async () => {
    const { processor } = setup({ lookupMember: async () => { throw new Unavailable('database_error'); } });
    expect(replyOf(await processor.process({ body: request('lookupMember', { memberNumber: 'M00001' }), deliveryCount: 0 }))).toMatchObject({ outcome: 'unavailable', code: 'database_error' });
  });

  it('makes a concurrent copy wait for the transport: complete once sent, the stored reply once if given up', async () => {
    let calls = 0;
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const { processor, store } = setup({ lookupMember: async () => { calls++; await gate; return { members: [] }; } });
    const body = request('lookupMember', { memberNumber: 'M00001' });
    const first = processor.process({ body, deliveryCount: 0 });
    const copy = processor.process({ body, deliveryCount: 0 });
    finish();
    const decided = await first;
    expect(decided.kind).toBe('reply');
    // The copy is still waiting: the reply is not out yet.
    let copyDone = false;
    void copy.then(() => (copyDone = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(copyDone).toBe(false);
    store.markSent(body.id);
    processor.release(body.id);
    expect(await copy).toEqual({ kind: 'complete' });

    // Given up without sending (lost connection): the next copy sends the stored reply, once.
    const other = request('lookupMember', { memberNumber: 'M00002' });
    const original = replyOf(await processor.process({ body: other, deliveryCount: 0 }));
    const second = processor.process({ body: other, deliveryCount: 1 });
    const third = processor.process({ body: other, deliveryCount: 1 });
    processor.release(other.id);
    const replayed = await second;
    expect(replayed).toMatchObject({ kind: 'reply', replayed: true, reply: original });
    store.markSent(other.id);
    processor.release(other.id);
    expect(await third).toEqual({ kind: 'complete' });
    expect(calls).toBe(2);
  });

  it('replays a stored but unsent reply after a restart, and completes silently once sent', async () => {
    let calls = 0;
    const lookupMember = async () => {
      calls++;
      return { members: [] };
    };
    const first = setup({ lookupMember });
    const body = request('lookupMember', { memberNumber: 'M00001' });
    const original = replyOf(await first.processor.process({ body, deliveryCount: 0 }));
    first.store.close(); // killed after storing the reply, before sending it
    const second = setup({ lookupMember }, first.dir);
    const replayed = await second.processor.process({ body, deliveryCount: 1 });
    expect(replayed).toMatchObject({ kind: 'reply', replayed: true, reply: original });
    second.store.markSent(body.id);
    second.processor.release(body.id);
    expect(await second.processor.process({ body, deliveryCount: 2 })).toEqual({ kind: 'complete' });
    expect(calls).toBe(1);
    second.store.close();
  });

  it('signs every reply with the agent’s own key, replays included, so the app can tell it from a forgery', async () => {
    const first = setup({ lookupMember: async () => ({ members: [] }) });
    const body = request('lookupMember', { memberNumber: 'M00001' });
    const reply = replyOf(await first.processor.process({ body, deliveryCount: 0 }));
    const trusted = new Map([['agent', agentKeys.publicKey]]);
    expect(reply.kid).toBe('agent');
    expect(verifyReplySignature(reply, trusted)).toBe(true);
    // The request's own key (the app's) does not verify it, and a changed result breaks it.
    expect(verifyReplySignature(reply, new Map([['agent', keys.publicKey]]))).toBe(false);
    expect(verifyReplySignature({ ...reply, result: { members: [{ memberNumber: 'M00666' }] } }, trusted)).toBe(false);
    first.store.close();
    const again = setup({ lookupMember: async () => ({ members: [] }) }, first.dir);
    const replayed = replyOf(await again.processor.process({ body, deliveryCount: 1 }));
    expect(verifyReplySignature(replayed, trusted)).toBe(true);
    again.store.close();
  });
});
