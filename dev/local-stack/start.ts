/**
 * `npm start`: the whole local stack and the app in the local Functions host.
 *
 * Starts Azurite (data kept in .local/azurite), the Cosmos DB emulator (data kept in .local/cosmos.json), the Service Bus
 * emulator, the Microsoft 365 sandbox and the local token issuer, each on its own port; then runs
 * the app (package.json "main") in dev/host as a child process with the app settings in its
 * environment. Writes the endpoints to .local/stack.json, prints them with a bearer token for a demo
 * user, and stops everything on Ctrl-C or SIGTERM. A lock file (.local/stack.lock, with the pid)
 * keeps a second `npm start` from fighting the first over the ports.
 *
 * Ports (environment): FUNCTIONS_HTTP_PORT 7071, AZURITE_BLOB_PORT 10000, AZURITE_QUEUE_PORT 10001,
 * AZURITE_TABLE_PORT 10002, COSMOS_PORT 8081, SERVICEBUS_PORT 5672, M365_SANDBOX_PORT 8443,
 * TOKEN_ISSUER_PORT 7500, SEARCH_PORT 8090 (the Azure AI Search emulator, data kept in .local/search.sqlite). LOCAL_STACK_DIR moves the .local folder (tests use it). M365_SANDBOX_MAILBOXES and
 * M365_SANDBOX_MESSAGES scale the sandbox tenant (mailboxes filled, messages per mailbox).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAzurite, stopChild, type AzuriteInstance } from './azurite';
import { setAsideEarlierData } from './data-format';
import { startCosmosEmulator, type CosmosEmulatorInstance } from './cosmos';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../servicebus-emulator';
import { startM365Sandbox, type M365Sandbox } from '../m365-sandbox';
import { startSearchEmulator, type SearchEmulator } from '../search-emulator';
import { startTokenIssuer, type TokenIssuer } from '../token-issuer';
import { demoUsersFromSandbox } from './demo-users';
import { localRelayAgent, type LocalRelayAgent } from '../relay/local-agent';
import { acquireStackLock, type StackLock } from './stack-lock';

/** The Search emulator's admin key: a fixed local development value (not a secret), so a restart keeps curl lines working. */
const SEARCH_DEV_KEY = 'LOCAL-SEARCH-ADMIN-KEY';

/** The Service Bus emulator's documented development key (the official emulator uses the same). */
const SERVICEBUS_DEV_KEY = 'SAS_KEY_VALUE';

function port(name: string, fallback: number): number {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
}

function optionalCount(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number (got "${v}")`);
  return n;
}

function findRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'host.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('Could not find the app root (package.json next to host.json).');
    dir = up;
  }
  return dir;
}

async function main() {
  const started = Date.now();
  const root = findRoot();
  const localDir = path.resolve(root, process.env.LOCAL_STACK_DIR ?? '.local');
  mkdirSync(localDir, { recursive: true });
  const lock = acquireStackLock(path.join(localDir, 'stack.lock'));
  if (!lock.acquired) {
    process.stderr.write(
      `The local stack is already running (pid ${lock.holder.pid}, started ${lock.holder.startedAt}).\n` +
        `Use that one (see ${path.join(localDir, 'stack.json')}), or stop it with Ctrl-C in its terminal or \`kill ${lock.holder.pid}\`.\n`,
    );
    process.exit(1);
  }
  const aside = setAsideEarlierData(localDir);
  if (aside) process.stdout.write(`Emulator data of an earlier format moved to ${aside}; starting with fresh data.\n`);

  let azurite: AzuriteInstance | undefined;
  let cosmos: CosmosEmulatorInstance | undefined;
  let serviceBus: ServiceBusEmulator | undefined;
  let m365: M365Sandbox | undefined;
  let search: SearchEmulator | undefined;
  let issuer: TokenIssuer | undefined;
  let host: ChildProcess | undefined = undefined; // set once the stack is up; stopAll() may run before
  let relayAgent: LocalRelayAgent | undefined = undefined; // on-premises relay agent (dev/relay), set once the stack is up
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // Keeps the event loop alive until everything has stopped (a stop that settles only once its
    // sockets are gone would otherwise let Node exit early, leaving the lock behind), with a limit.
    const deadline = setTimeout(() => {
      process.stderr.write('Some parts of the stack did not stop within 10 s; exiting anyway.\n');
      releaseLock(lock);
      process.exit(code || 1);
    }, 10_000);
    await relayAgent?.stop();
    if (host) await stopChild(host);
    await Promise.allSettled([azurite?.stop(), cosmos?.stop(), serviceBus?.stop(), m365?.stop(), search?.stop(), issuer?.stop()]);
    clearTimeout(deadline);
    releaseLock(lock);
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    [azurite, cosmos, serviceBus, m365, search] = await Promise.all([
      startAzurite({
        blobPort: port('AZURITE_BLOB_PORT', 10000),
        queuePort: port('AZURITE_QUEUE_PORT', 10001),
        tablePort: port('AZURITE_TABLE_PORT', 10002),
        location: path.join(localDir, 'azurite'),
      }),
      startCosmosEmulator({ port: port('COSMOS_PORT', 8081), dataFile: path.join(localDir, 'cosmos.json') }),
      startServiceBusEmulator({ port: port('SERVICEBUS_PORT', 5672), config: path.join(root, 'dev/local-stack/servicebus-config.json'), sasKey: SERVICEBUS_DEV_KEY }),
      startM365Sandbox({
        port: port('M365_SANDBOX_PORT', 8443),
        dataDir: path.join(localDir, 'm365-sandbox'),
        // Bigger tenants for demos and benchmarks (see dev/m365-sandbox/README.md, "Scale").
        scale: { mailboxes: optionalCount('M365_SANDBOX_MAILBOXES'), messagesPerMailbox: optionalCount('M365_SANDBOX_MESSAGES') },
      }),
      startSearchEmulator({ port: port('SEARCH_PORT', 8090), dataFile: path.join(localDir, 'search.sqlite'), apiKey: SEARCH_DEV_KEY }),
    ]);
    // The token issuer signs in the sandbox tenant's own staff (same tenant id, same object ids).
    issuer = await startTokenIssuer({
      port: port('TOKEN_ISSUER_PORT', 7500),
      dataDir: path.join(localDir, 'token-issuer'),
      tenantId: m365.tenant.tenantId,
      users: demoUsersFromSandbox(m365.tenant),
    });
  } catch (e) {
    process.stderr.write(`The local stack could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    await stopAll(1);
    return;
  }

  const caFile = path.join(localDir, 'm365-sandbox-ca.pem');
  writeFileSync(caFile, m365.caCertPem);
  const stackSettings: Record<string, string> = {
    LOCAL_MODE: 'true',
    DEPLOYMENT_REGION: 'canadacentral',
    AzureWebJobsStorage: azurite.connectionString,
    ServiceBusConnection: serviceBus.connectionString,
    CosmosDb: cosmos.connectionString,
    COSMOS_DATABASE: 'spgq',
    GRAPH_BASE_URL: m365.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    AUTH_TENANT_ID: issuer.tenantId,
    AUTH_CLIENT_ID: issuer.clientId,
    AUTH_AUTHORITY: issuer.authority,
    // Azure AI Search emulator (dev/search-emulator): plain HTTP on loopback with an api-key; in
    // Azure the endpoint is https and the app signs in with its managed identity instead.
    AZURE_SEARCH_ENDPOINT: search.endpoint,
    AZURE_SEARCH_API_KEY: search.apiKey,
  };
  // local.settings.json adds settings of its own (the committed sample stands in when there is none,
  // so settings that bindings reference as %Name% are there); the stack's endpoints win over both.
  const localSettings = readLocalSettings(path.join(root, 'local.settings.json'));
  const fromFile = { ...readLocalSettings(path.join(root, 'local.settings.sample.json')), ...localSettings };
  const overridden = Object.keys(localSettings).filter((k) => k in stackSettings && localSettings[k] !== stackSettings[k]);
  // Email archive capture (shared/archive): the first run starts with the host, on the sandbox's
  // archive group and shared mailboxes; local.settings.json may override any of these.
  const archiveDefaults: Record<string, string> = {
    ARCHIVE_RUN_ON_STARTUP: 'true',
    ARCHIVE_SCOPE_GROUP: 'Archivage-Courriels',
    ARCHIVE_SHARED_MAILBOXES: m365.tenant.sharedMailboxIds.join(','),
    // People (shared/people): the first directory sync starts with the host; its events show in the log.
    PEOPLE_SYNC_ON_STARTUP: 'true',
  };
  // On-premises relay (dev/relay): sample mission database and legacy archive, signing key pair.
  relayAgent = localRelayAgent({ root, localDir, serviceBusConnectionString: serviceBus.connectionString, storageConnectionString: azurite.connectionString });
  Object.assign(stackSettings, relayAgent.appSettings);
  const functionsPort = port('FUNCTIONS_HTTP_PORT', 7071);
  // Graph change notifications (docs/decisions/0018): the sandbox posts them to this host, and the
  // clientState key is kept in .local so subscriptions made before a restart still verify.
  const notificationKeyFile = path.join(localDir, 'archive-notification-key');
  if (!existsSync(notificationKeyFile)) writeFileSync(notificationKeyFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  Object.assign(archiveDefaults, { APP_PUBLIC_URL: `http://127.0.0.1:${functionsPort}` });
  Object.assign(stackSettings, { ARCHIVE_NOTIFICATION_KEY: readFileSync(notificationKeyFile, 'utf8').trim() });
  const appSettings = { ...archiveDefaults, ...fromFile, ...stackSettings };

  // Compiled (npm start) or straight from TypeScript (tests, `tsx dev/local-stack/start.ts`).
  const compiledCli = path.join(__dirname, '../host/cli.js');
  const cli = existsSync(compiledCli) ? [compiledCli] : ['--import', 'tsx', path.join(__dirname, '../host/cli.ts')];
  host = spawn(process.execPath, [...cli, '--app', root, '--port', String(functionsPort)], {
    cwd: root,
    env: { ...process.env, ...appSettings },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  host.stdout!.pipe(process.stdout);
  host.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`The Functions host stopped (${signal ?? `exit code ${code}`}); stopping the stack.\n`);
      void stopAll(1);
    }
  });
  const listeningPort = await new Promise<number>((resolve) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const ready = /\{"ready":true,"port":(\d+)\}/.exec(out);
      if (ready) {
        host!.stdout!.off('data', onData);
        resolve(Number(ready[1]));
      }
    };
    host!.stdout!.on('data', onData);
  });

  try {
    await relayAgent.start();
  } catch (e) {
    process.stderr.write(`The on-premises relay agent could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    await stopAll(1);
    return;
  }

  const functionsUrl = `http://localhost:${listeningPort}`;
  // A plain staff member whose mailbox is archived: their own archived mail shows on the page.
  const demoUser = issuer.users.find((u) => u.roles.length === 1 && m365!.tenant.staffIds.includes(u.oid)) ?? issuer.users[0]!;
  const token = await issuer.mintUserToken(demoUser, { expiresInSeconds: 8 * 3600 });
  const stack = {
    pid: process.pid,
    functions: { baseUrl: functionsUrl, health: `${functionsUrl}/api/health` },
    azurite: { connectionString: azurite.connectionString, blobPort: azurite.blobPort, queuePort: azurite.queuePort, tablePort: azurite.tablePort },
    cosmos: { endpoint: cosmos.endpoint, connectionString: cosmos.connectionString, database: 'spgq' },
    serviceBus: { connectionString: serviceBus.connectionString, port: serviceBus.port },
    search: { endpoint: search.endpoint, apiKey: search.apiKey, queryKey: search.queryKey },
    m365Sandbox: { baseUrl: m365.baseUrl, graphBaseUrl: m365.graphBaseUrl, controlUrl: m365.controlUrl, caCertFile: caFile },
    tokenIssuer: { authority: issuer.authority, issuer: issuer.issuer, jwksUri: issuer.jwksUri, tenantId: issuer.tenantId, clientId: issuer.clientId },
    demoUser: { oid: demoUser.oid, name: demoUser.name, roles: demoUser.roles, bearerToken: token },
    settings: appSettings,
  };
  writeFileSync(path.join(localDir, 'stack.json'), JSON.stringify(stack, null, 2) + '\n', { mode: 0o600 });

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    [
      '',
      `Local stack ready in ${seconds} s (Ctrl-C stops everything):`,
      `  Open                ${functionsUrl}/   (the Teams tab's home page; "Se connecter" lists the sandbox staff)`,
      `  Functions host      ${functionsUrl}/api/...   (health: ${functionsUrl}/api/health)`,
      `  Azurite             blob :${azurite.blobPort}  queue :${azurite.queuePort}  table :${azurite.tablePort}  (data in ${path.relative(root, localDir)}/azurite)`,
      `  Cosmos DB emulator  ${cosmos.endpoint}  (data in ${path.relative(root, localDir)}/cosmos.json)`,
      `  Service Bus         sb://localhost:${serviceBus.port}`,
      `  Microsoft 365       ${m365.graphBaseUrl}  (CA: ${path.relative(root, caFile)})`,
      `  Azure AI Search     ${search.endpoint}  (api-key ${search.apiKey}; data in ${path.relative(root, localDir)}/search.sqlite)`,
      `  Token issuer        ${issuer.authority}`,
      `  On-premises agent   ${path.relative(root, relayAgent.configPath)}  (relay page: ${functionsUrl}/api/web/relay.html)`,
      `  Endpoints and connection strings: ${path.relative(root, path.join(localDir, 'stack.json'))}`,
      ...(overridden.length ? [`  local.settings.json values replaced by the stack's: ${overridden.join(', ')}`] : []),
      '',
      `Demo user ${demoUser.name} (${demoUser.roles.join(', ') || 'no roles'}), bearer token valid 8 h:`,
      `  curl -H "Authorization: Bearer ${token}" ${functionsUrl}/api/me`,
      '',
    ].join('\n') + '\n',
  );
}

function readLocalSettings(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> };
  return parsed.Values ?? {};
}

function releaseLock(lock: StackLock) {
  if (!lock.acquired) return;
  // stack.json describes a running stack only.
  rmSync(path.join(path.dirname(lock.file), 'stack.json'), { force: true });
  rmSync(lock.file, { force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`npm start failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
