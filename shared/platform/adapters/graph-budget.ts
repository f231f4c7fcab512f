import type { Settings } from '../settings';
import { GraphBudget, LocalSlotPool } from '../graph/graph-budget';
import { blobServiceClient } from './clients';
import { LeasedSlotPool } from './graph-slots';

/**
 * The app's Graph budget: Microsoft's limits (concurrent Outlook requests per app, requests per
 * mailbox per window) hold for the whole app, not per capability, so every capability that calls
 * Graph for a mailbox goes through this one budget. Its settings keep their ARCHIVE_GRAPH_* names
 * (the archive was first), and so does the lease container, whose blobs deployed apps already hold.
 */
export const GRAPH_SLOT_CONTAINER = 'archive-locks';

/** A new budget from the settings (tests and benchmarks measure one on its own). */
export function newGraphBudget(s: Settings): GraphBudget {
  const g = s.archive.graph;
  return new GraphBudget({
    concurrency: g.concurrency,
    windowRequests: g.windowRequests,
    windowMs: g.windowMs,
    slots: g.slots === 'leased' ? new LeasedSlotPool(blobServiceClient(s), g.concurrency, GRAPH_SLOT_CONTAINER) : new LocalSlotPool(g.concurrency),
  });
}

let app: { settings: Settings; budget: GraphBudget } | undefined;

/** The process's one budget, shared by every capability (made again only when the settings change, in tests). */
export function appGraphBudget(s: Settings): GraphBudget {
  if (!app || app.settings !== s) app = { settings: s, budget: newGraphBudget(s) };
  return app.budget;
}
