import { RetryHandlerOptions, type Client } from '@microsoft/microsoft-graph-client';
import type { Notifier, NotifyOutcome, ReminderNotification } from '../ports';
import type { SlidingWindowPacer } from './pacer';

/**
 * Delivers reminders through Microsoft Graph: the Teams activity feed first
 * (`POST /users/{id}/teamwork/sendActivityNotification`, an activity type the app manifest
 * declares, paced to Microsoft's 5 requests/s per app), e-mail from the service mailbox when Graph
 * says the app is not installed for that person. Graph answers that case with 403 Forbidden and a
 * message asking to "ensure that the expected Teams app is installed in the target scope"; any
 * other 403 (a missing permission) is a failure, not a reason to e-mail.
 */
export interface GraphNotifierOptions {
  client: Client;
  pacer: SlidingWindowPacer;
  /** Service mailbox (UPN or id) the e-mail fallback is sent from. */
  senderMailbox: string;
}

const MAX_ATTEMPTS = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(e: unknown): number | undefined {
  const value = (e as { headers?: Headers }).headers?.get?.('retry-after');
  const seconds = value ? Number(value) : NaN;
  return Number.isFinite(seconds) ? Math.min(seconds, 30) * 1000 : undefined;
}

const NOT_INSTALLED = /installed in the target scope|not installed|not authorized to generate/i;

interface GraphFailure {
  statusCode?: number;
  code?: string;
  message?: string;
  body?: unknown;
}

function failure(e: unknown): { status: number; code: string; message: string } {
  const err = e as GraphFailure;
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

export class GraphNotifier implements Notifier {
  constructor(private readonly options: GraphNotifierOptions) {}

  pace(): Promise<() => void> {
    return this.options.pacer.ticket();
  }

  async send(n: ReminderNotification, stillWanted?: () => Promise<boolean>): Promise<NotifyOutcome> {
    for (let attempt = 1; ; attempt++) {
      // The last look (a completion recorded meanwhile cancels) is made by the pacer just before this request's time.
      const { go, answered } = await this.options.pacer.admit(stillWanted);
      if (!go) return { ok: false, code: 'cancelled' };
      try {
        await this.options.client
          .api(`/users/${encodeURIComponent(n.recipientId)}/teamwork/sendActivityNotification`)
          // Retries go through the pacer (below), not the SDK's handler, which would resend outside the pace.
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .post({
            topic: { source: 'text', value: n.subject.slice(0, 100), webUrl: n.url },
            activityType: n.activityType,
            previewText: { content: n.preview },
            templateParameters: Object.entries(n.templateParameters).map(([name, value]) => ({ name, value })),
          });
        answered();
        return { ok: true, channel: 'teams' };
      } catch (e) {
        answered();
        const f = failure(e);
        if (f.status === 403 && NOT_INSTALLED.test(f.message)) return this.email(n);
        // Throttled or unavailable: nothing was delivered, so waiting and trying again cannot duplicate.
        if ((f.status === 429 || f.status === 503) && attempt < MAX_ATTEMPTS) {
          await sleep(retryAfterMs(e) ?? 1000 * attempt);
          continue;
        }
        return { ok: false, code: `${f.status}:${f.code}` };
      }
    }
  }

  /** The recipient's address is read at send time, never stored (only what a purpose needs). */
  private async email(n: ReminderNotification): Promise<NotifyOutcome> {
    try {
      const user = (await this.options.client.api(`/users/${encodeURIComponent(n.recipientId)}`).select('mail').get()) as { mail?: string | null };
      if (!user.mail) return { ok: false, code: 'no-mail' };
      await this.options.client.api(`/users/${encodeURIComponent(this.options.senderMailbox)}/sendMail`).post({
        message: { subject: n.subject, body: { contentType: 'HTML', content: n.bodyHtml }, toRecipients: [{ emailAddress: { address: user.mail } }] },
        // The service mailbox keeps no copy: the audit trail is the record that it was sent.
        saveToSentItems: false,
      });
      return { ok: true, channel: 'email' };
    } catch (e) {
      const f = failure(e);
      return { ok: false, code: `email:${f.status}:${f.code}` };
    }
  }
}
