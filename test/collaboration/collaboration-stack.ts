import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, startM365Sandbox, type M365Sandbox, type M365SandboxOptions } from '../../dev/m365-sandbox/index';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { collaborationAdapters, resetCollaborationAdaptersForTests } from '../../shared/collaboration/adapters/collaboration-adapters';
import { GraphSpaceReader, GraphSpaceWriter } from '../../shared/collaboration/adapters/graph-spaces';
import { SharePointPacer } from '../../shared/collaboration/adapters/sharepoint-pacer';
import { diffSpace } from '../../shared/collaboration/diff';
import { applyRecordUpdate, newRecord as engineNewRecord } from '../../shared/collaboration/engine';
import type { DesiredSpace, Operation } from '../../shared/collaboration/model';
import { planSpaces, type RosterEntry } from '../../shared/collaboration/plan';
import type { CollaborationDirectory, DocumentSource, RecordUpdate, SpaceRecord, SpaceStore } from '../../shared/collaboration/ports';
import type { CollaborationTemplateFile } from '../../shared/collaboration/template';
import { loadPeopleCatalogue } from '../../shared/people/catalogue';
import { graph } from '../../shared/platform/adapters/clients';
import { useAppEnvironment } from '../support/app-env';

export interface CollaborationStack {
  sandbox: M365Sandbox;
  control: SandboxControl;
  issuer: TokenIssuer;
  client: Client;
  template: CollaborationTemplateFile;
  documents: DocumentSource;
  directory: CollaborationDirectory;
  store: SpaceStore;
  /** The app's one SharePoint pacer (its budget is the app's, whatever the caller). */
  pacer: SharePointPacer;
  /** The desired spaces of the real template over the sandbox's staff. */
  plan(): Promise<DesiredSpace[]>;
  stop(): Promise<void>;
}

/**
 * The collaboration adapters against a fresh Microsoft 365 sandbox and this run's Cosmos DB
 * emulator (a database of its own), wired as the app wires them (collaborationAdapters): the real
 * template and document template files.
 */
export async function startCollaborationStack(options: M365SandboxOptions = {}): Promise<CollaborationStack> {
  // SharePoint's minute lasts 6 s here (time scale 10): the app's pacer shortens its window alike.
  const sandbox = await startM365Sandbox({ seed: 20261206, scale: { mailboxes: 0 }, teamReplicationLagMs: 300, teamOperationMs: 100, timeScale: 10, ...options });
  const issuer = await startTokenIssuer({});
  const dir = mkdtempSync(path.join(tmpdir(), 'collaboration-test-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const windowMs = String(60_000 / (options.timeScale ?? 10));
  await useAppEnvironment(issuer, { GRAPH_BASE_URL: sandbox.graphBaseUrl, GRAPH_CA_FILE: caFile, COSMOS_DATABASE: `collab-${Math.random().toString(36).slice(2, 10)}`, COLLABORATION_SHAREPOINT_WINDOW_MS: windowMs });
  resetCollaborationAdaptersForTests();
  // The app's own wiring: its pacer (window from the settings) and its Cosmos store.
  const app = collaborationAdapters();
  const template = app.template;
  const documents = app.documents;
  const client = graph();
  const control = new SandboxControl(sandbox);
  return {
    sandbox,
    control,
    issuer,
    client,
    template,
    documents,
    directory: app.directory,
    store: app.spaces,
    pacer: app.pacer,
    async plan() {
      const catalogue = loadPeopleCatalogue('config/people-catalogue.json');
      const tenant = await control.request<{ users: Array<{ id: string; department: string | null; jobCategory: string | null; userType: string; accountEnabled: boolean; isSharedMailbox: boolean }> }>('GET', '/tenant');
      const roster: RosterEntry[] = tenant.users
        .filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled)
        .map((u) => ({ personId: u.id, serviceCode: catalogue.serviceFor(u.department)?.code ?? null, jobCategoryCode: catalogue.jobCategoryFor(u.jobCategory)?.code ?? null, status: 'active' }));
      const groupIds = await app.directory.groupIds([template.everyoneGroup, ...template.spaces.service.nodes.flatMap(groupsOf)]);
      const plan = planSpaces({ template, services: catalogue.services, roster, projects: [], groupIds, documentHashes: await documents.hashes() });
      if (plan.problems.length > 0) throw new Error(`plan problems: ${JSON.stringify(plan.problems)}`);
      return plan.spaces;
    },
    async stop() {
      await sandbox.stop();
      await issuer.stop();
    },
  };
}

function groupsOf(node: CollaborationTemplateFile['spaces']['service']['nodes'][number]): string[] {
  return [...node.permissions.groups.map((g) => g.group), ...node.children.flatMap(groupsOf)];
}

export function newRecord(desired: DesiredSpace): SpaceRecord {
  return engineNewRecord(desired, new Date());
}

/** What the engine does with an operation's update (its own function), on a copy. */
export function withUpdate(record: SpaceRecord, update: RecordUpdate | undefined): SpaceRecord {
  const next = structuredClone(record);
  applyRecordUpdate(next, update);
  return next;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ConvergeLog {
  applied: Operation[];
  waits: number;
  provisioningReads: number;
}

/**
 * Reads, diffs and applies in order until the diff is empty, as the engine will: a `wait` sends
 * it back to reading after the delay (capped for tests); a `failed` stops with the reason.
 */
export async function converge(store: SpaceStore, reader: GraphSpaceReader, writer: GraphSpaceWriter, desired: DesiredSpace, options: { rounds?: number; maxWaitMs?: number } = {}): Promise<ConvergeLog> {
  const log: ConvergeLog = { applied: [], waits: 0, provisioningReads: 0 };
  for (let round = 0; round < (options.rounds ?? 40); round++) {
    const stored = await store.get(desired.key);
    let record = stored?.record ?? newRecord(desired);
    let etag = stored?.etag;
    const actual = await reader.read(desired, record);
    if (actual.state === 'provisioning') {
      log.provisioningReads++;
      await sleep(Math.min(options.maxWaitMs ?? 200, 200));
      continue;
    }
    const { operations } = diffSpace(desired, actual);
    if (operations.length === 0) return log;
    for (const op of operations) {
      const result = await writer.apply(op, desired, record);
      if (result.outcome === 'failed') throw new Error(`failed: ${result.reason}`);
      if (result.update) {
        record = withUpdate(record, result.update);
        etag = await store.save(record, etag);
      }
      if (result.outcome === 'wait') {
        log.waits++;
        await sleep(Math.min(result.retryAfterMs, options.maxWaitMs ?? 200));
        break;
      }
      log.applied.push(op);
    }
  }
  throw new Error(`space ${desired.key} did not converge`);
}

export function adapters(client: Client, documents: DocumentSource, pacer = new SharePointPacer({ unitsPerMinute: 1200 }), lagMs = 60_000) {
  return {
    pacer,
    reader: new GraphSpaceReader(client, pacer, { teamLagMs: lagMs }),
    writer: new GraphSpaceWriter(client, pacer, documents, { teamLagMs: lagMs, teamPollMs: 100 }),
  };
}

