import { RetryHandlerOptions, type Client } from '@microsoft/microsoft-graph-client';
import { SlidingWindowPacer } from './pacer';

/**
 * What every capability's notifier shares to reach a person through Microsoft Graph: the Teams
 * activity feed (`POST /users/{id}/teamwork/sendActivityNotification`, an activity type the app
 * manifest declares) and, when Graph says the app is not installed for that person, an e-mail from
 * a service mailbox. Graph answers that case with 403 Forbidden and a message asking to "ensure that
 * the expected Teams app is installed in the target scope"; any other 403 (a missing permission)
 * is a failure, not a reason to e-mail. Pacing and retries stay with each capability's notifier.
 */
export interface ActivityFeedNotice {
  recipientId: string;
  activityType: string;
  subject: string;
  preview: string;
  templateParameters: Record<string, string>;
  url: string;
  bodyHtml: string;
}

export type DeliveryOutcome = { ok: true; channel: 'teams' | 'email' } | { ok: false; code: string };

export interface GraphFailure {
  status: number;
  code: string;
  message: string;
}

const NOT_INSTALLED = /installed in the target scope|not installed|not authorized to generate/i;

/** Status, code and message of a Graph client error (the body's message included). */
export function graphFailure(e: unknown): GraphFailure {
  const err = e as { statusCode?: number; code?: string; message?: string; body?: unknown };
  let message = err.message ?? '';
  if (typeof err.body === 'string') {
    try {
      message += ` ${(JSON.parse(err.body) as { error?: { message?: string } }).error?.message ?? ''}`;
    } catch {
      // Not JSON: the message is enough.
    }
  }
  return { status: err.statusCode ?? -1, code: err.code ?? 'unknown', message };
}

/** Graph's "the Teams app is not installed for this person": the e-mail fallback's cue. */
export function appNotInstalled(f: GraphFailure): boolean {
  return f.status === 403 && NOT_INSTALLED.test(f.message);
}

/** Throttled or unavailable: nothing was delivered, so waiting and trying again cannot duplicate. */
export function retryable(f: GraphFailure): boolean {
  return f.status === 429 || f.status === 503;
}

/** Graph's Retry-After in milliseconds (at most 30 s), when it gave one. */
export function retryAfterMs(e: unknown): number | undefined {
  const value = (e as { headers?: Headers }).headers?.get?.('retry-after');
  const seconds = value ? Number(value) : NaN;
  return Number.isFinite(seconds) ? Math.min(seconds, 30) * 1000 : undefined;
}

/** One activity feed notification; throws Graph's error (the caller decides: retry, e-mail, fail). */
export async function postActivityNotification(client: Client, n: ActivityFeedNotice): Promise<void> {
  await client
    .api(`/users/${encodeURIComponent(n.recipientId)}/teamwork/sendActivityNotification`)
    // Retries are the caller's (paced), not the SDK's handler, which would resend outside the pace.
    .middlewareOptions([new RetryHandlerOptions(0, 0)])
    .post({
      topic: { source: 'text', value: n.subject.slice(0, 100), webUrl: n.url },
      activityType: n.activityType,
      previewText: { content: n.preview },
      templateParameters: Object.entries(n.templateParameters).map(([name, value]) => ({ name, value })),
    });
}

/** The e-mail fallback. The recipient's address is read at send time, never stored. */
export async function sendNoticeByMail(client: Client, senderMailbox: string, n: ActivityFeedNotice): Promise<DeliveryOutcome> {
  try {
    const user = (await client.api(`/users/${encodeURIComponent(n.recipientId)}`).select('mail').get()) as { mail?: string | null };
    if (!user.mail) return { ok: false, code: 'no-mail' };
    await client.api(`/users/${encodeURIComponent(senderMailbox)}/sendMail`).post({
      message: { subject: n.subject, body: { contentType: 'HTML', content: n.bodyHtml }, toRecipients: [{ emailAddress: { address: user.mail } }] },
      // The service mailbox keeps no copy: the audit trail is the record that it was sent.
      saveToSentItems: false,
    });
    return { ok: true, channel: 'email' };
  } catch (e) {
    const f = graphFailure(e);
    return { ok: false, code: `email:${f.status}:${f.code}` };
  }
}

let pacer: SlidingWindowPacer | undefined;

/**
 * The process's one pacer for activity feed notifications: Microsoft counts 5 requests per second
 * per app and tenant, whichever capability sends them. The first caller's rate sets it.
 */
export function activityFeedPacer(perSecond: number): SlidingWindowPacer {
  pacer ??= new SlidingWindowPacer(perSecond);
  return pacer;
}

export function resetActivityFeedPacerForTests(): void {
  pacer = undefined;
}
