import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SandboxControl, startM365Sandbox, type M365Sandbox, type M365SandboxOptions, type RecordedWrite } from '../../dev/m365-sandbox/index';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { startTokenIssuer, type LocalUser, type TokenIssuer } from '../../dev/token-issuer';
import { peopleSyncDeps, resetPeopleForTests } from '../../shared/people/adapters/people-services';
import { syncPeople } from '../../shared/people/sync';
import { resetRolloutServicesForTests } from '../../shared/rollout/adapters/rollout-services';
import { startAppHost, type AppHost } from '../support/app-host';
import { useAppEnvironment } from '../support/app-env';

export const HR: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000e2', name: 'Hélène RH', roles: ['Staff', 'HR'] };
export const STAFF: LocalUser = { oid: '0b1c2d3e-0000-4000-8000-0000000000e3', name: 'Samuel Employé', roles: ['Staff'] };

/**
 * The rollout end to end: the real function app on the local host (durable orchestrations
 * included), a Service Bus emulator of its own with the local stack's entities (the people topic
 * and every capability's subscription), this run's Cosmos DB (a database of its own), Azurite and
 * a Microsoft 365 sandbox. People arrive the way they do in production: a synchronisation reads the
 * sandbox's directory and publishes the lifecycle events every capability follows.
 */
export interface RolloutStack {
  sandbox: M365Sandbox;
  control: SandboxControl;
  bus: ServiceBusEmulator;
  issuer: TokenIssuer;
  host: AppHost;
  /** IT administration: a member of the tenant's staff (decisions show their name from the people directory). */
  it: LocalUser;
  env: Record<string, string>;
  /** One people synchronisation (in this process, against the sandbox), as the timer runs it. */
  sync(): Promise<void>;
  restartHost(): Promise<void>;
  killHost(): Promise<void>;
  call(method: string, route: string, body?: unknown, user?: LocalUser): Promise<{ status: number; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers of several shapes
  appWrites(kind?: string): Promise<RecordedWrite[]>;
  stop(): Promise<void>;
}

/**
 * The app's rollout configuration with retries short enough for a test (the shape is the product's).
 * Graph work gets one retry, so an injected Graph fault blocks a step quickly; the other kinds keep
 * five attempts, so an activity slowed by a loaded machine is not mistaken for a step IT must repair.
 */
export function quickRetriesConfig(): string {
  const config = JSON.parse(readFileSync('config/rollout.json', 'utf8')) as Record<string, unknown>;
  const quick = { firstRetrySeconds: 1, backoff: 1, maxAttempts: 2 };
  const patient = { firstRetrySeconds: 1, backoff: 1, maxAttempts: 5 };
  config.retries = { graph: quick, archive: patient, store: patient, collaboration: patient };
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rollout-config-')), 'rollout.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export async function startRolloutStack(options: { sandbox?: M365SandboxOptions; env?: Record<string, string> } = {}): Promise<RolloutStack> {
  const sandbox = await startM365Sandbox({ seed: 20261206, scale: { mailboxes: 3, messagesPerMailbox: 6 }, timeScale: 30, teamOperationMs: 300, teamReplicationLagMs: 1_200, ...options.sandbox });
  const bus = await startServiceBusEmulator({ config: 'dev/local-stack/servicebus-config.json' });
  const admin = sandbox.tenant.users.find((u) => u.department === 'Ressources informationnelles' && u.accountEnabled && u.userType === 'Member')!;
  const it: LocalUser = { oid: admin.id, name: admin.displayName, roles: ['Staff', 'ITAdmin'] };
  const issuer = await startTokenIssuer({ users: [it, HR, STAFF] });
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'rollout-')), 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const env: Record<string, string> = {
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    COSMOS_DATABASE: `rollout-${Math.random().toString(36).slice(2, 10)}`,
    ServiceBusConnection: bus.connectionString,
    ARCHIVE_GRAPH_SLOTS: 'local',
    ARCHIVE_RUN_ON_STARTUP: 'false',
    ARCHIVE_SCHEDULE: '0 0 0 1 1 *',
    ARCHIVE_SWEEP_SCHEDULE: '0 0 0 1 1 *',
    PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *',
    TRAINING_CYCLES_SCHEDULE: '0 0 0 1 1 *',
    TRAINING_REMINDER_SCHEDULE: '0 0 0 1 1 *',
    COLLABORATION_DRIFT_SCHEDULE: '0 0 0 1 1 *',
    COLLABORATION_SHAREPOINT_WINDOW_MS: String(Math.round(60_000 / 30)),
    COLLABORATION_TEAM_POLL_MS: '300',
    COLLABORATION_STEP_BUDGET_SECONDS: '5',
    // 30 days of training deadline in about 5 seconds; reminder rounds and waits shrink alike.
    ROLLOUT_TIME_SCALE: '0.000002',
    ROLLOUT_CONFIG_FILE: quickRetriesConfig(),
    ...options.env,
  };
  await useAppEnvironment(issuer, env);
  resetPeopleForTests();
  resetRolloutServicesForTests();
  let host = await startAppHost(issuer, env);
  const control = new SandboxControl(sandbox);
  const stack: RolloutStack = {
    sandbox, control, bus, issuer, env, it,
    get host() {
      return host;
    },
    async sync() {
      await syncPeople(peopleSyncDeps());
    },
    async restartHost() {
      host = await startAppHost(issuer, env);
    },
    async killHost() {
      host.child.kill('SIGKILL');
      await new Promise((r) => host.child.once('exit', r));
    },
    async call(method, route, body, user = it) {
      const token = await issuer.mintUserToken(user);
      const res = await fetch(`${host.baseUrl}/api/rollout/${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-language': 'fr-CA' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    },
    async appWrites(kind) {
      return (await control.writes()).filter((w) => w.appId !== 'user' && (!kind || w.kind === kind));
    },
    async stop() {
      await host?.stop();
      await bus.stop();
      await sandbox.stop();
      await issuer.stop();
    },
  };
  return stack;
}

/** Polls until `check` returns a value (not undefined), or fails with what was last seen and the host's output. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, host: () => AppHost, limitMs = 240_000): Promise<T> {
  let last: unknown;
  for (const end = Date.now() + limitMs; Date.now() < end; ) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not happen (last error: ${String(last)})\n${host().output().slice(-5000)}`);
}
