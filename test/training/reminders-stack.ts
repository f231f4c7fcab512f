import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SandboxControl, startM365Sandbox, type M365Sandbox, type M365SandboxOptions } from '../../dev/m365-sandbox/index';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { reminderDeps, resetRemindersForTests } from '../../shared/training/adapters/reminder-services';
import type { PeopleNames } from '../../shared/training/ports';
import type { ReminderDeps } from '../../shared/training/reminders/pass';
import { useAppEnvironment } from '../support/app-env';

export interface ReminderStack {
  sandbox: M365Sandbox;
  control: SandboxControl;
  issuer: TokenIssuer;
  env: Record<string, string>;
  /** The app's real reminder services (Cosmos emulator, Graph client to the sandbox) at a fixed instant. */
  deps(now: string, overrides?: Partial<ReminderDeps>): ReminderDeps;
  stop(): Promise<void>;
}

export const namesFromSandbox = (sandbox: M365Sandbox): PeopleNames => ({
  async namesOf(ids) {
    return new Map(sandbox.tenant.users.filter((u) => ids.includes(u.id)).map((u) => [u.id, u.displayName]));
  },
});

/** The app's reminder services against a fresh sandbox and a database of its own in this run's Cosmos DB emulator. */
export async function startReminderStack(options: { sandbox?: M365SandboxOptions } = {}): Promise<ReminderStack> {
  const sandbox = await startM365Sandbox(options.sandbox ?? {});
  const issuer = await startTokenIssuer({});
  const dir = mkdtempSync(path.join(tmpdir(), 'reminders-test-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const sender = sandbox.tenant.users.find((u) => u.isSharedMailbox) ?? sandbox.tenant.users[0]!;
  const env: Record<string, string> = {
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    COSMOS_DATABASE: `reminders-${Math.random().toString(36).slice(2, 10)}`,
    TRAINING_SENDER_MAILBOX: sender.userPrincipalName,
    TRAINING_TAB_URL: 'https://teams.microsoft.com/l/entity/00000000-0000-0000-0000-000000000001/training',
  };
  await useAppEnvironment(issuer, env);
  resetRemindersForTests();
  return {
    sandbox,
    control: new SandboxControl(sandbox),
    issuer,
    env,
    deps: (now, overrides = {}) => ({ ...reminderDeps(namesFromSandbox(sandbox)), now: () => new Date(now), ...overrides }),
    async stop() {
      await sandbox.stop();
      await issuer.stop();
    },
  };
}
