/**
 * People sync at the scale of a large union: 2,000 staff in the Microsoft 365 sandbox, a full
 * sync, then 50 changes of every kind and an incremental sync. Counts the directory requests the
 * sandbox answered for each, the events a consumer receives for the 50 changes and how many of
 * them it received twice, and the incremental sync's time next to the full one's (same run).
 * Last line: {"full_sync_requests","incremental_requests","events","duplicate_events","incremental_ms",...}.
 * Targets: incremental_requests <= 3 (delta pages, not a re-read), events = 50, duplicate_events = 0.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startCosmosEmulator } from '../dev/local-stack/cosmos';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox } from '../dev/m365-sandbox/index';
import { startServiceBusEmulator } from '../dev/servicebus-emulator';
import { startTokenIssuer } from '../dev/token-issuer';
import { peopleSyncDeps } from '../shared/people/adapters/people-services';
import { PeopleEventSchema, type PeopleEvent } from '../shared/people/events';
import { syncPeople } from '../shared/people/sync';

const ROOT = path.resolve(__dirname, '..');
const STAFF = Number(process.env.BENCH_STAFF ?? 2000);
const CHANGES = 50;
const TOPIC = 'people-events';
const SUBSCRIPTION = 'training';

async function requestsServed(control: SandboxControl): Promise<number> {
  return (await control.stats()).requests;
}

/** Every event waiting on the subscription, by four competing session receivers. */
async function drain(connectionString: string): Promise<PeopleEvent[]> {
  const client = new ServiceBusClient(connectionString, { retryOptions: { timeoutInMs: 3_000, maxRetries: 0 } });
  const events: PeopleEvent[] = [];
  const worker = async () => {
    for (;;) {
      let receiver;
      try {
        receiver = await client.acceptNextSession(TOPIC, SUBSCRIPTION, { maxAutoLockRenewalDurationInMs: 0 });
      } catch {
        return;
      }
      for (;;) {
        const batch: ServiceBusReceivedMessage[] = await receiver.receiveMessages(100, { maxWaitTimeInMs: 200 });
        if (batch.length === 0) break;
        for (const m of batch) {
          events.push(PeopleEventSchema.parse(m.body));
          await receiver.completeMessage(m);
        }
      }
      await receiver.close();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await client.close();
  return events;
}

async function main() {
  const [cosmos, bus, issuer, sandbox] = await Promise.all([
    startCosmosEmulator({ port: 0 }),
    startServiceBusEmulator({ config: path.join(ROOT, 'dev/local-stack/servicebus-config.json') }),
    startTokenIssuer(),
    startM365Sandbox({ scale: { staff: STAFF } }),
  ]);
  const control = new SandboxControl(sandbox);
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'spgq-bench-people-')), 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  Object.assign(process.env, {
    LOCAL_MODE: 'true',
    DEPLOYMENT_REGION: 'canadacentral',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    CosmosDb: cosmos.connectionString,
    COSMOS_DATABASE: 'bench-people',
    ServiceBusConnection: bus.connectionString,
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    AUTH_TENANT_ID: issuer.tenantId,
    AUTH_CLIENT_ID: issuer.clientId,
    AUTH_AUTHORITY: issuer.authority,
  });
  try {
    const deps = peopleSyncDeps();
    // The measured subscription takes nothing during the full sync (2,000 sessions to drain would
    // measure the drain, not the sync): a false filter, then back to "everything" for the 50 changes.
    const admin = new ServiceBusClient(bus.connectionString);
    const rules = admin.createRuleManager(TOPIC, SUBSCRIPTION);
    await rules.deleteRule('$Default');
    await rules.createRule('nothing', { sqlExpression: '1=0' });

    let before = await requestsServed(control);
    let started = performance.now();
    const full = await syncPeople(deps);
    const fullMs = performance.now() - started;
    const fullRequests = (await requestsServed(control)) - before;
    if (full.mode !== 'full') throw new Error(`expected a full sync, got ${full.mode}`);
    console.log(JSON.stringify({ phase: 'full', staff: STAFF, events: full.events, requests: fullRequests, ms: Math.round(fullMs) }));

    await rules.deleteRule('nothing');
    await rules.createRule('$Default', { sqlExpression: '1=1' });
    await admin.close();

    // 50 people, one change each, of every kind the sync turns into an event.
    const tenant = await control.request<{ users: Array<{ id: string; userType: string; accountEnabled: boolean; isSharedMailbox: boolean; department: string | null; jobCategory: string | null }>; onLeaveGroupId: string }>('GET', '/tenant');
    const onLeave = new Set(((await createSandboxGraphClient(sandbox).api(`/groups/${tenant.onLeaveGroupId}/members?$select=id`).get()) as { value: Array<{ id: string }> }).value.map((u) => u.id));
    // Active staff only, so that each change is a real difference (one event each).
    const staff = tenant.users.filter((u) => u.userType === 'Member' && u.accountEnabled && !u.isSharedMailbox && !onLeave.has(u.id));
    const pick = staff.filter((_, i) => i % 37 === 5).slice(0, CHANGES - 5);
    const services = ['Direction générale', 'Relations du travail', 'Services juridiques', 'Administration et finances', 'Ressources informationnelles', 'Communications et mobilisation'];
    const expected: string[] = [];
    for (const [i, u] of pick.entries()) {
      switch (i % 5) {
        case 0:
          await control.updatePerson(u.id, { department: services.find((s) => s !== u.department)! });
          expected.push(`moved:${u.id}`);
          break;
        case 1:
          await control.updatePerson(u.id, { jobCategory: u.jobCategory === 'TI' ? 'SECRETARIAT' : 'TI' });
          expected.push(`moved:${u.id}`);
          break;
        case 2:
          await control.startLeave(u.id);
          expected.push(`leave-started:${u.id}`);
          break;
        case 3:
          await control.disablePerson(u.id);
          expected.push(`left:${u.id}`);
          break;
        default:
          await control.updatePerson(u.id, { displayName: `Nom modifié ${i}` });
          expected.push(`updated:${u.id}`);
      }
    }
    for (let i = 0; i < CHANGES - pick.length; i++) {
      const hired = await control.hire({ givenName: 'Nouvelle', surname: `Personne ${i + 1}`, department: services[i % services.length]!, jobCategory: 'CONSEIL' });
      expected.push(`joined:${hired.id}`);
    }

    before = await requestsServed(control);
    started = performance.now();
    const incremental = await syncPeople(deps);
    const incrementalMs = performance.now() - started;
    const incrementalRequests = (await requestsServed(control)) - before;
    const events = await drain(bus.connectionString);
    const ids = events.map((e) => e.id);
    const duplicates = ids.length - new Set(ids).size;
    const received = new Set(events.map((e) => `${e.kind}:${e.personId}`));
    const missing = expected.filter((x) => !received.has(x));
    console.log(JSON.stringify({ phase: 'incremental', mode: incremental.mode, changes: expected.length, events: events.length, missing: missing.length, requests: incrementalRequests, ms: Math.round(incrementalMs) }));
    console.log(
      JSON.stringify({
        staff: STAFF,
        full_sync_requests: fullRequests,
        incremental_requests: incrementalRequests,
        events: events.length,
        duplicate_events: duplicates,
        missing_events: missing.length,
        incremental_ms: Math.round(incrementalMs),
        full_ms: Math.round(fullMs),
        incremental_vs_full: Number((incrementalMs / fullMs).toFixed(3)),
      }),
    );
  } finally {
    await Promise.allSettled([sandbox.stop(), bus.stop(), cosmos.stop(), issuer.stop()]);
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
