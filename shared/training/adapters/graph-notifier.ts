import type { Client } from '@microsoft/microsoft-graph-client';
import { appNotInstalled, graphFailure, postActivityNotification, retryable, retryAfterMs, sendNoticeByMail } from '../../platform/adapters/graph-activity-feed';
import type { Notifier, NotifyOutcome, ReminderNotification } from '../ports';
import type { SlidingWindowPacer } from './pacer';

/**
 * Delivers reminders through Microsoft Graph (shared/platform/adapters/graph-activity-feed.ts): the
 * Teams activity feed first, paced to Microsoft's 5 requests/s per app, e-mail from the service
 * mailbox when Graph says the app is not installed for that person.
 */
export interface GraphNotifierOptions {
  client: Client;
  pacer: SlidingWindowPacer;
  /** Service mailbox (UPN or id) the e-mail fallback is sent from. */
  senderMailbox: string;
}

const MAX_ATTEMPTS = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
        await postActivityNotification(this.options.client, n);
        answered();
        return { ok: true, channel: 'teams' };
      } catch (e) {
        answered();
        const f = graphFailure(e);
        if (appNotInstalled(f)) return sendNoticeByMail(this.options.client, this.options.senderMailbox, n);
        if (retryable(f) && attempt < MAX_ATTEMPTS) {
          await sleep(retryAfterMs(e) ?? 1000 * attempt);
          continue;
        }
        return { ok: false, code: `${f.status}:${f.code}` };
      }
    }
  }
}
