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
let verified = false;
let background: { stop(): void; nextAttemptAt: number } | undefined;

/** Resolves once residency is verified; rejects with ResidencyViolation or the reason it could not be checked. */
export function ensureResidency(): Promise<void> {
  if (!passed) {
    passed = verifyResidency(settings(), readCosmosAccountLocations).then(
      () => {
        verified = true;
      },
      (error: unknown) => {
        // Keep a violation; forget a transient failure so the next call checks again.
        if (!(error instanceof ResidencyViolation)) passed = undefined;
        throw error;
      },
    );
  }
  return passed;
}

export function residencyVerified(): boolean {
  return verified;
}

export interface BackgroundVerification {
  /** First retry delay; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Told of each failed attempt (the error's name only: a message may carry an endpoint). */
  onFailure?: (error: unknown, retryInMs: number) => void;
}

/**
 * Starts checking residency in the background, retrying a failure to reach Cosmos DB with
 * exponential backoff until it passes. The worker's appStart hook must not await the check: on
 * the real worker a rejected appStart hook fails the worker's start-up, so a Cosmos blip at start
 * would take the whole app down. A violation stops the retries (it is final for the process).
 * Idempotent: a second call while a loop runs does nothing.
 */
export function startResidencyVerification(options: BackgroundVerification = {}): void {
  if (verified || background) return;
  const initial = options.initialDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 60_000;
  let delay = initial;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = { stop: () => ((stopped = true), timer && clearTimeout(timer)), nextAttemptAt: 0 };
  background = loop;
  const attempt = () => {
    if (stopped) return;
    ensureResidency().then(
      () => {
        if (background === loop) background = undefined;
      },
      (error: unknown) => {
        if (stopped) return;
        if (error instanceof ResidencyViolation) {
          if (background === loop) background = undefined;
          options.onFailure?.(error, -1);
          return;
        }
        options.onFailure?.(error, delay);
        loop.nextAttemptAt = Date.now() + delay;
        timer = setTimeout(attempt, delay);
        timer.unref?.();
        delay = Math.min(delay * 2, max);
      },
    );
  };
  attempt();
}

/** Seconds until the background check tries again (for Retry-After); undefined when none is scheduled. */
export function secondsUntilNextResidencyAttempt(): number | undefined {
  if (!background || !background.nextAttemptAt) return undefined;
  return Math.max(1, Math.ceil((background.nextAttemptAt - Date.now()) / 1000));
}

/**
 * For HTTP requests: resolves when verified; while the background loop waits between attempts it
 * rejects at once (a burst of requests must not become a burst of Cosmos calls); otherwise it
 * joins or starts an attempt.
 */
export function residencyForRequest(): Promise<void> {
  if (verified) return Promise.resolve();
  if (background && !passed) return Promise.reject(new Error('residency not verified yet'));
  return ensureResidency();
}

/**
 * For non-HTTP triggers (queues, topics, timers, activities): waits up to `timeoutMs` for the
 * check, trying again on the way, then rejects so the trigger's own retry applies (Service Bus
 * redelivers; a timer runs at its next occurrence).
 */
export async function awaitResidency(timeoutMs: number, pollMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (verified) return;
    try {
      await ensureResidency();
      return;
    } catch (error) {
      if (error instanceof ResidencyViolation || Date.now() + pollMs > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function resetResidencyForTests(): void {
  background?.stop();
  background = undefined;
  passed = undefined;
  verified = false;
}
