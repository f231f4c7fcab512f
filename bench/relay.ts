/**
 * `npm run bench:relay`: 1,000 staff requests at concurrency 10 through the full path
 * (HTTP -> local Functions host -> Service Bus emulator -> agent process -> SQLite / archive ->
 * reply session -> HTTP answer), then the same operations called directly on the agent's
 * connectors in this process. Last line:
 *   {"p50_ms":..,"p95_ms":..,"direct_p95_ms":..,"overhead_p95_ms":..,"req_per_s":..}
 * Targets (2-core machine): overhead_p95_ms <= 50, req_per_s >= 200.
 * BENCH_RELAY_REQUESTS and BENCH_RELAY_CONCURRENCY change the load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite, stopChild } from '../dev/local-stack/azurite';
import { startCosmosEmulator } from '../dev/local-stack/cosmos';
import { startServiceBusEmulator } from '../dev/servicebus-emulator';
import { startTokenIssuer, DEMO_USERS } from '../dev/token-issuer';
import { prepareLocalRelay, type LocalRelay } from '../dev/relay/local-relay';
import { SAMPLE_QUERIES } from '../dev/relay/sample-data';
import type { OperationName } from '../shared/relay/contract';
import { waitForLine } from './child-service';

const ROOT = path.resolve(__dirname, '..');
const TOTAL = Number(process.env.BENCH_RELAY_REQUESTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_RELAY_CONCURRENCY ?? 10);
/** BENCH_RELAY_CPU_PROF=<dir> writes CPU profiles of the host and the agent there. */
const PROFILE = process.env.BENCH_RELAY_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_RELAY_CPU_PROF)}`] : [];

interface Call {
  operation: OperationName;
  params: Record<string, unknown>;
}

/** A realistic mix: member and case look-ups, archive searches and metadata, small document fetches. */
function workload(relay: LocalRelay, count: number): Call[] {
  const members = relay.mission.members;
  const cases = relay.mission.cases;
  const documents = relay.archive.filter((d) => !d.restricted);
  const small = documents.filter((d) => d.sizeBytes < 8_000);
  const calls: Call[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % 6) {
      case 0: calls.push({ operation: 'lookupMember', params: { memberNumber: members[i % members.length]!.memberNumber } }); break;
      case 1: calls.push({ operation: 'getCase', params: { caseNumber: cases[i % cases.length]!.caseNumber } }); break;
      case 2: calls.push({ operation: 'listOpenCases', params: { memberNumber: members[(i * 7) % members.length]!.memberNumber } }); break;
      case 3: calls.push({ operation: 'searchDocuments', params: { classification: ['GRF-01', 'CNV-02', 'ASM-03'][i % 3]!, limit: 10 } }); break;
      case 4: calls.push({ operation: 'getDocument', params: { documentId: documents[i % documents.length]!.documentId } }); break;
      default: calls.push({ operation: 'fetchDocument', params: { documentId: small[i % small.length]!.documentId } });
    }
  }
  return calls;
}

async function runAll(calls: Call[], concurrency: number, run: (call: Call) => Promise<void>): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls.length) {
        const call = calls[next++]!;
        const t = performance.now();
        await run(call);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - started };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'spgq-bench-relay-'));
  const [azurite, cosmos, bus, issuer] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    startCosmosEmulator({ port: 0 }),
    startServiceBusEmulator({ config: path.join(ROOT, 'dev/local-stack/servicebus-config.json') }),
    startTokenIssuer(),
  ]);
  const relay = prepareLocalRelay({ dir, serviceBusConnectionString: bus.connectionString, storageConnectionString: azurite.connectionString, agentConfig: { concurrency: 16 } });
  const children: ChildProcess[] = [];
  try {
    const agent = spawn(process.execPath, [...PROFILE, '--import', 'tsx', path.join(ROOT, 'onprem-agent/src/main.ts'), '--config', relay.configPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(agent);
    await waitForLine(agent, /agent\.ready/, 'agent');

    const host = spawn(process.execPath, [...PROFILE, '--import', 'tsx', path.join(ROOT, 'dev/host/cli.ts'), '--app', ROOT, '--port', '0'], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOCAL_MODE: 'true',
        DEPLOYMENT_REGION: 'canadacentral',
        AzureWebJobsStorage: azurite.connectionString,
        CosmosDb: cosmos.connectionString,
        ServiceBusConnection: bus.connectionString,
        GRAPH_BASE_URL: 'https://127.0.0.1:1/v1.0',
        AUTH_TENANT_ID: issuer.tenantId,
        AUTH_CLIENT_ID: issuer.clientId,
        AUTH_AUTHORITY: issuer.authority,
        RELAY_SIGNING_KEY: relay.privateKeyPem,
        RELAY_AGENT_PUBLIC_KEYS: relay.agentPublicKeys,
        RELAY_SIGNING_KEY_ID: relay.kid,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(host);
    const ready = await waitForLine(host, /\{"ready":true,"port":(\d+)\}/, 'Functions host');
    const baseUrl = `http://127.0.0.1:${(JSON.parse(ready) as { port: number }).port}`;
    const user = DEMO_USERS[2]!;
    const token = await issuer.mintUserToken({ ...user, roles: ['Staff', 'RecordsManager'] }, { expiresInSeconds: 3600 });
    const { Agent, request } = require('undici') as typeof import('undici');
    const dispatcher = new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });

    const viaHttp = async (call: Call) => {
      const response = await request(`${baseUrl}/api/relay/${call.operation}`, {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(call.params),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${call.operation}: HTTP ${response.statusCode} ${text.slice(0, 300)}`);
    };
    await runAll(workload(relay, 60), CONCURRENCY, viaHttp); // warm-up: JIT, links, token keys
    const cpuBefore = { host: cpuSeconds(host.pid), agent: cpuSeconds(agent.pid), bench: process.cpuUsage() };
    const full = await runAll(workload(relay, TOTAL), CONCURRENCY, viaHttp);
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const cpuPerRequest = {
      host: ((cpuSeconds(host.pid) - cpuBefore.host) * 1000) / TOTAL,
      agent: ((cpuSeconds(agent.pid) - cpuBefore.agent) * 1000) / TOTAL,
      emulatorAndClient: (benchCpu.user + benchCpu.system) / 1000 / TOTAL,
    };

    // Diagnostic: the host's own ceiling on this machine, an authenticated GET /api/me (no relay).
    const me = async () => {
      const response = await request(`${baseUrl}/api/me`, { dispatcher, headers: { authorization: `Bearer ${token}` } });
      await response.body.text();
    };
    const hostOnly = await runAll(workload(relay, TOTAL), CONCURRENCY, me);

    // Diagnostic: the same calls through Service Bus and the agent but without HTTP and the host
    // (the relay client in this process), to show where the full path's time goes.
    const { ServiceBusClient } = require('@azure/service-bus') as typeof import('@azure/service-bus');
    const { RelayClient } = require('../shared/relay/adapters/relay-client') as typeof import('../shared/relay/adapters/relay-client');
    const { privateKeyFrom } = require('../shared/relay/contract') as typeof import('../shared/relay/contract');
    const { disableNagleForServiceBus } = require('../shared/relay/adapters/amqp-no-delay') as typeof import('../shared/relay/adapters/amqp-no-delay');
    disableNagleForServiceBus();
    const sendBus = new ServiceBusClient(bus.connectionString);
    const replyBus = new ServiceBusClient(bus.connectionString);
    const relayClient = new RelayClient({
      serviceBus: sendBus,
      replies: replyBus,
      requestsQueue: 'relay-requests',
      repliesQueue: 'relay-replies',
      signingKey: { kid: relay.kid, privateKey: privateKeyFrom(relay.privateKeyPem) },
      requestTtlMs: 60_000,
    });
    const viaBus = async (call: Call) => {
      const result = await relayClient.call(call.operation, call.params, { oid: user.oid, roles: ['Staff', 'RecordsManager'] }, 10_000);
      if (result.kind !== 'replied' || result.reply.outcome !== 'ok') throw new Error(`${call.operation}: ${result.kind}`);
    };
    await runAll(workload(relay, 60), CONCURRENCY, viaBus);
    const busOnly = await runAll(workload(relay, TOTAL), CONCURRENCY, viaBus);
    await relayClient.close();
    await sendBus.close();
    await replyBus.close();

    // The same operations, straight on the agent's connectors (same database, same archive).
    const { missionSystem } = require('../onprem-agent/src/connectors/mission-system') as typeof import('../onprem-agent/src/connectors/mission-system');
    const { openSqliteDatabase } = require('../onprem-agent/src/connectors/sqlite-database') as typeof import('../onprem-agent/src/connectors/sqlite-database');
    const { legacyArchive } = require('../onprem-agent/src/connectors/legacy-archive') as typeof import('../onprem-agent/src/connectors/legacy-archive');
    const { runOperation } = require('../onprem-agent/src/operations') as typeof import('../onprem-agent/src/operations');
    const db = openSqliteDatabase(path.join(dir, 'mission.sqlite'), SAMPLE_QUERIES);
    const connectors = { mission: missionSystem(db), archive: legacyArchive(relay.archiveRoot, 'index.json'), inlineMaxBytes: 65_536 };
    const direct = async (call: Call) => {
      await runOperation(call.operation, call.params, { requestId: 'bench', roles: ['Staff', 'RecordsManager'] }, connectors);
    };
    await runAll(workload(relay, 60), CONCURRENCY, direct);
    const straight = await runAll(workload(relay, TOTAL), CONCURRENCY, direct);
    await db.close();
    await dispatcher.close();

    const p50 = percentile(full.latencies, 50);
    const p95 = percentile(full.latencies, 95);
    const directP95 = percentile(straight.latencies, 95);
    const result = {
      p50_ms: round(p50),
      p95_ms: round(p95),
      direct_p95_ms: round(directP95),
      overhead_p95_ms: round(p95 - directP95),
      req_per_s: round((full.latencies.length / full.elapsedMs) * 1000),
    };
    process.stdout.write(`relay bench: ${TOTAL} requests at concurrency ${CONCURRENCY}; full path ${round(full.elapsedMs)} ms, direct ${round(straight.elapsedMs)} ms\n`);
    process.stdout.write(
      `CPU per request on the full path: host ${round(cpuPerRequest.host)} ms, agent ${round(cpuPerRequest.agent)} ms, Service Bus emulator + HTTP client ${round(cpuPerRequest.emulatorAndClient)} ms\n`,
    );
    process.stdout.write(
      `host alone (GET /api/me, same token): p50 ${round(percentile(hostOnly.latencies, 50))} ms, p95 ${round(percentile(hostOnly.latencies, 95))} ms, ${round((hostOnly.latencies.length / hostOnly.elapsedMs) * 1000)} req/s\n`,
    );
    process.stdout.write(
      `without HTTP (relay client -> Service Bus -> agent): p50 ${round(percentile(busOnly.latencies, 50))} ms, p95 ${round(percentile(busOnly.latencies, 95))} ms, ` +
        `${round((busOnly.latencies.length / busOnly.elapsedMs) * 1000)} req/s; load average ${require('node:os').loadavg().map((l: number) => l.toFixed(1)).join(' ')} on ${require('node:os').cpus().length} cores\n`,
    );
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    for (const child of children) await stopChild(child);
    await Promise.allSettled([azurite.stop(), cosmos.stop(), bus.stop(), issuer.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** User + system CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ') as string[];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:relay failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
