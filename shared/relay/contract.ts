/**
 * The on-premises relay protocol: one definition imported by the function app and bundled into the
 * agent (onprem-agent/), so both sides agree on every field. Depends on zod and node:crypto only.
 *
 * A request travels on the requests queue, signed by the function app with Ed25519 (the agent holds
 * only public keys, so a stolen agent config cannot forge requests). The reply travels on a
 * session-enabled queue, in the session the request names (replyToSessionId), so each caller
 * receives only its own replies. Validation messages written here are in both languages (they
 * reach staff through the API in either).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { APP_ROLES } from '../platform/roles';

export const PROTOCOL_VERSION = 1;

/** Roles the function app grants (Entra app roles); the agent re-checks them per request. */
export const RELAY_ROLES = APP_ROLES;
export type RelayRole = (typeof RELAY_ROLES)[number];

// ---- Value shapes shared by inputs and outputs -------------------------------------------------

export const memberNumber = z.string().regex(/^M\d{5}$/, 'numéro de membre attendu, p. ex. M00042 / expected a member number like M00042');
export const caseNumber = z.string().regex(/^(GR|AC|PL)-\d{4}-\d{4}$/, 'numéro de dossier attendu, p. ex. GR-2024-0007 / expected a case number like GR-2024-0007');
export const documentId = z.string().regex(/^DOC-\d{6}$/, 'identifiant de document attendu, p. ex. DOC-000123 / expected a document id like DOC-000123');
export const classificationCode = z.string().regex(/^[A-Z]{3}-\d{2}$/, 'code de classification attendu, p. ex. GRF-02 / expected a classification code like GRF-02');
const isoDate = z.iso.date();
/** Names as people write them in Quebec: letters (accented too), spaces, hyphens, apostrophes. */
const personName = z.string().trim().min(2).max(80).regex(/^\p{L}[\p{L} '’-]*$/u, 'nom attendu (lettres, espaces, traits d’union, apostrophes) / expected a name (letters, spaces, hyphens, apostrophes)');
const searchWords = z.string().trim().min(2).max(100).regex(/^[\p{L}\p{N} '’-]+$/u, 'mots attendus (lettres, chiffres, espaces) / expected words (letters, digits, spaces)');

export const Member = z.object({
  memberNumber,
  firstName: z.string(),
  lastName: z.string(),
  employer: z.string(),
  section: z.string(),
  status: z.enum(['active', 'retired', 'suspended']),
  joinedOn: isoDate,
});
export type Member = z.infer<typeof Member>;

export const CaseStatus = z.enum(['open', 'in_progress', 'hearing', 'closed']);
export const CaseSummary = z.object({
  caseNumber,
  memberNumber,
  kind: z.enum(['grievance', 'accommodation', 'complaint']),
  title: z.string(),
  status: CaseStatus,
  openedOn: isoDate,
  closedOn: isoDate.nullable(),
});
export type CaseSummary = z.infer<typeof CaseSummary>;

export const CaseEvent = z.object({ on: isoDate, status: CaseStatus, note: z.string() });

export const DocumentMetadata = z.object({
  documentId,
  title: z.string(),
  classification: classificationCode,
  date: isoDate,
  mediaType: z.enum(['application/pdf', 'text/plain']),
  sizeBytes: z.number().int().nonnegative(),
  restricted: z.boolean(),
});
export type DocumentMetadata = z.infer<typeof DocumentMetadata>;

export const DocumentContent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('inline'), base64: z.string() }),
  z.object({ kind: z.literal('link'), url: z.url(), expiresAt: z.iso.datetime() }),
]);

// ---- The operations catalogue ------------------------------------------------------------------

export interface OperationSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  system: 'mission' | 'archive';
  input: I;
  output: O;
  /** The requesting user needs at least one of these roles (checked by the app and again by the agent). */
  roles: readonly RelayRole[];
  /** How long the agent may work on it before answering `unavailable`. */
  timeoutMs: number;
}

function op<I extends z.ZodType, O extends z.ZodType>(spec: OperationSpec<I, O>): OperationSpec<I, O> {
  return spec;
}

const STAFF: readonly RelayRole[] = ['Staff', 'Manager'];
const ARCHIVE_READERS: readonly RelayRole[] = ['Staff', 'Manager', 'RecordsManager'];

export const OPERATIONS = {
  lookupMember: op({
    system: 'mission',
    input: z
      .object({ memberNumber: memberNumber.optional(), name: personName.optional() })
      .strict()
      .refine((v) => (v.memberNumber === undefined) !== (v.name === undefined), { message: 'indiquez memberNumber ou name, pas les deux / give either memberNumber or name' }),
    output: z.object({ members: z.array(Member).max(25) }),
    roles: STAFF,
    timeoutMs: 5_000,
  }),
  getCase: op({
    system: 'mission',
    input: z.object({ caseNumber }).strict(),
    output: z.object({ case: CaseSummary, history: z.array(CaseEvent) }),
    roles: STAFF,
    timeoutMs: 5_000,
  }),
  listOpenCases: op({
    system: 'mission',
    input: z.object({ memberNumber }).strict(),
    output: z.object({ cases: z.array(CaseSummary) }),
    roles: STAFF,
    timeoutMs: 5_000,
  }),
  searchDocuments: op({
    system: 'archive',
    input: z
      .object({
        words: searchWords.optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
        classification: classificationCode.optional(),
        limit: z.number().int().min(1).max(50).optional(),
      })
      .strict()
      .refine((v) => v.words !== undefined || v.from !== undefined || v.to !== undefined || v.classification !== undefined, {
        message: 'indiquez au moins un critère : words, from, to, classification / give at least one of words, from, to, classification',
      })
      .refine((v) => !v.from || !v.to || v.from <= v.to, { message: 'from doit précéder to / from must not be after to', path: ['to'] }),
    output: z.object({ documents: z.array(DocumentMetadata).max(50), total: z.number().int().nonnegative() }),
    roles: ARCHIVE_READERS,
    timeoutMs: 5_000,
  }),
  getDocument: op({
    system: 'archive',
    input: z.object({ documentId }).strict(),
    output: z.object({ document: DocumentMetadata }),
    roles: ARCHIVE_READERS,
    timeoutMs: 5_000,
  }),
  fetchDocument: op({
    system: 'archive',
    input: z.object({ documentId }).strict(),
    output: z.object({ document: DocumentMetadata, content: DocumentContent }),
    roles: ARCHIVE_READERS,
    timeoutMs: 20_000,
  }),
} as const;

export type OperationName = keyof typeof OPERATIONS;
export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];
export type OperationInput<N extends OperationName> = z.infer<(typeof OPERATIONS)[N]['input']>;
export type OperationOutput<N extends OperationName> = z.infer<(typeof OPERATIONS)[N]['output']>;

export function isOperationName(name: string): name is OperationName {
  return Object.prototype.hasOwnProperty.call(OPERATIONS, name);
}

/** Roles that may read restricted archive documents (per-document authorization on the agent). */
export const RESTRICTED_DOCUMENT_ROLES: readonly RelayRole[] = ['RecordsManager', 'Manager'];

// ---- Envelopes ---------------------------------------------------------------------------------

const uuid = z.uuid();

export const RelayUser = z.object({
  oid: uuid,
  roles: z.array(z.string().max(64)).max(20),
});
export type RelayUser = z.infer<typeof RelayUser>;

export const RelayRequest = z.object({
  v: z.literal(PROTOCOL_VERSION),
  id: uuid,
  /** Checked against the catalogue by the agent: an unknown name is refused, not dead-lettered. */
  operation: z.string().min(1).max(64),
  params: z.unknown(),
  user: RelayUser,
  issuedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** Signed, so a replay cannot redirect the reply to another caller's session. */
  replyToSessionId: z.string().min(1).max(128),
  /** Which of the app's signing keys signed it (lets keys rotate without downtime). */
  kid: z.string().min(1).max(64),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).max(200),
});
export type RelayRequest = z.infer<typeof RelayRequest>;
export type UnsignedRelayRequest = Omit<RelayRequest, 'signature' | 'kid'>;

export const RELAY_OUTCOMES = ['ok', 'denied', 'not_found', 'invalid', 'unavailable', 'error'] as const;
export type RelayOutcome = (typeof RELAY_OUTCOMES)[number];

export const RelayProblem = z.object({ path: z.string().max(200), message: z.string().max(300) });

export const RelayReply = z.object({
  v: z.literal(PROTOCOL_VERSION),
  requestId: uuid,
  outcome: z.enum(RELAY_OUTCOMES),
  /** Present when outcome is ok; matches the operation's output schema. */
  result: z.unknown().optional(),
  /** A stable reason code when outcome is not ok (e.g. role_missing, timeout, expired). */
  code: z.string().max(64).optional(),
  /** Which input fields were wrong (outcome invalid); never echoes the values. */
  problems: z.array(RelayProblem).max(20).optional(),
  /** The oid of the requesting user, so a later status read can check it is theirs. */
  requestedBy: uuid,
  durationMs: z.number().nonnegative(),
  agentVersion: z.string().max(40),
  /**
   * Which of the agents' reply keys signed it, and the signature (see signReply). Optional in the
   * envelope only so the app can see, audit and refuse an unsigned reply instead of dropping it
   * unnoticed: checkReply refuses every reply without a valid signature.
   */
  kid: z.string().min(1).max(64).optional(),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).max(200).optional(),
});
export type RelayReply = z.infer<typeof RelayReply>;
export type UnsignedRelayReply = Omit<RelayReply, 'signature' | 'kid'>;

/**
 * An agent's heartbeat, a small JSON blob (`heartbeats/<agentId>.json` in the heartbeat container)
 * the cloud reads to tell whether any agent is online. Several agents may serve the same queues.
 */
export const heartbeatBlobName = (agentId: string): string => `heartbeats/${agentId}.json`;
export const HEARTBEAT_PREFIX = 'heartbeats/';

export const AgentHeartbeat = z.object({
  agentId: z.string(),
  agentVersion: z.string(),
  at: z.iso.datetime(),
  startedAt: z.iso.datetime(),
  inFlight: z.number().int().nonnegative(),
  handled: z.number().int().nonnegative(),
  connected: z.boolean(),
});
export type AgentHeartbeat = z.infer<typeof AgentHeartbeat>;

// ---- Canonical serialisation and signatures ----------------------------------------------------

/**
 * JSON with object keys sorted at every level and no whitespace, so the signer and the verifier
 * hash the same bytes whatever order the keys travelled in. Undefined members are dropped (as
 * JSON.stringify does); non-finite numbers cannot be represented and are refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot serialise ${typeof value}`);
}

const SIGNING_CONTEXT = 'spgq-relay-request-v1\n';
/** A different context for replies, so a signature over one kind of envelope never verifies the other. */
const REPLY_SIGNING_CONTEXT = 'spgq-relay-reply-v1\n';

function signedBytes(request: Omit<RelayRequest, 'signature'>): Buffer {
  return Buffer.from(SIGNING_CONTEXT + canonicalJson(request), 'utf8');
}

function signedReplyBytes(reply: Omit<RelayReply, 'signature'>): Buffer {
  return Buffer.from(REPLY_SIGNING_CONTEXT + canonicalJson(reply), 'utf8');
}

/** Reads an Ed25519 private key given as PEM (PKCS#8; "\n" escapes allowed) or base64 DER. */
export function privateKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.includes('-----BEGIN')
    ? createPrivateKey(trimmed.replace(/\\n/g, '\n'))
    : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the relay signing key must be an Ed25519 key');
  return key;
}

/** Reads an Ed25519 public key given as PEM (SPKI; "\n" escapes allowed) or base64 DER. */
export function publicKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.includes('-----BEGIN')
    ? createPublicKey(trimmed.replace(/\\n/g, '\n'))
    : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('relay verification keys must be Ed25519 keys');
  return key;
}

export function signRequest(request: UnsignedRelayRequest, key: { kid: string; privateKey: KeyObject }): RelayRequest {
  const withKid = { ...request, kid: key.kid };
  const signature = sign(null, signedBytes(withKid), key.privateKey).toString('base64');
  return { ...withKid, signature };
}

/** True when one of `publicKeys` (by kid) signed exactly this request. Never throws. */
export function verifyRequestSignature(request: RelayRequest, publicKeys: ReadonlyMap<string, KeyObject>): boolean {
  const key = publicKeys.get(request.kid);
  if (!key) return false;
  const { signature, ...rest } = request;
  try {
    return verify(null, signedBytes(rest), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The agent signs each reply with its own Ed25519 key (the cloud holds only the public half), over
 * the canonical JSON of the whole reply: request id, requesting user, outcome and result. Someone
 * who can only read the requests queue (a stolen Listen key) can then not answer staff.
 */
export function signReply(reply: UnsignedRelayReply, key: { kid: string; privateKey: KeyObject }): RelayReply {
  const { kid: _kid, signature: _signature, ...unsigned } = reply as RelayReply;
  const withKid = { ...unsigned, kid: key.kid };
  const signature = sign(null, signedReplyBytes(withKid), key.privateKey).toString('base64');
  return { ...withKid, signature };
}

/** True when one of `publicKeys` (by kid: several during a rotation) signed exactly this reply. Never throws. */
export function verifyReplySignature(reply: RelayReply, publicKeys: ReadonlyMap<string, KeyObject>): boolean {
  if (!reply.kid || !reply.signature) return false;
  const key = publicKeys.get(reply.kid);
  if (!key) return false;
  const { signature, ...rest } = reply;
  try {
    return verify(null, signedReplyBytes(rest), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Reads a list of public keys by key id, as an app setting holds it: `kid=key` entries separated by
 * commas (neither base64 nor PEM has one), each key Ed25519 SPKI as base64 DER or PEM ("\n" escapes
 * allowed). Throws naming the entry that does not parse (never the key itself).
 */
export function publicKeysFrom(text: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    const kid = entry.slice(0, at).trim();
    if (at <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(kid)) throw new Error(`expected kid=key entries; entry ${keys.size + 1} has no key id`);
    try {
      keys.set(kid, publicKeyFrom(entry.slice(at + 1)));
    } catch (e) {
      throw new Error(`key ${kid}: ${(e as Error).message}`);
    }
  }
  if (keys.size === 0) throw new Error('expected at least one kid=key entry');
  return keys;
}

/** Why the app refused a reply: stable codes for the audit trail and the alert, never the reply's content. */
export type ReplyRefusal = 'unsigned' | 'bad_signature' | 'wrong_request' | 'wrong_requester' | 'bad_result' | 'foreign_link';

export interface ReplyExpectation {
  requestId: string;
  /** The oid the request was signed for. */
  requestedBy: string;
  operation: OperationName;
}

export interface ReplyTrust {
  /** The agents' reply-signing public keys by kid. */
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** The only place a document link may point to: the app's own documents container, e.g. https://<account>.blob.core.windows.net/relay-documents/ */
  documentLinkPrefix: string;
  /** The longest a document link may stay valid from now (the agent's links last minutes). */
  documentLinkMaxLifetimeMs: number;
}

/**
 * Everything the app checks on a reply before any of it reaches a user: the agent's signature,
 * that it answers this request for this user, that an ok result fits the operation's output schema,
 * and that a document link is one of the app's own short-lived blob links (read-only SAS on the
 * documents container, expiring within minutes), never any other URL.
 */
export function checkReply(reply: RelayReply, expected: ReplyExpectation, trust: ReplyTrust, now: number): { ok: true; reply: RelayReply } | { ok: false; reason: ReplyRefusal } {
  if (!reply.kid || !reply.signature) return { ok: false, reason: 'unsigned' };
  if (!verifyReplySignature(reply, trust.publicKeys)) return { ok: false, reason: 'bad_signature' };
  if (reply.requestId !== expected.requestId) return { ok: false, reason: 'wrong_request' };
  if (reply.requestedBy !== expected.requestedBy) return { ok: false, reason: 'wrong_requester' };
  if (reply.outcome !== 'ok') return reply.result === undefined ? { ok: true, reply } : { ok: false, reason: 'bad_result' };
  const output = OPERATIONS[expected.operation].output.safeParse(reply.result);
  if (!output.success) return { ok: false, reason: 'bad_result' };
  if (!urlsAreOwnLinks(output.data, trust, now)) return { ok: false, reason: 'foreign_link' };
  return { ok: true, reply: { ...reply, result: output.data } };
}

/** Every string in the result that looks like a URL must be one of the app's own document links. */
function urlsAreOwnLinks(value: unknown, trust: ReplyTrust, now: number): boolean {
  if (typeof value === 'string') return !/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) || isOwnDocumentLink(value, trust, now);
  if (Array.isArray(value)) return value.every((v) => urlsAreOwnLinks(v, trust, now));
  if (value && typeof value === 'object') return Object.values(value).every((v) => urlsAreOwnLinks(v, trust, now));
  return true;
}

export function isOwnDocumentLink(text: string, trust: ReplyTrust, now: number): boolean {
  let url: URL;
  let prefix: URL;
  try {
    url = new URL(text);
    prefix = new URL(trust.documentLinkPrefix.endsWith('/') ? trust.documentLinkPrefix : `${trust.documentLinkPrefix}/`);
  } catch {
    return false;
  }
  if (url.origin !== prefix.origin || url.username || url.password || url.hash) return false;
  // One blob directly in the container: no "..", no other container, no encoded slash tricks.
  const rest = url.pathname.startsWith(prefix.pathname) ? url.pathname.slice(prefix.pathname.length) : undefined;
  if (!rest || !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(rest) || rest.split('/').some((part) => part === '.' || part === '..')) return false;
  // A read-only SAS that expires soon: sp=r, se within the allowed lifetime.
  const q = url.searchParams;
  if (q.get('sp') !== 'r' || !q.get('sig')) return false;
  const expires = Date.parse(q.get('se') ?? '');
  return Number.isFinite(expires) && expires <= now + trust.documentLinkMaxLifetimeMs;
}
