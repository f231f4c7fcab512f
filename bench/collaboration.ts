/**
 * Collaboration at the scale of a large union: 40 services x 60 nodes provisioned on the Microsoft
 * 365 sandbox with SharePoint throttling on (1,200 resource units per minute, the window shortened
 * by the sandbox's time scale and the app's pacer alike), through the app's own engine, adapters,
 * pacer and Cosmos DB store, `BENCH_PARALLELISM` spaces at a time as the orchestration's lanes do.
 * Then a second apply, then drift injected as a person would (renames, shares, labels removed,
 * members removed) and a verification of every space.
 * Last line: {"writes","second_apply_writes","ru_utilization","throttled_share","drift_detected","drift_injected",...}.
 * Targets: second_apply_writes 0, ru_utilization >= 0.85, throttled_share <= 0.01, drift_detected = drift_injected.
 * ru_utilization: resource units the sandbox charged during the first apply, per minute of the
 * (scaled) window, over 1,200.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCosmosEmulator } from '../dev/local-stack/cosmos';
import { SandboxControl, startM365Sandbox } from '../dev/m365-sandbox/index';
import { startTokenIssuer } from '../dev/token-issuer';
import { collaborationDeps } from '../shared/collaboration/adapters/collaboration-services';
import { loadPeopleCatalogue } from '../shared/people/catalogue';
import { applySpaceStep, plannedSpaceKeys, verifySpace, type CollaborationDeps, type RunMode } from '../shared/collaboration/engine';

const ROOT = path.resolve(__dirname, '..');
const SERVICES = Number(process.env.BENCH_SERVICES ?? 40);
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 20);
const PARALLELISM = Number(process.env.BENCH_PARALLELISM ?? 10);
const DRIFTS = 24;
const BUDGET = 1200;

/** A people catalogue of SERVICES services (s01...), and a template of 60 nodes: 6 sections of 9 folders each plus the section. */
function writeConfig(dir: string) {
  const base = JSON.parse(readFileSync(path.join(ROOT, 'config/people-catalogue.json'), 'utf8')) as Record<string, unknown>;
  const services = Array.from({ length: SERVICES }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return { code: `S${n}`, shortCode: `s${n}`, names: { 'fr-CA': `Service ${n}`, en: `Service ${n}` }, directoryValues: [`Service ${n}`] };
  });
  writeFileSync(path.join(dir, 'people.json'), JSON.stringify({ ...base, services }));
  const template = JSON.parse(readFileSync(path.join(ROOT, 'config/collaboration-template.json'), 'utf8')) as { spaces: { service: { nodes: unknown[] } }; documentTemplates: Array<{ file: string }> };
  template.documentTemplates = template.documentTemplates.map((d) => ({ ...d }));
  template.spaces.service.nodes = Array.from({ length: 6 }, (_, s) => ({
    key: `section-${s + 1}`,
    code: `${s + 1}00`,
    names: { 'fr-CA': `Section ${s + 1}`, en: `Section ${s + 1}` },
    retentionLabel: 'Administration – 7 ans',
    ...(s === 0 ? { permissions: { direction: 'read' } } : s === 1 ? { permissions: { everyone: 'read' } } : {}),
    ...(s === 5 ? { documents: ['lettre', 'budget'] } : {}),
    children: Array.from({ length: 9 }, (_, c) => ({
      key: `dossier-${c + 1}`,
      code: `${s + 1}${c + 1}0`,
      names: { 'fr-CA': `Dossier ${c + 1}`, en: `File ${c + 1}` },
      retentionLabel: 'Dossiers – 10 ans',
      ...(c === 0 ? { permissions: { manager: 'write' } } : {}),
    })),
  }));
  writeFileSync(path.join(dir, 'template.json'), JSON.stringify(template));
}

async function runSpace(deps: CollaborationDeps, key: string, mode: RunMode): Promise<void> {
  for (;;) {
    const step = await applySpaceStep(deps, key, { mode, approveRemovals: false, budgetMs: 120_000 });
    if (step.status === 'wait') await new Promise((r) => setTimeout(r, step.retryAfterMs));
    else if (step.status === 'more') continue;
    else if (step.status === 'done') return;
    else throw new Error(`${key}: ${step.status} ${step.reason}`);
  }
}

/** `parallelism` lanes, each taking its spaces one after the other (as the durable run does). */
async function inLanes(keys: string[], work: (key: string) => Promise<void>): Promise<void> {
  const lanes = Array.from({ length: PARALLELISM }, (_, i) => keys.filter((_k, j) => j % PARALLELISM === i));
  await Promise.all(lanes.map(async (lane) => {
    for (const key of lane) await work(key);
  }));
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'spgq-bench-collab-'));
  writeConfig(dir);
  const [cosmos, issuer, sandbox] = await Promise.all([
    startCosmosEmulator({ port: 0 }),
    startTokenIssuer(),
    startM365Sandbox({ scale: { mailboxes: 0, staff: SERVICES * 3 }, timeScale: TIME_SCALE, teamOperationMs: 500, teamReplicationLagMs: 2_000 }),
  ]);
  const control = new SandboxControl(sandbox);
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const windowMs = Math.round(60_000 / TIME_SCALE);
  Object.assign(process.env, {
    LOCAL_MODE: 'true',
    DEPLOYMENT_REGION: 'canadacentral',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    CosmosDb: cosmos.connectionString,
    COSMOS_DATABASE: 'bench-collaboration',
    ServiceBusConnection: 'Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=local;SharedAccessKey=bG9jYWw=;UseDevelopmentEmulator=true',
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    AUTH_TENANT_ID: issuer.tenantId,
    AUTH_CLIENT_ID: issuer.clientId,
    AUTH_AUTHORITY: issuer.authority,
    PEOPLE_CATALOGUE_FILE: path.join(dir, 'people.json'),
    COLLABORATION_TEMPLATE_FILE: path.join(dir, 'template.json'),
    COLLABORATION_SHAREPOINT_WINDOW_MS: String(windowMs),
    COLLABORATION_TEAM_POLL_MS: '500',
  });
  try {
    const deps = collaborationDeps(loadPeopleCatalogue(path.join(dir, 'people.json')).services);
    // The roster: the tenant's staff spread over the services, the first of each its head.
    const staff = sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled);
    for (const [i, u] of staff.entries()) {
      const service = `S${String((i % SERVICES) + 1).padStart(2, '0')}`;
      await deps.roster.put({ personId: u.id, serviceCode: service, jobCategoryCode: i < SERVICES ? 'DIRECTION' : 'CONSEIL', status: 'active', version: 1 });
    }
    const keys = await plannedSpaceKeys(deps);
    if (keys.length !== SERVICES) throw new Error(`planned ${keys.length} spaces, expected ${SERVICES}`);
    const appWrites = async () => (await control.writes()).filter((w) => w.appId !== 'user').length;
    const sharePoint = async () => Object.values(await control.sharePointStats()).reduce((a, s) => ({ units: a.units + s.units, requests: a.requests + s.requests, throttled: a.throttled + s.throttled }), { units: 0, requests: 0, throttled: 0 });

    const started = performance.now();
    await inLanes(keys, (key) => runSpace(deps, key, 'apply'));
    const applyMs = performance.now() - started;
    const applied = await sharePoint();
    const writes = await appWrites();
    const ruPerMinute = applied.units / (applyMs / windowMs);
    console.log(JSON.stringify({ phase: 'apply', spaces: keys.length, ms: Math.round(applyMs), ...applied, writes }));

    for (const key of keys) {
      const verified = await verifySpace(deps, key);
      if (verified.operations !== 0) throw new Error(`${key} is not in sync after apply: ${verified.operations} operations`);
    }
    const beforeSecond = await appWrites();
    await inLanes(keys, (key) => runSpace(deps, key, 'apply'));
    const secondApplyWrites = (await appWrites()) - beforeSecond;
    console.log(JSON.stringify({ phase: 'second-apply', writes: secondApplyWrites }));

    // Drift a person would make, one change per space picked, each a different kind in turn.
    const records = await deps.spaces.all();
    let injected = 0;
    for (let i = 0; i < DRIFTS; i++) {
      const record = records[(i * 7) % records.length]!;
      const node = record.nodes[`section-${(i % 6) + 1}/dossier-${(i % 8) + 2}`]!;
      const driveId = record.driveId!;
      switch (i % 4) {
        case 0:
          await control.renameItem(driveId, node.itemId, `Renommé ${i}`);
          break;
        case 1:
          await control.grantItem(driveId, node.itemId, { userId: staff[staff.length - 1 - i]!.id }, ['write']);
          break;
        case 2:
          await control.removeLabel(driveId, node.itemId);
          break;
        default: {
          const member = staff.find((_u, j) => j >= SERVICES && `S${String((j % SERVICES) + 1).padStart(2, '0')}` === record.serviceCode)!;
          await control.removeTeamMember(record.teamId!, member.id);
        }
      }
      injected++;
    }
    let detected = 0;
    for (const key of keys) detected += (await verifySpace(deps, key)).operations;
    console.log(JSON.stringify({ phase: 'drift', injected, detected }));

    console.log(JSON.stringify({
      services: SERVICES,
      nodes_per_space: 60,
      parallelism: PARALLELISM,
      time_scale: TIME_SCALE,
      writes,
      second_apply_writes: secondApplyWrites,
      ru_charged: applied.units,
      apply_ms: Math.round(applyMs),
      ru_utilization: Number((ruPerMinute / BUDGET).toFixed(3)),
      throttled_share: Number((applied.throttled / Math.max(1, applied.requests)).toFixed(4)),
      drift_detected: detected,
      drift_injected: injected,
    }));
  } finally {
    await Promise.allSettled([sandbox.stop(), issuer.stop(), cosmos.stop()]);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
