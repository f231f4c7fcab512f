import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { relayCall } from '../../functions/relay/relay';
import { resetRelayForTests } from '../../shared/relay/adapters/relay-services';
import { OPERATION_NAMES, type RelayReply } from '../../shared/relay/contract';
import { httpRequest, invocation, useAppEnvironment } from '../support/app-env';
import { badInputs } from './fuzz-inputs';
import { RECORDS, startRelayStack, type RelayStack } from './support';
import type { AgentRuntime } from '../../onprem-agent/src/runtime';

/**
 * Input fuzz of every operation: 1,200 bad inputs through the HTTP endpoint (no 5xx, each a 400)
 * and 1,200 through signed requests straight to the agent (each answered `invalid`, no crash).
 */
let issuer: TokenIssuer;
let stack: RelayStack;
let agent: AgentRuntime;

beforeAll(async () => {
  issuer = await startTokenIssuer();
  stack = await startRelayStack();
  agent = await stack.startAgent();
  await useAppEnvironment(issuer, {
    ServiceBusConnection: stack.emulator.connectionString,
    RELAY_SIGNING_KEY: stack.relay.privateKeyPem,
    RELAY_AGENT_PUBLIC_KEYS: stack.relay.agentPublicKeys,
    RELAY_DOCUMENTS_CONTAINER: stack.documentsContainer,
    RELAY_SIGNING_KEY_ID: stack.relay.kid,
    RELAY_HEARTBEAT_CONTAINER: stack.heartbeatContainer,
  });
  resetRelayForTests();
});
afterAll(async () => {
  await stack?.stop();
  await issuer?.stop();
});

async function inBatches<T>(items: T[], size: number, run: (item: T, index: number) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((item, j) => run(item, i + j)));
}

describe('input fuzz', () => {
  it('answers 1,200 bad inputs over HTTP with 400 and never a 5xx', async () => {
    const token = await issuer.mintUserToken({ ...DEMO_USERS[2]!, roles: ['Staff', 'Manager', 'RecordsManager'] });
    const cases = OPERATION_NAMES.flatMap((operation, k) => badInputs(operation, 200, 1000 + k).map((input) => ({ operation, input })));
    expect(cases.length).toBe(1_200);
    const statuses = new Map<number, number>();
    await inBatches(cases, 50, async ({ operation, input }) => {
      const response = await relayCall(
        httpRequest({ method: 'POST', url: `http://localhost/api/relay/${operation}`, params: { operation }, json: input, headers: { authorization: `Bearer ${token}` } }),
        invocation().context,
      );
      statuses.set(response.status ?? 200, (statuses.get(response.status ?? 200) ?? 0) + 1);
    });
    expect(Object.fromEntries(statuses)).toEqual({ 400: 1_200 });
  }, 60_000);

  it('answers bad bodies (not JSON, wrong type, too large) without a 5xx', async () => {
    const token = await issuer.mintUserToken(DEMO_USERS[0]!);
    const bodies: { body: string; type: string }[] = [
      { body: '{"memberNumber":', type: 'application/json' },
      { body: 'memberNumber=M00001', type: 'application/x-www-form-urlencoded' },
      { body: JSON.stringify({ name: 'x'.repeat(2_000_000) }), type: 'application/json' },
      { body: '', type: 'application/json' },
    ];
    for (const { body, type } of bodies) {
      const response = await relayCall(
        httpRequest({ method: 'POST', url: 'http://localhost/api/relay/lookupMember', params: { operation: 'lookupMember' }, body: { string: body }, headers: { authorization: `Bearer ${token}`, 'content-type': type } }),
        invocation().context,
      );
      expect([400, 413, 415]).toContain(response.status);
    }
  });

  it('answers 1,200 signed requests with bad parameters `invalid`, and keeps serving', async () => {
    const cases = OPERATION_NAMES.flatMap((operation, k) => badInputs(operation, 200, 2000 + k).map((input) => ({ operation, input })));
    const outcomes = new Map<string, number>();
    await inBatches(cases, 40, async ({ operation, input }) => {
      const result = await stack.client.call(operation, JSON.parse(JSON.stringify(input ?? null)), RECORDS, 15_000);
      const reply: RelayReply | undefined = result.kind === 'replied' ? result.reply : undefined;
      const key = reply ? reply.outcome : 'no-reply';
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    });
    expect(Object.fromEntries(outcomes)).toEqual({ invalid: 1_200 });
    const healthy = await stack.client.call('lookupMember', { memberNumber: 'M00001' }, RECORDS, 5_000);
    expect(healthy.kind === 'replied' && healthy.reply.outcome).toBe('ok');
    expect(agent.agent.isConnected).toBe(true);
  }, 90_000);
});
