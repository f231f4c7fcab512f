import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { judge } from '../../shared/relay/agent-status';
import { STAFF, relayQueueConfig, startRelayStack, type RelayStack } from './support';
import type { AgentRuntime } from '../../onprem-agent/src/runtime';

/**
 * Staying connected: the broker goes away and comes back on the same address; the agent rebuilds
 * its connection (jittered backoff) and serves again, and its heartbeat says when it is not
 * connected.
 */
let stack: RelayStack;
let agent: AgentRuntime;
let replacement: ServiceBusEmulator | undefined;

beforeAll(async () => {
  stack = await startRelayStack();
  agent = await stack.startAgent();
});
afterAll(async () => {
  await stack?.stop();
  await replacement?.stop();
});

async function untilOk(deadlineMs: number): Promise<string> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const result = await stack.client.call('lookupMember', { memberNumber: 'M00005' }, STAFF, 2_000);
      if (result.kind === 'replied') return result.reply.outcome;
      last = 'pending';
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer after the broker came back: ${last}`);
}

describe('agent connection', () => {
  it('reconnects after the broker restarts and serves again', async () => {
    expect(await untilOk(5_000)).toBe('ok');
    const port = stack.emulator.port;
    const sasKey = /SharedAccessKey=([^;]+)/.exec(stack.emulator.connectionString)![1]!;
    await stack.emulator.stop();
    // The agent notices: its connection is marked broken and rebuilt with backoff.
    const noticed = Date.now() + 10_000;
    while (agent.agent.isConnected && Date.now() < noticed) await new Promise((r) => setTimeout(r, 50));
    expect(agent.agent.isConnected).toBe(false);
    replacement = await startServiceBusEmulator({ port, config: relayQueueConfig(), sasKeyName: 'RootManageSharedAccessKey', sasKey });
    const restarted = Date.now();
    expect(await untilOk(20_000)).toBe('ok');
    // Backoff here is 100 ms to 1 s (test config): back within seconds, not the SDK's 20 s timeouts.
    expect(Date.now() - restarted).toBeLessThan(5_000);
    expect(agent.agent.isConnected).toBe(true);
  }, 45_000);
});

describe('heartbeat judgement', () => {
  const beat = { agentId: 'a', agentVersion: '0.1.0', at: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.000Z', inFlight: 0, handled: 0, connected: true };
  const at = Date.parse(beat.at);
  it('is online when fresh and connected, offline when stale, disconnected or missing', () => {
    expect(judge([beat], at + 10_000, 60_000).online).toBe(true);
    expect(judge([beat], at + 61_000, 60_000)).toMatchObject({ online: false, reason: 'stale' });
    expect(judge([{ ...beat, connected: false }], at, 60_000)).toMatchObject({ online: false, reason: 'disconnected' });
    expect(judge([], at, 60_000)).toMatchObject({ online: false, reason: 'no_heartbeat' });
    expect(judge([{ nonsense: true }], at, 60_000)).toMatchObject({ online: false, reason: 'no_heartbeat' });
  });

  it('is online while any one of several agents is, whatever the others say', () => {
    const stopped = { ...beat, agentId: 'b', connected: false, at: new Date(at + 5_000).toISOString() };
    const old = { ...beat, agentId: 'c', at: new Date(at - 600_000).toISOString() };
    expect(judge([stopped, beat, old], at + 10_000, 60_000)).toMatchObject({ online: true, heartbeat: { agentId: 'a' } });
    expect(judge([stopped, old], at + 10_000, 60_000)).toMatchObject({ online: false, reason: 'disconnected', heartbeat: { agentId: 'b' } });
  });
});
