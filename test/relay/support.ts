import { inject } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startServiceBusEmulator, type EmulatorConfig, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { prepareLocalRelay, type LocalRelay } from '../../dev/relay/local-relay';
import { privateKeyFrom, publicKeyFrom, type RelayReply } from '../../shared/relay/contract';
import { RelayClient } from '../../shared/relay/adapters/relay-client';
import { loadConfig } from '../../onprem-agent/src/config';
import { openAgentRuntime, type AgentRuntime } from '../../onprem-agent/src/runtime';
import type { AgentLog } from '../../onprem-agent/src/agent-log';
import type { AuditEntry } from '../../onprem-agent/src/audit-log';
import { openIdempotencyStore, type IdempotencyStore } from '../../onprem-agent/src/idempotency-store';
import type { Connectors } from '../../onprem-agent/src/operations';
import { RelayAgent } from '../../onprem-agent/src/relay-agent';
import { RequestProcessor } from '../../onprem-agent/src/request-processor';

export const ROOT = path.resolve(__dirname, '../..');
export const STAFF = { oid: '0b1c2d3e-0000-4000-8000-000000000001', roles: ['Staff'] };
export const RECORDS = { oid: '0b1c2d3e-0000-4000-8000-000000000003', roles: ['Staff', 'RecordsManager'] };
export const IT_ONLY = { oid: '0b1c2d3e-0000-4000-8000-000000000009', roles: ['ITAdmin'] };

/**
 * The local stack's queue config with a short lock on requests, so a killed agent's work comes back
 * fast; `repliesLockSeconds` shortens the reply queue's (session) lock, so a test can make a reply
 * session's lock expire.
 */
export function relayQueueConfig(lockSeconds = 60, repliesLockSeconds?: number, requestsMaxDeliveryCount?: number): EmulatorConfig {
  const config = JSON.parse(readFileSync(path.join(ROOT, 'dev/local-stack/servicebus-config.json'), 'utf8')) as EmulatorConfig;
  const queues = (config as unknown as { UserConfig: { Namespaces: { Queues: { Name: string; Properties: Record<string, unknown> }[] }[] } }).UserConfig.Namespaces[0]!.Queues;
  const requests = queues.find((q) => q.Name === 'relay-requests')!;
  requests.Properties.LockDuration = `PT${lockSeconds}S`;
  if (requestsMaxDeliveryCount !== undefined) requests.Properties.MaxDeliveryCount = requestsMaxDeliveryCount;
  if (repliesLockSeconds !== undefined) queues.find((q) => q.Name === 'relay-replies')!.Properties.LockDuration = `PT${repliesLockSeconds}S`;
  return config;
}

export interface RelayStack {
  emulator: ServiceBusEmulator;
  bus: ServiceBusClient;
  relay: LocalRelay;
  client: RelayClient;
  dir: string;
  /** This stack's heartbeat container (RELAY_HEARTBEAT_CONTAINER for the app). */
  heartbeatContainer: string;
  /** This stack's documents container (RELAY_DOCUMENTS_CONTAINER for the app). */
  documentsContainer: string;
  /** Runs the agent in this process (its log lines go to `log`, dropped by default). */
  startAgent(log?: AgentLog): Promise<AgentRuntime>;
  /** Runs the agent as its own process (for kill and signal tests). */
  spawnAgent(extraEnv?: Record<string, string>): Promise<SpawnedAgent>;
  /**
   * Every reply in `sessionId` that arrives within `waitMs` (removes them); once one has come,
   * waits only `settleMs` more for any duplicate.
   */
  drainReplies(sessionId: string, waitMs: number, settleMs?: number): Promise<RelayReply[]>;
  deadLetters(): Promise<ServiceBusReceivedMessage[]>;
  stop(): Promise<void>;
}

export interface SpawnedAgent {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

export async function startRelayStack(
  options: { lockSeconds?: number; repliesLockSeconds?: number; requestsMaxDeliveryCount?: number; agentConfig?: Record<string, unknown> } = {},
): Promise<RelayStack> {
  const emulator = await startServiceBusEmulator({ config: relayQueueConfig(options.lockSeconds, options.repliesLockSeconds, options.requestsMaxDeliveryCount) });
  const dir = mkdtempSync(path.join(tmpdir(), 'spgq-relay-'));
  // Test files run in parallel against one Azurite: each stack gets its own containers, so one
  // file's agent never reads as another's heartbeat.
  const suffix = path.basename(dir).replace(/[^a-z0-9]/gi, '').toLowerCase().slice(-12);
  const heartbeatContainer = `relay-agent-${suffix}`;
  const documentsContainer = `relay-documents-${suffix}`;
  const relay = prepareLocalRelay({
    dir,
    serviceBusConnectionString: emulator.connectionString,
    storageConnectionString: inject('azurite').connectionString,
    agentConfig: {
      heartbeatSeconds: 1,
      shutdownDeadlineSeconds: 5,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
      ...options.agentConfig,
      storage: { heartbeatContainer, documentsContainer, ...((options.agentConfig?.storage as object | undefined) ?? {}) },
    },
  });
  const bus = new ServiceBusClient(emulator.connectionString);
  const replies = new ServiceBusClient(emulator.connectionString);
  const client = new RelayClient({
    serviceBus: bus,
    replies,
    requestsQueue: 'relay-requests',
    repliesQueue: 'relay-replies',
    signingKey: { kid: relay.kid, privateKey: privateKeyFrom(relay.privateKeyPem) },
    requestTtlMs: 60_000,
  });
  const runtimes: AgentRuntime[] = [];
  const children: ChildProcess[] = [];
  return {
    emulator,
    bus,
    relay,
    client,
    dir,
    heartbeatContainer,
    documentsContainer,
    async startAgent(log: AgentLog = () => undefined) {
      const runtime = await openAgentRuntime(loadConfig(relay.configPath), log);
      runtimes.push(runtime);
      await runtime.agent.start();
      return runtime;
    },
    async spawnAgent(extraEnv = {}) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'onprem-agent/src/main.ts'), '--config', relay.configPath], {
        cwd: ROOT,
        env: { ...process.env, SPGQ_AGENT_LOG_LEVEL: 'debug', ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return {
        child,
        output: () => out,
        exited,
        waitFor: (pattern, timeoutMs = 90_000) =>
          new Promise<void>((resolve, reject) => {
            const started = Date.now();
            const tick = () => {
              if (pattern.test(out)) return resolve();
              if (child.exitCode !== null) return reject(new Error(`agent exited (${child.exitCode}) before ${pattern}:\n${out}`));
              if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${pattern}:\n${out}`));
              setTimeout(tick, 25);
            };
            tick();
          }),
      };
    },
    async drainReplies(sessionId, waitMs, settleMs = 1_500) {
      const receiver = await bus.acceptSession('relay-replies', sessionId);
      const replies: RelayReply[] = [];
      let deadline = Date.now() + waitMs;
      try {
        while (Date.now() < deadline) {
          const messages = await receiver.receiveMessages(10, { maxWaitTimeInMs: Math.max(1, deadline - Date.now()) });
          for (const m of messages) {
            if (replies.length === 0) deadline = Math.min(deadline, Date.now() + settleMs);
            replies.push(m.body as RelayReply);
            await receiver.completeMessage(m);
          }
        }
      } finally {
        await receiver.close();
      }
      return replies;
    },
    async deadLetters() {
      const receiver = bus.createReceiver('relay-requests', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
      try {
        return await receiver.receiveMessages(50, { maxWaitTimeInMs: 300 });
      } finally {
        await receiver.close();
      }
    },
    async stop() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.allSettled(runtimes.map((r) => r.close()));
      await client.close();
      await bus.close();
      await replies.close();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function auditLines(relay: LocalRelay): { requestId: string | null; user: string | null; operation: string | null; outcome: string; code?: string }[] {
  try {
    return readFileSync(path.join(relay.dataDir, 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as never);
  } catch {
    return [];
  }
}

/**
 * The agent in this process, with a mission system of the test's own (fast, slow, counting) and an
 * audit kept in memory: for tests of the transport rather than of the connectors.
 */
export async function startInProcessAgent(
  stack: RelayStack,
  options: { mission: Connectors['mission']; audit: Array<Omit<AuditEntry, 'at'>>; dataDir: string },
): Promise<{ agent: RelayAgent; store: IdempotencyStore }> {
  const config = loadConfig(stack.relay.configPath);
  const store = openIdempotencyStore(path.join(stack.dir, options.dataDir), 1);
  const processor = new RequestProcessor({
    publicKeys: new Map([[stack.relay.kid, publicKeyFrom(stack.relay.publicKeyPem)]]),
    replyKey: { kid: stack.relay.agentKid, privateKey: privateKeyFrom(stack.relay.agentPrivateKeyPem) },
    clockSkewMs: 30_000,
    maxLifetimeMs: 900_000,
    store,
    audit: { record: (e) => options.audit.push(e) },
    connectors: { mission: options.mission, archive: {} as Connectors['archive'], inlineMaxBytes: 1_000 },
  });
  const agent = new RelayAgent({ config, processor, store, log: () => undefined });
  await agent.start();
  return { agent, store };
}
