import type { Client } from '@microsoft/microsoft-graph-client';
import { SubscriptionGoneError, type MailSubscriptions, type NewSubscription } from '../ports';

/**
 * Microsoft Graph adapter of MailSubscriptions: `POST/PATCH/DELETE /subscriptions` on a mailbox's
 * messages (created, updated, deleted). Lifecycle notifications go to the same endpoint, which
 * tells them apart by `lifecycleEvent`. Subscription requests are not Outlook mailbox requests:
 * they are outside the Outlook budget (4 in flight), and the timer makes at most 4 at once anyway.
 * Nothing here is logged; errors carry the status only.
 */
export class GraphMailSubscriptions implements MailSubscriptions {
  constructor(private readonly client: Client) {}

  async create(request: NewSubscription): Promise<{ subscriptionId: string; expiresAt: string }> {
    const created = (await this.client.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: request.notificationUrl,
      lifecycleNotificationUrl: request.notificationUrl,
      resource: `users/${encodeURIComponent(request.mailboxId)}/messages`,
      expirationDateTime: request.expiresAt.toISOString(),
      clientState: request.clientState,
      latestSupportedTlsVersion: 'v1_2',
    })) as { id: string; expirationDateTime: string };
    return { subscriptionId: created.id, expiresAt: new Date(created.expirationDateTime).toISOString() };
  }

  async renew(subscriptionId: string, expiresAt: Date): Promise<{ expiresAt: string }> {
    try {
      const renewed = (await this.client.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).patch({ expirationDateTime: expiresAt.toISOString() })) as { expirationDateTime?: string };
      return { expiresAt: new Date(renewed?.expirationDateTime ?? expiresAt).toISOString() };
    } catch (error) {
      if (status(error) === 404) throw new SubscriptionGoneError();
      throw error;
    }
  }

  async remove(subscriptionId: string): Promise<void> {
    try {
      await this.client.api(`/subscriptions/${encodeURIComponent(subscriptionId)}`).delete();
    } catch (error) {
      if (status(error) !== 404) throw error;
    }
  }
}

function status(error: unknown): number | undefined {
  const s = (error as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}
