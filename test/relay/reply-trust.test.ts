import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { CosmosClient } from '@azure/cosmos';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { relayCall } from '../../functions/relay/relay';
import { resetRelayForTests } from '../../shared/relay/adapters/relay-services';
import { canonicalJson, type RelayRequest } from '../../shared/relay/contract';
import { httpRequest, invocation, useAppEnvironment } from '../support/app-env';
import { startRelayStack, type RelayStack } from './support';

/**
 * An attacker who can receive from the requests queue (a stolen Listen key) answers staff in the
 * agent's place. No agent runs here: the test takes each request off the queue itself and answers
 * in the reply session it names, as the attacker would. Only a reply signed by a trusted agent key,
 * for this request and this user, fitting the operation's output schema and carrying no link but
 * the app's own short-lived blob links, may reach the caller; anything else is refused (502),
 * written to the relay's audit trail and logged as `relay.reply_refused` for the alert.
 */
let issuer: TokenIssuer;
let stack: RelayStack;
const staff = DEMO_USERS[0]!;
const stolen = generateKeyPairSync('ed25519');
const rotated = generateKeyPairSync('ed25519');
const rotatedDer = rotated.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

async function useRelay(overrides: Record<string, string> = {}) {
  await useAppEnvironment(issuer, {
    ServiceBusConnection: stack.emulator.connectionString,
    RELAY_SIGNING_KEY: stack.relay.privateKeyPem,
    RELAY_SIGNING_KEY_ID: stack.relay.kid,
    // Two trusted agent keys, as during a rotation: the local agent's and a newer one.
    RELAY_AGENT_PUBLIC_KEYS: `${stack.relay.agentPublicKeys},agent-2026=${rotatedDer}`,
    RELAY_DOCUMENTS_CONTAINER: stack.documentsContainer,
    RELAY_WAIT_MS: '20000',
    RELAY_HEARTBEAT_MAX_AGE_SECONDS: '600',
    RELAY_HEARTBEAT_CONTAINER: stack.heartbeatContainer,
    ...overrides,
  });
  resetRelayForTests();
}

beforeAll(async () => {
  issuer = await startTokenIssuer();
  stack = await startRelayStack();
  // The app sees an agent online (its heartbeat), but no agent takes the requests: the attacker does.
  const container = BlobServiceClient.fromConnectionString(inject('azurite').connectionString).getContainerClient(stack.heartbeatContainer);
  await container.createIfNotExists();
  const at = new Date().toISOString();
  const beat = JSON.stringify({ agentId: 'local-agent', agentVersion: 'x', at, startedAt: at, inFlight: 0, handled: 0, connected: true });
  await container.getBlockBlobClient('heartbeats/local-agent.json').upload(beat, Buffer.byteLength(beat));
  await useRelay();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await issuer?.stop();
});

type Forge = (request: RelayRequest) => Record<string, unknown>;

/** Signs a reply as the protocol does, with whatever key the forger holds. */
function signedWith(key: { kid: string; privateKey: import('node:crypto').KeyObject }, reply: Record<string, unknown>): Record<string, unknown> {
  const withKid = { ...reply, kid: key.kid };
  const signature = sign(null, Buffer.from('spgq-relay-reply-v1\n' + canonicalJson(withKid), 'utf8'), key.privateKey).toString('base64');
  return { ...withKid, signature };
}

const agentKey = () => ({ kid: stack.relay.agentKid, privateKey: createPrivateKey(stack.relay.agentPrivateKeyPem) });

function replyTo(request: RelayRequest, result: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: 1, requestId: request.id, outcome: 'ok', result, requestedBy: request.user.oid, durationMs: 1, agentVersion: 'forged', ...extra };
}

/** Calls the endpoint while answering the one request it sends with `forge`. */
async function callAnsweredBy(forge: Forge, operation = 'lookupMember', params: unknown = { memberNumber: 'M00001' }) {
  const receiver = stack.bus.createReceiver('relay-requests', { receiveMode: 'receiveAndDelete' });
  const sender = stack.bus.createSender('relay-replies');
  const attacker = (async () => {
    let message: ServiceBusReceivedMessage | undefined;
    for (let i = 0; i < 60 && !message; i++) [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    if (!message) throw new Error('no request reached the queue');
    const request = message.body as RelayRequest;
    await sender.sendMessages({ body: forge(request), contentType: 'application/json', sessionId: request.replyToSessionId });
  })();
  const token = await issuer.mintUserToken(staff);
  const logs = invocation('relayCall');
  try {
    const response = await relayCall(
      httpRequest({ method: 'POST', url: `http://localhost:7071/api/relay/${operation}`, params: { operation }, json: params, headers: { authorization: `Bearer ${token}` } }),
      logs.context,
    );
    await attacker;
    return { status: response.status ?? 200, body: response.jsonBody as { result?: unknown; requestId?: string; error?: { code: string; message: string; details?: { reason?: string } } }, logs: logs.lines };
  } finally {
    await receiver.close();
    await sender.close();
  }
}

async function auditRecords(requestId: string): Promise<{ action: string; outcome: string; actor: string; target: Record<string, unknown> }[]> {
  const cosmos = new CosmosClient({ ...cosmosOptions(inject('cosmos').connectionString) });
  const { resources } = await cosmos
    .database('spgq-test')
    .container('relay-audit')
    .items.query({ query: 'SELECT * FROM c WHERE c.target.requestId = @id', parameters: [{ name: '@id', value: requestId }] })
    .fetchAll();
  return resources as never;
}

function cosmosOptions(connectionString: string) {
  const endpoint = /AccountEndpoint=([^;]+)/.exec(connectionString)![1]!;
  const key = /AccountKey=([^;]+)/.exec(connectionString)![1]!;
  return { endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } };
}

const forgedMember = { memberNumber: 'M00001', firstName: 'Faux', lastName: 'Membre', employer: 'Hameçon inc.', section: 'X', status: 'active', joinedOn: '2020-01-01' };

describe('replies are authenticated before anything reaches a user', () => {
  it('refuses an unsigned reply: 502, nothing of it shown, audited and logged for the alert', async () => {
    const answer = await callAnsweredBy((request) => replyTo(request, { members: [forgedMember] }));
    expect(answer.status).toBe(502);
    expect(answer.body.error).toMatchObject({ code: 'relay_reply_refused', details: { reason: 'unsigned' } });
    expect(answer.body.error!.message).toMatch(/contrôles de sécurité/);
    expect(JSON.stringify(answer.body)).not.toMatch(/Faux|Hameçon/);
    const requestId = answer.body.error!.details && (answer.body.error!.details as { requestId: string }).requestId;
    const alert = answer.logs.find((l) => l.includes('relay.reply_refused'));
    expect(alert).toBeDefined();
    expect(alert).not.toMatch(/Faux|Hameçon|M00001/);
    const records = await auditRecords(requestId!);
    expect(records).toEqual([expect.objectContaining({ action: 'relay.reply_refused', outcome: 'denied', actor: staff.oid, target: { requestId, operation: 'lookupMember', reason: 'unsigned' } })]);
  });

  it('refuses a reply signed with a key the app does not trust (a stolen agent configuration without the agent key)', async () => {
    const answer = await callAnsweredBy((request) => signedWith({ kid: stack.relay.agentKid, privateKey: stolen.privateKey }, replyTo(request, { members: [forgedMember] })));
    expect(answer.status).toBe(502);
    expect(answer.body.error).toMatchObject({ code: 'relay_reply_refused', details: { reason: 'bad_signature' } });
  });

  it('refuses a genuinely signed reply that answers another user, or does not fit the operation’s output schema', async () => {
    const otherUser = await callAnsweredBy((request) => signedWith(agentKey(), replyTo(request, { members: [] }, { requestedBy: DEMO_USERS[1]!.oid })));
    expect(otherUser.body.error).toMatchObject({ code: 'relay_reply_refused', details: { reason: 'wrong_requester' } });
    const offSchema = await callAnsweredBy((request) => signedWith(agentKey(), replyTo(request, { members: [{ memberNumber: 'M00001', note: 'Cliquez ici' }] })));
    expect(offSchema.body.error).toMatchObject({ code: 'relay_reply_refused', details: { reason: 'bad_result' } });
  });

  it('refuses a document link that is not the app’s own short-lived blob link', async () => {
    const metadata = { documentId: 'DOC-000001', title: 'Convention', classification: 'CON-01', date: '2024-01-01', mediaType: 'application/pdf', sizeBytes: 10, restricted: false };
    const soon = new Date(Date.now() + 5 * 60_000).toISOString();
    const phishing = await callAnsweredBy(
      (request) => signedWith(agentKey(), replyTo(request, { document: metadata, content: { kind: 'link', url: 'https://connexion-syndicat.example/login?doc=1', expiresAt: soon } })),
      'fetchDocument',
      { documentId: 'DOC-000001' },
    );
    expect(phishing.status).toBe(502);
    expect(phishing.body.error).toMatchObject({ code: 'relay_reply_refused', details: { reason: 'foreign_link' } });

    const containerUrl = BlobServiceClient.fromConnectionString(inject('azurite').connectionString).getContainerClient(stack.documentsContainer).url;
    const se = encodeURIComponent(soon);
    const longLived = encodeURIComponent(new Date(Date.now() + 30 * 24 * 3600_000).toISOString());
    const ownButForever = await callAnsweredBy(
      (request) => signedWith(agentKey(), replyTo(request, { document: metadata, content: { kind: 'link', url: `${containerUrl}/${request.id}/DOC-000001.pdf?sv=2025-01-05&se=${longLived}&sr=b&sp=r&sig=abc`, expiresAt: soon } })),
      'fetchDocument',
      { documentId: 'DOC-000001' },
    );
    expect(ownButForever.body.error).toMatchObject({ code: 'relay_reply_refused', details: { reason: 'foreign_link' } });

    const own = await callAnsweredBy(
      (request) => signedWith(agentKey(), replyTo(request, { document: metadata, content: { kind: 'link', url: `${containerUrl}/${request.id}/DOC-000001.pdf?sv=2025-01-05&se=${se}&sr=b&sp=r&sig=abc`, expiresAt: soon } })),
      'fetchDocument',
      { documentId: 'DOC-000001' },
    );
    expect(own.status).toBe(200);
  });

  it('accepts a reply signed with any key of the configured list (rotation)', async () => {
    const answer = await callAnsweredBy((request) => signedWith({ kid: 'agent-2026', privateKey: rotated.privateKey }, replyTo(request, { members: [] })));
    expect(answer.status).toBe(200);
    expect(answer.body.result).toEqual({ members: [] });
  });
});
