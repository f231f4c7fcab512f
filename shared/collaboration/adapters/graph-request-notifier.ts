import type { Client } from '@microsoft/microsoft-graph-client';
import { appNotInstalled, graphFailure, postActivityNotification, retryable, retryAfterMs, sendNoticeByMail } from '../../platform/adapters/graph-activity-feed';
import type { SlidingWindowPacer } from '../../platform/adapters/pacer';
import type { RequestNotification, RequestNotifier, RequestNotifyOutcome } from '../request-ports';

/**
 * Tells approvers and requesters about project space requests through Microsoft Graph: the Teams
 * activity feed (activity type `collaborationRequest`, linking to the request page), paced with the
 * app's other notifications, and e-mail from the service mailbox when the app is not installed for
 * that person. Throttling is waited out a few times; anything else is reported, never thrown.
 */
export interface GraphRequestNotifierOptions {
  client: Client;
  pacer: SlidingWindowPacer;
  /** Service mailbox (UPN or id) the e-mail fallback is sent from; without it, the fallback fails. */
  senderMailbox: string | undefined;
}

const MAX_ATTEMPTS = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class GraphRequestNotifier implements RequestNotifier {
  constructor(private readonly options: GraphRequestNotifierOptions) {}

  async send(n: RequestNotification): Promise<RequestNotifyOutcome> {
    for (let attempt = 1; ; attempt++) {
      const release = await this.options.pacer.ticket();
      try {
        const { answered } = await this.options.pacer.admit();
        try {
          await postActivityNotification(this.options.client, n);
          answered();
          return { ok: true, channel: 'teams' };
        } catch (e) {
          answered();
          const f = graphFailure(e);
          if (appNotInstalled(f)) {
            if (!this.options.senderMailbox) return { ok: false, code: 'no-sender-mailbox' };
            return await sendNoticeByMail(this.options.client, this.options.senderMailbox, n);
          }
          if (retryable(f) && attempt < MAX_ATTEMPTS) {
            await sleep(retryAfterMs(e) ?? 1000 * attempt);
            continue;
          }
          return { ok: false, code: `${f.status}:${f.code}` };
        }
      } finally {
        release();
      }
    }
  }
}
