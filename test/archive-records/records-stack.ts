import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { settings } from '../../shared/platform/settings';
import { blobServiceClient } from '../../shared/platform/adapters/clients';
import { BlobContentStore } from '../../shared/archive/adapters/content-store';
import { MODEL_VERSION, messageEntryId, messagePartitionKey, type Address, type MessageEntry } from '../../shared/archive/model';
import { searchTermsOf } from '../../shared/archive/records/search-terms';
import { buildRecordsServices, resetRecordsServicesForTests, type RecordsServices } from '../../shared/archive/adapters/records-services';
import { useAppEnvironment } from '../support/app-env';
import { seedTenant } from '../../dev/m365-sandbox/tenant-seed';

export interface RecordsStack {
  issuer: TokenIssuer;
  services: RecordsServices;
  content: BlobContentStore;
  /** The clock every records service reads; tests move it. */
  clock: { now: Date };
  stop(): Promise<void>;
}

/** The records services against this run's emulators, in a database of their own. */
export async function startRecordsStack(env: Record<string, string> = {}): Promise<RecordsStack> {
  const issuer = await startTokenIssuer({});
  await useAppEnvironment(issuer, { COSMOS_DATABASE: `records-${randomUUID().slice(0, 8)}`, ...env });
  resetRecordsServicesForTests();
  const clock = { now: new Date() };
  // No Microsoft 365 sandbox here: the calendar is checked against the sandbox tenant's mailboxes,
  // which its assignments name (the mailboxes these tests archive are not in any directory).
  const tenant = seedTenant(20260101).users.filter((u) => u.hasMailbox);
  const directory = { mailboxesInScope: async () => tenant.map((u) => ({ mailboxId: u.id, address: u.userPrincipalName, displayName: u.displayName, kind: u.isSharedMailbox ? ('shared' as const) : ('staff' as const), accountEnabled: u.accountEnabled, department: u.department })) };
  const services = buildRecordsServices(settings(), () => clock.now, undefined, directory);
  return { issuer, services, clock, content: new BlobContentStore(blobServiceClient(), { immutability: 'off' }), stop: () => issuer.stop() };
}

export interface MailSpec {
  subject?: string;
  from?: Address;
  to?: Address[];
  cc?: Address[];
  text?: string;
  html?: string;
  attachments?: { filename: string; contentType: string; content: Buffer }[];
  /** Makes the MIME unique to the test unless two entries should share content. */
  nonce?: string;
}

/** A MIME message with CRLF line ends, a text part, an optional HTML part and attachments. */
export function buildMime(spec: MailSpec): Buffer {
  const boundary = `b-${randomUUID()}`;
  const alt = `a-${randomUUID()}`;
  const addr = (a: Address) => (a.name ? `"${a.name}" <${a.address}>` : a.address);
  const lines = [
    `From: ${addr(spec.from ?? { name: 'Alice', address: 'alice@spgq.local' })}`,
    `To: ${(spec.to ?? [{ name: 'Bob', address: 'bob@spgq.local' }]).map(addr).join(', ')}`,
    ...(spec.cc?.length ? [`Cc: ${spec.cc.map(addr).join(', ')}`] : []),
    `Subject: =?UTF-8?B?${Buffer.from(spec.subject ?? 'Sujet', 'utf8').toString('base64')}?=`,
    'Date: Tue, 03 Feb 2026 10:00:00 +0000',
    `Message-ID: <${spec.nonce ?? randomUUID()}@spgq.local>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    `Content-Type: multipart/alternative; boundary="${alt}"`,
    '',
    `--${alt}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(spec.text ?? 'Bonjour.', 'utf8').toString('base64'),
    ...(spec.html ? [`--${alt}`, 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from(spec.html, 'utf8').toString('base64')] : []),
    `--${alt}--`,
    ...(spec.attachments ?? []).flatMap((a) => [
      `--${boundary}`,
      `Content-Type: ${a.contentType}; name="${a.filename}"`,
      `Content-Disposition: attachment; filename="${a.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      a.content.toString('base64').replace(/(.{76})/g, '$1\r\n'),
    ]),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

export interface EntrySpec extends MailSpec {
  mailboxId: string;
  receivedAt: string;
  folderPath?: string;
  capturedAt?: string;
  retentionRuleId?: string | null;
  retainUntil?: string | null;
  holds?: string[];
  /** Store exactly these bytes (to share content between entries). */
  mime?: Buffer;
  /** Written as before search words existed (for the backfill). */
  withoutSearchTerms?: boolean;
}

/** Stores the content through capture's content store and writes the index entry, as capture would. */
export async function archiveEntry(stack: RecordsStack, spec: EntrySpec): Promise<{ entry: MessageEntry; mime: Buffer }> {
  const mime = spec.mime ?? buildMime(spec);
  const stored = await stack.content.store(Readable.from([mime]));
  const messageId = `AAMk-${randomUUID()}`;
  const folderPath = spec.folderPath ?? 'Inbox';
  const entry: MessageEntry = {
    id: messageEntryId(spec.mailboxId, messageId),
    pk: messagePartitionKey(spec.mailboxId, spec.receivedAt),
    type: 'message',
    mailboxId: spec.mailboxId,
    messageId,
    folderId: `folder-${folderPath}`,
    folderPath,
    contentHash: stored.contentHash,
    blobName: stored.blobName,
    rawSize: stored.rawSize,
    compressedSize: stored.compressedSize,
    from: spec.from ?? { name: 'Alice', address: 'alice@spgq.local' },
    to: spec.to ?? [{ name: 'Bob', address: 'bob@spgq.local' }],
    cc: spec.cc ?? [],
    bcc: [],
    subject: spec.subject ?? 'Sujet',
    sentAt: spec.receivedAt,
    receivedAt: spec.receivedAt,
    attachmentNames: stored.attachmentNames,
    conversationId: null,
    internetMessageId: null,
    retentionRuleId: spec.retentionRuleId ?? null,
    retainUntil: spec.retainUntil ?? null,
    holds: spec.holds ?? [],
    capturedAt: spec.capturedAt ?? new Date().toISOString(),
    removedAt: null,
    version: MODEL_VERSION,
  };
  // With its search words, as capture's index adapter writes it (unless the test wants an entry from before them).
  await (await stack.services.store.messagesContainer()).items.create(spec.withoutSearchTerms ? entry : { ...entry, searchTerms: searchTermsOf(entry) });
  return { entry, mime };
}

export async function readEntry(stack: RecordsStack, entry: Pick<MessageEntry, 'id' | 'pk'>): Promise<MessageEntry | undefined> {
  const { resource } = await (await stack.services.store.messagesContainer()).item(entry.id, entry.pk).read<MessageEntry>();
  return resource ?? undefined;
}
