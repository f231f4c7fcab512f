import { app } from '@azure/functions';
import { publicEndpoint, readJsonBody } from '../http/endpoint';
import { settings } from '../../shared/platform/settings';
import { ApiError, fieldProblems } from '../../shared/platform/api-error';
import { archiveServices, NOTIFICATION_ROUTE } from '../../shared/archive/adapters/capture-services';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { ANONYMOUS_ACTOR } from '../../shared/archive/records/audit-record';
import { acceptNotifications, GraphNotificationBatch } from '../../shared/archive/capture/notifications';
import { maintainSubscriptions } from '../../shared/archive/capture/subscriptions';
import { onTimer } from '../triggers';

/**
 * Graph change notifications (docs/decisions/0018-archive-change-notifications.md).
 *
 * POST /api/archive/notifications is anonymous at the Functions level: Graph sends no token. What
 * makes a notification authentic is its clientState (an HMAC only the app can make), checked in
 * constant time; a batch with none of ours is refused (403, the same answer whatever was wrong)
 * and recorded in the archive's audit trail (counts only). The answer comes after one queue send
 * per mailbox (work is never done inline), well within Graph's 3 seconds. Nothing from a
 * notification is logged but counts.
 */
const s = settings();
const MAX_VALIDATION_TOKEN = 1024;

const notifications = publicEndpoint({
  async handle({ request, log }) {
    // The subscription handshake: Graph POSTs ?validationToken=... and wants it back, decoded,
    // as text/plain, and nothing else.
    const token = request.query.get('validationToken');
    if (token !== null) {
      if (!token || token.length > MAX_VALIDATION_TOKEN) throw new ApiError(400, 'validation_failed', 'request.invalid', {}, [{ field: 'query.validationToken', code: 'too_big', message: `1-${MAX_VALIDATION_TOKEN}` }]);
      return { status: 200, body: Buffer.from(token, 'utf8'), headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } };
    }
    const parsed = GraphNotificationBatch.safeParse(await readJsonBody(request, s.http.maxBodyBytes));
    if (!parsed.success) throw new ApiError(400, 'validation_failed', 'request.invalid', {}, fieldProblems('body', parsed.error));
    const key = s.archive.notifications.key;
    const result = key
      ? await acceptNotifications(parsed.data, { queue: archiveServices().queue, key: Buffer.from(key, 'utf8'), windowMs: s.archive.notifications.windowSeconds * 1000, now: () => new Date() })
      : { accepted: 0, refused: parsed.data.value.length, enqueued: 0 };
    log.info('archive.notifications', { accepted: result.accepted, refused: result.refused, enqueued: result.enqueued });
    if (result.refused) {
      await recordsServices().audit.record(ANONYMOUS_ACTOR, 'notification-refused', { endpoint: 'archiveNotifications', resultCount: result.refused, ...(result.accepted ? {} : { httpStatus: 403 as const }) }, 'denied');
    }
    if (!result.accepted) throw new ApiError(403, 'notification_refused', 'archive.notificationRefused');
    return { status: 202 };
  },
});

app.http('archiveNotifications', { methods: ['POST'], authLevel: 'anonymous', route: NOTIFICATION_ROUTE, handler: notifications });

onTimer('archiveSubscriptions', {
  event: 'archive.subscriptions',
  schedule: '%ARCHIVE_SUBSCRIPTIONS_SCHEDULE%',
  async handle(log) {
    const services = archiveServices();
    const result = await maintainSubscriptions(services, services.notifications, new Date());
    log.info('archive.subscriptions', { ...result });
  },
});
