import { mkdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { generateSandboxCertificate } from './certificate';
import type { SandboxState } from './context';
import { tenantSummary } from './control';
import { ActivityFeedThrottle, FaultInjector, OutlookThrottle, SharePointThrottle, type FaultOptions, type ThrottlingOptions } from './limits';
import { GraphServer } from './server';
import { createState } from './state';
import type { NotificationOptions } from './subscriptions';

export { createSandboxGraphClient } from './graph-client';
export { SandboxControl } from './control-client';
export { JOB_CATEGORIES, SERVICES, type JobCategory } from './tenant-seed';
export type { FaultKind, FaultOptions, ThrottlingOptions } from './limits';
export type { RecordedWrite, WriteKind } from './writes';
export type { DropRule, LifecycleEvent, NotificationItem, NotificationOptions, NotificationStats } from './subscriptions';

/** Fixed default seed: every default sandbox serves the same tenant. */
export const DEFAULT_SEED = 20_260_101;

export interface M365SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  seed?: number;
  scale?: {
    /** Mailboxes filled with seeded messages (default: all ~42); above that, extra staff are added. */
    mailboxes?: number;
    /**
     * Staff in the directory (default: the ~40 of the seed); above that, extra staff are added to the
     * services with empty mailboxes, for directory sync benchmarks (2,000 starts in well under a second).
     */
    staff?: number;
    /** Seeded messages per filled mailbox (default 24). */
    messagesPerMailbox?: number;
  };
  /** Speeds up throttling windows: 600 turns Outlook's 10-minute window into 1 second. Default 1. */
  timeScale?: number;
  /** Outlook and SharePoint throttling: true (default) for the documented limits, false to disable, or custom limits. */
  throttling?: boolean | ThrottlingOptions;
  faults?: FaultOptions;
  /** Change notification delivery (batching window, retries, timeouts); Graph's documented values by default. */
  notifications?: NotificationOptions;
  /** How long a just-created team answers 404 (default 3000 ms). */
  teamReplicationLagMs?: number;
  /** How long POST /teams' async operation stays inProgress (default 1000 ms). */
  teamOperationMs?: number;
  /** Folder for the CA certificate and writes.jsonl; nothing is written when absent. */
  dataDir?: string;
}

export type SandboxTenant = ReturnType<typeof tenantSummary>;

export interface M365Sandbox {
  /** https://127.0.0.1:PORT */
  baseUrl: string;
  /** baseUrl + '/v1.0' */
  graphBaseUrl: string;
  /** The generated certificate to trust (PEM); the app trusts it in local mode only. */
  caCertPem: string;
  /** baseUrl + '/_sandbox' (loopback only, no token). */
  controlUrl: string;
  tenant: SandboxTenant;
  stop(): Promise<void>;
}

/**
 * Starts the Microsoft 365 sandbox: a local Microsoft Graph v1.0 tenant over HTTPS, seeded
 * deterministically, with Outlook throttling, injectable faults and a control API.
 */
export async function startM365Sandbox(options: M365SandboxOptions = {}): Promise<M365Sandbox> {
  const seed = options.seed ?? DEFAULT_SEED;
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const build = (): SandboxState =>
    createState({ seed, mailboxes: options.scale?.mailboxes, staff: options.scale?.staff, messagesPerMailbox: options.scale?.messagesPerMailbox ?? 24, dataDir: options.dataDir, timeScale: options.timeScale, notifications: options.notifications });
  let state = build();
  const throttling = options.throttling ?? true;
  const throttle = new OutlookThrottle(throttling !== false, typeof throttling === 'object' ? throttling : {}, options.timeScale ?? 1);
  const sharePoint = new SharePointThrottle(throttling !== false, typeof throttling === 'object' ? throttling : {}, options.timeScale ?? 1);
  const activityFeed = new ActivityFeedThrottle(throttling !== false, (typeof throttling === 'object' ? throttling.activityFeedPerSecond : undefined) ?? 5);
  const faults = new FaultInjector(options.faults);
  const stats = { requests: 0, byStatus: {} as Record<string, number>, byMailbox: {} as Record<string, number>, subscriptionRequests: 0 };
  let peakRss = process.memoryUsage().rss;
  // Sampled so a test can tell whether streaming a large message made the process grow.
  // process.memoryUsage.rss() alone: the full memoryUsage() walks the heap, and 50 times a second
  // that showed in the sandbox's CPU profile.
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  sampler.unref();

  const certificate = await generateSandboxCertificate();
  let baseUrl = '';
  const graph = new GraphServer({
    state: () => state,
    throttle,
    sharePoint,
    activityFeed,
    faults,
    timing: { operationMs: options.teamOperationMs ?? 1000, replicationLagMs: options.teamReplicationLagMs ?? 3000 },
    baseUrl: () => baseUrl,
    stats,
    control: {
      state: () => state,
      reset: () => {
        state.subscriptions.stop();
        state = build();
        throttle.reset();
        sharePoint.reset();
        activityFeed.reset();
        faults.configure({});
        stats.requests = 0;
        stats.byStatus = {};
        stats.byMailbox = {};
        stats.subscriptionRequests = 0;
      },
      resetRequestCounts: () => {
        stats.requests = 0;
        stats.byStatus = {};
        stats.byMailbox = {};
        stats.subscriptionRequests = 0;
      },
      faults,
      stats: () => ({ ...stats, activityFeedRefused: Object.fromEntries(activityFeed.refused), sharePoint: Object.fromEntries(sharePoint.stats), memory: process.memoryUsage(), peakRss: Math.max(peakRss, process.memoryUsage().rss) }),
      resetSharePointStats: () => sharePoint.stats.clear(),
      resetPeakMemory: () => {
        peakRss = process.memoryUsage().rss;
      },
    },
  });
  const server = https.createServer({ cert: certificate.certPem, key: certificate.keyPem, keepAlive: true }, (req, res) => {
    void graph.handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (options.dataDir) writeFileSync(path.join(options.dataDir, 'm365-sandbox-ca.pem'), certificate.certPem);

  return {
    baseUrl,
    graphBaseUrl: `${baseUrl}/v1.0`,
    caCertPem: certificate.certPem,
    controlUrl: `${baseUrl}/_sandbox`,
    tenant: tenantSummary(state),
    stop: async () => {
      clearInterval(sampler);
      state.subscriptions.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
