import type { Settings } from '../settings';
import { blobServiceClient, serviceBusClient, graphAccessToken } from './clients';
import { ensureResidency, readCosmosAccountLocations } from './residency-check';
import { classifyDependencyFailure, runHealthChecks, type HealthReport, type Probe } from '../health/health-report';

/**
 * Probes for every dependency, each the cheapest real round trip the app's identity can make, plus
 * the capabilities' own checks (`capabilityProbes`, composed in functions/platform/health.ts: the
 * platform knows no capability).
 */
export function dependencyProbes(s: Settings, capabilityProbes: Record<string, Probe> = {}) {
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
    ...capabilityProbes,
  };
}

let last: { at: number; maxAgeMs: number; report: Promise<HealthReport> } | undefined;

/**
 * Probing on every call would let a busy monitor hammer the dependencies: a healthy report is kept
 * 10 s. An unhealthy one only 2 s, so recovery (a dependency slow at start, back after a blip) shows soon.
 */
export function currentHealth(s: Settings, capabilityProbes: Record<string, Probe> = {}, maxAgeMs = 10_000, unhealthyMaxAgeMs = 2_000): Promise<HealthReport> {
  if (!last || Date.now() - last.at > last.maxAgeMs) {
    const entry: { at: number; maxAgeMs: number; report: Promise<HealthReport> } = {
      at: Date.now(),
      maxAgeMs,
      report: runHealthChecks(s.appVersion, dependencyProbes(s, capabilityProbes), classifyDependencyFailure),
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
