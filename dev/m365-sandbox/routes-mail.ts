import { findUser, route, type Route, type SandboxState } from './context';
import {
  GraphError, applySelect, badRequest, notFound, odataQueryString, compileFilter, decodeToken, encodeToken, ok, pageOf, parsePrefer, preferenceApplied,
  type GraphCall, type GraphResult, type Preferences,
} from './graph-http';
import { changeKeyOf, immutableMessageId, restMessageId, type Mailbox, type MailChange, type StoredFolder, type StoredMessage } from './mail-store';
import type { EmailAddress, MessageSpec } from './mailbox-seed';
import { attachmentBytes, attachmentStream, bodyHtml, mimeStream } from './mime';

function messageId(mailbox: Mailbox, message: { spec: { key: number }; moveCount: number }, prefs: Preferences): string {
  return prefs.immutableIds ? immutableMessageId(mailbox.owner.id, message.spec.key) : restMessageId(mailbox.owner.id, message.spec.key, message.moveCount);
}

const recipient = (a: EmailAddress) => ({ emailAddress: { name: a.name, address: a.address } });

export function messageJson(mailbox: Mailbox, message: StoredMessage, prefs: Preferences): Record<string, unknown> {
  const { spec } = message;
  const changeKey = changeKeyOf(message);
  const preview = spec.bodyText.replace(/\s+/g, ' ').slice(0, 255);
  return {
    '@odata.type': '#microsoft.graph.message',
    '@odata.etag': `W/"${changeKey}"`,
    id: messageId(mailbox, message, prefs),
    createdDateTime: spec.receivedDateTime,
    lastModifiedDateTime: message.lastModifiedDateTime,
    changeKey,
    categories: message.categories,
    receivedDateTime: spec.receivedDateTime,
    sentDateTime: spec.sentDateTime,
    hasAttachments: spec.attachments.some((a) => !a.isInline),
    internetMessageId: spec.internetMessageId,
    subject: spec.subject,
    bodyPreview: preview,
    importance: spec.importance,
    parentFolderId: message.folderId,
    conversationId: spec.conversationId,
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: spec.isRead,
    isDraft: false,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(messageId(mailbox, message, prefs))}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: 'focused',
    body: { contentType: 'html', content: bodyHtml(spec) },
    sender: recipient(spec.from),
    from: recipient(spec.from),
    toRecipients: spec.to.map(recipient),
    ccRecipients: spec.cc.map(recipient),
    bccRecipients: [],
    replyTo: [],
    flag: { flagStatus: 'notFlagged' },
  };
}

function folderJson(mailbox: Mailbox, folder: StoredFolder) {
  let unread = 0;
  for (const key of folder.messageKeys) if (!mailbox.messages.get(key)?.spec.isRead) unread++;
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentFolderId,
    childFolderCount: folder.childIds.length,
    unreadItemCount: unread,
    totalItemCount: folder.messageKeys.size,
    sizeInBytes: folder.messageKeys.size * 20_480,
    isHidden: false,
  };
}

const mailboxOf = (state: SandboxState, userId: string) => state.mail.mailbox(findUser(state, userId));

/** Newest first, as Graph lists messages by default. */
function messagesNewestFirst(mailbox: Mailbox, keys: Iterable<number>): StoredMessage[] {
  const list: StoredMessage[] = [];
  for (const key of keys) {
    const message = mailbox.messages.get(key);
    if (message) list.push(message);
  }
  return list.sort((a, b) => (a.spec.receivedDateTime < b.spec.receivedDateTime ? 1 : a.spec.receivedDateTime > b.spec.receivedDateTime ? -1 : b.spec.key - a.spec.key));
}

/** `$orderby` on the date properties the app sorts by; newest first is Graph's default. */
function applyOrderBy(call: GraphCall, messages: StoredMessage[]): StoredMessage[] {
  const orderBy = call.query.get('$orderby');
  if (!orderBy) return messages;
  const match = /^(receivedDateTime|sentDateTime)(?:\s+(asc|desc))?$/i.exec(orderBy.trim());
  if (!match) throw badRequest(`The $orderby '${orderBy}' is not supported.`, 'ErrorInvalidUrlQuery');
  const field = match[1] === 'sentDateTime' ? 'sentDateTime' : 'receivedDateTime';
  const direction = (match[2] ?? 'asc').toLowerCase() === 'asc' ? 1 : -1;
  return [...messages].sort((a, b) => direction * (a.spec[field] < b.spec[field] ? -1 : a.spec[field] > b.spec[field] ? 1 : a.spec.key - b.spec.key));
}

function listMessages(call: GraphCall, mailbox: Mailbox, unordered: StoredMessage[]): GraphResult {
  const messages = applyOrderBy(call, unordered);
  const prefs = parsePrefer(call);
  const filter = compileFilter(call.query.get('$filter'));
  const selected = filter ? messages.filter((m) => filter(messageJson(mailbox, m, prefs))) : messages;
  const page = pageOf(call, selected, { defaultPageSize: 10, maxPageSize: 1000, project: (m) => messageJson(mailbox, m, prefs) });
  return { ...page, headers: { ...page.headers, ...preferenceApplied(prefs, call.query.get('$top') === null) } };
}

interface DeltaPosition {
  /** Store generation: a token from another run is unknown. */
  g: string;
  f: string;
  /** Change-log position the next round starts after. */
  s: number;
}

interface DeltaPage extends DeltaPosition {
  /** 'i' = initial listing of the folder, 'c' = changes in (s, to]. */
  p: 'i' | 'c';
  to: number;
  /** Keyset paging: last message key returned. */
  after: number;
  n: number;
}

const syncStateGone = () => new GraphError(410, 'SyncStateNotFound', 'The sync state generation is not found or has expired. Restart the synchronization with a full sync (no token).');

/**
 * Per-folder message delta. Pages are keyset-paged by message key so messages added or removed while
 * a client pages do not shift the rest; the final page carries a deltaLink holding the change-log
 * position at which the round started.
 */
function messageDelta(call: GraphCall, state: SandboxState, mailbox: Mailbox, folder: StoredFolder): GraphResult {
  const prefs = parsePrefer(call);
  const deltaToken = call.query.get('$deltatoken');
  const skipToken = call.query.get('$skiptoken');
  let page: DeltaPage;
  if (skipToken !== null) {
    const decoded = decodeToken<DeltaPage>(skipToken);
    if (!decoded || decoded.g !== state.mail.generation || decoded.f !== folder.id || decoded.s < state.mail.minValidSeq) throw syncStateGone();
    page = decoded;
  } else if (deltaToken !== null) {
    const decoded = decodeToken<DeltaPosition>(deltaToken);
    if (!decoded || decoded.g !== state.mail.generation || decoded.f !== folder.id || typeof decoded.s !== 'number' || decoded.s < state.mail.minValidSeq) throw syncStateGone();
    page = { ...decoded, p: 'c', to: state.mail.position, after: -1, n: 10 };
  } else {
    page = { g: state.mail.generation, f: folder.id, s: state.mail.position, p: 'i', to: state.mail.position, after: -1, n: 10 };
  }
  const size = Math.min(prefs.maxPageSize ?? page.n, 1000);
  const filter = compileFilter(call.query.get('$filter'));
  const select = call.query.get('$select');
  const matches = (m: StoredMessage) => !filter || filter(messageJson(mailbox, m, prefs));

  type Item = { key: number; json: Record<string, unknown> };
  const items: Item[] = [];
  let more = false;
  if (page.p === 'i') {
    const keys = [...folder.messageKeys].filter((k) => k > page.after).sort((a, b) => a - b);
    for (const key of keys) {
      const message = mailbox.messages.get(key);
      if (!message || !matches(message)) continue;
      if (items.length === size) { more = true; break; }
      items.push({ key, json: applySelect(messageJson(mailbox, message, prefs), select) });
    }
  } else {
    const changes: MailChange[] = state.mail.folderChanges(mailbox, folder.id, page.s, page.to).filter((c) => c.key > page.after);
    for (const change of changes) {
      const message = mailbox.messages.get(change.key);
      const present = message !== undefined && message.folderId === folder.id && !change.removed;
      if (present && !matches(message)) continue;
      if (items.length === size) { more = true; break; }
      items.push({
        key: change.key,
        json: present
          ? applySelect(messageJson(mailbox, message, prefs), select)
          : { '@odata.type': '#microsoft.graph.message', id: messageId(mailbox, { spec: { key: change.key }, moveCount: change.moveCount }, prefs), '@removed': { reason: 'deleted' } },
      });
    }
  }
  const link = (param: string, token: string) => {
    const query = new URLSearchParams();
    if (select) query.set('$select', select);
    if (call.query.get('$filter')) query.set('$filter', call.query.get('$filter')!);
    query.set(param, token);
    return `${call.graphBaseUrl}/users/${mailbox.owner.id}/mailFolders/${folder.id}/messages/delta?${odataQueryString(query)}`;
  };
  const body: Record<string, unknown> = { '@odata.context': `${call.graphBaseUrl}/$metadata#Collection(message)`, value: items.map((i) => i.json) };
  if (more) body['@odata.nextLink'] = link('$skiptoken', encodeToken({ ...page, after: items[items.length - 1]!.key, n: size }));
  else body['@odata.deltaLink'] = link('$deltatoken', encodeToken({ g: page.g, f: page.f, s: page.to } satisfies DeltaPosition));
  return ok(body, preferenceApplied(prefs, true));
}

const attachmentId = (message: StoredMessage, index: number) => `AAMkAGAt${Buffer.from(`${message.spec.key}|${index}`).toString('base64url')}`;

function attachmentIndex(message: StoredMessage, id: string): number {
  const index = message.spec.attachments.findIndex((_a, i) => attachmentId(message, i) === id);
  if (index < 0) throw notFound(`attachment ${id}`);
  return index;
}

function attachmentJson(mailbox: Mailbox, message: StoredMessage, index: number, withContent: boolean) {
  const a = message.spec.attachments[index]!;
  const json: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    id: attachmentId(message, index),
    lastModifiedDateTime: message.spec.receivedDateTime,
    name: a.name, contentType: a.contentType, size: a.size, isInline: a.isInline, contentId: a.contentId ?? null,
  };
  // Graph refuses contentBytes above ~4 MB inline; large attachments are read from the MIME instead.
  if (withContent && a.size <= 3 * 1024 * 1024) json.contentBytes = attachmentBytes(message.spec, index, mailbox.owner.id).toString('base64');
  return json;
}

function addressesOf(list: unknown): EmailAddress[] {
  if (!Array.isArray(list)) return [];
  return list.map((r: { emailAddress?: { name?: string; address?: string } }) => ({ name: r.emailAddress?.name ?? r.emailAddress?.address ?? '', address: r.emailAddress?.address ?? '' }));
}

function sendMail(call: GraphCall, state: SandboxState, userId: string): GraphResult {
  const sender = findUser(state, userId);
  const mailbox = state.mail.mailbox(sender);
  const body = (call.body ?? {}) as { message?: { subject?: string; body?: { contentType?: string; content?: string }; toRecipients?: unknown; ccRecipients?: unknown; attachments?: unknown[] }; saveToSentItems?: boolean };
  const message = body.message;
  if (!message) throw badRequest('Empty Payload. JSON content expected.', 'ErrorInvalidArgument');
  const to = addressesOf(message.toRecipients);
  const cc = addressesOf(message.ccRecipients);
  if (to.length === 0 || to.some((a) => !/^[^@\s]+@[^@\s]+$/.test(a.address))) throw new GraphError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.');
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const text = String(message.body?.content ?? '').replace(/<[^>]+>/g, ' ');
  const spec: Omit<MessageSpec, 'key'> = {
    lang: 'fr', subject: message.subject ?? '', from: { name: sender.displayName, address: sender.mail ?? sender.userPrincipalName }, to, cc,
    sentDateTime: now, receivedDateTime: now, isRead: true, importance: 'normal',
    internetMessageId: `<sent.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}@syndicat-exemple.onmicrosoft.com>`,
    conversationId: `AAQkSent${Date.now().toString(36)}`, charset: 'utf-8', bodyText: text, attachments: [],
  };
  state.writes.record('mailSent', call.appId, {
    from: sender.id, subject: spec.subject, to: to.map((a) => a.address), cc: cc.map((a) => a.address),
    bodyContentType: message.body?.contentType ?? 'text', attachmentCount: Array.isArray(message.attachments) ? message.attachments.length : 0,
  });
  if (body.saveToSentItems !== false) state.mail.addMessage(mailbox, 'sentitems', spec);
  // Internal recipients get it in their inbox, so a demo can follow a notification end to end.
  for (const address of [...to, ...cc]) {
    const recipientUser = state.tenant.users.find((u) => u.hasMailbox && u.mail?.toLowerCase() === address.address.toLowerCase());
    if (recipientUser) state.mail.addMessage(state.mail.mailbox(recipientUser), 'inbox', { ...spec, isRead: false });
  }
  return { status: 202 };
}

const USER = '([^/]+)';
const FOLDER = '([^/]+)';
const MESSAGE = '([^/]+)';
const re = (source: string) => new RegExp(`^${source}$`);

export const mailRoutes: Route[] = [
  route('GET', re(`/users/${USER}/mailFolders`), (call, [, u], state) => {
    const mailbox = mailboxOf(state, u!);
    return pageOf(call, state.mail.topFolders(mailbox), { defaultPageSize: 10, maxPageSize: 1000, project: (f) => folderJson(mailbox, f) });
  }, 1),
  route('POST', re(`/users/${USER}/mailFolders`), (call, [, u], state) => createFolder(call, state, u!, null), 1),
  route('GET', re(`/users/${USER}/mailFolders/${FOLDER}`), (call, [, u, f], state) => {
    const mailbox = mailboxOf(state, u!);
    return ok(applySelect(folderJson(mailbox, state.mail.folder(mailbox, f!)), call.query.get('$select')));
  }, 1),
  route('GET', re(`/users/${USER}/mailFolders/${FOLDER}/childFolders`), (call, [, u, f], state) => {
    const mailbox = mailboxOf(state, u!);
    const folder = state.mail.folder(mailbox, f!);
    return pageOf(call, folder.childIds.map((id) => mailbox.folders.get(id)!), { defaultPageSize: 10, maxPageSize: 1000, project: (c) => folderJson(mailbox, c) });
  }, 1),
  route('POST', re(`/users/${USER}/mailFolders/${FOLDER}/childFolders`), (call, [, u, f], state) => createFolder(call, state, u!, f!), 1),
  route('GET', re(`/users/${USER}/mailFolders/${FOLDER}/messages/delta`), (call, [, u, f], state) => {
    const mailbox = mailboxOf(state, u!);
    return messageDelta(call, state, mailbox, state.mail.folder(mailbox, f!));
  }, 1),
  route('GET', re(`/users/${USER}/mailFolders/${FOLDER}/messages`), (call, [, u, f], state) => {
    const mailbox = mailboxOf(state, u!);
    return listMessages(call, mailbox, messagesNewestFirst(mailbox, state.mail.folder(mailbox, f!).messageKeys));
  }, 1),
  route('GET', re(`/users/${USER}/messages`), (call, [, u], state) => {
    const mailbox = mailboxOf(state, u!);
    return listMessages(call, mailbox, messagesNewestFirst(mailbox, mailbox.messages.keys()));
  }, 1),
  route('GET', re(`/users/${USER}/(?:mailFolders/${FOLDER}/)?messages/${MESSAGE}`), (call, [, u, , id], state) => {
    const mailbox = mailboxOf(state, u!);
    const prefs = parsePrefer(call);
    return ok(applySelect(messageJson(mailbox, state.mail.message(mailbox, id!), prefs), call.query.get('$select')), preferenceApplied(prefs, false));
  }, 1),
  route('GET', re(`/users/${USER}/(?:mailFolders/${FOLDER}/)?messages/${MESSAGE}/\\$value`), (_call, [, u, , id], state) => {
    const mailbox = mailboxOf(state, u!);
    const message = state.mail.message(mailbox, id!);
    return { status: 200, contentType: 'text/plain', stream: () => mimeStream(message.spec, mailbox.owner.id) };
  }, 1),
  route('GET', re(`/users/${USER}/messages/${MESSAGE}/attachments`), (call, [, u, id], state) => {
    const mailbox = mailboxOf(state, u!);
    const message = state.mail.message(mailbox, id!);
    return pageOf(call, message.spec.attachments.map((_a, i) => i), { defaultPageSize: 100, maxPageSize: 100, project: (i) => attachmentJson(mailbox, message, i, true) });
  }, 1),
  route('GET', re(`/users/${USER}/messages/${MESSAGE}/attachments/([^/]+)`), (_call, [, u, id, attachment], state) => {
    const mailbox = mailboxOf(state, u!);
    const message = state.mail.message(mailbox, id!);
    return ok(attachmentJson(mailbox, message, attachmentIndex(message, attachment!), true));
  }, 1),
  route('GET', re(`/users/${USER}/messages/${MESSAGE}/attachments/([^/]+)/\\$value`), (_call, [, u, id, attachment], state) => {
    const mailbox = mailboxOf(state, u!);
    const message = state.mail.message(mailbox, id!);
    const index = attachmentIndex(message, attachment!);
    return { status: 200, contentType: message.spec.attachments[index]!.contentType, stream: () => attachmentStream(message.spec, index, mailbox.owner.id) };
  }, 1),
  route('POST', re(`/users/${USER}/messages/${MESSAGE}/move`), (call, [, u, id], state) => {
    const mailbox = mailboxOf(state, u!);
    const destinationId = (call.body as { destinationId?: string } | undefined)?.destinationId;
    if (!destinationId) throw badRequest('destinationId is required.', 'ErrorInvalidIdMalformed');
    const message = state.mail.moveMessage(mailbox, state.mail.message(mailbox, id!), destinationId);
    state.writes.record('messageMoved', call.appId, { userId: mailbox.owner.id, messageKey: message.spec.key, destinationId: message.folderId });
    return { status: 201, body: messageJson(mailbox, message, parsePrefer(call)) };
  }, 1),
  route('POST', re(`/users/${USER}/sendMail`), (call, [, u], state) => sendMail(call, state, u!), 1),
];

function createFolder(call: GraphCall, state: SandboxState, userId: string, parentId: string | null): GraphResult {
  const mailbox = mailboxOf(state, userId);
  const displayName = (call.body as { displayName?: string } | undefined)?.displayName;
  if (!displayName || !displayName.trim()) throw badRequest('displayName is required.', 'ErrorInvalidRequest');
  const folder = state.mail.createFolder(mailbox, parentId, displayName.trim());
  state.writes.record('mailFolderCreated', call.appId, { userId: mailbox.owner.id, folderId: folder.id, parentFolderId: folder.parentFolderId, displayName: folder.displayName });
  return { status: 201, body: folderJson(mailbox, folder) };
}
