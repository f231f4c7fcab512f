import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponseInit } from '@azure/functions';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { relayCall, relayRequestStatus } from '../../functions/relay/relay';
import { relayActivity } from '../../orchestrations/activities/relay-call';
import { resetRelayForTests } from '../../shared/relay/adapters/relay-services';
import { httpRequest, invocation, useAppEnvironment } from '../support/app-env';
import { auditLines, startRelayStack, type RelayStack } from './support';
import type { AgentRuntime } from '../../onprem-agent/src/runtime';

/**
 * The staff endpoints through the real handlers, the Service Bus emulator and the agent:
 * 200, 202 + status URL, and a distinct status and message for invalid input, missing role,
 * refusal by the agent, not found, unknown operation and agent offline.
 */
let issuer: TokenIssuer;
let stack: RelayStack;
let agent: AgentRuntime;
const staff = DEMO_USERS[0]!;
const records = DEMO_USERS[2]!;
const itAdmin = { oid: '0b1c2d3e-0000-4000-8000-0000000000aa', roles: ['ITAdmin'] };
/** The agent's warnings, shown when a test fails for a reason the agent saw. */
const agentWarnings: string[] = [];

async function useRelay(overrides: Record<string, string> = {}) {
  await useAppEnvironment(issuer, {
    ServiceBusConnection: stack.emulator.connectionString,
    RELAY_SIGNING_KEY: stack.relay.privateKeyPem,
    RELAY_AGENT_PUBLIC_KEYS: stack.relay.agentPublicKeys,
    RELAY_DOCUMENTS_CONTAINER: stack.documentsContainer,
    RELAY_SIGNING_KEY_ID: stack.relay.kid,
    RELAY_WAIT_MS: '5000',
    RELAY_HEARTBEAT_MAX_AGE_SECONDS: '10',
    RELAY_HEARTBEAT_CONTAINER: stack.heartbeatContainer,
    ...overrides,
  });
  resetRelayForTests();
}

beforeAll(async () => {
  issuer = await startTokenIssuer();
  stack = await startRelayStack();
  agent = await stack.startAgent((level, event, fields) => {
    if (level === 'warn' || level === 'error') agentWarnings.push(`${event} ${JSON.stringify(fields)}`);
  });
  await useRelay();
});
afterAll(async () => {
  await stack?.stop();
  await issuer?.stop();
});

type Body = { result?: unknown; requestId?: string; statusUrl?: string; error?: { code: string; message: string; details?: unknown } };

async function post(operation: string, json: unknown, user: { oid: string; roles: string[] } = staff, language = 'fr-CA') {
  const token = await issuer.mintUserToken(user);
  const response: HttpResponseInit = await relayCall(
    httpRequest({ method: 'POST', url: `http://localhost:7071/api/relay/${operation}`, params: { operation }, json, headers: { authorization: `Bearer ${token}`, 'accept-language': language } }),
    invocation('relayCall').context,
  );
  return { status: response.status ?? 200, body: response.jsonBody as Body, headers: response.headers as Record<string, string> };
}

async function status(id: string, user: { oid: string; roles: string[] } = staff) {
  const token = await issuer.mintUserToken(user);
  const response = await relayRequestStatus(
    httpRequest({ method: 'GET', url: `http://localhost:7071/api/relay/requests/${id}`, params: { id }, headers: { authorization: `Bearer ${token}` } }),
    invocation('relayRequestStatus').context,
  );
  return { status: response.status ?? 200, body: response.jsonBody as Body };
}

describe('POST /api/relay/{operation}', () => {
  it('answers 200 with the result', async () => {
    const member = stack.relay.mission.members[4]!;
    const { status: code, body } = await post('lookupMember', { memberNumber: member.memberNumber });
    expect(code).toBe(200);
    expect(body.result).toEqual({ members: [member] });
  });

  it('answers 400 naming the field, in the caller’s language, without calling the agent', async () => {
    const before = auditLines(stack.relay).length;
    const fr = await post('getCase', { caseNumber: 'pas-un-dossier' });
    expect(fr.status).toBe(400);
    expect(fr.body.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ field: 'body.caseNumber' })] });
    expect(fr.body.error!.message).toMatch(/invalides/);
    const en = await post('getCase', { caseNumber: 'nope' }, staff, 'en');
    expect(en.body.error!.message).toMatch(/invalid data/);
    await new Promise((r) => setTimeout(r, 300));
    expect(auditLines(stack.relay).length).toBe(before);
  });

  it('answers 403 when the role is missing, and 403 relay_denied when the agent refuses', async () => {
    const noRole = await post('lookupMember', { memberNumber: 'M00001' }, itAdmin);
    expect(noRole.status).toBe(403);
    expect(noRole.body.error!.code).toBe('forbidden');

    const restricted = stack.relay.archive.find((d) => d.restricted)!;
    const denied = await post('fetchDocument', { documentId: restricted.documentId });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'relay_denied', details: { reason: 'restricted_document' } });
    expect(denied.body.error!.message).toMatch(/refusé/);
    expect((await post('fetchDocument', { documentId: restricted.documentId }, records)).status).toBe(200);
  });

  it('answers 404 for something the mission system does not have, and for an unknown operation', async () => {
    const missing = await post('listOpenCases', { memberNumber: 'M09999' });
    expect(missing.status).toBe(404);
    expect(missing.body.error!.code).toBe('relay_not_found');
    const unknown = await post('deleteMember', { memberNumber: 'M00001' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.code).toBe('relay_unknown_operation');
  });

  it('answers 202 with a status URL when the agent is slower than the wait bound; the status URL gives the result to its owner only', async () => {
    await useRelay({ RELAY_WAIT_MS: '1' });
    try {
      const kase = stack.relay.mission.cases[3]!;
      const accepted = await post('getCase', { caseNumber: kase.caseNumber });
      expect(accepted.status).toBe(202);
      expect(accepted.headers.location).toBe(accepted.body.statusUrl);
      const id = accepted.body.requestId!;
      expect((await status(id, records)).status).toBe(404);
      let answer = await status(id);
      for (let i = 0; i < 10 && answer.status === 202; i++) answer = await status(id);
      expect(answer.status).toBe(200);
      expect((answer.body.result as { case: unknown }).case).toEqual(kase);
      // Read once: the reply is not kept in the cloud.
      expect((await status(id)).status).toBe(404);
    } finally {
      await useRelay();
    }
  });

  it('builds Location and statusUrl from the configured public URL, never from the Host the request names', async () => {
    await useRelay({ RELAY_WAIT_MS: '1', APP_PUBLIC_URL: 'https://relais.syndicat-exemple.ca' });
    try {
      const token = await issuer.mintUserToken(staff);
      const kase = stack.relay.mission.cases[2]!;
      const poisoned = await relayCall(
        httpRequest({ method: 'POST', url: 'http://evil.example/api/relay/getCase', params: { operation: 'getCase' }, json: { caseNumber: kase.caseNumber }, headers: { authorization: `Bearer ${token}`, host: 'evil.example' } }),
        invocation('relayCall').context,
      );
      expect(poisoned.status).toBe(202);
      const id = (poisoned.jsonBody as Body).requestId!;
      expect((poisoned.headers as Record<string, string>).location).toBe(`https://relais.syndicat-exemple.ca/api/relay/requests/${id}`);
      expect((poisoned.jsonBody as Body).statusUrl).toBe(`https://relais.syndicat-exemple.ca/api/relay/requests/${id}`);
      let answer = await relayRequestStatus(
        httpRequest({ method: 'GET', url: `http://evil.example/api/relay/requests/${id}`, params: { id }, headers: { authorization: `Bearer ${token}`, host: 'evil.example' } }),
        invocation('relayRequestStatus').context,
      );
      for (let i = 0; i < 10 && answer.status === 202; i++) {
        expect((answer.headers as Record<string, string>).location).toBe(`https://relais.syndicat-exemple.ca/api/relay/requests/${id}`);
        answer = await relayRequestStatus(
          httpRequest({ method: 'GET', url: `http://evil.example/api/relay/requests/${id}`, params: { id }, headers: { authorization: `Bearer ${token}`, host: 'evil.example' } }),
          invocation('relayRequestStatus').context,
        );
      }
      expect(answer.status).toBe(200);
    } finally {
      await useRelay();
    }
  });

  it('answers 503 relay_not_configured, not 500, when the signing key is missing or unreadable', async () => {
    try {
      await useRelay({ RELAY_SIGNING_KEY: 'not-a-key-but-long-enough-to-pass-the-length-check-xxxxxxxx' });
      const bad = await post('lookupMember', { memberNumber: 'M00001' });
      expect(bad.status).toBe(503);
      expect(bad.body.error).toMatchObject({ code: 'relay_not_configured', details: { setting: 'RELAY_SIGNING_KEY' } });
    } finally {
      await useRelay();
    }
  });

  it('serves orchestrations through the durable activity the same way', async () => {
    const kase = stack.relay.mission.cases[7]!;
    const answer = await relayActivity({ operation: 'getCase', params: { caseNumber: kase.caseNumber }, user: { oid: staff.oid, roles: ['Staff'] } }).catch((e: { code?: string; details?: unknown }) => {
      throw new Error(`activity failed: ${e.code} ${JSON.stringify(e.details)}; agent warnings: ${agentWarnings.join(' | ')}`);
    });
    expect(answer).toMatchObject({ outcome: 'ok', result: { case: kase } });
    const refused = await relayActivity({ operation: 'getCase', params: { caseNumber: kase.caseNumber }, user: { oid: itAdmin.oid, roles: ['ITAdmin'] } });
    expect(refused).toEqual({ requestId: expect.any(String), outcome: 'denied', code: 'role_missing' });
    await expect(relayActivity({ operation: 'dropTables', params: {}, user: { oid: staff.oid, roles: ['Staff'] } })).rejects.toThrow();
  });

  it('fails fast with 503 and a clear French/English message when the agent is offline', async () => {
    await agent.close();
    resetRelayForTests();
    const started = Date.now();
    const fr = await post('lookupMember', { memberNumber: 'M00001' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(fr.status).toBe(503);
    expect(fr.body.error).toMatchObject({ code: 'relay_offline', details: { reason: 'disconnected' } });
    expect(fr.body.error!.message).toMatch(/agent sur site est hors ligne/);
    resetRelayForTests();
    const en = await post('searchDocuments', { words: 'convention' }, staff, 'en');
    expect(en.status).toBe(503);
    expect(en.body.error!.message).toMatch(/on-premises agent is offline/);
    expect(stack.emulator.counts('relay-requests').active).toBe(0);
    await expect(relayActivity({ operation: 'lookupMember', params: { memberNumber: 'M00001' }, user: { oid: staff.oid, roles: ['Staff'] } })).rejects.toMatchObject({ code: 'relay_offline' });
  });
});
