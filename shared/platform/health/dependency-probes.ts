import type { Settings } from '../settings';
import { blobServiceClient, cosmosDatabase, serviceBusClient, graphAccessToken } from '../adapters/clients';
import { assertArchiveIntegrity, IntegrityViolation } from '../../archive/records/integrity';
import { RecordsStore } from '../../archive/adapters/records-store';
import { ensureResidency, readCosmosAccountLocations } from '../residency/startup-check';
import { classifyDependencyFailure, runHealthChecks, type HealthReport } from './health-report';

/** Probes for every dependency, each the cheapest real round trip the app's identity can make. */
export function dependencyProbes(s: Settings) {
  return {
    residency: () => ensureResidency(),
    storage: () => blobServiceClient(s).listContainers().byPage({ maxPageSize: 1 }).next(),
    cosmos: () => readCosmosAccountLocations(),
    serviceBus: async () => {
      const receiver = serviceBusClient(s).createReceiver(s.queues.archive);
      try {
        await receiver.peekMessages(1);
      } finally {
        await receiver.close();
      }
    },
    graph: () => graphAccessToken(s),
    // Not a round trip to a dependency: the last archive verification's verdict (a mismatch fails health).
    archiveIntegrity: () => assertArchiveIntegrity(new RecordsStore(cosmosDatabase(s))),
  };
}

let last: { at: number; maxAgeMs: number; report: Promise<HealthReport> } | undefined;

/**
 * Probing on every call would let a busy monitor hammer the dependencies: a healthy report is kept
 * 10 s. An unhealthy one only 2 s, so recovery (a dependency slow at start, back after a blip) shows soon.
 */
export function currentHealth(s: Settings, maxAgeMs = 10_000, unhealthyMaxAgeMs = 2_000): Promise<HealthReport> {
  if (!last || Date.now() - last.at > last.maxAgeMs) {
    const entry: { at: number; maxAgeMs: number; report: Promise<HealthReport> } = {
      at: Date.now(),
      maxAgeMs,
      report: runHealthChecks(s.appVersion, dependencyProbes(s), (e) => (e instanceof IntegrityViolation ? 'violation' : classifyDependencyFailure(e))),
    };
    void entry.report.then((r) => {
      if (r.status !== 'healthy') entry.maxAgeMs = unhealthyMaxAgeMs;
    });
    last = entry;
  }
  return last.report;
}

export function resetHealthForTests(): void {
  last = undefined;
}
