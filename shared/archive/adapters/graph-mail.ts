import type { Readable } from 'node:stream';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { GraphDownload } from '../../platform/adapters/clients';
import type { Address } from '../model';
import type { AttemptVerdict, GraphBudget } from '../../platform/graph/graph-budget';
import { relativeLink, retryAfterMs } from '../../platform/graph/graph-links';
import {
  MailboxGoneError, MessageGoneError,
  type DeltaItem, type FolderListing, type FolderPageRequest, type FolderPageResult, type MailFolder, type MailSource, type MessageSummary,
} from '../ports';

/**
 * Microsoft Graph adapter of MailSource, through the official Graph client. Every Outlook request
 * goes through the app's GraphBudget; the client's own retry handler is switched off per request so
 * the budget alone decides when to retry (it knows the other requests in flight).
 *
 * Listing and delta requests of one mailbox travel together in `$batch` requests (up to 20 parts):
 * an incremental run of a quiet mailbox costs one round trip for all its folders. The raw MIME is
 * never batched (Graph base64-encodes batched content, up to 4 MB): it streams from `$value`,
 * through graphDownload (same token and host as the client, half its CPU per byte).
 */

const SUMMARY_FIELDS = 'subject,from,toRecipients,ccRecipients,bccRecipients,sentDateTime,receivedDateTime,conversationId,internetMessageId,hasAttachments';
const MAX_BATCH = 20;
const MAX_PART_ATTEMPTS = 8;

interface BatchPart {
  id: string;
  url: string;
  headers?: Record<string, string>;
}

interface BatchAnswer {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface GraphMailOptions {
  pageSize: number;
  /** Parts per $batch (at most 20); never more than a mailbox's window allows at once. */
  maxBatch?: number;
}

export class GraphMailSource implements MailSource {
  private readonly prefer: string;
  private readonly maxBatch: number;

  constructor(private readonly client: Client, private readonly download: GraphDownload, private readonly budget: GraphBudget, options: GraphMailOptions) {
    this.prefer = `IdType="ImmutableId", odata.maxpagesize=${options.pageSize}`;
    this.maxBatch = Math.max(1, Math.min(MAX_BATCH, options.maxBatch ?? MAX_BATCH, budget.options.windowRequests));
  }

  async listFolders(mailboxId: string, wellKnownNames: string[], knownParents: string[]): Promise<FolderListing> {
    const user = encodeURIComponent(mailboxId);
    const folders = new Map<string, MailFolder>();
    const wellKnown: Record<string, string> = {};
    const listed = new Set<string>();
    let pending: BatchPart[] = [
      { id: 'top', url: `/users/${user}/mailFolders?$top=250` },
      ...knownParents.map((f) => ({ id: `c:${f}`, url: `/users/${user}/mailFolders/${encodeURIComponent(f)}/childFolders?$top=250` })),
      ...wellKnownNames.map((w) => ({ id: `w:${w}`, url: `/users/${user}/mailFolders/${encodeURIComponent(w)}?$select=id` })),
    ];
    knownParents.forEach((f) => listed.add(f));
    const raw: Array<{ id: string; displayName: string; parentFolderId: string | null; totalItemCount: number; childFolderCount: number }> = [];
    while (pending.length) {
      const answers = await this.batch(mailboxId, pending);
      const next: BatchPart[] = [];
      for (const part of pending) {
        const answer = answers.get(part.id)!;
        if (part.id.startsWith('w:')) {
          if (answer.status === 200) wellKnown[part.id.slice(2)] = (answer.body as { id: string }).id;
          continue;
        }
        if (answer.status === 404 && part.id === 'top') throw new MailboxGoneError();
        if (answer.status === 404) continue; // a parent removed meanwhile
        if (answer.status !== 200) throw new Error(`Graph folder listing failed: ${answer.status}`);
        const body = answer.body as { value: typeof raw; '@odata.nextLink'?: string };
        for (const f of body.value) {
          raw.push(f);
          if (f.childFolderCount > 0 && !listed.has(f.id)) {
            listed.add(f.id);
            next.push({ id: `c:${f.id}`, url: `/users/${user}/mailFolders/${encodeURIComponent(f.id)}/childFolders?$top=250` });
          }
        }
        if (body['@odata.nextLink']) next.push({ id: `${part.id}+`, url: relativeLink(body['@odata.nextLink']) });
      }
      pending = next;
    }
    for (const f of raw) folders.set(f.id, { id: f.id, displayName: f.displayName, parentFolderId: f.parentFolderId, path: '', totalItemCount: f.totalItemCount, childFolderCount: f.childFolderCount });
    const pathOf = (f: MailFolder, depth = 0): string => {
      const parent = f.parentFolderId ? folders.get(f.parentFolderId) : undefined;
      return parent && depth < 32 ? `${pathOf(parent, depth + 1)}/${f.displayName}` : f.displayName;
    };
    for (const f of folders.values()) f.path = pathOf(f);
    return { folders: [...folders.values()], wellKnown };
  }

  async deltaPages(mailboxId: string, requests: FolderPageRequest[]): Promise<Map<string, FolderPageResult>> {
    const user = encodeURIComponent(mailboxId);
    const parts = requests.map((r) => ({
      id: `d:${r.folderId}`,
      url: r.link ? relativeLink(r.link) : `/users/${user}/mailFolders/${encodeURIComponent(r.folderId)}/messages/delta?$select=${SUMMARY_FIELDS}`,
      headers: { Prefer: this.prefer },
    }));
    const answers = await this.batch(mailboxId, parts);
    const results = new Map<string, FolderPageResult>();
    for (const r of requests) {
      const answer = answers.get(`d:${r.folderId}`)!;
      if (answer.status === 410) results.set(r.folderId, { kind: 'expired' });
      else if (answer.status === 404) results.set(r.folderId, { kind: 'gone' });
      else if (answer.status !== 200) throw new Error(`Graph delta failed: ${answer.status}`);
      else {
        const body = answer.body as { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
        results.set(r.folderId, {
          kind: 'page',
          items: body.value.map(deltaItem),
          nextLink: body['@odata.nextLink'] ?? null,
          deltaLink: body['@odata.deltaLink'] ?? null,
        });
      }
    }
    return results;
  }

  async openMime(mailboxId: string, messageId: string): Promise<Readable> {
    const path = `/users/${encodeURIComponent(mailboxId)}/messages/${encodeURIComponent(messageId)}/$value`;
    // The body streams after the headers: the request keeps its Outlook slot until the body has
    // been read to the end (or abandoned), as Outlook counts it in flight until then.
    const { stream } = await this.budget.run(mailboxId, async (): Promise<AttemptVerdict<{ stream: Readable | undefined }>> => {
      const res = await this.download(path, { Prefer: 'IdType="ImmutableId"' });
      if (res.status === 404) {
        await res.body.dump();
        return { kind: 'done', value: { stream: undefined } };
      }
      if (res.status < 200 || res.status > 299) {
        await res.body.dump();
        return pushback(res.status, res.header('retry-after') ?? null, '');
      }
      const body = res.body;
      const settled = new Promise<void>((resolve) => {
        body.once('end', resolve);
        body.once('close', resolve);
        body.once('error', () => resolve());
      });
      return { kind: 'done', value: { stream: body }, holdUntil: settled };
    });
    if (!stream) throw new MessageGoneError();
    return stream;
  }

  /** Sends parts in $batch requests of up to 20, retrying throttled parts within the budget. */
  private async batch(mailboxId: string, parts: BatchPart[]): Promise<Map<string, BatchAnswer>> {
    const { ResponseType, RetryHandlerOptions } = require('@microsoft/microsoft-graph-client') as typeof import('@microsoft/microsoft-graph-client');
    const answers = new Map<string, BatchAnswer>();
    let pending = parts;
    for (let attempt = 1; pending.length; attempt++) {
      const retry: BatchPart[] = [];
      let wait: number | undefined;
      let status = 0;
      const throttledIds = new Set<string>();
      for (let i = 0; i < pending.length; i += this.maxBatch) {
        const chunk = pending.slice(i, i + this.maxBatch);
        const body = { requests: chunk.map((p) => ({ id: p.id, method: 'GET', url: p.url, headers: p.headers })) };
        const responses = await this.budget.run(
          mailboxId,
          async (): Promise<AttemptVerdict<BatchAnswer[]>> => {
            const res = (await this.client
              .api('/$batch')
              .middlewareOptions([new RetryHandlerOptions(0, 0)])
              .responseType(ResponseType.RAW)
              .post(body)) as Response;
            if (!res.ok) {
              await res.body?.cancel();
              return pushback(res.status, res.headers.get('retry-after'), '');
            }
            return { kind: 'done', value: ((await res.json()) as { responses: BatchAnswer[] }).responses };
          },
          chunk.length,
          Math.min(4, chunk.length),
        );
        for (const answer of responses) {
          const part = chunk.find((p) => p.id === answer.id);
          if (!part) continue;
          if (answer.status === 429 || answer.status === 503 || answer.status === 504) {
            retry.push(part);
            if (answer.status === 429) throttledIds.add(part.id);
            status = answer.status;
            const after = retryAfterMs(headerOf(answer.headers, 'retry-after'));
            if (after !== undefined) wait = Math.max(wait ?? 0, after);
          } else answers.set(part.id, answer);
        }
      }
      if (retry.length && attempt >= MAX_PART_ATTEMPTS) throw new Error(`Graph kept refusing batched requests (last: ${status})`);
      if (retry.length) this.budget.pushback(mailboxId, throttledIds.size ? 429 : status, wait, 'mailbox', attempt, throttledIds.size || 1);
      pending = retry;
    }
    return answers;
  }
}

function pushback(status: number, retryAfter: string | null, _detail: string): AttemptVerdict<never> {
  if (status === 429 || status === 503 || status === 504) {
    return { kind: 'pushback', status, retryAfterMs: retryAfterMs(retryAfter ?? undefined), scope: status === 503 ? 'app' : 'mailbox' };
  }
  throw new Error(`Graph answered ${status}`);
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function address(value: unknown): Address | null {
  const e = (value as { emailAddress?: { name?: string; address?: string } } | null | undefined)?.emailAddress;
  return e ? { name: e.name ?? '', address: e.address ?? '' } : null;
}

function addresses(value: unknown): Address[] {
  return Array.isArray(value) ? value.map(address).filter((a): a is Address => a !== null) : [];
}

function deltaItem(json: Record<string, unknown>): DeltaItem {
  const id = String(json.id);
  if (json['@removed']) return { kind: 'removed', messageId: id };
  const message: MessageSummary = {
    messageId: id,
    subject: typeof json.subject === 'string' ? json.subject : '',
    from: address(json.from),
    to: addresses(json.toRecipients),
    cc: addresses(json.ccRecipients),
    bcc: addresses(json.bccRecipients),
    sentAt: typeof json.sentDateTime === 'string' ? json.sentDateTime : null,
    receivedAt: String(json.receivedDateTime),
    conversationId: typeof json.conversationId === 'string' ? json.conversationId : null,
    internetMessageId: typeof json.internetMessageId === 'string' ? json.internetMessageId : null,
    hasAttachments: json.hasAttachments === true,
  };
  return { kind: 'present', message };
}
