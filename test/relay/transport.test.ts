import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../onprem-agent/src/idempotency-store';
import type { RelayAgent } from '../../onprem-agent/src/relay-agent';
import type { AuditEntry } from '../../onprem-agent/src/audit-log';
import type { Connectors } from '../../onprem-agent/src/operations';
import { STAFF, startInProcessAgent, startRelayStack, type RelayStack } from './support';

/**
 * The agent's transport with a mission system that answers slowly (as SQL Server may): at most
 * `concurrency` requests run at once, and a request that takes longer than the message lock is
 * still answered once without being delivered again (the lock is renewed while it works).
 */
let stack: RelayStack;
let agent: RelayAgent;
let store: IdempotencyStore;
const audit: Omit<AuditEntry, 'at'>[] = [];
let running = 0;
let mostAtOnce = 0;
const SLOW_MS = 3_500;

beforeAll(async () => {
  stack = await startRelayStack({ lockSeconds: 2, agentConfig: { concurrency: 2 } });
  const slowCase = stack.relay.mission.cases[0]!;
  const mission = {
    async getCase(input: { caseNumber: string }) {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((r) => setTimeout(r, input.caseNumber === slowCase.caseNumber ? SLOW_MS : 200));
      running--;
      return { case: { ...slowCase, caseNumber: input.caseNumber }, history: [] };
    },
  } as unknown as Connectors['mission'];
  ({ agent, store } = await startInProcessAgent(stack, { mission, audit, dataDir: 'transport-data' }));
});
afterAll(async () => {
  await agent?.stop();
  store?.close();
  await stack?.stop();
});

describe('agent transport', () => {
  it('runs at most `concurrency` requests at once and answers them all', async () => {
    const numbers = Array.from({ length: 8 }, (_, i) => `GR-2030-${String(i + 1).padStart(4, '0')}`);
    const results = await Promise.all(numbers.map((caseNumber) => stack.client.call('getCase', { caseNumber }, STAFF, 15_000)));
    expect(results.map((r) => r.kind === 'replied' && r.reply.outcome)).toEqual(Array(8).fill('ok'));
    expect(mostAtOnce).toBe(2);
  }, 30_000);

  it('renews the lock of a request that takes longer than the lock: one delivery, one reply', async () => {
    const slow = stack.relay.mission.cases[0]!.caseNumber;
    const request = stack.client.sign('getCase', { caseNumber: slow }, STAFF);
    await stack.client.send(request);
    const replies = await stack.drainReplies(request.replyToSessionId, SLOW_MS + 10_000, 2_500);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.outcome).toBe('ok');
    expect(audit.filter((a) => a.requestId === request.id)).toEqual([expect.objectContaining({ outcome: 'ok', deliveryCount: 0 })]);
  }, 30_000);
});
