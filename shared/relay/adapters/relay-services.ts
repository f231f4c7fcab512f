import type { ServiceBusClient } from '@azure/service-bus';
import type { TableClient } from '@azure/data-tables';
import type { ContainerClient } from '@azure/storage-blob';
import { blobServiceClient, cosmosDatabase, serviceBusClient, serviceBusReplyClient, tableClient } from '../../platform/adapters/clients';
import { CosmosAuditTrail } from '../../platform/adapters/cosmos-audit-trail';
import { RelayAuditLog, RelayAuditRecord } from '../audit-record';
import { settings, type Settings } from '../../platform/settings';
import { AgentStatus } from '../agent-status';
import { HEARTBEAT_PREFIX, isOperationName, privateKeyFrom, publicKeysFrom, type OperationName } from '../contract';
import type { HeartbeatSource, PendingRequests } from '../ports';
import type { RelayPorts } from '../relay-calls';
import { disableNagleForServiceBus } from './amqp-no-delay';
import { RelayClient } from './relay-client';
import { ServiceBusDeadLetters } from './service-bus-dead-letters';
import type { DrainPorts } from '../deadletter-drain';

/**
 * The relay's ports as the function app builds them from its settings: Service Bus (RelayClient),
 * the agents' heartbeat blobs, and a table of pending requests (docs/decisions/0005-onprem-relay.md).
 */
export const PENDING_TABLE = 'relaypending';

/** Heartbeats the agents rewrite every few seconds, one blob per agent. */
export class BlobHeartbeats implements HeartbeatSource {
  constructor(private readonly container: ContainerClient) {}

  async read(): Promise<unknown[]> {
    const found: unknown[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix: HEARTBEAT_PREFIX })) {
        if (found.length >= 20) break; // a handful of agents at most; never an unbounded read
        const bytes = await this.container.getBlobClient(blob.name).downloadToBuffer();
        try {
          found.push(JSON.parse(bytes.toString('utf8')));
        } catch {
          // a half-written or foreign blob says nothing about the agents
        }
      }
    } catch (e) {
      // No container yet: no agent has ever started.
      if ((e as { statusCode?: number }).statusCode === 404) return [];
      throw e;
    }
    return found;
  }
}

/** Pending requests in Table Storage: partition = the caller's object id, row = the request id. */
export class TablePendingRequests implements PendingRequests {
  private created: Promise<unknown> | undefined;

  constructor(private readonly table: TableClient) {}

  async remember(owner: string, requestId: string, operation: OperationName, expiresAt: string): Promise<void> {
    this.created ??= this.table.createTable().catch(() => undefined);
    await this.created;
    await this.table.upsertEntity({ partitionKey: owner, rowKey: requestId, operation, expiresAt }, 'Replace');
  }

  async find(owner: string, requestId: string): Promise<{ expiresAt: string; operation?: OperationName } | undefined> {
    try {
      const row = await this.table.getEntity<{ expiresAt?: string; operation?: string }>(owner, requestId);
      if (!row.expiresAt) return undefined;
      return { expiresAt: row.expiresAt, ...(row.operation && isOperationName(row.operation) ? { operation: row.operation } : {}) };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async forget(owner: string, requestId: string): Promise<void> {
    await this.table.deleteEntity(owner, requestId).catch(() => undefined);
  }
}

export type RelayServices = { configured: true; ports: RelayPorts } | { configured: false; setting: 'RELAY_SIGNING_KEY' | 'RELAY_AGENT_PUBLIC_KEYS' };

/** The agent's links last at most 30 minutes (its linkLifetimeMinutes maximum); one more for clock skew. */
const DOCUMENT_LINK_MAX_LIFETIME_MS = 31 * 60_000;
const AUDIT_CONTAINER = 'relay-audit';

let state: { bus: ServiceBusClient; settings: Settings; ports: RelayPorts } | undefined;

/** The relay's ports, or why the relay cannot run (no signing key or no agent keys, or ones that do not parse). */
export function relayServices(): RelayServices {
  const s = settings();
  if (!s.relay.signingKey) return { configured: false, setting: 'RELAY_SIGNING_KEY' };
  // Without the agents' public keys no reply could be trusted: the relay is not configured.
  if (!s.relay.agentPublicKeys) return { configured: false, setting: 'RELAY_AGENT_PUBLIC_KEYS' };
  disableNagleForServiceBus();
  const bus = serviceBusClient(s);
  if (!state || state.bus !== bus || state.settings !== s) {
    let privateKey: ReturnType<typeof privateKeyFrom>;
    try {
      privateKey = privateKeyFrom(s.relay.signingKey);
    } catch {
      // A key that does not parse is a configuration problem, reported like a missing one.
      return { configured: false, setting: 'RELAY_SIGNING_KEY' };
    }
    let agentKeys: ReturnType<typeof publicKeysFrom>;
    try {
      agentKeys = publicKeysFrom(s.relay.agentPublicKeys);
    } catch {
      return { configured: false, setting: 'RELAY_AGENT_PUBLIC_KEYS' };
    }
    const transport = new RelayClient({
      serviceBus: bus,
      replies: serviceBusReplyClient(s),
      requestsQueue: s.relay.requestsQueue,
      repliesQueue: s.relay.repliesQueue,
      signingKey: { kid: s.relay.signingKeyId, privateKey },
      requestTtlMs: s.relay.requestTtlSeconds * 1000,
    });
    const heartbeats = new BlobHeartbeats(blobServiceClient(s).getContainerClient(s.relay.heartbeatContainer));
    state = {
      bus,
      settings: s,
      ports: {
        transport,
        status: new AgentStatus(heartbeats, s.relay.heartbeatMaxAgeSeconds * 1000),
        pending: new TablePendingRequests(tableClient(PENDING_TABLE, s)),
        trust: {
          publicKeys: agentKeys,
          documentLinkPrefix: `${blobServiceClient(s).getContainerClient(s.relay.documentsContainer).url}/`,
          documentLinkMaxLifetimeMs: DOCUMENT_LINK_MAX_LIFETIME_MS,
        },
        audit: new RelayAuditLog(new CosmosAuditTrail(cosmosDatabase(s), { container: AUDIT_CONTAINER, schema: RelayAuditRecord })),
        waitMs: s.relay.waitMs,
      },
    };
  }
  return { configured: true, ports: state.ports };
}

/** For tests that change the heartbeat or the settings between calls. */
export function resetRelayForTests(): void {
  state = undefined;
}

/** The dead-letter drain's ports: the relay queues' dead-letter subqueues and the relay's audit trail. */
export function relayDeadLetterPorts(): { ports: DrainPorts; close(): Promise<void> } {
  const s = settings();
  const deadLetters = new ServiceBusDeadLetters(serviceBusClient(s));
  return {
    ports: {
      deadLetters,
      audit: new RelayAuditLog(new CosmosAuditTrail(cosmosDatabase(s), { container: AUDIT_CONTAINER, schema: RelayAuditRecord })),
      // Inside the Functions timeout with room to spare; what is left waits for the next run.
      budgetMs: 4 * 60_000,
    },
    close: () => deadLetters.close(),
  };
}
