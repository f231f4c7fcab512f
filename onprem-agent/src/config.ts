/**
 * The agent's configuration: one JSON file (see config.sample.json), validated at start. Any
 * problem stops the agent with a message naming the setting, e.g. `serviceBus.requests.queue:
 * missing`. Secrets may come from the environment instead of the file (SPGQ_AGENT_* variables,
 * see README.md), so the file itself can be world-readable inside the service account's folder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const REQUIRED_QUERIES = ['memberByNumber', 'membersByName', 'caseByNumber', 'caseHistory', 'openCasesByMember'] as const;
export type QueryName = (typeof REQUIRED_QUERIES)[number];

/** Read-only by construction: one SELECT (or WITH ... SELECT) statement, no statement separator. */
const readOnlyQuery = z
  .string()
  .min(1)
  .refine((sql) => /^\s*(select|with)\b/i.test(sql), 'must be a SELECT query')
  .refine((sql) => !/;\s*\S/.test(sql), 'must be a single statement')
  .refine((sql) => !/\b(insert|update|delete|merge|drop|alter|create|exec|execute|attach|pragma|grant)\b/i.test(sql.replace(/'[^']*'/g, "''")), 'must not modify anything');

const sasConnectionString = z.string().regex(/Endpoint=sb:\/\/[^;]+;.*SharedAccessKey(Name)?=/i, 'expected a Service Bus connection string with a SAS key');

const configSchema = z
  .object({
    agentId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected letters, digits, dot, dash or underscore'),
    serviceBus: z
      .object({
        /** With certificate credentials; with SAS it is read from the connection strings. */
        fullyQualifiedNamespace: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'expected <namespace>.servicebus.windows.net').optional(),
        requests: z.object({ queue: z.string().min(1), connectionString: sasConnectionString.optional() }).strict(),
        replies: z.object({ queue: z.string().min(1), connectionString: sasConnectionString.optional() }).strict(),
        certificate: z
          .object({ tenantId: z.uuid(), clientId: z.uuid(), certificatePath: z.string().min(1), sendCertificateChain: z.boolean().default(false) })
          .strict()
          .optional(),
        /** AMQP over WebSockets on port 443, for firewalls that only open HTTPS. */
        webSockets: z.boolean().default(false),
        /** How long a reply may wait in the caller's session before Service Bus drops it. */
        replyTimeToLiveSeconds: z.number().int().min(10).max(3600).default(300),
      })
      .strict(),
    signing: z
      .object({
        /** The function app's public keys by key id (Ed25519, PEM or base64 DER). */
        publicKeys: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), z.string().min(40)).refine((keys) => Object.keys(keys).length > 0, 'at least one key'),
        /**
         * The agent's own Ed25519 private key (PKCS#8 PEM or base64 DER) that signs every reply; the
         * function app holds only its public half (RELAY_AGENT_PUBLIC_KEYS), under this key id.
         * Best given in SPGQ_AGENT_REPLY_SIGNING_KEY, so the file holds no secret.
         */
        replyKey: z.object({ kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), privateKey: z.string().min(40) }).strict(),
        clockSkewSeconds: z.number().int().min(0).max(300).default(30),
        maxLifetimeSeconds: z.number().int().min(5).max(3600).default(900),
      })
      .strict(),
    mission: z
      .object({
        driver: z.enum(['sqlite', 'sqlserver']),
        sqlite: z.object({ path: z.string().min(1) }).strict().optional(),
        sqlserver: z
          .object({
            server: z.string().min(1),
            port: z.number().int().positive().default(1433),
            database: z.string().min(1),
            user: z.string().min(1).optional(),
            password: z.string().min(1).optional(),
            encrypt: z.boolean().default(true),
            trustServerCertificate: z.boolean().default(false),
            poolMax: z.number().int().min(1).max(100).default(10),
          })
          .strict()
          .optional(),
        queries: z.object(Object.fromEntries(REQUIRED_QUERIES.map((q) => [q, readOnlyQuery])) as Record<QueryName, typeof readOnlyQuery>).strict(),
      })
      .strict(),
    archive: z
      .object({
        root: z.string().min(1),
        /** JSON array of document metadata, relative to root. */
        indexFile: z.string().min(1).default('index.json'),
      })
      .strict(),
    storage: z
      .object({
        /** Account key connection string (mints read links with the key). */
        connectionString: z.string().regex(/AccountName=|BlobEndpoint=/i, 'expected a storage connection string').optional(),
        /** With certificate credentials: read links are user delegation SAS. */
        accountUrl: z.url().optional(),
        documentsContainer: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'expected a container name').default('relay-documents'),
        heartbeatContainer: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'expected a container name').default('relay-agent'),
        documentLifetimeMinutes: z.number().int().min(1).max(60).default(10),
        linkLifetimeMinutes: z.number().int().min(1).max(30).default(5),
        /** Documents up to this size travel inside the reply; larger ones as a link. */
        inlineMaxBytes: z.number().int().min(0).max(150_000).default(65_536),
      })
      .strict(),
    concurrency: z.number().int().min(1).max(64).default(8),
    heartbeatSeconds: z.number().int().min(1).max(300).default(15),
    shutdownDeadlineSeconds: z.number().int().min(1).max(300).default(20),
    dataDir: z.string().min(1),
    /** Days the idempotency store keeps answered requests. */
    idempotencyRetentionHours: z.number().min(1).max(24 * 30).default(48),
    reconnect: z
      .object({ initialDelayMs: z.number().int().min(10).default(1_000), maxDelayMs: z.number().int().min(100).default(60_000) })
      .strict()
      .default({ initialDelayMs: 1_000, maxDelayMs: 60_000 }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const { serviceBus: sb, mission, storage } = c;
    if (!sb.certificate && (!sb.requests.connectionString || !sb.replies.connectionString)) {
      ctx.addIssue({ code: 'custom', path: ['serviceBus', 'requests', 'connectionString'], message: 'missing: give SAS connection strings for requests and replies, or serviceBus.certificate' });
    }
    if (sb.certificate && !sb.fullyQualifiedNamespace) {
      ctx.addIssue({ code: 'custom', path: ['serviceBus', 'fullyQualifiedNamespace'], message: 'missing: required with serviceBus.certificate' });
    }
    if (mission.driver === 'sqlite' && !mission.sqlite) ctx.addIssue({ code: 'custom', path: ['mission', 'sqlite'], message: 'missing: required when mission.driver is sqlite' });
    if (mission.driver === 'sqlserver' && !mission.sqlserver) ctx.addIssue({ code: 'custom', path: ['mission', 'sqlserver'], message: 'missing: required when mission.driver is sqlserver' });
    if (!storage.connectionString && !storage.accountUrl) ctx.addIssue({ code: 'custom', path: ['storage', 'connectionString'], message: 'missing: give storage.connectionString or storage.accountUrl' });
    if (storage.accountUrl && !storage.connectionString && !sb.certificate) {
      ctx.addIssue({ code: 'custom', path: ['storage', 'accountUrl'], message: 'needs serviceBus.certificate (the same identity signs the read links)' });
    }
  });

export type AgentConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: { setting: string; problem: string }[]) {
    super('Invalid agent configuration; the agent cannot start:\n' + problems.map((p) => `  - ${p.setting}: ${p.problem}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Settings that may come from the environment so secrets stay out of the file. */
const ENV_OVERRIDES: [string, string[]][] = [
  ['SPGQ_AGENT_REQUESTS_CONNECTION_STRING', ['serviceBus', 'requests', 'connectionString']],
  ['SPGQ_AGENT_REPLIES_CONNECTION_STRING', ['serviceBus', 'replies', 'connectionString']],
  ['SPGQ_AGENT_STORAGE_CONNECTION_STRING', ['storage', 'connectionString']],
  ['SPGQ_AGENT_SQLSERVER_PASSWORD', ['mission', 'sqlserver', 'password']],
  ['SPGQ_AGENT_REPLY_SIGNING_KEY', ['signing', 'replyKey', 'privateKey']],
];

export function parseConfig(raw: unknown, env: Record<string, string | undefined> = {}, baseDir = process.cwd()): AgentConfig {
  const value = structuredClone(raw) as Record<string, unknown>;
  if (value && typeof value === 'object') {
    for (const [name, at] of ENV_OVERRIDES) {
      const v = env[name];
      if (!v) continue;
      let node = value;
      for (const key of at.slice(0, -1)) {
        if (!node[key] || typeof node[key] !== 'object') break;
        node = node[key] as Record<string, unknown>;
      }
      node[at[at.length - 1]!] = v;
    }
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        setting: issue.path.map(String).join('.') || '(config)',
        problem: issue.code === 'invalid_type' && /undefined/.test(issue.message) ? 'missing' : issue.message,
      })),
    );
  }
  const config = parsed.data;
  // Relative paths are relative to the config file, so the service's working folder does not matter.
  const resolve = (p: string) => path.resolve(baseDir, p);
  config.dataDir = resolve(config.dataDir);
  config.archive.root = resolve(config.archive.root);
  if (config.mission.sqlite) config.mission.sqlite.path = resolve(config.mission.sqlite.path);
  if (config.serviceBus.certificate) config.serviceBus.certificate.certificatePath = resolve(config.serviceBus.certificate.certificatePath);
  return config;
}

export function loadConfig(file: string, env: Record<string, string | undefined> = process.env): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ setting: '(config file)', problem: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError([{ setting: '(config file)', problem: `${file} is not valid JSON` }]);
  }
  return parseConfig(raw, env, path.dirname(path.resolve(file)));
}
