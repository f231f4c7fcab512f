/**
 * Prepares everything the on-premises agent needs on a developer's machine (local stack and
 * tests): an Ed25519 signing key pair (private half for the function app, public half for the
 * agent), the sample mission database and legacy archive, and an agent config file pointing at the
 * local Service Bus emulator and Azurite. Never used in production.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLE_QUERIES, writeLegacyArchive, writeMissionDatabase, type SampleArchiveEntry, type SampleData } from './sample-data';

export const LOCAL_RELAY_KID = 'local-1';
/** The key id of the local agent's reply-signing key. */
export const LOCAL_AGENT_KID = 'local-agent-1';

export interface LocalRelayOptions {
  /** Folder for keys, data, the agent's state and its config (e.g. .local/relay). */
  dir: string;
  serviceBusConnectionString: string;
  storageConnectionString: string;
  /** Merged over the generated agent config (tests shorten timers this way). */
  agentConfig?: Record<string, unknown>;
  /** Keep an existing key pair (local stack restarts) instead of generating one. */
  reuseKeys?: boolean;
}

export interface LocalRelay {
  kid: string;
  privateKeyPem: string;
  publicKeyPem: string;
  /** The agent's reply-signing key pair: the app gets `agentPublicKeys` (RELAY_AGENT_PUBLIC_KEYS). */
  agentKid: string;
  agentPrivateKeyPem: string;
  agentPublicKeyPem: string;
  /** RELAY_AGENT_PUBLIC_KEYS for the app: `kid=<base64 DER>`. */
  agentPublicKeys: string;
  configPath: string;
  config: Record<string, unknown>;
  mission: SampleData;
  archive: SampleArchiveEntry[];
  archiveRoot: string;
  dataDir: string;
}

export function signingKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export function prepareLocalRelay(options: LocalRelayOptions): LocalRelay {
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const privateFile = path.join(dir, 'relay-signing-key.pem');
  const publicFile = path.join(dir, 'relay-verify-key.pem');
  let keys: { privateKeyPem: string; publicKeyPem: string };
  if (options.reuseKeys && existsSync(privateFile) && existsSync(publicFile)) {
    keys = { privateKeyPem: readFileSync(privateFile, 'utf8'), publicKeyPem: readFileSync(publicFile, 'utf8') };
  } else {
    keys = signingKeyPair();
    writeFileSync(privateFile, keys.privateKeyPem, { mode: 0o600 });
    writeFileSync(publicFile, keys.publicKeyPem);
  }
  const agentPrivateFile = path.join(dir, 'agent-reply-key.pem');
  const agentPublicFile = path.join(dir, 'agent-reply-verify-key.pem');
  let agentKeys: { privateKeyPem: string; publicKeyPem: string };
  if (options.reuseKeys && existsSync(agentPrivateFile) && existsSync(agentPublicFile)) {
    agentKeys = { privateKeyPem: readFileSync(agentPrivateFile, 'utf8'), publicKeyPem: readFileSync(agentPublicFile, 'utf8') };
  } else {
    agentKeys = signingKeyPair();
    writeFileSync(agentPrivateFile, agentKeys.privateKeyPem, { mode: 0o600 });
    writeFileSync(agentPublicFile, agentKeys.publicKeyPem);
  }
  const agentPublicDer = createPublicKey(agentKeys.publicKeyPem).export({ format: 'der', type: 'spki' }).toString('base64');
  const missionFile = path.join(dir, 'mission.sqlite');
  const archiveRoot = path.join(dir, 'legacy-archive');
  const dataDir = path.join(dir, 'agent-data');
  const mission = writeMissionDatabase(missionFile);
  const archive = writeLegacyArchive(archiveRoot);
  const base: Record<string, unknown> = {
    agentId: 'local-agent',
    serviceBus: {
      requests: { queue: 'relay-requests', connectionString: options.serviceBusConnectionString },
      replies: { queue: 'relay-replies', connectionString: options.serviceBusConnectionString },
      webSockets: false,
    },
    signing: { publicKeys: { [LOCAL_RELAY_KID]: keys.publicKeyPem }, replyKey: { kid: LOCAL_AGENT_KID, privateKey: agentKeys.privateKeyPem } },
    mission: { driver: 'sqlite', sqlite: { path: missionFile }, queries: SAMPLE_QUERIES },
    archive: { root: archiveRoot, indexFile: 'index.json' },
    storage: { connectionString: options.storageConnectionString, documentsContainer: 'relay-documents', heartbeatContainer: 'relay-agent' },
    concurrency: 8,
    heartbeatSeconds: 5,
    shutdownDeadlineSeconds: 10,
    dataDir,
  };
  const config = deepMerge(base, options.agentConfig ?? {});
  const configPath = path.join(dir, 'agent-config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return {
    kid: LOCAL_RELAY_KID,
    ...keys,
    agentKid: LOCAL_AGENT_KID,
    agentPrivateKeyPem: agentKeys.privateKeyPem,
    agentPublicKeyPem: agentKeys.publicKeyPem,
    agentPublicKeys: `${LOCAL_AGENT_KID}=${agentPublicDer}`,
    configPath, config, mission, archive, archiveRoot, dataDir };
}

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
