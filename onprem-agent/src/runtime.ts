import type { TokenCredential } from '@azure/core-auth';
import type { KeyObject } from 'node:crypto';
import { privateKeyFrom, publicKeyFrom } from '../../shared/relay/contract';
import type { AgentConfig } from './config';
import { agentLog, type AgentLog } from './agent-log';
import { fileAuditLog } from './audit-log';
import { legacyArchive } from './connectors/legacy-archive';
import { missionSystem, type QueryRunner } from './connectors/mission-system';
import { openSqliteDatabase } from './connectors/sqlite-database';
import { openSqlServerDatabase } from './connectors/sqlserver-database';
import { documentStore } from './document-store';
import { openIdempotencyStore } from './idempotency-store';
import type { Connectors } from './operations';
import { RelayAgent } from './relay-agent';
import { RequestProcessor } from './request-processor';

/** Everything the agent is made of, wired from a validated config. */
export interface AgentRuntime {
  agent: RelayAgent;
  connectors: Connectors;
  processor: RequestProcessor;
  /** Stops the agent (gracefully) and closes the database and the idempotency store. */
  close(): Promise<void>;
}

export async function openAgentRuntime(config: AgentConfig, log: AgentLog = agentLog()): Promise<AgentRuntime> {
  const publicKeys = new Map<string, KeyObject>();
  for (const [kid, text] of Object.entries(config.signing.publicKeys)) {
    try {
      publicKeys.set(kid, publicKeyFrom(text));
    } catch (e) {
      throw new Error(`signing.publicKeys.${kid}: ${(e as Error).message}`);
    }
  }
  let replyKey: { kid: string; privateKey: KeyObject };
  try {
    replyKey = { kid: config.signing.replyKey.kid, privateKey: privateKeyFrom(config.signing.replyKey.privateKey) };
  } catch (e) {
    throw new Error(`signing.replyKey.privateKey: ${(e as Error).message}`);
  }
  const credential: TokenCredential | undefined = config.serviceBus.certificate
    ? (() => {
        const { ClientCertificateCredential } = require('@azure/identity') as typeof import('@azure/identity');
        const c = config.serviceBus.certificate;
        return new ClientCertificateCredential(c.tenantId, c.clientId, { certificatePath: c.certificatePath }, { sendCertificateChain: c.sendCertificateChain });
      })()
    : undefined;

  const db: QueryRunner =
    config.mission.driver === 'sqlite'
      ? openSqliteDatabase(config.mission.sqlite!.path, config.mission.queries)
      : await openSqlServerDatabase(config.mission.sqlserver!, config.mission.queries);
  const documents = documentStore(config.storage, credential);
  const connectors: Connectors = {
    mission: missionSystem(db),
    archive: legacyArchive(config.archive.root, config.archive.indexFile),
    documents,
    inlineMaxBytes: config.storage.inlineMaxBytes,
  };
  const store = openIdempotencyStore(config.dataDir, config.idempotencyRetentionHours);
  const processor = new RequestProcessor({
    publicKeys,
    replyKey,
    clockSkewMs: config.signing.clockSkewSeconds * 1000,
    maxLifetimeMs: config.signing.maxLifetimeSeconds * 1000,
    store,
    audit: fileAuditLog(config.dataDir),
    connectors,
    onUnexpected: (e) => log('error', 'request.unexpected_error', { error: e instanceof Error ? e.name : typeof e }),
  });
  const agent = new RelayAgent({ config, processor, store, documents, log, credential });
  let closed: Promise<void> | undefined;
  return {
    agent,
    connectors,
    processor,
    close: () =>
      (closed ??= (async () => {
        await agent.stop();
        store.close();
        await db.close();
      })()),
  };
}
