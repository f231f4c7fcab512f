import { z } from 'zod';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root';

/**
 * Every setting the app reads, in one schema, parsed once. In Azure the settings come from the
 * function app's configuration (identity-based connections, no secrets); locally from
 * local.settings.json or the environment `npm start` prepares. Names follow the Functions host's
 * conventions so the same names drive triggers and our own clients.
 */

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a GUID');

const positiveInt = z.coerce.number({ message: 'expected a number' }).int('expected a whole number').positive('expected a positive number');

/** Raw settings, exactly as named in the environment. `example` feeds the error message. */
const rawSchema = z.object({
  LOCAL_MODE: boolean.default(false),
  DEPLOYMENT_REGION: z.string().min(1).default('canadacentral'),
  APP_VERSION: z.string().optional(),

  AzureWebJobsStorage: z.string().min(1).optional(),
  AzureWebJobsStorage__accountName: z.string().regex(/^[a-z0-9]{3,24}$/, 'expected a storage account name (3-24 lower-case letters or digits)').optional(),
  AzureWebJobsStorage__blobServiceUri: httpUrl.optional(),
  AzureWebJobsStorage__queueServiceUri: httpUrl.optional(),
  AzureWebJobsStorage__tableServiceUri: httpUrl.optional(),
  AzureWebJobsStorage__clientId: guid.optional(),

  ServiceBusConnection: z.string().min(1).optional(),
  // Any host name here; whether it is a Canadian Service Bus namespace is the residency guard's call.
  ServiceBusConnection__fullyQualifiedNamespace: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'expected <namespace>.servicebus.windows.net').optional(),
  ServiceBusConnection__clientId: guid.optional(),

  CosmosDb: z.string().min(1).optional(),
  CosmosDb__accountEndpoint: httpUrl.optional(),
  CosmosDb__clientId: guid.optional(),
  COSMOS_DATABASE: z.string().regex(/^[A-Za-z0-9-_]{1,255}$/, 'expected a database name').default('spgq'),

  GRAPH_BASE_URL: httpUrl.default('https://graph.microsoft.com/v1.0'),
  GRAPH_CA_FILE: z.string().min(1).optional(),

  AUTH_TENANT_ID: guid,
  AUTH_CLIENT_ID: guid,
  AUTH_AUTHORITY: httpUrl.default('https://login.microsoftonline.com'),
  /** Client apps whose tokens the API takes (azp); unset: the Teams clients. */
  AUTH_ALLOWED_CLIENT_APPS: z
    .string()
    .regex(/^\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*(,\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*)*$/i, 'expected comma-separated GUIDs')
    .optional(),

  HTTP_MAX_BODY_BYTES: positiveInt.default(1_048_576),

  /** Queue of mailbox archive work items (one message per mailbox run). */
  ARCHIVE_QUEUE_NAME: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'expected a queue name').default('archive-mailbox'),
  /** Queue of export jobs (one message per export attempt). */
  ARCHIVE_EXPORT_QUEUE_NAME: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'expected a queue name').default('archive-exports'),
  /** Email archive capture (shared/archive, docs/decisions/0004-email-archive.md). */
  ARCHIVE_SCHEDULE: z.string().min(1).default('0 */15 * * * *'),
  ARCHIVE_RUN_ON_STARTUP: boolean.default(false),
  ARCHIVE_SCOPE_GROUP: z.string().min(1).optional(),
  ARCHIVE_SHARED_MAILBOXES: z.string().default(''),
  ARCHIVE_EXCLUDED_FOLDERS: z.string().default('junkemail'),
  ARCHIVE_RUN_SECONDS: positiveInt.default(240),
  ARCHIVE_PAGE_SIZE: positiveInt.default(50),
  ARCHIVE_MESSAGE_CONCURRENCY: positiveInt.default(4),
  ARCHIVE_GRAPH_CONCURRENCY: positiveInt.default(4),
  ARCHIVE_GRAPH_WINDOW_REQUESTS: positiveInt.default(10_000),
  ARCHIVE_GRAPH_WINDOW_SECONDS: z.coerce.number({ message: 'expected a number' }).positive('expected a positive number').default(600),
  ARCHIVE_GRAPH_SLOTS: z.enum(['leased', 'local']).default('leased'),
  ARCHIVE_IMMUTABILITY: z.enum(['off', 'unlocked', 'locked']).default('off'),
  ARCHIVE_LOCK_SECONDS: z.coerce.number().int().min(15, 'between 15 and 60').max(60, 'between 15 and 60').default(60),
  ARCHIVE_SWEEP_SCHEDULE: z.string().min(1).default('0 30 3 * * *'),
  ARCHIVE_ORPHAN_GRACE_SECONDS: z.coerce.number().int().nonnegative().default(3600),
  /**
   * The schedule releases mailbox work in waves (docs/decisions/0017-deployment-and-observability.md):
   * at most ARCHIVE_WAVE_SIZE messages become active at a time, the waves spread over
   * ARCHIVE_WAVE_SPREAD_SECONDS. Service Bus scaling sizes instances on ACTIVE messages, so this
   * caps the worker's instances at about wave size / host.json maxConcurrentCalls.
   */
  ARCHIVE_WAVE_SIZE: z.coerce.number().int().min(1).max(1000).default(32),
  ARCHIVE_WAVE_SPREAD_SECONDS: z.coerce.number().int().min(0).max(3600).default(600),
  /**
   * Graph change notifications (docs/decisions/0018-archive-change-notifications.md). The key signs
   * each subscription's clientState (HMAC); in Azure a Key Vault reference. Without it, or without
   * APP_PUBLIC_URL (the notification URL's origin), every mailbox is polled as before.
   */
  ARCHIVE_NOTIFICATION_KEY: z.string().min(32, 'expected at least 32 characters (a random secret)').optional(),
  /** Notifications of one mailbox within this many seconds become one run. */
  ARCHIVE_NOTIFICATION_WINDOW_SECONDS: z.coerce.number().int().min(0, 'between 0 and 300').max(300, 'between 0 and 300').default(10),
  /**
   * Lifetime asked for each subscription (Graph allows at most 10,080 minutes for messages); renewed
   * at half. At least 120: Graph sends reauthorizationRequired once an hour or less is left, so a
   * shorter lifetime would have every renewal ask for the next one at once.
   */
  ARCHIVE_SUBSCRIPTION_MINUTES: z.coerce.number().int().min(120, 'between 120 and 10080').max(10_080, 'between 120 and 10080').default(10_000),
  /** When subscriptions are created, renewed, re-created and deleted. */
  ARCHIVE_SUBSCRIPTIONS_SCHEDULE: z.string().min(1).default('0 */5 * * * *'),
  /** A listening mailbox is swept (every folder) this often; polling and repairing ones follow ARCHIVE_SCHEDULE. */
  ARCHIVE_LISTENING_SWEEP_MINUTES: z.coerce.number().positive('expected a positive number').default(1440),
  /** Archive records: retention, disposition, integrity, export (docs/decisions/0006-archive-records.md). */
  ARCHIVE_RETENTION_RULES_FILE: z.string().min(1).default('config/retention-rules.json'),
  ARCHIVE_DISPOSITION_SCHEDULE: z.string().min(1).default('0 0 4 * * *'),
  ARCHIVE_INTEGRITY_SCHEDULE: z.string().min(1).default('0 0 2 * * *'),
  /** Minutes a verification pass may start new days for; under the 30-minute function timeout. */
  ARCHIVE_INTEGRITY_BUDGET_MINUTES: z.coerce.number().int().min(1, 'between 1 and 25').max(25, 'between 1 and 25').default(20),
  ARCHIVE_EXPORT_LINK_MINUTES: z.coerce.number().int().min(1, 'between 1 and 60').max(60, 'between 1 and 60').default(15),
  /** Days an export file is kept after it is built; then the daily disposition deletes it. */
  ARCHIVE_EXPORT_RETENTION_DAYS: z.coerce.number().int().min(1, 'between 1 and 365').max(365, 'between 1 and 365').default(30),
  /** Full-text search of the archive (docs/decisions/0020): the Azure AI Search service; off (503) without it. */
  AZURE_SEARCH_ENDPOINT: httpUrl.optional(),
  ARCHIVE_SEARCH_INDEX: z.string().regex(/^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/, 'expected an index name (lower case, digits, dashes)').default('archive-messages'),
  /** The local search emulator's api-key only: in Azure the service takes Entra ID (managed identity), keys disabled. */
  AZURE_SEARCH_API_KEY: z.string().min(1).optional(),
  /** How often the indexing pass catches up with capture (NCRONTAB with seconds). */
  ARCHIVE_SEARCH_SCHEDULE: z.string().min(1).default('*/20 * * * * *'),
  /** Text extraction for the archive's search index (docs/decisions/0021-archive-text-extraction.md). */
  ARCHIVE_EXTRACT_MAX_ATTACHMENT_MB: z.coerce.number().int().min(1, 'between 1 and 150').max(150, 'between 1 and 150').default(25),
  ARCHIVE_EXTRACT_MAX_CHARS: z.coerce.number().int().min(1000, 'between 1000 and 10000000').max(10_000_000, 'between 1000 and 10000000').default(1_000_000),
  ARCHIVE_EXTRACT_TIMEOUT_SECONDS: z.coerce.number().int().min(1, 'between 1 and 300').max(300, 'between 1 and 300').default(20),
  /** Worker threads extracting at once per instance; unset: cores - 1 (at least 1, at most 4). */
  ARCHIVE_EXTRACT_WORKERS: z.coerce.number().int().min(1, 'between 1 and 16').max(16, 'between 1 and 16').optional(),
  ARCHIVE_EXTRACT_MEMORY_MB: z.coerce.number().int().min(64, 'between 64 and 4096').max(4096, 'between 64 and 4096').default(512),

  /** On-premises relay (docs/decisions/0005-onprem-relay.md). */
  RELAY_REQUESTS_QUEUE: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'expected a queue name').default('relay-requests'),
  RELAY_REPLIES_QUEUE: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'expected a queue name').default('relay-replies'),
  /** Ed25519 private key (PKCS#8 PEM or base64 DER); in Azure a Key Vault reference. Relay endpoints answer 503 without it. */
  RELAY_SIGNING_KEY: z.string().min(40, 'expected an Ed25519 private key (PEM or base64)').optional(),
  RELAY_SIGNING_KEY_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected a key id').default('relay-1'),
  /** The agents' reply-verification public keys (Ed25519), `kid=key` entries separated by commas (several during a rotation). Relay endpoints answer 503 without them. */
  RELAY_AGENT_PUBLIC_KEYS: z.string().min(40, 'expected kid=key entries (Ed25519 public keys, PEM or base64)').optional(),
  /** The container the agent publishes large documents to: the only place a reply's link may point to. */
  RELAY_DOCUMENTS_CONTAINER: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'expected a container name').default('relay-documents'),
  /** How long an HTTP call waits for the agent before answering 202 with a status URL. */
  RELAY_WAIT_MS: positiveInt.default(8_000),
  RELAY_REQUEST_TTL_SECONDS: positiveInt.default(120),
  RELAY_HEARTBEAT_CONTAINER: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'expected a container name').default('relay-agent'),
  RELAY_HEARTBEAT_MAX_AGE_SECONDS: positiveInt.default(60),
  /** When dead-lettered relay messages are drained to ids-only records and deleted: the longest one stays in the cloud. */
  RELAY_DEADLETTER_SCHEDULE: z.string().min(1).default('0 */10 * * * *'),

  /** People: staff directory and lifecycle events (docs/decisions/0009-people.md). */
  PEOPLE_CATALOGUE_FILE: z.string().min(1).default('config/people-catalogue.json'),
  PEOPLE_SYNC_SCHEDULE: z.string().min(1).default('0 */15 * * * *'),
  PEOPLE_SYNC_ON_STARTUP: boolean.default(false),
  PEOPLE_EVENTS_TOPIC: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'expected a topic name').default('people-events'),
  /** Directory reads in flight at once (Entra ID throttles per app and tenant, apart from Outlook). */
  PEOPLE_GRAPH_CONCURRENCY: z.coerce.number().int().min(1, 'between 1 and 8').max(8, 'between 1 and 8').default(2),

  /** Training tracking (docs/decisions/0010-training.md). */
  TRAINING_CATALOGUE_FILE: z.string().min(1).default('config/training-catalogue.json'),
  /** When recurring modules open their next cycle (daily, before the reminders). */
  TRAINING_CYCLES_SCHEDULE: z.string().min(1).default('0 0 6 * * *'),
  /** Optional connector: completions from Microsoft Defender's Attack Simulation Training (Graph, AttackSimulation.Read.All). */
  TRAINING_ATTACK_SIMULATION: z.enum(['off', 'on'], { message: 'expected off or on' }).default('off'),
  /** When the connector reads the simulations (daily, before the cycles open). */
  TRAINING_ATTACK_SIMULATION_SCHEDULE: z.string().min(1).default('0 30 5 * * *'),
  /** Training reminders (docs/decisions/0010-training.md, "Reminders"). */
  TRAINING_HOLIDAYS_FILE: z.string().min(1).default('config/quebec-holidays.json'),
  /** NCRONTAB in UTC (Linux plans ignore time zones): 08:00 or 09:00 in Montréal, then hourly; later runs finish what an earlier one left. */
  TRAINING_REMINDER_SCHEDULE: z.string().min(1).default('0 0 13-20 * * 1-5'),
  /** Service mailbox the e-mail fallback is sent from (UPN); reminders to people without the Teams app fail without it. */
  TRAINING_SENDER_MAILBOX: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected a mailbox address').optional(),
  /** Activity feed notifications per second for the whole app (Microsoft's limit is 5 per app per tenant). */
  TRAINING_NOTIFY_RATE_PER_SECOND: z.coerce.number({ message: 'expected a number' }).positive('expected a positive number').max(5, 'at most 5 (Microsoft\'s limit)').default(5),
  /** The training tab every notification opens (a Teams deep link in Azure). */
  TRAINING_TAB_URL: httpUrl.default('http://localhost:7071/api/web/training.html'),

  /** Project space requests (shared/collaboration/requests.ts). */
  /** Multiplies the business-day deadlines (reminder 2, escalation 5, expiry 10): 1 in production; tests shrink days to seconds. */
  COLLABORATION_REQUEST_TIME_SCALE: z.coerce.number({ message: 'expected a number' }).positive('expected a positive number').max(1, 'at most 1').default(1),
  /** The request page every request notification opens (a Teams deep link in Azure); `?request=<id>` is added. */
  COLLABORATION_REQUEST_TAB_URL: httpUrl.default('http://localhost:7071/api/web/collaboration.html'),
  /** Service mailbox the e-mail fallback is sent from (UPN); notices to people without the Teams app fail without it. */
  COLLABORATION_REQUEST_SENDER_MAILBOX: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected a mailbox address').optional(),
  /** Collaboration spaces: each service's Team and SharePoint folder tree (docs/decisions, collaboration). */
  COLLABORATION_TEMPLATE_FILE: z.string().min(1).default('config/collaboration-template.json'),
  /** SharePoint resource units per minute for the app (Microsoft: 1,200 for tenants under 1,000 licences). */
  COLLABORATION_SHAREPOINT_RU_PER_MINUTE: positiveInt.default(1200),
  /** The length of SharePoint's budget window; only tests and benches shorten it (with the sandbox's timeScale). */
  COLLABORATION_SHAREPOINT_WINDOW_MS: positiveInt.default(60_000),
  /** Spaces worked on at once. */
  COLLABORATION_PARALLELISM: z.coerce.number().int().min(1, 'between 1 and 16').max(16, 'between 1 and 16').default(4),
  /** Above this share of a space's access being taken away in one pass, the removals wait for approval. */
  COLLABORATION_MAX_REMOVAL_SHARE: z.coerce.number({ message: 'expected a number' }).min(0, 'between 0 and 1').max(1, 'between 0 and 1').default(0.2),
  /** How long a just-created team may answer 404 before it counts as gone (Teams' creation lag). */
  COLLABORATION_TEAM_LAG_MINUTES: positiveInt.default(15),
  /** The daily drift pass: verify every space, repair by policy (NCRONTAB, UTC). */
  COLLABORATION_DRIFT_SCHEDULE: z.string().min(1).default('0 0 7 * * *'),
  /** How long to wait before looking again at a team Teams is still creating (Microsoft: not more often than every 30 s). */
  COLLABORATION_TEAM_POLL_MS: positiveInt.default(30_000),
  /** How long one apply step may start operations before handing over to the next (well inside functionTimeout). */
  COLLABORATION_STEP_BUDGET_SECONDS: positiveInt.default(120),

  /** Rollout orchestrations (docs/decisions, rollout): licences, thresholds, deadlines and retries per activity kind. */
  ROLLOUT_CONFIG_FILE: z.string().min(1).default('config/rollout.json'),
  /** Employees taken through onboarding at once in a service rollout (lanes of sub-orchestrations). */
  ROLLOUT_PARALLELISM: z.coerce.number().int().min(1, 'between 1 and 32').max(32, 'between 1 and 32').default(10),
  /** Multiplies the rollout's days (training deadline, reminder rounds, telecom confirmation): 1 in production; tests shrink days to seconds. */
  ROLLOUT_TIME_SCALE: z.coerce.number({ message: 'expected a number' }).positive('expected a positive number').max(1, 'at most 1').default(1),

  /**
   * The origin links the app hands out are built from (202 Location, statusUrl): never the Host
   * header a request names, which a caller or a misconfigured proxy controls. https when deployed.
   * Without it, those links are relative paths.
   */
  APP_PUBLIC_URL: httpUrl.optional(),

  /** Set by App Service in every deployed app; its presence means "deployed", whatever LOCAL_MODE says (see DEPLOYMENT_MARKERS). */
  WEBSITE_INSTANCE_ID: z.string().optional(),
  WEBSITE_SITE_NAME: z.string().optional(),
  /** Set by App Service to the display name of the app's region, e.g. "Canada Central". */
  REGION_NAME: z.string().optional(),
});

const EXAMPLES: Record<string, string> = {
  LOCAL_MODE: 'false',
  DEPLOYMENT_REGION: 'canadacentral',
  AzureWebJobsStorage: 'AzureWebJobsStorage__accountName=stspgqprod (Azure) or a connection string (local)',
  AzureWebJobsStorage__accountName: 'stspgqprod',
  AzureWebJobsStorage__blobServiceUri: 'https://stspgqprod.blob.core.windows.net',
  ServiceBusConnection: 'ServiceBusConnection__fullyQualifiedNamespace=sb-spgq.servicebus.windows.net (Azure) or a connection string (local)',
  ServiceBusConnection__fullyQualifiedNamespace: 'sb-spgq.servicebus.windows.net',
  CosmosDb: 'CosmosDb__accountEndpoint=https://cosmos-spgq.documents.azure.com:443/ (Azure) or AccountEndpoint=...;AccountKey=...; (local)',
  CosmosDb__accountEndpoint: 'https://cosmos-spgq.documents.azure.com:443/',
  COSMOS_DATABASE: 'spgq',
  GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0',
  GRAPH_CA_FILE: '.local/m365-sandbox-ca.pem',
  AUTH_TENANT_ID: '00000000-0000-0000-0000-000000000000 (the Entra tenant id)',
  AUTH_CLIENT_ID: '00000000-0000-0000-0000-000000000000 (the API app registration id)',
  AUTH_AUTHORITY: 'https://login.microsoftonline.com',
  AUTH_ALLOWED_CLIENT_APPS: '1fec8e78-bce4-4aaf-ab1b-5451cc387264,5e3ce6c0-2b1f-4285-8d4b-75ee78787346 (Teams desktop/mobile and web: the default)',
  APP_PUBLIC_URL: 'https://func-spgq.azurewebsites.net (or the custom domain staff use)',
  HTTP_MAX_BODY_BYTES: '1048576',
  ARCHIVE_QUEUE_NAME: 'archive-mailbox',
  ARCHIVE_EXPORT_QUEUE_NAME: 'archive-exports',
  ARCHIVE_SCHEDULE: '0 */15 * * * * (NCRONTAB, every 15 minutes)',
  ARCHIVE_SCOPE_GROUP: 'Archivage-Courriels (group display name) or its object id',
  ARCHIVE_SHARED_MAILBOXES: 'accueil@syndicat-exemple.ca,griefs@syndicat-exemple.ca',
  ARCHIVE_EXCLUDED_FOLDERS: 'junkemail (well-known names or folder paths, comma-separated)',
  ARCHIVE_RUN_SECONDS: '240 (well below the function timeout, 30 min, and the Service Bus lock renewal limit, 30 min)',
  ARCHIVE_GRAPH_SLOTS: 'leased (shared across instances) or local',
  ARCHIVE_IMMUTABILITY: 'off (Azurite), unlocked or locked (Azure)',
  PEOPLE_CATALOGUE_FILE: 'config/people-catalogue.json (relative to the app root, or absolute)',
  PEOPLE_SYNC_SCHEDULE: '0 */15 * * * * (NCRONTAB, every 15 minutes)',
  PEOPLE_EVENTS_TOPIC: 'people-events',
  TRAINING_CATALOGUE_FILE: 'config/training-catalogue.json (relative to the app root, or absolute)',
  TRAINING_ATTACK_SIMULATION: 'off (default) or on',
  TRAINING_ATTACK_SIMULATION_SCHEDULE: '0 30 5 * * * (NCRONTAB, daily at 05:30 UTC)',
  ARCHIVE_LOCK_SECONDS: '60',
  ARCHIVE_NOTIFICATION_KEY: '@Microsoft.KeyVault(SecretUri=https://kv-spgq.vault.azure.net/secrets/archive-notification-key/) (Azure) or 32+ random characters (local)',
  ARCHIVE_NOTIFICATION_WINDOW_SECONDS: '10',
  ARCHIVE_SUBSCRIPTION_MINUTES: '10000 (Graph allows at most 10080 for messages)',
  ARCHIVE_SUBSCRIPTIONS_SCHEDULE: '0 */5 * * * * (NCRONTAB, every 5 minutes)',
  ARCHIVE_LISTENING_SWEEP_MINUTES: '1440 (daily)',
  ARCHIVE_RETENTION_RULES_FILE: 'config/retention-rules.json (relative to the app root, or absolute)',
  ARCHIVE_DISPOSITION_SCHEDULE: '0 0 4 * * * (NCRONTAB, daily at 04:00 UTC)',
  ARCHIVE_INTEGRITY_SCHEDULE: '0 0 2 * * * (NCRONTAB, daily at 02:00 UTC)',
  ARCHIVE_INTEGRITY_BUDGET_MINUTES: '20',
  ARCHIVE_EXPORT_LINK_MINUTES: '15',
  ARCHIVE_EXPORT_RETENTION_DAYS: '30',
  AZURE_SEARCH_ENDPOINT: 'https://srch-spgq.search.windows.net (Azure AI Search, Canada Central)',
  ARCHIVE_SEARCH_INDEX: 'archive-messages',
  AZURE_SEARCH_API_KEY: 'local emulator only (unset in Azure: managed identity)',
  ARCHIVE_SEARCH_SCHEDULE: '*/20 * * * * * (NCRONTAB, every 20 seconds)',
  ARCHIVE_EXTRACT_MAX_ATTACHMENT_MB: '25',
  ARCHIVE_EXTRACT_MAX_CHARS: '1000000',
  ARCHIVE_EXTRACT_TIMEOUT_SECONDS: '20',
  ARCHIVE_EXTRACT_WORKERS: '1 (unset: cores - 1, at most 4)',
  ARCHIVE_EXTRACT_MEMORY_MB: '512',
  RELAY_REQUESTS_QUEUE: 'relay-requests',
  RELAY_REPLIES_QUEUE: 'relay-replies',
  RELAY_SIGNING_KEY: '@Microsoft.KeyVault(SecretUri=https://kv-spgq.vault.azure.net/secrets/relay-signing-key/) (Azure) or a PEM (local)',
  RELAY_SIGNING_KEY_ID: 'relay-1',
  RELAY_AGENT_PUBLIC_KEYS: 'agent-1=MCowBQYDK2VwAyEA...,agent-2=MCowBQYDK2VwAyEA... (base64 DER or PEM per key)',
  RELAY_DOCUMENTS_CONTAINER: 'relay-documents',
  RELAY_WAIT_MS: '8000',
  RELAY_REQUEST_TTL_SECONDS: '120',
  RELAY_HEARTBEAT_CONTAINER: 'relay-agent',
  RELAY_HEARTBEAT_MAX_AGE_SECONDS: '60',
  RELAY_DEADLETTER_SCHEDULE: '0 */10 * * * * (NCRONTAB, every 10 minutes)',
  TRAINING_REMINDER_SCHEDULE: '0 0 13-20 * * 1-5 (NCRONTAB in UTC: weekdays, 08:00 or 09:00 in Montréal, then hourly)',
  TRAINING_SENDER_MAILBOX: 'formation@syndicat-exemple.ca',
  TRAINING_NOTIFY_RATE_PER_SECOND: '5',
  TRAINING_TAB_URL: 'https://teams.microsoft.com/l/entity/<teams app id>/training',
  COLLABORATION_REQUEST_TIME_SCALE: '1 (tests: 0.00001 makes 10 business days about 12 seconds)',
  COLLABORATION_REQUEST_TAB_URL: 'https://teams.microsoft.com/l/entity/<teams app id>/collaboration',
  COLLABORATION_REQUEST_SENDER_MAILBOX: 'espaces@syndicat-exemple.ca',
  COLLABORATION_TEMPLATE_FILE: 'config/collaboration-template.json (relative to the app root, or absolute)',
  COLLABORATION_SHAREPOINT_RU_PER_MINUTE: '1200',
  COLLABORATION_SHAREPOINT_WINDOW_MS: '60000',
  COLLABORATION_PARALLELISM: '4',
  COLLABORATION_MAX_REMOVAL_SHARE: '0.2',
  COLLABORATION_TEAM_LAG_MINUTES: '15',
  COLLABORATION_DRIFT_SCHEDULE: '0 0 7 * * * (NCRONTAB in UTC: daily, 02:00 or 03:00 in Montréal)',
  COLLABORATION_STEP_BUDGET_SECONDS: '120',
  COLLABORATION_TEAM_POLL_MS: '30000',
  ROLLOUT_CONFIG_FILE: 'config/rollout.json (relative to the app root, or absolute)',
  ROLLOUT_PARALLELISM: '10',
  ROLLOUT_TIME_SCALE: '1 (tests: 0.00001 makes 30 days about 26 seconds)',
};

export type StorageSettings =
  | { mode: 'connectionString'; connectionString: string }
  | { mode: 'identity'; blobServiceUri: string; queueServiceUri: string; tableServiceUri: string; clientId?: string };

export type ServiceBusSettings =
  | { mode: 'connectionString'; connectionString: string; host: string }
  | { mode: 'identity'; fullyQualifiedNamespace: string; clientId?: string };

export interface CosmosSettings {
  endpoint: string;
  /** Only with a local emulator connection string; Azure uses managed identity. */
  key?: string;
  clientId?: string;
  database: string;
}

export interface Settings {
  localMode: boolean;
  /** True inside App Service / Functions / Container Apps in Azure (any of DEPLOYMENT_MARKERS). */
  deployed: boolean;
  /** The app's public origin (APP_PUBLIC_URL), e.g. https://func-spgq.azurewebsites.net; links are relative without it. */
  publicUrl?: string;
  region: string;
  /** Region App Service says the app runs in, normalised, when it says. */
  hostRegion?: string;
  appVersion: string;
  storage: StorageSettings;
  serviceBus: ServiceBusSettings;
  cosmos: CosmosSettings;
  graph: { baseUrl: string; caFile?: string };
  auth: { tenantId: string; clientId: string; authority: string; allowedClientApps?: string[] };
  http: { maxBodyBytes: number };
  queues: { archive: string; exports: string };
  archive: ArchiveSettings;
  relay: RelaySettings;
  people: PeopleSettings;
  training: TrainingSettings;
  collaborationRequests: CollaborationRequestSettings;
  collaboration: CollaborationSettings;
  rollout: RolloutSettings;
}

export interface RolloutSettings {
  configFile: string;
  parallelism: number;
  timeScale: number;
}

export interface CollaborationRequestSettings {
  timeScale: number;
  tabUrl: string;
  senderMailbox?: string;
}

export interface CollaborationSettings {
  templateFile: string;
  /** SharePoint's resource-unit budget and its window (the pacer spends at most this much per window). */
  sharePoint: { unitsPerMinute: number; windowMs: number };
  parallelism: number;
  maxRemovalShare: number;
  teamLagMinutes: number;
  driftSchedule: string;
  stepBudgetSeconds: number;
  teamPollMs: number;
}

export interface TrainingSettings {
  catalogueFile: string;
  cyclesSchedule: string;
  /** Completions read from Attack Simulation Training (off unless TRAINING_ATTACK_SIMULATION=on). */
  attackSimulation: { enabled: boolean; schedule: string };
  holidaysFile: string;
  reminderSchedule: string;
  senderMailbox?: string;
  notifyRatePerSecond: number;
  tabUrl: string;
}

export interface PeopleSettings {
  catalogueFile: string;
  syncSchedule: string;
  syncOnStartup: boolean;
  eventsTopic: string;
  graphConcurrency: number;
}

export interface RelaySettings {
  requestsQueue: string;
  repliesQueue: string;
  signingKey?: string;
  signingKeyId: string;
  agentPublicKeys?: string;
  documentsContainer: string;
  waitMs: number;
  requestTtlSeconds: number;
  heartbeatContainer: string;
  heartbeatMaxAgeSeconds: number;
  deadLetterSchedule: string;
}

export interface ArchiveSettings {
  schedule: string;
  runOnStartup: boolean;
  scopeGroup?: string;
  sharedMailboxes: string[];
  excludedFolders: string[];
  runSeconds: number;
  pageSize: number;
  messageConcurrency: number;
  graph: { concurrency: number; windowRequests: number; windowMs: number; slots: 'leased' | 'local' };
  immutability: 'off' | 'unlocked' | 'locked';
  lockSeconds: number;
  sweepSchedule: string;
  orphanGraceSeconds: number;
  /** Work released in waves of `size` messages spread over `spreadSeconds` (caps the worker's scale-out). */
  waves: { size: number; spreadSeconds: number };
  records: { retentionRulesFile: string; dispositionSchedule: string; integritySchedule: string; integrityBudgetMinutes: number; exportLinkMinutes: number; exportRetentionDays: number };
  /** Full-text search; undefined when AZURE_SEARCH_ENDPOINT is not set. */
  search?: { endpoint: string; indexName: string; apiKey?: string };
  searchSchedule: string;
  /**
   * Text extraction for search: `limits` is what extractMessageText takes (the rest of its limits
   * keep their defaults), `pool` what ExtractionPool takes.
   */
  extraction: { limits: { maxAttachmentBytes: number; maxChars: number; timeoutMs: number }; pool: { workers?: number; memoryMb: number } };
  /** Graph change notifications; `key` unset: off (every mailbox polled). */
  notifications: { key?: string; windowSeconds: number; subscriptionMinutes: number; subscriptionsSchedule: string; sweepMinutes: number };
}

/**
 * Variables Azure sets in a running app and a developer's machine does not: App Service and
 * Functions on Windows and Linux (dedicated, Premium, Consumption, Flex), Container Apps, and the
 * managed identity endpoint. Any one of them means "deployed", so losing one (a plan that does not
 * set it) never turns local mode's shortcuts on in Azure. Not markers: WEBSITE_HOSTNAME (Core Tools
 * sets it locally too) and CONTAINER_NAME (container runtimes everywhere set it).
 */
export const DEPLOYMENT_MARKERS = [
  'WEBSITE_INSTANCE_ID',
  'WEBSITE_SITE_NAME',
  'WEBSITE_RESOURCE_GROUP',
  'WEBSITE_OWNER_NAME',
  'WEBSITE_SKU',
  'WEBSITE_DEPLOYMENT_ID',
  'REGION_NAME',
  'CONTAINER_APP_NAME',
  'IDENTITY_ENDPOINT',
  'MSI_ENDPOINT',
] as const;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export class SettingsError extends Error {
  constructor(readonly problems: { setting: string; problem: string; example?: string }[]) {
    super(
      'Invalid settings; the app cannot start:\n' +
        problems.map((p) => `  - ${p.setting}: ${p.problem}${p.example ? ` (example: ${p.example})` : ''}`).join('\n'),
    );
    this.name = 'SettingsError';
  }
}

/** "Canada Central", "canada-central" and "canadacentral" all name the same region. */
export function normaliseRegion(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function parseSettings(env: Record<string, string | undefined>, packageVersion = '0.0.0'): Settings {
  // Empty strings are how the Functions host and shells spell "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = rawSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => {
        const setting = String(issue.path[0] ?? '(settings)');
        const problem = issue.code === 'invalid_type' && cleaned[setting] === undefined ? 'missing' : issue.message;
        return { setting, problem, example: EXAMPLES[setting] };
      }),
    );
  }
  const raw = parsed.data;
  const problems: { setting: string; problem: string; example?: string }[] = [];
  const need = (setting: string, problem: string) => problems.push({ setting, problem, example: EXAMPLES[setting] });

  const deployed = DEPLOYMENT_MARKERS.some((name) => Boolean(cleaned[name]));
  const local = raw.LOCAL_MODE && !deployed;
  // Tokens are validated against keys fetched from the authority: over plain HTTP anyone on the
  // path could serve their own. Only the local token issuer, on this machine, may use http.
  const authority = new URL(raw.AUTH_AUTHORITY);
  if (authority.protocol !== 'https:' && !(local && LOOPBACK_HOSTS.has(authority.hostname))) {
    need('AUTH_AUTHORITY', 'must be an https URL (http only for the local token issuer on this machine, in local mode)');
  }
  let publicUrl: string | undefined;
  if (raw.APP_PUBLIC_URL) {
    const url = new URL(raw.APP_PUBLIC_URL);
    if (url.pathname.replace(/\/+$/, '') !== '' || url.search || url.hash || url.username || url.password) need('APP_PUBLIC_URL', 'expected an origin only (scheme, host and port), no path or query');
    else if (url.protocol !== 'https:' && !(local && LOOPBACK_HOSTS.has(url.hostname))) need('APP_PUBLIC_URL', 'must be an https URL (http only on this machine, in local mode)');
    else publicUrl = url.origin;
  }
  const storage = storageSettings(raw, need);
  const serviceBus = serviceBusSettings(raw, need);
  const cosmos = cosmosSettings(raw, need);
  if (problems.length) throw new SettingsError(problems);

  return {
    localMode: raw.LOCAL_MODE,
    deployed,
    publicUrl,
    region: normaliseRegion(raw.DEPLOYMENT_REGION),
    hostRegion: raw.REGION_NAME ? normaliseRegion(raw.REGION_NAME) : undefined,
    appVersion: raw.APP_VERSION ?? packageVersion,
    storage: storage!,
    serviceBus: serviceBus!,
    cosmos: cosmos!,
    graph: { baseUrl: raw.GRAPH_BASE_URL.replace(/\/+$/, ''), caFile: raw.GRAPH_CA_FILE },
    auth: { tenantId: raw.AUTH_TENANT_ID.toLowerCase(), clientId: raw.AUTH_CLIENT_ID.toLowerCase(), authority: raw.AUTH_AUTHORITY.replace(/\/+$/, ''), allowedClientApps: raw.AUTH_ALLOWED_CLIENT_APPS === undefined ? undefined : commaList(raw.AUTH_ALLOWED_CLIENT_APPS).map((c) => c.toLowerCase()) },
    http: { maxBodyBytes: raw.HTTP_MAX_BODY_BYTES },
    queues: { archive: raw.ARCHIVE_QUEUE_NAME, exports: raw.ARCHIVE_EXPORT_QUEUE_NAME },
    archive: {
      schedule: raw.ARCHIVE_SCHEDULE,
      runOnStartup: raw.ARCHIVE_RUN_ON_STARTUP,
      scopeGroup: raw.ARCHIVE_SCOPE_GROUP,
      sharedMailboxes: commaList(raw.ARCHIVE_SHARED_MAILBOXES),
      excludedFolders: commaList(raw.ARCHIVE_EXCLUDED_FOLDERS),
      runSeconds: raw.ARCHIVE_RUN_SECONDS,
      pageSize: raw.ARCHIVE_PAGE_SIZE,
      messageConcurrency: raw.ARCHIVE_MESSAGE_CONCURRENCY,
      graph: { concurrency: raw.ARCHIVE_GRAPH_CONCURRENCY, windowRequests: raw.ARCHIVE_GRAPH_WINDOW_REQUESTS, windowMs: raw.ARCHIVE_GRAPH_WINDOW_SECONDS * 1000, slots: raw.ARCHIVE_GRAPH_SLOTS },
      immutability: raw.ARCHIVE_IMMUTABILITY,
      lockSeconds: raw.ARCHIVE_LOCK_SECONDS,
      sweepSchedule: raw.ARCHIVE_SWEEP_SCHEDULE,
      orphanGraceSeconds: raw.ARCHIVE_ORPHAN_GRACE_SECONDS,
      waves: { size: raw.ARCHIVE_WAVE_SIZE, spreadSeconds: raw.ARCHIVE_WAVE_SPREAD_SECONDS },
      notifications: {
        key: raw.ARCHIVE_NOTIFICATION_KEY,
        windowSeconds: raw.ARCHIVE_NOTIFICATION_WINDOW_SECONDS,
        subscriptionMinutes: raw.ARCHIVE_SUBSCRIPTION_MINUTES,
        subscriptionsSchedule: raw.ARCHIVE_SUBSCRIPTIONS_SCHEDULE,
        sweepMinutes: raw.ARCHIVE_LISTENING_SWEEP_MINUTES,
      },
      records: {
        retentionRulesFile: raw.ARCHIVE_RETENTION_RULES_FILE,
        dispositionSchedule: raw.ARCHIVE_DISPOSITION_SCHEDULE,
        integritySchedule: raw.ARCHIVE_INTEGRITY_SCHEDULE,
        integrityBudgetMinutes: raw.ARCHIVE_INTEGRITY_BUDGET_MINUTES,
        exportLinkMinutes: raw.ARCHIVE_EXPORT_LINK_MINUTES,
        exportRetentionDays: raw.ARCHIVE_EXPORT_RETENTION_DAYS,
      },
      search: raw.AZURE_SEARCH_ENDPOINT ? { endpoint: raw.AZURE_SEARCH_ENDPOINT.replace(/\/+$/, ''), indexName: raw.ARCHIVE_SEARCH_INDEX, ...(raw.AZURE_SEARCH_API_KEY ? { apiKey: raw.AZURE_SEARCH_API_KEY } : {}) } : undefined,
      searchSchedule: raw.ARCHIVE_SEARCH_SCHEDULE,
      extraction: {
        limits: { maxAttachmentBytes: raw.ARCHIVE_EXTRACT_MAX_ATTACHMENT_MB * 1024 * 1024, maxChars: raw.ARCHIVE_EXTRACT_MAX_CHARS, timeoutMs: raw.ARCHIVE_EXTRACT_TIMEOUT_SECONDS * 1000 },
        pool: { ...(raw.ARCHIVE_EXTRACT_WORKERS === undefined ? {} : { workers: raw.ARCHIVE_EXTRACT_WORKERS }), memoryMb: raw.ARCHIVE_EXTRACT_MEMORY_MB },
      },
    },
    relay: {
      requestsQueue: raw.RELAY_REQUESTS_QUEUE,
      repliesQueue: raw.RELAY_REPLIES_QUEUE,
      signingKey: raw.RELAY_SIGNING_KEY,
      signingKeyId: raw.RELAY_SIGNING_KEY_ID,
      agentPublicKeys: raw.RELAY_AGENT_PUBLIC_KEYS,
      documentsContainer: raw.RELAY_DOCUMENTS_CONTAINER,
      waitMs: raw.RELAY_WAIT_MS,
      requestTtlSeconds: raw.RELAY_REQUEST_TTL_SECONDS,
      heartbeatContainer: raw.RELAY_HEARTBEAT_CONTAINER,
      heartbeatMaxAgeSeconds: raw.RELAY_HEARTBEAT_MAX_AGE_SECONDS,
      deadLetterSchedule: raw.RELAY_DEADLETTER_SCHEDULE,
    },
    people: {
      catalogueFile: raw.PEOPLE_CATALOGUE_FILE,
      syncSchedule: raw.PEOPLE_SYNC_SCHEDULE,
      syncOnStartup: raw.PEOPLE_SYNC_ON_STARTUP,
      eventsTopic: raw.PEOPLE_EVENTS_TOPIC,
      graphConcurrency: raw.PEOPLE_GRAPH_CONCURRENCY,
    },
    training: {
      catalogueFile: raw.TRAINING_CATALOGUE_FILE,
      cyclesSchedule: raw.TRAINING_CYCLES_SCHEDULE,
      attackSimulation: { enabled: raw.TRAINING_ATTACK_SIMULATION === 'on', schedule: raw.TRAINING_ATTACK_SIMULATION_SCHEDULE },
      holidaysFile: raw.TRAINING_HOLIDAYS_FILE,
      reminderSchedule: raw.TRAINING_REMINDER_SCHEDULE,
      senderMailbox: raw.TRAINING_SENDER_MAILBOX,
      notifyRatePerSecond: raw.TRAINING_NOTIFY_RATE_PER_SECOND,
      tabUrl: raw.TRAINING_TAB_URL,
    },
    collaborationRequests: {
      timeScale: raw.COLLABORATION_REQUEST_TIME_SCALE,
      tabUrl: raw.COLLABORATION_REQUEST_TAB_URL,
      senderMailbox: raw.COLLABORATION_REQUEST_SENDER_MAILBOX,
    },
    collaboration: {
      templateFile: raw.COLLABORATION_TEMPLATE_FILE,
      sharePoint: { unitsPerMinute: raw.COLLABORATION_SHAREPOINT_RU_PER_MINUTE, windowMs: raw.COLLABORATION_SHAREPOINT_WINDOW_MS },
      parallelism: raw.COLLABORATION_PARALLELISM,
      maxRemovalShare: raw.COLLABORATION_MAX_REMOVAL_SHARE,
      teamLagMinutes: raw.COLLABORATION_TEAM_LAG_MINUTES,
      driftSchedule: raw.COLLABORATION_DRIFT_SCHEDULE,
      stepBudgetSeconds: raw.COLLABORATION_STEP_BUDGET_SECONDS,
      teamPollMs: raw.COLLABORATION_TEAM_POLL_MS,
    },
    rollout: { configFile: raw.ROLLOUT_CONFIG_FILE, parallelism: raw.ROLLOUT_PARALLELISM, timeScale: raw.ROLLOUT_TIME_SCALE },
  };
}

const commaList = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

type Raw = z.infer<typeof rawSchema>;
type Need = (setting: string, problem: string) => void;

function storageSettings(raw: Raw, need: Need): StorageSettings | undefined {
  if (raw.AzureWebJobsStorage) {
    if (!/AccountName=|UseDevelopmentStorage=true|BlobEndpoint=/i.test(raw.AzureWebJobsStorage)) {
      need('AzureWebJobsStorage', 'not a storage connection string');
      return undefined;
    }
    return { mode: 'connectionString', connectionString: raw.AzureWebJobsStorage };
  }
  const account = raw.AzureWebJobsStorage__accountName;
  const blob = raw.AzureWebJobsStorage__blobServiceUri ?? (account && `https://${account}.blob.core.windows.net`);
  const queue = raw.AzureWebJobsStorage__queueServiceUri ?? (account && `https://${account}.queue.core.windows.net`);
  const table = raw.AzureWebJobsStorage__tableServiceUri ?? (account && `https://${account}.table.core.windows.net`);
  if (!blob || !queue || !table) {
    need('AzureWebJobsStorage', 'missing: set AzureWebJobsStorage__accountName (managed identity) or a connection string');
    return undefined;
  }
  return { mode: 'identity', blobServiceUri: blob, queueServiceUri: queue, tableServiceUri: table, clientId: raw.AzureWebJobsStorage__clientId };
}

function serviceBusSettings(raw: Raw, need: Need): ServiceBusSettings | undefined {
  if (raw.ServiceBusConnection) {
    const endpoint = /Endpoint=sb:\/\/([^;/]+)/i.exec(raw.ServiceBusConnection)?.[1];
    if (!endpoint) {
      need('ServiceBusConnection', 'not a Service Bus connection string (no Endpoint=sb://...)');
      return undefined;
    }
    return { mode: 'connectionString', connectionString: raw.ServiceBusConnection, host: endpoint.replace(/:\d+$/, '') };
  }
  if (!raw.ServiceBusConnection__fullyQualifiedNamespace) {
    need('ServiceBusConnection', 'missing: set ServiceBusConnection__fullyQualifiedNamespace (managed identity) or a connection string');
    return undefined;
  }
  return { mode: 'identity', fullyQualifiedNamespace: raw.ServiceBusConnection__fullyQualifiedNamespace, clientId: raw.ServiceBusConnection__clientId };
}

function cosmosSettings(raw: Raw, need: Need): CosmosSettings | undefined {
  if (raw.CosmosDb) {
    const endpoint = /AccountEndpoint=([^;]+)/i.exec(raw.CosmosDb)?.[1];
    const key = /AccountKey=([^;]+)/i.exec(raw.CosmosDb)?.[1];
    if (!endpoint || !key || !URL.canParse(endpoint)) {
      need('CosmosDb', 'not a Cosmos DB connection string (AccountEndpoint=...;AccountKey=...;)');
      return undefined;
    }
    return { endpoint, key, database: raw.COSMOS_DATABASE };
  }
  if (!raw.CosmosDb__accountEndpoint) {
    need('CosmosDb', 'missing: set CosmosDb__accountEndpoint (managed identity) or a connection string');
    return undefined;
  }
  return { endpoint: raw.CosmosDb__accountEndpoint, clientId: raw.CosmosDb__clientId, database: raw.COSMOS_DATABASE };
}

let cached: Settings | undefined;

/** The process's settings, parsed on first use and kept. Throws SettingsError naming each problem. */
export function settings(): Settings {
  if (!cached) cached = parseSettings(process.env, readPackageVersion());
  return cached;
}

/** For tests that start the app with different settings in one process. */
export function resetSettingsForTests(): void {
  cached = undefined;
}

function readPackageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The name of every setting the app reads (infra/main.bicep must set each; test/infra checks it). */
export const SETTING_NAMES: readonly string[] = Object.keys(rawSchema.shape);
