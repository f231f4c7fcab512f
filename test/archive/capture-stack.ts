import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { handleMailboxWork, type WorkOutcome } from '../../shared/archive/capture/mailbox-run';
import { inject } from 'vitest';
import { SandboxControl, startM365Sandbox, type M365Sandbox, type M365SandboxOptions } from '../../dev/m365-sandbox/index';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { settings } from '../../shared/platform/settings';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { buildArchiveServices, type ArchiveServices } from '../../shared/archive/adapters/capture-services';
import { buildRecordsServices, type RecordsServices } from '../../shared/archive/adapters/records-services';
import { CONTAINERS, type MessageEntry } from '../../shared/archive/model';
import { useAppEnvironment } from '../support/app-env';

export interface CaptureStack {
  sandbox: M365Sandbox;
  control: SandboxControl;
  issuer: TokenIssuer;
  services: ArchiveServices;
  /** The records side (retention calendar, legal holds) wired into capture as in the app. */
  records: RecordsServices;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The app's real capture services against this run's Azurite and Cosmos emulators, a fresh
 * Microsoft 365 sandbox and the local token issuer, each test file in its own database and
 * (through a unique prefix-free database) its own index; blob containers are shared, which is
 * harmless because content is addressed by hash.
 */
export async function startCaptureStack(options: { sandbox?: M365SandboxOptions; env?: Record<string, string> } = {}): Promise<CaptureStack> {
  const sandbox = await startM365Sandbox({ scale: { mailboxes: 4, messagesPerMailbox: 30 }, ...options.sandbox });
  const issuer = await startTokenIssuer({});
  const dir = mkdtempSync(path.join(tmpdir(), 'archive-test-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const env: Record<string, string> = {
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    COSMOS_DATABASE: `archive-${Math.random().toString(36).slice(2, 10)}`,
    ARCHIVE_SCOPE_GROUP: 'Archivage-Courriels',
    ARCHIVE_GRAPH_SLOTS: 'local',
    ARCHIVE_LOCK_SECONDS: '15',
    ARCHIVE_PAGE_SIZE: '10',
    ...options.env,
  };
  await useAppEnvironment(issuer, env);
  const records = buildRecordsServices(settings());
  const services = buildArchiveServices(settings(), records);
  return {
    sandbox,
    control: new SandboxControl(sandbox),
    issuer,
    services,
    records,
    env: {
      ...env,
      LOCAL_MODE: 'true',
      ServiceBusConnection: process.env.ServiceBusConnection ?? '',
      AzureWebJobsStorage: env.AzureWebJobsStorage ?? inject('azurite').connectionString,
      CosmosDb: inject('cosmos').connectionString,
      AUTH_TENANT_ID: issuer.tenantId,
      AUTH_CLIENT_ID: issuer.clientId,
      AUTH_AUTHORITY: issuer.authority,
    },
    stop: async () => {
      await sandbox.stop();
      await issuer.stop();
    },
  };
}

/** A staff mailbox in the archive's scope that does not hold the sandbox's 100 MB message. */
export async function ordinaryStaffMailbox(stack: CaptureStack): Promise<string> {
  const large = stack.sandbox.tenant.largeMessage?.userId;
  const members = (await stack.services.directory.mailboxesInScope()).map((m) => m.mailboxId);
  return members.find((id) => id !== large && stack.sandbox.tenant.staffIds.includes(id))!;
}

export async function allEntries(mailboxId?: string): Promise<MessageEntry[]> {
  const container = cosmosDatabase().container(CONTAINERS.messages);
  const { resources } = await container.items
    .query<MessageEntry>(mailboxId ? { query: 'SELECT * FROM c WHERE c.mailboxId = @m', parameters: [{ name: '@m', value: mailboxId }] } : 'SELECT * FROM c')
    .fetchAll();
  return resources;
}

export async function sha256Of(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

/** Non-junk message count of a mailbox according to the sandbox. */
export async function expectedMessages(control: SandboxControl, mailboxId: string): Promise<number> {
  const folders = await control.folders(mailboxId);
  return folders.filter((f) => f.wellKnownName !== 'junkemail').reduce((n, f) => n + f.totalItemCount, 0);
}

/**
 * One queued run of a mailbox through the app's worker use case. Test files share Azurite's lock
 * container and the sandbox's seeded mailbox ids, so another file's run may hold the mailbox's
 * lock: a run skipped as locked is tried again until `timeoutMs`. No Service Bus here: a
 * continuation (a slow machine reaching the run's deadline) is only noted.
 */
export async function runMailboxQueued(stack: CaptureStack, mailboxId: string, timeoutMs = 300_000): Promise<WorkOutcome> {
  const s = stack.services;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await handleMailboxWork(
      { mailboxId, reason: 'manual', runId: randomUUID(), enqueuedAt: new Date().toISOString() },
      { archiver: s.archiver, lock: s.lock, state: s.state, queue: { enqueue: async () => undefined }, budget: s.budget, log: () => undefined },
      { runSeconds: 600, lockSeconds: 30 },
    );
    if (!(outcome.status === 'skipped' && outcome.reason === 'locked') || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
