import { blobServiceClient, cosmosDatabase, graph, graphDownload, serviceBusClient } from '../../platform/adapters/clients';
import { settings, type Settings } from '../../platform/settings';
import { BlobContentStore } from './content-store';
import { GraphDirectory } from './graph-directory';
import type { GraphBudget } from '../../platform/graph/graph-budget';
import { appGraphBudget, newGraphBudget } from '../../platform/adapters/graph-budget';
import { GraphMailSource } from './graph-mail';
import { MailboxArchiver } from '../capture/mailbox-archiver';
import { BlobMailboxLock } from './mailbox-lock';
import { CosmosMailboxState } from './mailbox-state';
import { CosmosMessageIndex } from './message-index';
import type { RetentionAssigner } from '../ports';
import { ServiceBusWorkQueue } from './work-queue';
import { BlobSweepWatermark } from './sweep-watermark';
import { recordsServices } from './records-services';
import type { IndexMetadata } from '../records/full-text-metadata';
import { CosmosSubscriptionStore } from './cosmos-subscriptions';
import { GraphMailSubscriptions } from './graph-subscriptions';
import { clientStateFor } from '../capture/notifications';
import type { SubscriptionConfig } from '../capture/subscriptions';

/** The route Graph posts notifications to (functions/archive/notifications.ts). */
export const NOTIFICATION_ROUTE = 'api/archive/notifications';

/**
 * Where Graph sends notifications and the key of their clientState: both are needed, or the archive
 * polls every mailbox as before. The URL is built from APP_PUBLIC_URL, never from a request.
 */
export function notificationConfig(s: Settings): SubscriptionConfig {
  const n = s.archive.notifications;
  return {
    ...(s.publicUrl && n.key ? { notificationUrl: `${s.publicUrl}/${NOTIFICATION_ROUTE}`, key: Buffer.from(n.key, 'utf8') } : {}),
    lifetimeMinutes: n.subscriptionMinutes,
    clientState: clientStateFor,
  };
}

/**
 * Composition root of capture: the adapters over the app's SDK clients, made on first use and kept
 * for the process. The Graph budget is the app's (shared/platform/adapters/graph-budget.ts): one per
 * process, and across processes the slots are leased.
 */
export type ArchiveServices = ReturnType<typeof buildArchiveServices>;

let cached: ArchiveServices | undefined;

export function archiveServices(): ArchiveServices {
  // Each new entry gets its retention rule and any active legal hold as it is captured; the moves
  // capture records reach the full-text index through the records side.
  const s = settings();
  cached ??= buildArchiveServices(s, recordsServices(), appGraphBudget(s));
  return cached;
}

export function resetArchiveServicesForTests(): void {
  cached = undefined;
}

/**
 * `records`: what capture takes from the records side (each new entry's rule and holds; folder
 * moves sent to the full-text index). `budget`: the app's one Graph budget in production; a fresh
 * one by default (tests, benchmarks).
 */
export function buildArchiveServices(s: Settings, records?: { assigner: RetentionAssigner; searchMetadata?: Pick<IndexMetadata, 'push'> }, budget: GraphBudget = newGraphBudget(s)) {
  const a = s.archive;
  const blob = blobServiceClient(s);
  const mail = new GraphMailSource(graph(s), graphDownload(s), budget, { pageSize: a.pageSize });
  const content = new BlobContentStore(blob, { immutability: a.immutability });
  const index = new CosmosMessageIndex(cosmosDatabase(s));
  const state = new CosmosMailboxState(cosmosDatabase(s));
  const archiver = new MailboxArchiver({ mail, content, index, state, retention: records?.assigner, searchMetadata: records?.searchMetadata }, { excludedFolders: a.excludedFolders, messageConcurrency: a.messageConcurrency });
  return {
    settings: s,
    budget,
    mail,
    content,
    index,
    state,
    archiver,
    lock: new BlobMailboxLock(blob, a.lockSeconds),
    watermark: new BlobSweepWatermark(blob),
    queue: new ServiceBusWorkQueue(serviceBusClient(s), s.queues.archive),
    directory: new GraphDirectory(graph(s), { group: a.scopeGroup, sharedMailboxes: a.sharedMailboxes }),
    subscriptions: new CosmosSubscriptionStore(cosmosDatabase(s)),
    graphSubscriptions: new GraphMailSubscriptions(graph(s)),
    notifications: notificationConfig(s),
  };
}
