/**
 * A service's rollout at the scale of a large service: 300 employees onboarded with parallelism
 * 10, on the real stack (the function app on the local Functions host with its durable
 * orchestrations, a Service Bus emulator, the Cosmos DB emulator, Azurite, the Microsoft 365
 * sandbox). Relations du travail gets the staff it lacks through the sandbox's control API (hired
 * long ago: their `joined` starts no onboarding of its own), a real people synchronisation
 * publishes them, IT starts the service's rollout and the bench times its people step.
 *
 * Known duration: the sandbox answers every `/assignLicense` after BENCH_ACTIVITY_MS (its `slow`
 * fault at rate 1), so each licence activity lasts at least that long.
 *
 * Which activities count as the onboarding's work: rolloutLicences (reads the person's licences,
 * assigns Teams Phone through Graph) and rolloutArchiveProof (enrols the mailbox, archives it to
 * the end, compares every folder with Graph). They are what an onboarding is for; the other
 * activities of a journey (rolloutProgress: ledger writes; rolloutReport) are the orchestration's
 * bookkeeping, and their cost is what makespan_vs_ideal shows beyond 1.
 *
 * Measured from the host's own log: each `Executing`/`Executed 'Functions.X' (..., Duration=NNNms)`
 * pair of a work activity is an interval [start, end]; max_in_flight is the most intervals open at
 * once; activity_ms_sum the sum of their durations. The wall time is the people step's, from the
 * rollout ledger (startedAt to endedAt, the orchestration's clock).
 *
 * Last line: {"instances","effects_exactly_once","max_in_flight","makespan_vs_ideal",...}.
 * Targets: effects_exactly_once true, max_in_flight <= 10 (the parallelism, and the host's
 * maxConcurrentActivityFunctions), makespan_vs_ideal = wall_ms / (activity_ms_sum / 10) <= 1.5.
 *
 * Knobs: BENCH_PEOPLE (300), BENCH_PARALLELISM (10), BENCH_ACTIVITY_MS (1000).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite } from '../dev/local-stack/azurite';
import { startCosmosEmulator } from '../dev/local-stack/cosmos';
import { SandboxControl, startM365Sandbox, type SandboxTenant } from '../dev/m365-sandbox/index';
import { startServiceBusEmulator } from '../dev/servicebus-emulator';
import { startTokenIssuer, type LocalUser } from '../dev/token-issuer';
import { cosmosDatabase } from '../shared/platform/adapters/clients';
import { peopleSyncDeps } from '../shared/people/adapters/people-services';
import { syncPeople } from '../shared/people/sync';
import { CosmosRunStore } from '../shared/rollout/adapters/cosmos-rollout';
import type { ServiceRolloutView } from '../shared/rollout/view';

const ROOT = path.resolve(__dirname, '..');
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 300);
const PARALLELISM = Number(process.env.BENCH_PARALLELISM ?? 10);
const ACTIVITY_MS = Number(process.env.BENCH_ACTIVITY_MS ?? 1000);
const SERVICE = { code: 'RT', department: 'Relations du travail' };
const RUN = `rollout-service-${SERVICE.code}`;
const WORK = new Set(['rolloutLicences', 'rolloutArchiveProof']);
const JOURNEY = new RegExp(`^${RUN}:p:`);
const CATEGORIES = ['CONSEIL', 'SECRETARIAT', 'TECHADM', 'JURISTE'];

const progress = (line: string) => process.stderr.write(`[bench:rollout] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | undefined>, limitMs = 900_000): Promise<T> {
  let last: unknown;
  for (const end = Date.now() + limitMs; Date.now() < end; await sleep(500)) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`${what} did not happen in ${limitMs} ms (last error: ${String(last)})`);
}

/** The product's rollout configuration with short retries (a bench has no outage to wait out). */
function benchConfig(dir: string): string {
  const config = JSON.parse(readFileSync(path.join(ROOT, 'config/rollout.json'), 'utf8')) as Record<string, unknown>;
  const quick = { firstRetrySeconds: 1, backoff: 1, maxAttempts: 5 };
  config.retries = { graph: quick, archive: quick, store: quick, collaboration: quick };
  const file = path.join(dir, 'rollout.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

interface Interval {
  name: string;
  /** The orchestration instance that scheduled it (activities only). */
  instance: string | null;
  start: number;
  end: number;
  ms: number;
}

/** Activity invocations from the host's log: [start, end] from the Executing/Executed pair (end - Duration when the first is missing). */
export function activityIntervals(log: string): Interval[] {
  const started = new Map<string, { at: number; instance: string | null }>();
  const out: Interval[] = [];
  const line = /^\[([^\]]+)\] (Executing|Executed) 'Functions\.([^']+)' \((?:Reason='([^']*)', )?(Succeeded, |Failed, )?Id=([^,)]+)(?:, Duration=(\d+)ms)?/;
  for (const text of log.split('\n')) {
    const m = line.exec(text);
    if (!m) continue;
    const at = Date.parse(m[1]!);
    if (m[2] === 'Executing') {
      started.set(m[6]!, { at, instance: /^\(activity of orchestration (.+)\)$/.exec(m[4] ?? '')?.[1] ?? null });
      continue;
    }
    const ms = Number(m[7] ?? 0);
    const start = started.get(m[6]!);
    out.push({ name: m[3]!, instance: start?.instance ?? null, start: start?.at ?? at - ms, end: at, ms });
  }
  return out;
}

/** The most intervals open at one instant (an interval ending when another starts does not overlap it). */
export function maxInFlight(intervals: Interval[]): number {
  const edges = intervals.flatMap((i) => [[i.start, 1], [i.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-rollout-'));
  const [azurite, cosmos, bus, sandbox] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    startCosmosEmulator({ port: 0 }),
    startServiceBusEmulator({ config: path.join(ROOT, 'dev/local-stack/servicebus-config.json') }),
    startM365Sandbox({ seed: 20261206, scale: { mailboxes: 3, messagesPerMailbox: 6 }, timeScale: 30, teamOperationMs: 300, teamReplicationLagMs: 1_200 }),
  ]);
  const admin = sandbox.tenant.users.find((u) => u.department === 'Ressources informationnelles' && u.accountEnabled && u.userType === 'Member')!;
  const it: LocalUser = { oid: admin.id, name: admin.displayName, roles: ['Staff', 'ITAdmin'] };
  const issuer = await startTokenIssuer({ users: [it] });
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const sample = JSON.parse(readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  const env: Record<string, string> = {
    ...sample.Values,
    AzureWebJobsStorage: azurite.connectionString,
    CosmosDb: cosmos.connectionString,
    COSMOS_DATABASE: `bench-rollout-${Date.now().toString(36)}`,
    ServiceBusConnection: bus.connectionString,
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    AUTH_TENANT_ID: issuer.tenantId,
    AUTH_CLIENT_ID: issuer.clientId,
    AUTH_AUTHORITY: issuer.authority,
    DURABLE_TASK_HUB_NAME: `benchrollout${Date.now().toString(36)}`,
    ARCHIVE_GRAPH_SLOTS: 'local',
    ARCHIVE_RUN_ON_STARTUP: 'false',
    ARCHIVE_SCHEDULE: '0 0 0 1 1 *',
    ARCHIVE_SWEEP_SCHEDULE: '0 0 0 1 1 *',
    PEOPLE_SYNC_SCHEDULE: '0 0 0 1 1 *',
    TRAINING_CYCLES_SCHEDULE: '0 0 0 1 1 *',
    TRAINING_REMINDER_SCHEDULE: '0 0 0 1 1 *',
    COLLABORATION_DRIFT_SCHEDULE: '0 0 0 1 1 *',
    COLLABORATION_SHAREPOINT_WINDOW_MS: '2000',
    COLLABORATION_TEAM_POLL_MS: '300',
    COLLABORATION_STEP_BUDGET_SECONDS: '5',
    ROLLOUT_CONFIG_FILE: benchConfig(dir),
    ROLLOUT_PARALLELISM: String(PARALLELISM),
    ROLLOUT_TIME_SCALE: '0.000002',
  };
  // The people synchronisation runs in this process, with the app's settings.
  Object.assign(process.env, env);

  let host: ChildProcess | undefined;
  let log = '';
  try {
    const control = new SandboxControl(sandbox);
    const seeded = sandbox.tenant.users.filter((u) => u.department === SERVICE.department && u.accountEnabled && u.userType === 'Member').length;
    for (let i = 0; i < PEOPLE - seeded; i++) {
      await control.request('POST', '/people', {
        givenName: `Employé${String(i + 1).padStart(3, '0')}`, surname: 'Banc', department: SERVICE.department,
        jobCategory: CATEGORIES[i % CATEGORIES.length], employeeHireDate: '2015-03-02T00:00:00Z',
      });
    }
    host = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/host/cli.ts'), '--app', ROOT, '--port', '0'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    host.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    host.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const port = await until('the host ready', async () => /\{"ready":true,"port":(\d+)\}/.exec(log)?.[1], 90_000);
    const baseUrl = `http://127.0.0.1:${port}`;
    const call = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${baseUrl}/api/rollout/${route}`, {
        method,
        headers: { authorization: `Bearer ${await issuer.mintUserToken(it)}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
    };
    const view = async () => {
      const { status, json } = await call('GET', 'services');
      if (status !== 200) throw new Error(`GET services: ${status}`);
      return (json!.services as ServiceRolloutView[]).find((s) => s.serviceCode === SERVICE.code)!;
    };

    await syncPeople(peopleSyncDeps());
    await until(`${PEOPLE} people in ${SERVICE.code}`, async () => ((await view()).people === PEOPLE ? true : undefined));
    // The sync's events (training assignments, rosters) are handled before the clock starts: wait for the host to fall quiet.
    for (let quiet = 0, seen = log.length; quiet < 3; await sleep(1_000)) {
      quiet = log.length === seen ? quiet + 1 : 0;
      seen = log.length;
    }
    const tenant = await control.request<SandboxTenant>('GET', '/tenant');
    const personIds = new Set(tenant.users.filter((u) => u.department === SERVICE.department && u.accountEnabled && u.userType === 'Member' && !u.isSharedMailbox).map((u) => u.id));

    await control.request('PUT', '/faults', { rates: { slow: 1 }, slowMs: ACTIVITY_MS, pathPattern: '/assignLicense$' });
    const from = log.length;
    progress(`${personIds.size} people; starting the rollout (parallelism ${PARALLELISM}, assignLicense ${ACTIVITY_MS} ms)`);
    const started = await call('POST', `services/${SERVICE.code}/start`, {});
    if (started.status !== 202) throw new Error(`start: ${started.status} ${JSON.stringify(started.json)}`);
    // Polled in the ledger (one Cosmos read a second), not through the API: the dashboard's view
    // is served by the host being measured (about 250 ms of CPU a call in a first run).
    const runs = new CosmosRunStore(cosmosDatabase());
    await until('the people step done', async () => {
      await sleep(500);
      const step = (await runs.get(RUN))?.record.steps.people;
      if (step?.state === 'failed') throw new Error('the people step failed');
      return step?.state === 'done' ? true : undefined;
    });
    await sleep(500);
    const runLog = log.slice(from);

    const record = (await runs.get(RUN))!.record;
    const people = record.steps.people!;
    const wallMs = Date.parse(people.endedAt!) - Date.parse(people.startedAt!);
    const intervals = activityIntervals(runLog);
    const work = intervals.filter((i) => WORK.has(i.name));
    // Activities only (an activity's Executing line names its orchestration; HTTP calls do not).
    const rollout = intervals.filter((i) => i.instance !== null && i.name.startsWith('rollout'));
    // Where a journey's time goes: its span (first activity started to last ended), its work
    // activities, its bookkeeping activities, and the rest (waiting for a slot, the episodes
    // between activities: storage reads, replay, commit).
    const journeys = new Map<string, Interval[]>();
    for (const i of rollout) if (i.instance && JOURNEY.test(i.instance)) journeys.set(i.instance, [...(journeys.get(i.instance) ?? []), i]);
    let spans = 0;
    let journeyWork = 0;
    let journeyBookkeeping = 0;
    for (const list of journeys.values()) {
      spans += Math.max(...list.map((i) => i.end)) - Math.min(...list.map((i) => i.start));
      for (const i of list) {
        if (WORK.has(i.name)) journeyWork += i.ms;
        else journeyBookkeeping += i.ms;
      }
    }
    const n = Math.max(1, journeys.size);
    const breakdown = {
      span_ms: Math.round(spans / n),
      work_ms: Math.round(journeyWork / n),
      bookkeeping_activities_ms: Math.round(journeyBookkeeping / n),
      between_activities_ms: Math.round((spans - journeyWork - journeyBookkeeping) / n),
      // In each lane, between one journey's last activity and the next one's first: the lane's
      // progress write, the sub-orchestration's completion and the next one's start.
      between_journeys_ms: Math.round((wallMs * PARALLELISM - spans) / n),
    };
    const activityMsSum = work.reduce((a, i) => a + i.ms, 0);
    const kinds: Record<string, { count: number; ms: number }> = {};
    for (const i of rollout) {
      const k = (kinds[i.name] ??= { count: 0, ms: 0 });
      k.count++;
      k.ms += i.ms;
    }
    const instances = (/Orchestration 'rolloutEmployee' \([^)]+\) completed\./g[Symbol.match](runLog) ?? []).length;
    const assigned = (await control.writes('licenseAssigned')).filter((w) => w.appId !== 'user').map((w) => String((w.details as { userId: string }).userId));
    const perPerson = new Map<string, number>();
    for (const id of assigned) perPerson.set(id, (perPerson.get(id) ?? 0) + 1);
    const exactlyOnce = perPerson.size === personIds.size && [...personIds].every((id) => perPerson.get(id) === 1);

    const result = {
      instances,
      effects_exactly_once: exactlyOnce,
      max_in_flight: maxInFlight(work),
      makespan_vs_ideal: Number((wallMs / (activityMsSum / PARALLELISM)).toFixed(3)),
      people: personIds.size,
      parallelism: PARALLELISM,
      activity_ms: ACTIVITY_MS,
      wall_ms: wallMs,
      activity_ms_sum: activityMsSum,
      ideal_ms: Math.round(activityMsSum / PARALLELISM),
      licence_writes: assigned.length,
      max_in_flight_all_activities: maxInFlight(rollout),
      activities: kinds,
      per_journey_ms: Math.round((wallMs * PARALLELISM) / personIds.size),
      per_journey: breakdown,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    if (host && host.exitCode === null) {
      const exited = new Promise((r) => host!.once('exit', r));
      host.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }
    await Promise.allSettled([bus.stop(), sandbox.stop(), issuer.stop(), azurite.stop(), cosmos.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
