import { settings, type Settings } from '../settings';
import { cosmos } from './clients';
import { checkCosmosLocations, checkStaticResidency, configuredEndpoints, ResidencyViolation, type CosmosAccountLocations } from '../residency/residency-guard';

/**
 * Start-up checks, run once per process: the region settings and endpoint hosts (no network),
 * then the Cosmos DB account's own readable and writable locations. A violation is final for the
 * process; a failure to reach Cosmos is not (the next request tries again), but until the check
 * has passed no endpoint serves data.
 */

export type ReadCosmosLocations = () => Promise<CosmosAccountLocations>;

export function checkStaticResidencyOrThrow(s: Settings = settings()): void {
  const findings = checkStaticResidency(s, configuredEndpoints(s));
  if (findings.length) throw new ResidencyViolation(findings);
}

export async function verifyResidency(s: Settings, readLocations: ReadCosmosLocations): Promise<void> {
  checkStaticResidencyOrThrow(s);
  const findings = checkCosmosLocations(s.cosmos.endpoint, await readLocations());
  if (findings.length) throw new ResidencyViolation(findings);
}

export const readCosmosAccountLocations: ReadCosmosLocations = async () => {
  const { resource } = await cosmos().getDatabaseAccount();
  return {
    readable: (resource?.readableLocations ?? []).map((l) => l.name),
    writable: (resource?.writableLocations ?? []).map((l) => l.name),
  };
};

let passed: Promise<void> | undefined;

/** Resolves once residency is verified; rejects with ResidencyViolation or the reason it could not be checked. */
export function ensureResidency(): Promise<void> {
  if (!passed) {
    passed = verifyResidency(settings(), readCosmosAccountLocations).catch((error: unknown) => {
      // Keep a violation; forget a transient failure so the next call checks again.
      if (!(error instanceof ResidencyViolation)) passed = undefined;
      throw error;
    });
  }
  return passed;
}

export function resetResidencyForTests(): void {
  passed = undefined;
}
