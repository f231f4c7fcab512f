import { readFileSync } from 'node:fs';

/**
 * Entities come from a file in the shape of Microsoft's Service Bus emulator `Config.json`
 * (UserConfig.Namespaces[].Queues[]), so one file drives both this emulator and Microsoft's
 * Docker image. Topics in the file are ignored: only queues are emulated.
 */
export interface EmulatorConfig {
  UserConfig: {
    Namespaces: Array<{
      Name?: string;
      Queues?: Array<{ Name: string; Properties?: Partial<QueueConfigProperties> }>;
      Topics?: unknown[];
    }>;
    Logging?: unknown;
  };
}

export interface QueueConfigProperties {
  RequiresSession: boolean;
  MaxDeliveryCount: number;
  LockDuration: string;
  DefaultMessageTimeToLive: string;
  DeadLetteringOnMessageExpiration: boolean;
  RequiresDuplicateDetection: boolean;
  DuplicateDetectionHistoryTimeWindow: string;
  ForwardTo?: string;
  ForwardDeadLetteredMessagesTo?: string;
}

/** Queue settings after defaults are applied, durations in milliseconds. */
export interface QueueSettings {
  name: string;
  requiresSession: boolean;
  maxDeliveryCount: number;
  lockDurationMs: number;
  /** Infinity when messages never expire. */
  defaultTtlMs: number;
  deadLetteringOnExpiration: boolean;
  requiresDuplicateDetection: boolean;
  duplicateWindowMs: number;
}

// Service defaults (Azure portal / ARM): 10 deliveries, 1 minute lock, TTL "forever", 10 minute window.
const DEFAULTS = {
  requiresSession: false,
  maxDeliveryCount: 10,
  lockDurationMs: 60_000,
  defaultTtlMs: Number.POSITIVE_INFINITY,
  deadLetteringOnExpiration: false,
  requiresDuplicateDetection: false,
  duplicateWindowMs: 10 * 60_000,
};

// Azure's "TimeSpan.MaxValue" TTL, written by ARM templates and the official emulator as P10675199D...
const MAX_REASONABLE_MS = 100 * 365 * 24 * 3600_000;

/** ISO 8601 duration (PnDTnHnMnS, as used by Service Bus) to milliseconds. */
export function parseIsoDuration(value: string): number {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!match || value.trim() === 'P' || value.trim().endsWith('T')) {
    throw new Error(`Invalid ISO 8601 duration: ${value}`);
  }
  const [, d, h, m, s] = match;
  const ms = (Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000;
  return ms > MAX_REASONABLE_MS ? Number.POSITIVE_INFINITY : Math.round(ms);
}

export function loadConfig(config: EmulatorConfig | string): EmulatorConfig {
  if (typeof config !== 'string') return config;
  return JSON.parse(readFileSync(config, 'utf8')) as EmulatorConfig;
}

/** All queues of all namespaces (the emulator serves one namespace; names must be unique). */
export function queueSettings(config: EmulatorConfig): QueueSettings[] {
  const namespaces = config?.UserConfig?.Namespaces;
  if (!Array.isArray(namespaces)) throw new Error('Config.json: UserConfig.Namespaces must be an array');
  const result: QueueSettings[] = [];
  const seen = new Set<string>();
  for (const ns of namespaces) {
    for (const q of ns.Queues ?? []) {
      if (!q.Name || typeof q.Name !== 'string') throw new Error('Config.json: every queue needs a Name');
      const key = q.Name.toLowerCase();
      if (seen.has(key)) throw new Error(`Config.json: queue ${q.Name} is declared twice`);
      seen.add(key);
      const p = q.Properties ?? {};
      result.push({
        name: q.Name,
        requiresSession: p.RequiresSession ?? DEFAULTS.requiresSession,
        maxDeliveryCount: p.MaxDeliveryCount ?? DEFAULTS.maxDeliveryCount,
        lockDurationMs: p.LockDuration ? parseIsoDuration(p.LockDuration) : DEFAULTS.lockDurationMs,
        defaultTtlMs: p.DefaultMessageTimeToLive ? parseIsoDuration(p.DefaultMessageTimeToLive) : DEFAULTS.defaultTtlMs,
        deadLetteringOnExpiration: p.DeadLetteringOnMessageExpiration ?? DEFAULTS.deadLetteringOnExpiration,
        requiresDuplicateDetection: p.RequiresDuplicateDetection ?? DEFAULTS.requiresDuplicateDetection,
        duplicateWindowMs: p.DuplicateDetectionHistoryTimeWindow
          ? parseIsoDuration(p.DuplicateDetectionHistoryTimeWindow)
          : DEFAULTS.duplicateWindowMs,
      });
    }
  }
  return result;
}
