import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SandboxControl, startM365Sandbox, type M365Sandbox, type M365SandboxOptions } from '../../dev/m365-sandbox/index';
import { CosmosRosterStore } from '../../shared/collaboration/adapters/cosmos-collaboration';
import type { RosterEntry } from '../../shared/collaboration/plan';
import { loadPeopleCatalogue } from '../../shared/people/catalogue';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import type { TokenIssuer } from '../../dev/token-issuer';
import { useAppEnvironment } from '../support/app-env';

/** The collaboration roster as the people stream would have built it, from the sandbox's directory. */
export function rosterFromTenant(sandbox: M365Sandbox): RosterEntry[] {
  const catalogue = loadPeopleCatalogue('config/people-catalogue.json');
  return sandbox.tenant.users
    .filter((u) => u.userType === 'Member' && !u.isSharedMailbox)
    .map((u) => ({
      personId: u.id,
      serviceCode: catalogue.serviceFor(u.department)?.code ?? null,
      jobCategoryCode: catalogue.jobCategoryFor(u.jobCategory)?.code ?? null,
      status: u.accountEnabled ? ('active' as const) : ('left' as const),
    }));
}

export interface HostStack {
  sandbox: M365Sandbox;
  control: SandboxControl;
  database: string;
  /** App settings for the host and for this process (Graph, Cosmos database, time-scaled SharePoint window). */
  env: Record<string, string>;
  roster: RosterEntry[];
  stop(): Promise<void>;
}

/**
 * A fresh Microsoft 365 sandbox (SharePoint throttling on, time-scaled), this run's Cosmos DB with
 * a database of its own, and the roster seeded through the app's own adapter.
 */
export async function startHostStack(issuer: TokenIssuer, options: { timeScale?: number; sandbox?: M365SandboxOptions; env?: Record<string, string> } = {}): Promise<HostStack> {
  const timeScale = options.timeScale ?? 30;
  const sandbox = await startM365Sandbox({ scale: { mailboxes: 0 }, timeScale, teamOperationMs: 300, teamReplicationLagMs: 1_200, ...options.sandbox });
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'collaboration-')), 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const database = `collab-${Math.random().toString(36).slice(2, 10)}`;
  const env = {
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    COSMOS_DATABASE: database,
    COLLABORATION_SHAREPOINT_WINDOW_MS: String(Math.round(60_000 / timeScale)),
    COLLABORATION_TEAM_POLL_MS: '300',
    COLLABORATION_STEP_BUDGET_SECONDS: '5',
    ...options.env,
  };
  await useAppEnvironment(issuer, env);
  const roster = rosterFromTenant(sandbox);
  const store = new CosmosRosterStore(cosmosDatabase());
  for (const entry of roster) await store.put({ ...entry, version: 1 });
  return { sandbox, control: new SandboxControl(sandbox), database, env, roster, stop: () => sandbox.stop() };
}
